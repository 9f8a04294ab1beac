/**
 * Finite-difference derivatives of objectives (gradient, Hessian) and of vector functions
 * (Jacobian), for when a model offers no analytic derivatives.
 *
 * Step sizes (Nocedal & Wright, Numerical Optimization, 2nd ed. 2006, §8.1; Dennis &
 * Schnabel 1983, §5.4), with ε = 2.2e-16 the double precision machine epsilon:
 *   forward difference   h_i = ε^(1/2) · max(|x_i|, 1)   (truncation O(h), total error ~ ε^(1/2))
 *   central difference   h_i = ε^(1/3) · max(|x_i|, 1)   (truncation O(h²), total error ~ ε^(2/3))
 *   Hessian from values  h_i = ε^(1/4) · max(|x_i|, 1)   (second differences, error ~ ε^(1/2))
 * Each step is rounded so that x_i + h_i − x_i = h_i exactly (Dennis & Schnabel, Alg. A5.6.3).
 * The errors quoted assume f is computed to full precision; a noisier f (e.g. an ODE
 * solution at relative tolerance τ) needs a larger `relativeStep` (about τ^(1/3) central).
 *
 * The input point `x` is never modified: perturbed points are built in a work buffer.
 * Functions return false (never NaN as a result) when the objective has no finite value
 * where it is needed; the outputs are then unspecified.
 */
import type { GradientFunction, ObjectiveFunction } from './types.js';

const EPS = 2.220446049250313e-16;
/** Default relative step for forward differences: ε^(1/2). */
export const FORWARD_STEP = Math.sqrt(EPS);
/** Default relative step for central differences: ε^(1/3). */
export const CENTRAL_STEP = Math.cbrt(EPS);
/** Default relative step for second differences of function values: ε^(1/4). */
export const HESSIAN_STEP = Math.sqrt(Math.sqrt(EPS));

export interface FiniteDiffOptions {
  /** 'central' (default, 2n evaluations) or 'forward' (n evaluations, plus one for f(x) unless `f0`). */
  method?: 'central' | 'forward';
  /** Relative step replacing the defaults above (h_i = relativeStep · max(|x_i|, 1)). */
  relativeStep?: number;
  /** f(x) when the caller already has it (saves an evaluation). */
  f0?: number;
  /** Scratch buffer of length ≥ n; allocated when absent. */
  work?: Float64Array;
}

/** h = x + h − x, so that the perturbed point differs from x by exactly the step used. */
function exactStep(xi: number, h: number): number {
  return xi + h - xi;
}

/**
 * Gradient of f at x by finite differences, written into g (length n = x.length).
 * Central differences by default; where f is not finite on one side of x_i, that component
 * falls back to the one-sided difference on the other side (so a point at the edge of the
 * model's domain still gets a gradient). Returns false if some component has no finite
 * difference at all (or f(x) is needed and not finite).
 * Evaluations: 2n (central) or n + 1 (forward; n with `f0`), plus 1 for a fallback.
 *
 * Example: `gradientFD(x => x[0] ** 2, Float64Array.of(3), g)` → g ≈ [6] (error ~1e-10).
 */
export function gradientFD(
  f: ObjectiveFunction, x: Float64Array, g: Float64Array, options: FiniteDiffOptions = {},
): boolean {
  const n = x.length;
  const central = (options.method ?? 'central') === 'central';
  const rel = options.relativeStep ?? (central ? CENTRAL_STEP : FORWARD_STEP);
  const w = options.work ?? new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = x[i];
  let f0 = options.f0 ?? NaN;
  let haveF0 = options.f0 !== undefined;
  let ok = true;
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const h = rel * Math.max(Math.abs(xi), 1);
    const hp = exactStep(xi, h);
    w[i] = xi + hp;
    const fp = f(w);
    let fm = NaN;
    let hm = hp;
    if (central || !Number.isFinite(fp)) {
      hm = xi - (xi - h);
      w[i] = xi - hm;
      fm = f(w);
    }
    w[i] = xi;
    const okP = Number.isFinite(fp);
    const okM = Number.isFinite(fm);
    if (central && okP && okM) {
      g[i] = (fp - fm) / (hp + hm);
      continue;
    }
    if (!okP && !okM) { g[i] = NaN; ok = false; continue; }
    if (!haveF0) { f0 = f(x); haveF0 = true; }
    if (!Number.isFinite(f0)) { g[i] = NaN; ok = false; continue; }
    g[i] = okP ? (fp - f0) / hp : (f0 - fm) / hm;
  }
  return ok;
}

/**
 * Hessian of f at x from function values, by central second differences (n×n column-major,
 * symmetric, written into H): diagonal (f(x+h_i) − 2f(x) + f(x−h_i)) / h_i², off-diagonal
 * the four-point formula [f(+h_i,+h_j) − f(+h_i,−h_j) − f(−h_i,+h_j) + f(−h_i,−h_j)] / (4 h_i h_j)
 * (Abramowitz & Stegun 25.3.26). Evaluations: 2n² + 1 (2n² with `f0`).
 * Returns false if f is not finite at one of the points.
 */
