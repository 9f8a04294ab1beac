/**
 * fitPopulation: estimate θ, Ω and Σ of a BoundModel by FO, FOCE, FOCE-I or Laplace, run the
 * covariance step and compute the diagnostics. Stages, each usable alone:
 *   ParameterMap (x ↔ θ, Ω, Σ) → PopulationObjective (OFV) → minimizeQuasiNewton → a check of the
 *   inner modes from η = 0 (resuming the minimization if one was trapped) → covarianceStep
 *   → computeDiagnostics → checks of the estimates (src/estimation/fit-checks.ts). Etas with
 *   a variance fixed at 0 are pinned at 0 (src/estimation/zero-variance-etas.ts).
 * The BoundModel is never modified; the FitResult keeps the optimization record.
 */
import { NumericalError, PopkitError } from '../errors.js';
import type { BoundModel } from '../subject/bound.js';
import { covarianceStep } from './covariance-step.js';
import { computeDiagnostics } from './diagnostics.js';
import { minimizeQuasiNewton } from '../optim/quasi-newton.js';
import { ParameterMap, type PopulationValues } from './parameter-map.js';
import { PopulationObjective } from './population-objective.js';
import { choleskyInPlace } from '../linalg/cholesky.js';
import { residualVariances } from './subject-workspace.js';
import { restoreEtas, withoutEtas, zeroVarianceEtas } from './zero-variance-etas.js';
import { fitWarnings } from './fit-checks.js';
import { estimationMethod } from './methods/index.js';
import type { CovarianceStepResult, FitOptions, FitResult } from './types.js';

const LOG_2PI = Math.log(2 * Math.PI);
/** At most this many checks of the inner modes from η = 0 (each may resume the minimization). */
const MODE_CHECK_ROUNDS = 3;

/**
 * Fit a population model. Returns a new FitResult (OFV in NONMEM's convention, without
 * N·log 2π, and with it); throws PopkitError for a model the method cannot handle and
 * NumericalError when the objective has no value at the initial estimates.
 * Example: `const fit = fitPopulation(bound, { method: 'focei' }); fit.ofv; fit.covariance?.se`.
 */
export function fitPopulation(bound: BoundModel, options: FitOptions = {}): FitResult {
  const pinned = zeroVarianceEtas(bound.parameters.omega, bound.name);
  const fit = pinned.length === 0 ? fitWithThreads(bound, options) : (() => {
    const { reduced, keep } = withoutEtas(bound, pinned);
    return restoreEtas(fitWithThreads(reduced, options), bound, keep);
  })();
  return { ...fit, warnings: [...fit.warnings, ...fitWarnings(fit, bound.parameters)] };
}

/** The fit proper; worker threads (options.workers) are stopped when it ends, also on error. */
function fitWithThreads(bound: BoundModel, options: FitOptions): FitResult {
  const objectives: PopulationObjective[] = [];
  try {
    return fitWithObjectives(bound, options, objectives);
  } finally {
    for (const o of objectives) o.close();
  }
}

