/**
 * The covariance step (NONMEM $COVARIANCE) on the original scale of the estimated
 * parameters p (θs, Ω and Σ elements):
 *   R = ∇²OFV (Hessian of −2LL), S = Σ_i g_i g_iᵀ with g_i = ∇OFV_i,
 *   MATRIX=RSR (default) R⁻¹ S R⁻¹;  MATRIX=R 2R⁻¹;  MATRIX=S 4S⁻¹
 * (the factors come from R and S being on the −2LL scale; see METHODS.md).
 * R and the g_i are central finite differences of the OFV with every subject's inner problem
 * re-solved from its final mode (relative step 1e-3, enlarged where the OFV's numerical noise
 * would swamp the second difference; O(h²) formulas throughout): 1 + 2p + p(p − 1) objective
 * evaluations and a few more for noisy (ODE) models.
 * When a matrix cannot be inverted the step reports which one and why; the fit keeps its estimates.
 */
import type { ParameterMap, PopulationValues } from './parameter-map.js';
import type { PopulationObjective } from './population-objective.js';
import { spdInverse } from '../linalg/cholesky.js';
import { symmetricEigen } from '../linalg/symmetric-eigen.js';
import type { CovarianceMethod, CovarianceStepResult } from './types.js';

/** Relative finite-difference step on the original parameter scale. */
const RELATIVE_STEP = 1e-3;

/**
 * Run the covariance step at the final estimates `values` (the objective's warm starts must
 * be the final modes). Never throws for numerical failure: see `status` and `message`.
 */
