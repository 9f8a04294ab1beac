/**
 * Unconstrained minimization by the BFGS quasi-Newton method (Nocedal & Wright, Numerical
 * Optimization, 2nd ed. 2006, Alg. 6.1: inverse-Hessian update eq. 6.17, initial scaling
 * eq. 6.20) with a strong Wolfe line search (Alg. 3.5/3.6, see ./line-search.ts).
 *
 * The gradient is the caller's (`options.gradient`) or central finite differences
 * (./finite-diff.ts). A point where the objective is +Infinity or NaN is never accepted:
 * the line search shortens the step instead. The result says which criterion stopped it.
 */
import { normInf } from '../linalg/dense.js';
import { gradientFD } from './finite-diff.js';
import { lineSearchStrongWolfe, type LineFunction, type LineSearchOptions } from './line-search.js';
import { describeStopReason, isConvergedReason } from './stop-reason.js';
import type {
  GradientFunction, ObjectiveFunction, OptimCallback, OptimHistoryEntry, OptimResult, OptimStopReason,
} from './types.js';

export interface BfgsOptions {
  /** Analytic gradient; when absent, finite differences of `f` are used. */
  gradient?: GradientFunction;
  /** Finite-difference scheme when no gradient is given (default 'central'). */
  finiteDifference?: 'central' | 'forward';
  /** Relative finite-difference step (defaults in ./finite-diff.ts). */
  finiteDifferenceStep?: number;
  /** Converged when ‖∇f‖∞ ≤ gradientTolerance (default 1e-6; in units of f per unit of x). */
  gradientTolerance?: number;
  /**
   * Converged when an accepted step changes f by at most functionTolerance · max(|f|, 1)
   * (default 1e-10). Set 0 to disable.
   */
  functionTolerance?: number;
  /** Converged when an accepted step has ‖Δx‖∞ ≤ stepTolerance · max(‖x‖∞, 1) (default 1e-12). */
  stepTolerance?: number;
  /** Most iterations (default 1000). */
  maxIterations?: number;
  /**
   * Most objective evaluations, finite differences included (default Infinity); checked
   * between iterations, so the last line search may go past it.
   */
  maxEvaluations?: number;
  /** Largest ‖Δx‖∞ of the first trial step (default 1), before curvature is known. */
  initialStepLength?: number;
  /** Line-search constants (defaults c1 = 1e-4, c2 = 0.9). */
  lineSearch?: LineSearchOptions;
  /** Called after each accepted iteration; return false to stop. */
  callback?: OptimCallback;
  /** Keep every accepted (x, f) in result.history. */
  keepHistory?: boolean;
}

/**
 * Minimizes f from x0 by BFGS. `x0` is not modified. Evaluations count every call of f and
 * of the gradient function (finite differences included).
 *
 * Example: `minimizeBfgs(x => (x[0] - 1) ** 2 + 10 * (x[1] + 2) ** 2, Float64Array.of(0, 0))`
 * → x ≈ [1, −2], converged by the gradient criterion.
 */