/** fitPopulation, recording each objective it creates in `objectives` (to be closed by the caller). */
function fitWithObjectives(bound: BoundModel, options: FitOptions, objectives: PopulationObjective[]): FitResult {
  const t0 = performance.now();
  const method = options.method ?? 'focei';
  const module = estimationMethod(method);
  checkBound(bound);
  const map = new ParameterMap(bound.parameters);
  const objective = new PopulationObjective(bound, method, options.inner, { workers: options.workers, waitForWorkers: options.waitForWorkers, threads: options.threads });
  objectives.push(objective);
  const values = map.allocateValues();
  const lastX = new Float64Array(map.nFree);
  const acceptedX = new Float64Array(map.nFree);
  const dx = new Float64Array(map.nFree);
  const f = (x: Float64Array): number => {
    map.valuesFromX(x, values);
    lastX.set(x);
    for (let k = 0; k < dx.length; k++) dx[k] = x[k] - acceptedX[k];
    return objective.evaluate(values, dx);
  };
  // Finite-difference step of the outer gradient from the OFV's numerical noise ε at the
  // start (central differences: error ≈ ε/h + h²·f‴/6, so h ∝ ε^(1/3)); ODE models are noisier.
  map.valuesFromX(new Float64Array(map.nFree), values);
  let gradientStep = 1e-4;
  const ofvStart = objective.evaluate(values);
  if (Number.isFinite(ofvStart)) {
    objective.acceptModes();
    const noise = objective.estimateNoise(values, ofvStart);
    if (Number.isFinite(noise)) gradientStep = Math.min(1e-2, Math.max(1e-4, 0.1 * Math.cbrt(noise)));
  }
  const maxIterations = options.maxIterations ?? 500;
  let optimization = minimizeQuasiNewton(f, new Float64Array(map.nFree), {
    maxIterations, gradientStep,
    onAccept: () => { objective.acceptModes(); acceptedX.set(lastX); },
    onIteration: options.onIteration,
  });
  if (optimization.reason === 'non-finite-start') {
    throw new NumericalError(`${bound.name}: ${optimization.status}. ${diagnoseInitialFailure(bound, map.initialValues()) ?? optimization.message}`);
  }
  // Warm starts can leave some subjects in an inferior local mode of their inner problem:
  // re-solve them from η = 0 at the minimum and, if any improves, resume the minimization.
  const warnings: string[] = [];
  let totalIterations = optimization.iterations;
  let totalEvaluations = optimization.evaluations;
  for (let round = 0; round < MODE_CHECK_ROUNDS; round++) {
    map.valuesFromX(optimization.x, values);
    const improved = objective.improveModes(values);
    if (improved === 0) break;
    warnings.push(`the conditional modes of ${improved} subject(s) were trapped in inferior local modes; `
      + 're-solved from η = 0 and the minimization resumed');
    acceptedX.set(optimization.x);
    const previous = optimization;
    optimization = minimizeQuasiNewton(f, Float64Array.from(optimization.x), {
      maxIterations: Math.max(0, maxIterations - totalIterations), gradientStep,
      onAccept: () => { objective.acceptModes(); acceptedX.set(lastX); },
      onIteration: options.onIteration && ((i, ofv, e) => options.onIteration!(totalIterations + i, ofv, totalEvaluations + e)),
    });
    if (optimization.reason === 'non-finite-start') { optimization = previous; break; }
    totalIterations += optimization.iterations;
    totalEvaluations += optimization.evaluations;
  }
  // Final point: evaluate there so the workspaces and warm starts belong to it.
  map.valuesFromX(optimization.x, values);
  const ofv = objective.evaluate(values);
  objective.acceptModes();
  const perSubjectOfv = Float64Array.from(objective.perSubject);
  if (objective.innerFailures > 0) {
    warnings.push(`the conditional modes of ${objective.innerFailures} subject(s) did not meet their tolerance at the final estimates`);
  }
  const tEstimation = performance.now();

  const covMethod = options.covariance ?? 'rsr';
  let covariance: CovarianceStepResult | undefined;
  if (covMethod !== 'none' && map.nFree > 0) covariance = covarianceStep(objective, map, values, covMethod);
  const tCovariance = performance.now();

  // A method without conditional modes (FO) takes its post hoc modes from another (FOCE).
  const modes = module.posthoc !== undefined ? new PopulationObjective(bound, module.posthoc, options.inner, { workers: 1 }) : objective;
  if (modes !== objective) modes.evaluate(values);
  const diagnostics = computeDiagnostics(bound, modes, values, method, perSubjectOfv, {
    npdeSamples: options.npdeSamples ?? 1000, seed: options.seed ?? 12345,
  });
  warnings.push(...diagnostics.warnings);
  const tEnd = performance.now();

  const nObs = objective.nObs;
  const ofvWithConstant = ofv + nObs * LOG_2PI;
  const k = map.estimated.length;
  return {
    modelName: bound.name,
    method,
    ofv,
    ofvWithConstant,
    nObs,
    nSubjects: bound.subjects.length,
    nParameters: k,
    aic: ofvWithConstant + 2 * k,
    bic: ofvWithConstant + k * Math.log(nObs),
    thetaNames: bound.parameters.theta.map((t) => t.name),
    thetaFixed: bound.parameters.theta.map((t) => t.fixed),
    theta: Float64Array.from(values.theta),
    omegaNames: bound.parameters.omega.names,
    omega: Float64Array.from(values.omega),
    sigmaNames: bound.parameters.sigma.names,
    sigma: Float64Array.from(values.sigma),
    estimated: map.estimated,
    estimates: map.originalFromValues(values),
    converged: optimization.converged,
    status: optimization.status,
    significantDigits: optimization.significantDigits,
    iterations: totalIterations,
    evaluations: totalEvaluations,
    optimization,
    covariance,
    subjects: diagnostics.subjects,
    individualParameterNames: bound.individualParameterNames ?? [],
    shrinkage: diagnostics.shrinkage,
    hessian: module.hessian,
    warnings,
    workers: objective.workers,
    elapsedSeconds: {
      estimation: (tEstimation - t0) / 1000,
      covariance: (tCovariance - tEstimation) / 1000,
      diagnostics: (tEnd - tCovariance) / 1000,
      total: (tEnd - t0) / 1000,
    },
  };
}

