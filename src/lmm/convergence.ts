/**
 * Post-fit checks in the manner of lme4's checkConv (Bates et al. 2015, section 3.6.1; lme4
 * `checkConv`, `isSingular`): a finite-difference gradient and Hessian of the deviance at
 * θ̂, the scaled gradient H⁻¹g (lme4 warns when its largest element exceeds 0.002), whether
 * the Hessian is positive definite, and singularity (a Λ diagonal element below 1e-4, i.e. a
 * variance of zero or a correlation of ±1).
 */
import { choleskyInPlace, choleskySolveInPlace } from '../linalg/cholesky.js';
import type { ThetaTermLayout } from './theta.js';
import { thetaIsDiagonal } from './theta.js';

/** Finite-difference derivatives of f at x (central; one-sided next to a lower bound). */
export interface DerivativeCheck {
  readonly gradient: Float64Array;
  readonly maxScaledGradient: number | null;
  readonly hessianPositiveDefinite: boolean | null;
}

/**
 * Gradient and Hessian of `f` at `x` by finite differences with step `h` (lme4 uses 1e-4).
 * Elements within h of their lower bound get one-sided (forward) differences and are left
 * out of the scaled-gradient test, as the optimum may lie on the bound.
 */
export function derivativeCheck(f: (x: Float64Array) => number, x: Float64Array, fx: number, lower: Float64Array, h = 1e-4): DerivativeCheck {
  const n = x.length;
  const g = new Float64Array(n);
  const hess = new Float64Array(n * n);
  const interior = Array.from(x, (v, i) => v - lower[i] > h);
  const xp = Float64Array.from(x);
  const at = (i: number, di: number, j: number, dj: number): number => {
    xp.set(x);
    xp[i] += di;
    if (j >= 0) xp[j] += dj;
    return f(xp);
  };
  const fPlus = new Float64Array(n);
  const fMinus = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    fPlus[i] = at(i, h, -1, 0);
    if (interior[i]) {
      fMinus[i] = at(i, -h, -1, 0);
      g[i] = (fPlus[i] - fMinus[i]) / (2 * h);
      hess[i + i * n] = (fPlus[i] - 2 * fx + fMinus[i]) / (h * h);
    } else {
      g[i] = (fPlus[i] - fx) / h;
    }
  }
  const idx = interior.flatMap((v, i) => (v ? [i] : []));
  for (let a = 0; a < idx.length; a++) {
    for (let b = 0; b < a; b++) {
      const i = idx[a];
      const j = idx[b];
      const v = (at(i, h, j, h) - at(i, h, j, -h) - at(i, -h, j, h) + at(i, -h, j, -h)) / (4 * h * h);
      hess[i + j * n] = v;
      hess[j + i * n] = v;
    }
  }
  const k = idx.length;
  if (k === 0) return { gradient: g, maxScaledGradient: null, hessianPositiveDefinite: null };
  // Cholesky of the interior Hessian, then solve H s = g.
  const a = new Float64Array(k * k);
  for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) a[r + c * k] = hess[idx[r] + idx[c] * n];
  if (!choleskyInPlace(a, k)) return { gradient: g, maxScaledGradient: null, hessianPositiveDefinite: false };
  const s = Float64Array.from(idx, (i) => g[i]);
  choleskySolveInPlace(a, k, s);
  let maxScaled = 0;
  for (let j = 0; j < k; j++) maxScaled = Math.max(maxScaled, Math.abs(s[j]));
  return { gradient: g, maxScaledGradient: maxScaled, hessianPositiveDefinite: true };
}

/** lme4's isSingular: some diagonal element of Λ below `tol`. */
export function isSingularTheta(theta: ArrayLike<number>, layouts: readonly ThetaTermLayout[], tol = 1e-4): boolean {
  const diag = thetaIsDiagonal(layouts);
  for (let i = 0; i < diag.length; i++) if (diag[i] && theta[i] < tol) return true;
  return false;
}
