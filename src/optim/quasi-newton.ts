/**
 * The outer minimization of the OFV over the unconstrained parameter vector x: BFGS on the
 * inverse Hessian (Nocedal & Wright, Numerical Optimization, 2nd ed., Algorithm 6.1, with the
 * initial scaling of eq. 6.20) and a backtracking Armijo line search with safeguarded
 * quadratic interpolation. The gradient is by finite differences over x with each subject's
 * inner problem re-solved from the modes at the current point: forward differences while the
 * gradient is large, central differences near the minimum.
 *
 * Convergence is reported honestly: the gradient's infinity norm, the predicted OFV decrease
 * of a Newton step with the BFGS Hessian, and NONMEM-style significant digits
 * (−log10 of the largest predicted step in x, i.e. of the relative change of the parameters).
 */
import type { OptimHistoryEntry, OptimResult, OptimStopReason } from './types.js';

/** Predicted OFV decrease below which the gradient switches to central differences. */
const SWITCH_DECREASE = 0.001;

/** Settings of minimizeQuasiNewton. */
export interface QuasiNewtonOptions {
  /** Iteration cap (accepted steps). */
  readonly maxIterations: number;
  /** Finite-difference step in x. Default 1e-4. */
  readonly gradientStep?: number;
  /** Converged when ‖g‖∞ is below this (OFV units per unit x). Default 1e-3. */
  readonly gradientTolerance?: number;
  /** Converged when a Newton step would lower the OFV by less than this. Default 1e-6. */
  readonly decreaseTolerance?: number;
  /** Called after each accepted point has been evaluated (the caller commits warm starts there). */
  readonly onAccept: () => void;
  readonly onIteration?: (iteration: number, f: number, evaluations: number) => void;
}

/** An OptimResult with NONMEM-style convergence figures. */
export interface QuasiNewtonResult extends OptimResult {
  readonly significantDigits: number;
  /** Gradient at x (on the x scale). */
  readonly gradient: Float64Array;
  /** Predicted OFV decrease of one more Newton step with the final BFGS Hessian. */
  readonly predictedDecrease: number;
}

/**
 * Minimize `f` from x0. `f` returns +Infinity where it has no value; such points are never
 * accepted. The last call of `f` before `onAccept` is always at the accepted point.
 */