export function minimizeBfgs(f: ObjectiveFunction, x0: Float64Array, options: BfgsOptions = {}): OptimResult {
  const n = x0.length;
  const gtol = options.gradientTolerance ?? 1e-6;
  const ftol = options.functionTolerance ?? 1e-10;
  const xtol = options.stepTolerance ?? 1e-12;
  const maxIter = options.maxIterations ?? 1000;
  const maxEval = options.maxEvaluations ?? Infinity;
  const history: OptimHistoryEntry[] | undefined = options.keepHistory ? [] : undefined;

  let evaluations = 0;
  const objective = (x: Float64Array): number => { evaluations++; return f(x); };
  const fdWork = new Float64Array(n);
  const userGrad = options.gradient;
  /** Fills g at x; false when no finite gradient exists there. */
  const gradientAt = (x: Float64Array, fx: number, g: Float64Array): boolean => {
    if (userGrad !== undefined) {
      evaluations++;
      const v = userGrad(x, g);
      return Number.isFinite(v) && Number.isFinite(normInf(g, n));
    }
    return gradientFD(objective, x, g, {
      method: options.finiteDifference, relativeStep: options.finiteDifferenceStep, f0: fx, work: fdWork,
    }) && Number.isFinite(normInf(g, n));
  };

  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  const p = new Float64Array(n);
  const xTrial = new Float64Array(n);
  const gTrial = new Float64Array(n);
  const y = new Float64Array(n);
  const hy = new Float64Array(n);
  const hInv = new Float64Array(n * n);

  let fx = objective(x);
  const fInitial = fx;
  let iterations = 0;
  const finish = (reason: OptimStopReason, message: string): OptimResult => ({
    x: Float64Array.from(x), f: fx, iterations, evaluations, converged: isConvergedReason(reason),
    status: describeStopReason(reason), message, reason, fInitial, history,
    ...(Number.isFinite(normInf(g, n)) ? { gradientNorm: normInf(g, n) } : {}),
  });
  if (!Number.isFinite(fx)) {
    g.fill(NaN);
    return finish('non-finite-start', `The objective at the starting point is ${fx}; choose initial values where the model is defined.`);
  }
  if (!gradientAt(x, fx, g)) {
    return finish('other', 'No finite gradient at the starting point (the objective is undefined on both sides of some parameter).');
  }
  history?.push({ x: Float64Array.from(x), f: fx });

  // φ(α) = f(x + α p); the trial point and its gradient are cached for the accepted step.
  let trialAlpha = NaN;
  let trialValue = NaN;
  let trialGradientOk = false;
  const line: LineFunction = {
    value(alpha: number): number {
      for (let i = 0; i < n; i++) xTrial[i] = x[i] + alpha * p[i];
      trialAlpha = alpha;
      trialGradientOk = false;
      trialValue = objective(xTrial);
      return trialValue;
    },
    slope(): number {
      if (!gradientAt(xTrial, trialValue, gTrial)) return NaN;
      trialGradientOk = true;
      let s = 0;
      for (let i = 0; i < n; i++) s += gTrial[i] * p[i];
      return s;
    },
  };

  let scaled = false; // whether H⁻¹ has been given the eq. 6.20 scaling yet
  const resetInverseHessian = (gamma: number): void => {
    hInv.fill(0);
    for (let i = 0; i < n; i++) hInv[i + i * n] = gamma;
  };
  resetInverseHessian(1);
  let gamma = 1;

  for (;;) {
    const gNorm = normInf(g, n);
    if (gNorm <= gtol) return finish('gradient-tolerance', `‖∇f‖∞ = ${gNorm.toExponential(3)} ≤ ${gtol}.`);
    if (iterations >= maxIter) return finish('max-iterations', `Stopped after ${iterations} iterations with ‖∇f‖∞ = ${gNorm.toExponential(3)}; increase maxIterations or check the model.`);
    if (evaluations >= maxEval) return finish('max-evaluations', `Stopped after ${evaluations} evaluations with ‖∇f‖∞ = ${gNorm.toExponential(3)}.`);

    let search = null;
    let quasiNewtonSlope = NaN; // gᵀp for the quasi-Newton step p = −H⁻¹g (α = 1)
    // Second attempt (only once curvature is known): discard H⁻¹ and use steepest descent.
    for (let attempt = 0; attempt < (scaled ? 2 : 1); attempt++) {
      // p = −H⁻¹ g; fall back to steepest descent if it is not a descent direction.
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = 0; k < n; k++) s -= hInv[i + k * n] * g[k];
        p[i] = s;
      }
      let slope0 = 0;
      for (let i = 0; i < n; i++) slope0 += g[i] * p[i];
      if (!(slope0 < 0) || attempt > 0) {
        resetInverseHessian(gamma);
        for (let i = 0; i < n; i++) p[i] = -gamma * g[i];
        slope0 = 0;
        for (let i = 0; i < n; i++) slope0 += g[i] * p[i];
      }
      if (attempt === 0) quasiNewtonSlope = slope0;
      const pNorm = normInf(p, n);
      const maxFirst = options.initialStepLength ?? 1;
      const alpha1 = scaled ? 1 : Math.min(1, maxFirst / pNorm);
      const r = lineSearchStrongWolfe(line, fx, slope0, alpha1, options.lineSearch);
      if (r.status !== 'failed') { search = r; break; }
    }
    if (search === null) {
      if (scaled && Math.abs(quasiNewtonSlope) <= F_NOISE * Math.max(Math.abs(fx), 1)) {
        return finish('function-tolerance',
          `The decrease predicted by the next quasi-Newton step (${(-0.5 * quasiNewtonSlope).toExponential(3)}) is below the rounding of f; ` +
          `f is minimal to within its precision. ‖∇f‖∞ = ${normInf(g, n).toExponential(3)}.`);
      }
      return finish('line-search-failed',
        `No decrease along the quasi-Newton or steepest-descent direction at ‖∇f‖∞ = ${normInf(g, n).toExponential(3)}; ` +
        'the objective may be noisy at this scale (e.g. ODE tolerance or finite-difference error) or the gradient wrong.');
    }

    // Make sure xTrial/gTrial hold the accepted point.
    if (trialAlpha !== search.alpha) line.value(search.alpha);
    if (!trialGradientOk && !gradientAt(xTrial, trialValue, gTrial)) {
      return finish('other', 'No finite gradient at the accepted point.');
    }
    const fPrev = fx;
    let sNorm = 0;
    let xNorm = 0;
    let sy = 0;
    let yy = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const s = xTrial[i] - x[i];
      y[i] = gTrial[i] - g[i];
      p[i] = s; // p now holds the step s
      sy += s * y[i];
      yy += y[i] * y[i];
      ss += s * s;
      sNorm = Math.max(sNorm, Math.abs(s));
      x[i] = xTrial[i];
      g[i] = gTrial[i];
      xNorm = Math.max(xNorm, Math.abs(x[i]));
    }
    fx = trialValue;
    iterations++;
    history?.push({ x: Float64Array.from(x), f: fx });

    // BFGS update of H⁻¹ (eq. 6.17), skipped when the curvature yᵀs is not safely positive.
    if (sy > 1e-10 * Math.sqrt(yy * ss)) {
      gamma = sy / yy; // kept for a later reset of H⁻¹
      if (!scaled) {
        resetInverseHessian(gamma);
        scaled = true;
      }
      updateInverseHessian(hInv, n, p, y, sy, hy);
    }

    if (options.callback !== undefined) {
      const more = options.callback({ iteration: iterations, evaluations, x, f: fx, gradientNorm: normInf(g, n) });
      if (more === false) return finish('callback-stop', 'Stopped by the progress callback.');
    }
    const gNew = normInf(g, n);
    if (gNew <= gtol) return finish('gradient-tolerance', `‖∇f‖∞ = ${gNew.toExponential(3)} ≤ ${gtol}.`);
    const df = Math.abs(fPrev - fx);
    if (df <= ftol * Math.max(Math.abs(fx), 1)) {
      return finish('function-tolerance', `Last step changed f by ${df.toExponential(3)} (relative tolerance ${ftol}); ‖∇f‖∞ = ${gNew.toExponential(3)}.`);
    }
    if (sNorm <= xtol * Math.max(xNorm, 1)) {
      return finish('step-tolerance', `Last step ‖Δx‖∞ = ${sNorm.toExponential(3)}; ‖∇f‖∞ = ${gNew.toExponential(3)}.`);
    }
  }
}

/** Relative size of changes of f treated as rounding noise (100 ε). */
const F_NOISE = 100 * 2.220446049250313e-16;

/**
 * H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ with ρ = 1/(yᵀs) (N&W eq. 6.17), expanded as
 * H + (ρ + ρ² yᵀHy) s sᵀ − ρ (Hy sᵀ + s (Hy)ᵀ). `hy` is scratch (n).
 */
function updateInverseHessian(h: Float64Array, n: number, s: Float64Array, y: Float64Array, sy: number, hy: Float64Array): void {
  const rho = 1 / sy;
  let yhy = 0;
  for (let i = 0; i < n; i++) {
    let t = 0;
    for (let k = 0; k < n; k++) t += h[i + k * n] * y[k];
    hy[i] = t;
    yhy += y[i] * t;
  }
  const a = rho + rho * rho * yhy;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      h[i + j * n] += a * s[i] * s[j] - rho * (hy[i] * s[j] + s[i] * hy[j]);
    }
  }
}