/** Which subject and observation make the objective fail at `values`, in words; undefined if none is found. */
function diagnoseInitialFailure(bound: BoundModel, values: PopulationValues): string | undefined {
  const zeros = new Float64Array(bound.nEta);
  for (const s of bound.subjects) {
    const f = new Float64Array(s.nObs);
    const h = new Float64Array(s.nObs * bound.nEps);
    if (!s.evaluate(values.theta, zeros, f, h)) {
      return `The model gives no prediction for subject ${s.id} at the initial estimates (η = 0); check the initial estimates and this subject's records.`;
    }
    const r = new Float64Array(s.nObs);
    for (let j = 0; j < s.nObs; j++) {
      if (!Number.isFinite(f[j])) return `Subject ${s.id}, record ${s.obsRecords[j] + 1}: the prediction is not a finite number at the initial estimates.`;
    }
    if (!residualVariances(h, values.sigma, s.nObs, bound.nEps, r)) {
      const j = Array.from({ length: s.nObs }, (_, k) => k).find((k) => {
        let v = 0;
        for (let a = 0; a < bound.nEps; a++) for (let b = 0; b < bound.nEps; b++) v += h[k * bound.nEps + a] * values.sigma[a * bound.nEps + b] * h[k * bound.nEps + b];
        return !(v > 0);
      }) ?? 0;
      return `Subject ${s.id}, record ${s.obsRecords[j] + 1}: the residual variance is not positive at the initial estimates `
        + `(prediction ${f[j]}; a proportional error model cannot fit an observation whose prediction is 0, e.g. before the first dose).`;
    }
  }
  return undefined;
}

function checkBound(bound: BoundModel): void {
  const p = bound.parameters;
  if (bound.nEta !== p.omega.names.length) throw new PopkitError(`${bound.name}: nEta (${bound.nEta}) differs from the ${p.omega.names.length} OMEGA names`);
  if (bound.nEps !== p.sigma.names.length) throw new PopkitError(`${bound.name}: nEps (${bound.nEps}) differs from the ${p.sigma.names.length} SIGMA names`);
  if (bound.nEta === 0) throw new PopkitError(`${bound.name}: the model has no random effects (η); population estimation needs at least one`);
  if (bound.subjects.length === 0) throw new PopkitError(`${bound.name}: the data has no subjects`);
  const omega = Float64Array.from(p.omega.init);
  if (!choleskyInPlace(omega, bound.nEta)) {
    throw new PopkitError(`${bound.name}: the initial OMEGA is not positive definite`);
  }
  const nObs = bound.subjects.reduce((s, x) => s + x.nObs, 0);
  if (nObs === 0) throw new PopkitError(`${bound.name}: the data has no observations (MDV = 0 records)`);
  for (const s of bound.subjects) {
    for (let j = 0; j < s.nObs; j++) {
      if (!Number.isFinite(s.dv[j])) throw new PopkitError(`${bound.name}: subject ${s.id} has a missing or non-numeric DV on an observation record (record ${s.obsRecords[j] + 1})`);
    }
  }
}