export function minimizeQuasiNewton(f: (x: Float64Array) => number, x0: Float64Array, options: QuasiNewtonOptions): QuasiNewtonResult {
  const n = x0.length;
  const h = options.gradientStep ?? 1e-4;
  const gtol = options.gradientTolerance ?? 1e-3;
  const dtol = options.decreaseTolerance ?? 1e-6;
  let evaluations = 0;
  const fx = (x: Float64Array): number => { evaluations++; const v = f(x); return Number.isFinite(v) ? v : Infinity; };
  const x = Float64Array.from(x0);
  const history: OptimHistoryEntry[] = [];
  let fCur = fx(x);
  const fInitial = fCur;
  if (!Number.isFinite(fCur)) {
    return finish(x, fCur, new Float64Array(n), 0, false, 'non-finite-start', 'failed: the objective has no value at the initial estimates',
      'The model gives no valid prediction (or a residual variance ≤ 0) at the initial estimates; check them and the data.', NaN, NaN);
  }
  options.onAccept();
  history.push({ x: Float64Array.from(x), f: fCur });
  const g = new Float64Array(n);
  const gNew = new Float64Array(n);
  const d = new Float64Array(n);
  const xTrial = new Float64Array(n);
  const s = new Float64Array(n);
  const y = new Float64Array(n);
  const hInv = new Float64Array(n * n);
  const work = new Float64Array(n);
  // The first gradient is central: its second differences give the diagonal curvature that
  // scales the initial inverse Hessian (parameters' curvatures differ by orders of magnitude).
  const curvature = new Float64Array(n);
  let central = true;
  if (!gradient(x, fCur, g, true, curvature)) {
    return finish(x, fCur, g, 0, false, 'other', 'failed: no gradient at the initial estimates',
      'The objective has no value next to the initial estimates.', NaN, NaN);
  }
  resetHessian(1 / Math.max(1, normInf(g) / 0.5), curvature);
  symMatVec(hInv, g, d, n);
  // Far from the minimum, continue with forward differences.
  central = 0.5 * dot(g, d) < SWITCH_DECREASE;
  const curvatureUsable = curvature.every((c) => c > 1e-8 && Number.isFinite(c));
  let freshHessian = true;
  let iteration = 0;
  let smallChanges = 0;
  for (;;) {
    // Newton step with the current inverse Hessian.
    symMatVec(hInv, g, d, n);
    for (let i = 0; i < n; i++) d[i] = -d[i];
    const slope = dot(g, d);
    const predicted = -0.5 * slope;
    const gnorm = normInf(g);
    // Forward differences (bias ≈ h·f″/2, which moves the minimum by only about h/2 in x)
    // while far from the minimum; central ones for the last iterations and the stopping tests.
    if (!central && (predicted < SWITCH_DECREASE || gnorm < 10 * gtol)) {
      central = true;
      if (!gradient(x, fCur, g, true)) return stalled(predicted, d);
      continue;
    }
    if (gnorm < gtol && central) {
      return finish(x, fCur, g, iteration, true, 'gradient-tolerance', 'converged: gradient below tolerance', '', predicted, sigDigits(d));
    }
    if (central && predicted < dtol && !freshHessian) {
      return finish(x, fCur, g, iteration, true, 'function-tolerance', 'converged: predicted OFV decrease below tolerance', '', predicted, sigDigits(d));
    }
    if (iteration >= options.maxIterations) {
      return finish(x, fCur, g, iteration, false, 'max-iterations', `stopped: iteration limit (${options.maxIterations}) reached`,
        'Raise the iteration limit or start from better initial estimates.', predicted, sigDigits(d));
    }
    if (!(slope < 0)) {
      if (!freshHessian) { resetHessian(scaleOf(), curvature); freshHessian = true; continue; }
      return stalled(predicted, d);
    }
    // Backtracking line search (Armijo, c1 = 1e-4), steps capped at 2 units of x.
    const dmax = normInf(d);
    let alpha = dmax > 2 ? 2 / dmax : 1;
    let fTrial = Infinity;
    let accepted = false;
    for (let tries = 0; tries < 30; tries++) {
      for (let i = 0; i < n; i++) xTrial[i] = x[i] + alpha * d[i];
      fTrial = fx(xTrial);
      if (fTrial <= fCur + 1e-4 * alpha * slope) { accepted = true; break; }
      const next = Number.isFinite(fTrial) ? (-slope * alpha * alpha) / (2 * (fTrial - fCur - slope * alpha)) : 0.1 * alpha;
      alpha = Math.min(0.5 * alpha, Math.max(0.1 * alpha, next));
    }
    if (!accepted) {
      // Re-evaluate at x so that the warm starts and workspaces belong to it again.
      fx(x);
      if (!freshHessian) { resetHessian(scaleOf(), curvature); freshHessian = true; continue; }
      if (!central) { central = true; gradient(x, fCur, g, true); continue; }
      return stalled(predicted, d);
    }
    options.onAccept();
    iteration++;
    for (let i = 0; i < n; i++) { s[i] = xTrial[i] - x[i]; x[i] = xTrial[i]; }
    const fPrev = fCur;
    fCur = fTrial;
    history.push({ x: Float64Array.from(x), f: fCur });
    options.onIteration?.(iteration, fCur, evaluations);
    if (!gradient(x, fCur, gNew, central)) {
      return finish(x, fCur, g, iteration, false, 'other', 'failed: no gradient at the current estimates',
        'The objective has no value next to the current estimates (a parameter at the edge of the model domain?).', NaN, NaN);
    }
    for (let i = 0; i < n; i++) y[i] = gNew[i] - g[i];
    g.set(gNew);
    const sy = dot(s, y);
    if (sy > 1e-10 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (freshHessian && !curvatureUsable) resetHessian(sy / dot(y, y));
      bfgsUpdate(s, y, sy);
      freshHessian = false;
    }
    smallChanges = Math.abs(fPrev - fCur) < 1e-9 * (1 + Math.abs(fCur)) ? smallChanges + 1 : 0;
    if (smallChanges >= 3 && central) {
      symMatVec(hInv, g, d, n);
      const pred = 0.5 * dot(g, d);
      if (pred < 1e-3) {
        for (let i = 0; i < n; i++) d[i] = -d[i];
        return finish(x, fCur, g, iteration, true, 'function-tolerance', 'converged: OFV unchanged over three iterations', '', pred, sigDigits(d));
      }
    }
  }

  function stalled(predicted: number, step: Float64Array): QuasiNewtonResult {
    const ok = predicted < 1e-3;
    return finish(x, fCur, g, iteration, ok, 'line-search-failed',
      ok ? 'converged: no further decrease possible at the precision of the objective'
        : 'stopped: the line search found no lower OFV (rounding errors dominate or the model is ill-conditioned)',
      ok ? '' : `A Newton step predicts a decrease of ${predicted.toPrecision(3)}; try other initial estimates or a simpler model.`,
      predicted, sigDigits(step));
  }

  function gradient(at: Float64Array, fAt: number, out: Float64Array, useCentral: boolean, secondOut?: Float64Array): boolean {
    work.set(at);
    for (let i = 0; i < n; i++) {
      work[i] = at[i] + h;
      const fp = fx(work);
      if (useCentral) {
        work[i] = at[i] - h;
        const fm = fx(work);
        if (secondOut) secondOut[i] = Number.isFinite(fp) && Number.isFinite(fm) ? (fp - 2 * fAt + fm) / (h * h) : NaN;
        if (Number.isFinite(fp) && Number.isFinite(fm)) out[i] = (fp - fm) / (2 * h);
        else if (Number.isFinite(fp)) out[i] = (fp - fAt) / h;
        else if (Number.isFinite(fm)) out[i] = (fAt - fm) / h;
        else return false;
      } else if (Number.isFinite(fp)) {
        out[i] = (fp - fAt) / h;
      } else {
        work[i] = at[i] - h;
        const fm = fx(work);
        if (!Number.isFinite(fm)) return false;
        out[i] = (fAt - fm) / h;
      }
      work[i] = at[i];
    }
    return true;
  }

  /** Diagonal inverse Hessian: 1/curvature where that is positive and finite, else `scale`. */
  function resetHessian(scale: number, diag?: Float64Array): void {
    hInv.fill(0);
    for (let i = 0; i < n; i++) {
      const c = diag ? diag[i] : NaN;
      hInv[i * n + i] = c > 1e-8 && Number.isFinite(c) ? 1 / c : scale;
    }
  }

  function scaleOf(): number {
    let t = 0;
    for (let i = 0; i < n; i++) t += hInv[i * n + i];
    return n > 0 ? Math.max(t / n, 1e-8) : 1;
  }

  /** H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, ρ = 1/(sᵀy). */
  function bfgsUpdate(sv: Float64Array, yv: Float64Array, sy: number): void {
    const rho = 1 / sy;
    symMatVec(hInv, yv, work, n);
    const yhy = dot(yv, work);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        hInv[i * n + j] += -rho * (work[i] * sv[j] + sv[i] * work[j]) + (rho * rho * yhy + rho) * sv[i] * sv[j];
      }
    }
  }

  function finish(xf: Float64Array, ff: number, gf: Float64Array, iterations: number, converged: boolean,
    reason: OptimStopReason, status: string, message: string, predictedDecrease: number, significantDigits: number): QuasiNewtonResult {
    return {
      x: Float64Array.from(xf), f: ff, iterations, evaluations, converged, status, message, reason,
      gradientNorm: normInf(gf), fInitial, history, significantDigits, gradient: Float64Array.from(gf), predictedDecrease,
    };
  }
}

function sigDigits(step: Float64Array): number {
  const m = normInf(step);
  if (!Number.isFinite(m)) return NaN;
  if (m === 0) return 15;
  return Math.max(0, Math.min(15, -Math.log10(m)));
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function normInf(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function symMatVec(a: Float64Array, v: Float64Array, out: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j] * v[j];
    out[i] = s;
  }
}