export function hessianFD(
  f: ObjectiveFunction, x: Float64Array, H: Float64Array, options: FiniteDiffOptions = {},
): boolean {
  const n = x.length;
  const rel = options.relativeStep ?? HESSIAN_STEP;
  const w = options.work ?? new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = x[i];
  const f0 = options.f0 ?? f(x);
  if (!Number.isFinite(f0)) return false;
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const hi = exactStep(xi, rel * Math.max(Math.abs(xi), 1));
    w[i] = xi + hi;
    const fp = f(w);
    w[i] = xi - hi;
    const fm = f(w);
    w[i] = xi;
    if (!Number.isFinite(fp) || !Number.isFinite(fm)) return false;
    H[i + i * n] = (fp - 2 * f0 + fm) / (hi * hi);
    for (let j = 0; j < i; j++) {
      const xj = x[j];
      const hj = exactStep(xj, rel * Math.max(Math.abs(xj), 1));
      w[i] = xi + hi; w[j] = xj + hj;
      const fpp = f(w);
      w[j] = xj - hj;
      const fpm = f(w);
      w[i] = xi - hi;
      const fmm = f(w);
      w[j] = xj + hj;
      const fmp = f(w);
      w[i] = xi; w[j] = xj;
      if (!Number.isFinite(fpp) || !Number.isFinite(fpm) || !Number.isFinite(fmp) || !Number.isFinite(fmm)) {
        return false;
      }
      const hij = (fpp - fpm - fmp + fmm) / (4 * hi * hj);
      H[i + j * n] = hij;
      H[j + i * n] = hij;
    }
  }
  return true;
}

/** Work buffers for hessianFromGradientFD: x copy and two gradients (n each). */
export interface GradientDiffWork {
  x: Float64Array;
  gPlus: Float64Array;
  gMinus: Float64Array;
}

/** Allocates the work buffers of hessianFromGradientFD for dimension n. */
export function createGradientDiffWork(n: number): GradientDiffWork {
  return { x: new Float64Array(n), gPlus: new Float64Array(n), gMinus: new Float64Array(n) };
}

/**
 * Hessian from an analytic (or otherwise accurate) gradient by central differences of the
 * gradient, column i = (g(x + h_i e_i) − g(x − h_i e_i)) / (2 h_i), then symmetrized as
 * (H + Hᵀ)/2 (n×n column-major, into H). Steps as for central gradients (ε^(1/3)).
 * 2n gradient evaluations. Returns false if a gradient is not finite.
 */
export function hessianFromGradientFD(
  grad: GradientFunction, x: Float64Array, H: Float64Array,
  options: { relativeStep?: number; work?: GradientDiffWork } = {},
): boolean {
  const n = x.length;
  const rel = options.relativeStep ?? CENTRAL_STEP;
  const { x: w, gPlus: gp, gMinus: gm } = options.work ?? createGradientDiffWork(n);
  for (let i = 0; i < n; i++) w[i] = x[i];
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const h = rel * Math.max(Math.abs(xi), 1);
    const hp = exactStep(xi, h);
    const hm = xi - (xi - h);
    w[i] = xi + hp;
    const fp = grad(w, gp);
    w[i] = xi - hm;
    const fm = grad(w, gm);
    w[i] = xi;
    if (!Number.isFinite(fp) || !Number.isFinite(fm)) return false;
    const inv = 1 / (hp + hm);
    for (let k = 0; k < n; k++) {
      const v = (gp[k] - gm[k]) * inv;
      if (!Number.isFinite(v)) return false;
      H[k + i * n] = v;
    }
  }
  for (let j = 0; j < n; j++) {
    for (let i = j + 1; i < n; i++) {
      const v = 0.5 * (H[i + j * n] + H[j + i * n]);
      H[i + j * n] = v;
      H[j + i * n] = v;
    }
  }
  return true;
}

/**
 * A vector function y = F(x) for jacobianFD: fills `out` (length m) and returns false when F
 * has no value at x.
 */
export type VectorFunction = (x: Float64Array, out: Float64Array) => boolean;

/** Work buffers for jacobianFD: x copy (n) and two function values (m each). */
export interface JacobianWork {
  x: Float64Array;
  fPlus: Float64Array;
  fMinus: Float64Array;
}

/**
 * Jacobian J_ki = ∂F_k/∂x_i (m×n column-major, into J) by central differences with
 * h_i = relativeStep · max(|x_i|, 1) (default ε^(1/3)); with method 'forward', `f0` values
 * F(x) must be supplied in `fx` (no extra evaluation) and h uses ε^(1/2).
 * Returns false if F fails at a perturbed point. Evaluations: 2n (central) or n (forward).
 */
export function jacobianFD(
  F: VectorFunction, x: Float64Array, m: number, J: Float64Array,
  options: { method?: 'central' | 'forward'; relativeStep?: number; fx?: Float64Array; work?: JacobianWork } = {},
): boolean {
  const n = x.length;
  const central = (options.method ?? 'central') === 'central';
  if (!central && options.fx === undefined) {
    throw new RangeError('jacobianFD: forward differences need F(x) in options.fx');
  }
  const rel = options.relativeStep ?? (central ? CENTRAL_STEP : FORWARD_STEP);
  const work = options.work ?? { x: new Float64Array(n), fPlus: new Float64Array(m), fMinus: new Float64Array(m) };
  const w = work.x;
  for (let i = 0; i < n; i++) w[i] = x[i];
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const h = rel * Math.max(Math.abs(xi), 1);
    const hp = exactStep(xi, h);
    w[i] = xi + hp;
    let ok = F(w, work.fPlus);
    const col = i * m;
    if (central) {
      const hm = xi - (xi - h);
      w[i] = xi - hm;
      ok = F(w, work.fMinus) && ok;
      const inv = 1 / (hp + hm);
      for (let k = 0; k < m; k++) J[k + col] = (work.fPlus[k] - work.fMinus[k]) * inv;
    } else {
      const fx = options.fx!;
      for (let k = 0; k < m; k++) J[k + col] = (work.fPlus[k] - fx[k]) / hp;
    }
    w[i] = xi;
    if (!ok) return false;
    for (let k = 0; k < m; k++) if (!Number.isFinite(J[k + col])) return false;
  }
  return true;
}
