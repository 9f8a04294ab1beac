/**
 * Normalized prediction distribution errors (Brendel et al. 2006, Pharm Res 23:2036; Comets,
 * Brendel & Mentré 2008, Comput Methods Programs Biomed 90:154). For each subject, K replicates
 * of its design are simulated from the final estimates (η ~ N(0, Ω), ε ~ N(0, Σ) independently
 * per observation); observed and simulated vectors are decorrelated with the Cholesky factor of
 * the empirical covariance of the simulations around their mean, pde_j is the fraction of
 * decorrelated simulations below the decorrelated observation (1/(2K) and 1 − 1/(2K) at the
 * extremes) and npde_j = Φ⁻¹(pde_j). Seeded, so a fit's NPDE are reproducible.
 */
import type { SubjectEvaluator } from '../subject/bound.js';
import { normalQuantile } from '../stats/normal.js';
import type { RandomStream } from '../stats/random.js';
import { choleskyInPlace, forwardSolveInPlace } from '../linalg/cholesky.js';

/** NPDE of one subject. */
export interface NpdeResult {
  readonly npde: Float64Array;
  /** False when the simulated covariance was singular and the observations were not decorrelated. */
  readonly decorrelated: boolean;
}

/**
 * NPDE of one subject, or undefined when fewer than half of the simulations gave a valid
 * prediction. `omegaChol` and `sigmaChol` are the lower Cholesky factors of Ω and Σ, column-major
 * (L[i, j] at [i + j·n], as src/linalg/cholesky.ts leaves them).
 */
export function subjectNpde(
  subject: SubjectEvaluator, theta: Float64Array, omegaChol: Float64Array, sigmaChol: Float64Array,
  nEta: number, nEps: number, samples: number, rng: RandomStream,
): NpdeResult | undefined {
  const n = subject.nObs;
  const sims = new Float64Array(samples * n);
  const f = new Float64Array(n);
  const h = new Float64Array(n * nEps);
  const z = new Float64Array(Math.max(nEta, nEps));
  const eta = new Float64Array(nEta);
  const eps = new Float64Array(nEps);
  let k = 0;
  let failures = 0;
  while (k < samples) {
    for (let m = 0; m < nEta; m++) z[m] = rng.normal();
    for (let m = 0; m < nEta; m++) {
      let s = 0;
      for (let l = 0; l <= m; l++) s += omegaChol[m + l * nEta] * z[l];
      eta[m] = s;
    }
    if (!subject.evaluate(theta, eta, f, h)) {
      if (++failures > samples) return undefined;
      continue;
    }
    for (let j = 0; j < n; j++) {
      for (let m = 0; m < nEps; m++) z[m] = rng.normal();
      for (let m = 0; m < nEps; m++) {
        let s = 0;
        for (let l = 0; l <= m; l++) s += sigmaChol[m + l * nEps] * z[l];
        eps[m] = s;
      }
      let y = f[j];
      for (let m = 0; m < nEps; m++) y += h[j * nEps + m] * eps[m];
      sims[k * n + j] = y;
    }
    k++;
  }
  const mean = new Float64Array(n);
  for (let s = 0; s < samples; s++) for (let j = 0; j < n; j++) mean[j] += sims[s * n + j];
  for (let j = 0; j < n; j++) mean[j] /= samples;
  const cov = new Float64Array(n * n);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < n; i++) {
      const di = sims[s * n + i] - mean[i];
      for (let j = 0; j <= i; j++) cov[i * n + j] += di * (sims[s * n + j] - mean[j]);
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) { cov[i * n + j] /= samples - 1; cov[j * n + i] = cov[i * n + j]; }
  // cov is symmetric: its row-major layout is also its column-major one.
  const decorrelated = choleskyInPlace(cov, n);
  const obs = new Float64Array(n);
  const work = new Float64Array(n);
  for (let j = 0; j < n; j++) obs[j] = subject.dv[j] - mean[j];
  if (decorrelated) forwardSolveInPlace(cov, n, obs);
  const below = new Float64Array(n);
  for (let s = 0; s < samples; s++) {
    for (let j = 0; j < n; j++) work[j] = sims[s * n + j] - mean[j];
    if (decorrelated) forwardSolveInPlace(cov, n, work);
    for (let j = 0; j < n; j++) if (work[j] < obs[j]) below[j]++;
  }
  const npde = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let pde = below[j] / samples;
    if (pde <= 0) pde = 1 / (2 * samples);
    if (pde >= 1) pde = 1 - 1 / (2 * samples);
    npde[j] = normalQuantile(pde);
  }
  return { npde, decorrelated };
}