export function covarianceStep(
  objective: PopulationObjective, map: ParameterMap, values: PopulationValues, method: Exclude<CovarianceMethod, 'none'>,
): CovarianceStepResult {
  const start = performance.now();
  const p0 = map.originalFromValues(values);
  const np = p0.length;
  const nSub = objective.perSubject.length;
  const parameters = map.estimated;
  const elapsed = (): number => (performance.now() - start) / 1000;
  const fail = (message: string, rMatrix?: Float64Array, sMatrix?: Float64Array): CovarianceStepResult =>
    ({ method, status: 'failed', message, parameters, rMatrix, sMatrix, elapsedSeconds: elapsed() });

  const steps = Float64Array.from(parameters, (e, k) => {
    if (p0[k] !== 0) return RELATIVE_STEP * Math.abs(p0[k]);
    if (e.kind !== 'theta' && e.row !== e.col) {
      const n = e.kind === 'omega' ? map.nEta : map.nEps;
      const m = e.kind === 'omega' ? values.omega : values.sigma;
      return RELATIVE_STEP * Math.sqrt(m[e.row * n + e.row] * m[e.col * n + e.col]);
    }
    return RELATIVE_STEP;
  });
  const trial = map.allocateValues();
  const p = new Float64Array(np);
  const dp = new Float64Array(np);
  // Warm starts predicted from dη̂/dp, learnt from the single-coordinate perturbations first.
  objective.resetSensitivities();
  const evalAt = (perturb: (q: Float64Array) => void, perSubject?: Float64Array): number => {
    p.set(p0);
    perturb(p);
    map.valuesFromOriginal(p, trial);
    for (let k = 0; k < np; k++) dp[k] = p[k] - p0[k];
    const v = objective.evaluate(trial, dp);
    if (perSubject && Number.isFinite(v)) perSubject.set(objective.perSubject);
    return v;
  };

  // Numerical noise ε of the OFV: a step h whose second difference is swamped by it
  // (4ε/h² not small against R_kk) is enlarged, up to 5% of the parameter's scale.
  const f0 = evalAt(() => undefined);
  const noise = objective.estimateNoise(values, f0);
  if (!Number.isFinite(f0) || !Number.isFinite(noise)) return fail('the objective has no value at the final estimates');
  const fPlus = new Float64Array(np);
  const fMinus = new Float64Array(np);
  const gi = new Float64Array(nSub * np);
  const subPlus = new Float64Array(nSub);
  const subMinus = new Float64Array(nSub);
  const rMat = new Float64Array(np * np);
  for (let k = 0; k < np; k++) {
    const maxStep = 50 * steps[k];
    for (let round = 0; ; round++) {
      fPlus[k] = evalAt((q) => { q[k] += steps[k]; }, subPlus);
      fMinus[k] = evalAt((q) => { q[k] -= steps[k]; }, subMinus);
      if (!Number.isFinite(fPlus[k]) || !Number.isFinite(fMinus[k])) {
        return fail(`the objective has no value next to the estimate of ${parameters[k].label} (${parameters[k].name}); R and S could not be computed`);
      }
      rMat[k * np + k] = (fPlus[k] - 2 * f0 + fMinus[k]) / (steps[k] * steps[k]);
      const noiseRatio = (4 * noise) / (steps[k] * steps[k] * Math.abs(rMat[k * np + k]));
      if (!(noiseRatio > 0.01) || steps[k] >= maxStep || round >= 4) break;
      steps[k] = Math.min(maxStep, steps[k] * 1.2 * Math.sqrt(noiseRatio / 0.01));
    }
    for (let i = 0; i < nSub; i++) gi[i * np + k] = (subPlus[i] - subMinus[i]) / (2 * steps[k]);
  }
  // Off-diagonal, from the two diagonal displacements ±(h_k e_k + h_l e_l):
  //   R_kl = [f(+k+l) + f(−k−l) − f(+k) − f(−k) − f(+l) − f(−l) + 2f0] / (2 h_k h_l),
  // whose odd terms cancel, so its truncation error is O(h²) like the diagonal's (a one-sided
  // formula's O(h) error, ~1e-3 relative at h = 1e-3, would show in the third digit of the SEs).
  for (let k = 0; k < np; k++) {
    for (let l = 0; l < k; l++) {
      const fpp = evalAt((q) => { q[k] += steps[k]; q[l] += steps[l]; });
      const fmm = evalAt((q) => { q[k] -= steps[k]; q[l] -= steps[l]; });
      if (!Number.isFinite(fpp) || !Number.isFinite(fmm)) {
        return fail(`the objective has no value next to the estimates of ${parameters[k].label} and ${parameters[l].label}; R could not be computed`);
      }
      const v = (fpp + fmm - fPlus[k] - fMinus[k] - fPlus[l] - fMinus[l] + 2 * f0) / (2 * steps[k] * steps[l]);
      rMat[k * np + l] = v;
      rMat[l * np + k] = v;
    }
  }
  // Leave the objective's workspaces at the final estimates.
  objective.resetSensitivities();
  objective.evaluate(values);
  const sMat = new Float64Array(np * np);
  for (let i = 0; i < nSub; i++) {
    for (let k = 0; k < np; k++) {
      for (let l = 0; l < np; l++) sMat[k * np + l] += gi[i * np + k] * gi[i * np + l];
    }
  }

  // R, S and their inverses are symmetric: row-major and column-major layouts coincide.
  let cov: Float64Array;
  if (method === 's') {
    const sInv = spdInverse(sMat, np);
    if (!sInv) return fail(`S matrix is singular or not positive definite (smallest eigenvalue ${fmt(smallestEigenvalue(sMat, np))}${nSub < np ? `; ${nSub} subjects for ${np} parameters` : ''})`, rMat, sMat);
    cov = sInv.inverse.map((v) => 4 * v);
  } else {
    const rInv = spdInverse(rMat, np);
    if (!rInv) return fail(`R matrix is not positive definite (smallest eigenvalue ${fmt(smallestEigenvalue(rMat, np))}): the estimates may not be at a minimum or a parameter is not identifiable`, rMat, sMat);
    if (method === 'r') {
      cov = rInv.inverse.map((v) => 2 * v);
    } else {
      cov = sandwich(rInv.inverse, sMat, np);
    }
  }
  const se = new Float64Array(np);
  for (let k = 0; k < np; k++) {
    const v = cov[k * np + k];
    if (!(v > 0) || !Number.isFinite(v)) {
      return fail(`the ${method.toUpperCase()} covariance matrix has a non-positive variance for ${parameters[k].label} (${parameters[k].name})`, rMat, sMat);
    }
    se[k] = Math.sqrt(v);
  }
  const correlation = new Float64Array(np * np);
  for (let k = 0; k < np; k++) for (let l = 0; l < np; l++) correlation[k * np + l] = cov[k * np + l] / (se[k] * se[l]);
  const eigenvalues = symmetricEigen(correlation, np)?.values;
  const conditionNumber = eigenvalues !== undefined && eigenvalues[0] > 0 ? eigenvalues[np - 1] / eigenvalues[0] : Infinity;
  return {
    method, status: 'ok', message: `covariance step successful (${method === 'rsr' ? 'R⁻¹SR⁻¹' : method === 'r' ? '2R⁻¹' : '4S⁻¹'})`,
    parameters, covariance: cov, se, correlation, eigenvalues, conditionNumber, rMatrix: rMat, sMatrix: sMat, elapsedSeconds: elapsed(),
  };
}

/** A⁻¹ S A⁻¹ for symmetric p×p matrices. */
function sandwich(aInv: Float64Array, s: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let v = 0;
    for (let k = 0; k < n; k++) v += aInv[i * n + k] * s[k * n + j];
    t[i * n + j] = v;
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let v = 0;
    for (let k = 0; k < n; k++) v += t[i * n + k] * aInv[k * n + j];
    out[i * n + j] = v;
    out[j * n + i] = v;
  }
  return out;
}

/** Smallest eigenvalue of a symmetric matrix (NaN when it has non-finite entries), for messages. */
function smallestEigenvalue(a: Float64Array, n: number): number {
  return symmetricEigen(a, n)?.values[0] ?? NaN;
}

function fmt(v: number): string {
  return v.toPrecision(3);
}
