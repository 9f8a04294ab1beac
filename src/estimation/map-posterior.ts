/**
 * The posterior of one patient's random effects: the MAP estimate (posterior mode) of η and
 * its Laplace approximation.
 *
 * The MAP estimate is the estimation layer's inner problem with interaction (FOCE-I): η̂
 * minimizes l(η) = Σ_j [(y_j − f_j(η))² / R_j(η) + log R_j(η)] + ηᵀ Ω⁻¹ η, which is −2 log p(η | y)
 * up to a constant (src/estimation/subject-objective.ts; Wang 2007, J Pharmacokinet
 * Pharmacodyn 34:575). So the MAP estimate of a patient equals the EBE that `popkit fit`
 * reports for that patient after a FOCE-I fit with the same parameters.
 *
 * Posterior covariance (Laplace approximation): the posterior is approximated by
 * N(η̂, H⁻¹) with H = Ω⁻¹ + Σ_j [a_j a_jᵀ / R_j + ½ r′_j r′_jᵀ / R_j²] (a = ∂f/∂η, r′ = ∂R/∂η at
 * η̂), the expected (Fisher) information form of ½ ∇²l that the estimation layer uses for
 * FOCE-I. Without levels, η̂ = 0 and H⁻¹ = Ω: the prior.
 */
import { PopkitError } from '../errors.js';
import type { SubjectEvaluator } from '../subject/bound.js';
import { spdInverse } from '../linalg/cholesky.js';
import { expandMatrix, pinEtas, restrictMatrix } from './zero-variance-etas.js';
import { conditionalGradient, findConditionalMode, SubjectScratch } from './subject-objective.js';
import { SubjectWorkspace } from './subject-workspace.js';
import type { PopulationParameters } from '../model/parameter-spec.js';

/** A patient's posterior of η. */
export interface EtaPosterior {
  /** Posterior mode η̂ (MAP estimate); 0 without levels. */
  readonly eta: Float64Array;
  /** Laplace covariance H⁻¹ (nEta × nEta, row-major); Ω without levels. */
  readonly covariance: Float64Array;
  /** Number of levels used. */
  readonly nObs: number;
  /** l(η̂) (−2 log posterior up to a constant); 0 without levels. */
  readonly objective: number;
  /** True when the mode met the inner problem's tolerance. */
  readonly converged: boolean;
}

/** Settings of the mode search (as the estimation layer's inner problem). */
export interface PosteriorOptions {
  /** Newton step tolerance in η units (default 1e-9). */
  readonly stepTolerance?: number;
  /** Iteration cap (default 200). */
  readonly maxIterations?: number;
  /** Finite-difference step in η when the model gives no derivatives (default 1e-5). */
  readonly fdStep?: number;
}

/**
 * The posterior of η for `subject` (bound to the patient's history and levels) at the
 * population parameters `values`. Ω must be positive definite apart from etas whose variance
 * is 0 (switched off, `eta ~ 0 FIX`): those are 0 with no posterior variance. Throws
 * PopkitError when Ω is not positive definite or the model gives no valid prediction for the
 * levels.
 * Example: `etaPosterior(bindModel(model, patient).subjects[0], nEta, nEps, values).eta`.
 */
export function etaPosterior(
  subject: SubjectEvaluator, nEta: number, nEps: number, values: PopulationParameters, options: PosteriorOptions = {},
): EtaPosterior {
  const q = nEta;
  const keep = Array.from({ length: q }, (_, m) => m).filter((m) => values.omega[m * q + m] !== 0);
  if (keep.length < q && keep.length > 0) {
    const reduced = etaPosterior(pinEtas(subject, keep, q, nEps), keep.length, nEps,
      { ...values, omega: restrictMatrix(values.omega, q, keep) }, options);
    const eta = new Float64Array(q);
    keep.forEach((m, k) => { eta[m] = reduced.eta[k]!; });
    return { ...reduced, eta, covariance: expandMatrix(reduced.covariance, q, keep) };
  }
  // Ω and H are symmetric: their row-major and column-major layouts coincide, and so do their inverses'.
  const omegaInverse = spdInverse(values.omega, q);
  if (omegaInverse === null) {
    throw new PopkitError('OMEGA is not positive definite; a MAP estimate needs every eta to have a variance > 0');
  }
  const omegaInv = omegaInverse.inverse;
  if (subject.nObs === 0) {
    return { eta: new Float64Array(q), covariance: Float64Array.from(values.omega), nObs: 0, objective: 0, converged: true };
  }
  const ws = new SubjectWorkspace(subject, q, nEps, options.fdStep ?? 1e-5);
  const scratch = new SubjectScratch(q, subject.nObs);
  const ctx = { theta: values.theta, sigma: values.sigma, omega: values.omega, omegaInv, logDetOmega: omegaInverse.logDet };
  ws.eta.fill(0);
  const ok = findConditionalMode(ws, ctx, true,
    { stepTolerance: options.stepTolerance ?? 1e-9, maxIterations: options.maxIterations ?? 200 }, scratch);
  if (!ok) {
    throw new PopkitError(`patient ${subject.id}: the model gives no valid prediction of the levels at the typical parameters; check the dosing history and units`);
  }
  const g = new Float64Array(q);
  const h = new Float64Array(q * q);
  conditionalGradient(ws, ws.eta, omegaInv, ws.r, true, g, h);
  const posterior = spdInverse(h, q);
  if (posterior === null) throw new PopkitError(`patient ${subject.id}: the posterior information matrix is not positive definite`);
  const covariance = posterior.inverse;
  let objective = 0;
  for (let j = 0; j < ws.n; j++) objective += (subject.dv[j]! - ws.f[j]!) ** 2 / ws.r[j]! + Math.log(ws.r[j]!);
  for (let m = 0; m < q; m++) for (let k = 0; k < q; k++) objective += ws.eta[m]! * omegaInv[m * q + k]! * ws.eta[k]!;
  return { eta: Float64Array.from(ws.eta), covariance, nObs: subject.nObs, objective, converged: scratch.innerFailures === 0 };
}
