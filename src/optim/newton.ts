/**
 * Damped Newton minimization for small problems (dimension 1–10), e.g. per-subject
 * empirical Bayes estimates η̂ = argmin l_i(η), called thousands of times per fit.
 *
 * Each iteration solves (H + λI) p = −g by Cholesky. λ = 0 when H is positive definite;
 * otherwise λ grows tenfold until the matrix factors (Levenberg 1944, Q Appl Math 2:164;
 * Marquardt 1963, J SIAM 11:431), and shrinks tenfold after each full step. The step is
 * then backtracked (Armijo condition, quadratic interpolation, Nocedal & Wright 2006,
 * Alg. 3.1 and §3.5) until it decreases f; a non-finite f is never accepted.
 *
 * `minimizeNewtonInto` is the lean, allocation-free form over a workspace; `minimizeNewton`
 * wraps it, supplies finite-difference derivatives when needed, and returns an OptimResult.
 */
import { choleskyInPlace, choleskySolveInPlace } from '../linalg/cholesky.js';
import { normInf } from '../linalg/dense.js';
import { createGradientDiffWork, gradientFD, hessianFD, hessianFromGradientFD, type GradientDiffWork } from './finite-diff.js';
import { describeStopReason, isConvergedReason } from './stop-reason.js';
import type { GradientFunction, ObjectiveFunction, OptimResult, OptimStopReason } from './types.js';

/**
 * Fills g (n) with ∇f(x) and H (n×n column-major, symmetric) with ∇²f(x), and returns f(x).
 * A non-finite return means f has no value at x.
 */
export type GradientHessianFunction = (x: Float64Array, g: Float64Array, H: Float64Array) => number;

export interface NewtonOptions {
  /** Converged when ‖∇f‖∞ ≤ gradientTolerance (default 1e-8). */
  gradientTolerance?: number;
  /**
   * Converged when an undamped full Newton step has ‖p‖∞ ≤ stepTolerance · max(‖x‖∞, 1)
   * (default 1e-10): x is then known to about that relative precision.
   */
  stepTolerance?: number;
  /** Converged when an accepted step changes f by ≤ functionTolerance · max(|f|, 1) (default 0: off). */
  functionTolerance?: number;
  /** Most iterations (default 100). */
  maxIterations?: number;
  /** Most step halvings per iteration before λ is raised (default 30). */
  maxBacktracks?: number;
}

/** Buffers and the outcome of the last `minimizeNewtonInto` call. */
export class NewtonWorkspace {
  readonly n: number;
  /** Gradient at the final point. */
  readonly g: Float64Array;
  /** Hessian at the final point (n×n column-major), as returned by gradHess. */
  readonly H: Float64Array;
  /** Cholesky factor of H + λI at the last iteration (lower triangle). */
  readonly L: Float64Array;
  readonly p: Float64Array;
  readonly xTrial: Float64Array;
  readonly gTrial: Float64Array;
  readonly hTrial: Float64Array;
  /** f at the final point. */
  f = NaN;
  iterations = 0;
  /** Calls of f (line-search trials). */
  evaluations = 0;
  /** Calls of gradHess. */
  gradHessEvaluations = 0;
  gradientNorm = NaN;
  /** Damping λ used at the last iteration (0 when the Hessian was positive definite). */
  lambda = 0;
  converged = false;
  reason: OptimStopReason = 'other';

  constructor(n: number) {
    this.n = n;
    this.g = new Float64Array(n);
    this.H = new Float64Array(n * n);
    this.L = new Float64Array(n * n);
    this.p = new Float64Array(n);
    this.xTrial = new Float64Array(n);
    this.gTrial = new Float64Array(n);
    this.hTrial = new Float64Array(n * n);
  }
}

/** Allocates a workspace for minimizeNewtonInto in dimension n. */
export function createNewtonWorkspace(n: number): NewtonWorkspace {
  return new NewtonWorkspace(n);
}

/**
 * Minimizes f by damped Newton from x, overwriting x with the result; allocation-free.
 * Returns ws.converged; the stop reason, f, gradient, Hessian and counts are left in `ws`.
 * `f` is used for line-search trials only; `gradHess` at each accepted point.
 */
export function minimizeNewtonInto(
  ws: NewtonWorkspace, f: ObjectiveFunction, gradHess: GradientHessianFunction, x: Float64Array,
  options: NewtonOptions = {},
): boolean {
  const n = ws.n;
  const gtol = options.gradientTolerance ?? 1e-8;
  const xtol = options.stepTolerance ?? 1e-10;
  const ftol = options.functionTolerance ?? 0;
  const maxIter = options.maxIterations ?? 100;
  const maxBack = options.maxBacktracks ?? 30;
  const { g, H, L, p, xTrial, gTrial, hTrial } = ws;
  ws.iterations = 0;
  ws.evaluations = 0;
  ws.gradHessEvaluations = 1;
  ws.converged = false;
  let fx = gradHess(x, g, H);
  ws.f = fx;
  ws.gradientNorm = normInf(g, n);
  if (!Number.isFinite(fx) || !Number.isFinite(ws.gradientNorm) || !Number.isFinite(normInf(H, n * n))) {
    ws.reason = 'non-finite-start';
    return false;
  }
  let lambda = 0;
  for (;;) {
    if (ws.gradientNorm <= gtol) return stop(ws, 'gradient-tolerance');
    if (ws.iterations >= maxIter) return stop(ws, 'max-iterations');
    let hScale = 0;
    for (let i = 0; i < n; i++) hScale = Math.max(hScale, Math.abs(H[i + i * n]));
    hScale = Math.max(hScale, 1e-300);
    let xNorm = normInf(x, n);
    let accepted = false;
    let fullUndamped = false;
    let belowNoise = false;
    for (let raise = 0; raise < 8 && !accepted; raise++) {
      // Factor H + λI, raising λ until it is positive definite.
      for (let tries = 0; ; tries++) {
        for (let j = 0; j < n; j++) {
          for (let i = j; i < n; i++) L[i + j * n] = H[i + j * n];
          L[j + j * n] += lambda;
        }
        if (choleskyInPlace(L, n)) break;
        if (tries > 60) return stop(ws, 'other');
        lambda = Math.max(10 * lambda, 1e-10 * hScale);
      }
      for (let i = 0; i < n; i++) p[i] = -g[i];
      choleskySolveInPlace(L, n, p);
      let slope = 0;
      for (let i = 0; i < n; i++) slope += g[i] * p[i];
      const pNorm = normInf(p, n);
      if (lambda === 0 && pNorm <= xtol * Math.max(xNorm, 1)) {
        // The Newton step is below the requested precision of x: converged. Take the step
        // when the derivatives exist there; otherwise x is already as precise as asked.
        for (let i = 0; i < n; i++) xTrial[i] = x[i] + p[i];
        const fNew = gradHess(xTrial, gTrial, hTrial);
        ws.gradHessEvaluations++;
        if (Number.isFinite(fNew) && Number.isFinite(normInf(gTrial, n)) && Number.isFinite(normInf(hTrial, n * n))) {
          x.set(xTrial);
          g.set(gTrial);
          H.set(hTrial);
          ws.f = fNew;
          ws.gradientNorm = normInf(g, n);
          ws.iterations++;
        }
        ws.lambda = lambda;
        return stop(ws, 'step-tolerance');
      }
      if (lambda === 0 && -slope <= F_NOISE * Math.max(Math.abs(fx), 1)) {
        belowNoise = true;
        break;
      }
      // Backtracking on f(x + α p).
      let alpha = 1;
      for (let b = 0; b <= maxBack; b++) {
        for (let i = 0; i < n; i++) xTrial[i] = x[i] + alpha * p[i];
        const ft = f(xTrial);
        ws.evaluations++;
        if (Number.isFinite(ft) && ft <= fx + 1e-4 * alpha * slope) {
          accepted = true;
          fullUndamped = alpha === 1 && lambda === 0;
          break;
        }
        if (Number.isFinite(ft)) {
          // Minimizer of the quadratic through f(x), slope and f(x + αp), kept in [0.1α, 0.5α].
          const a = (-slope * alpha * alpha) / (2 * (ft - fx - slope * alpha));
          alpha = Math.min(0.5 * alpha, Math.max(0.1 * alpha, a));
        } else {
          alpha *= 0.25;
        }
      }
      if (!accepted) lambda = Math.max(100 * lambda, 1e-4 * hScale);
      else if (alpha === 1) lambda = lambda * 0.1 < 1e-12 * hScale ? 0 : lambda * 0.1;
      ws.lambda = lambda;
    }
    if (belowNoise) {
      // The decrease this Newton step promises (≈ −½ gᵀp) is below the rounding of f, so f
      // cannot judge it: take the full step if it reduces the gradient, else f is minimal to
      // within its own precision.
      for (let i = 0; i < n; i++) xTrial[i] = x[i] + p[i];
      const ft = gradHess(xTrial, gTrial, hTrial);
      ws.gradHessEvaluations++;
      const gt = normInf(gTrial, n);
      if (!(Number.isFinite(ft) && gt < ws.gradientNorm && Number.isFinite(normInf(hTrial, n * n)))) {
        return stop(ws, 'function-tolerance');
      }
      x.set(xTrial);
      g.set(gTrial);
      H.set(hTrial);
      fx = ft;
      ws.f = fx;
      ws.gradientNorm = gt;
      ws.iterations++;
      continue;
    }
    if (!accepted) return stop(ws, 'line-search-failed');

    const fPrev = fx;
    const fNew = gradHess(xTrial, gTrial, hTrial);
    ws.gradHessEvaluations++;
    if (!Number.isFinite(fNew) || !Number.isFinite(normInf(gTrial, n)) || !Number.isFinite(normInf(hTrial, n * n))) {
      // f has a value at the new point but the derivatives do not: stay at the last good point.
      return stop(ws, 'other');
    }
    let sNorm = 0;
    for (let i = 0; i < n; i++) sNorm = Math.max(sNorm, Math.abs(xTrial[i] - x[i]));
    x.set(xTrial);
    g.set(gTrial);
    H.set(hTrial);
    fx = fNew;
    ws.iterations++;
    ws.f = fx;
    ws.gradientNorm = normInf(g, n);
    if (ws.gradientNorm <= gtol) return stop(ws, 'gradient-tolerance');
    xNorm = normInf(x, n);
    if (fullUndamped && sNorm <= xtol * Math.max(xNorm, 1)) return stop(ws, 'step-tolerance');
    if (ftol > 0 && Math.abs(fPrev - fx) <= ftol * Math.max(Math.abs(fx), 1)) return stop(ws, 'function-tolerance');
  }
}

/** Relative size of changes of f treated as rounding noise (100 ε). */
const F_NOISE = 100 * 2.220446049250313e-16;

function stop(ws: NewtonWorkspace, reason: OptimStopReason): boolean {
  ws.reason = reason;
  ws.converged = isConvergedReason(reason);
  return ws.converged;
}

export interface MinimizeNewtonOptions extends NewtonOptions {
  /** Gradient and Hessian together; when absent they come from `gradient` or finite differences. */
  gradHess?: GradientHessianFunction;
  /** Analytic gradient; the Hessian is then differenced from it (2n gradient calls). */
  gradient?: GradientFunction;
}

/**
 * Minimizes f from x0 by damped Newton; x0 is not modified. Derivatives come from
 * `options.gradHess`, else the Hessian is differenced from `options.gradient`, else both are
 * finite differences of f (central gradient, 2n; Hessian from values, 2n²). Evaluations
 * count calls of f, gradient and gradHess.
 *
 * Example: `minimizeNewton(x => Math.cosh(x[0] - 1), Float64Array.of(0)).x` → [1].
 */
export function minimizeNewton(f: ObjectiveFunction, x0: Float64Array, options: MinimizeNewtonOptions = {}): OptimResult {
  const n = x0.length;
  let evaluations = 0;
  const counted = (x: Float64Array): number => { evaluations++; return f(x); };
  let gradHess = options.gradHess;
  if (gradHess === undefined) {
    const grad = options.gradient;
    if (grad !== undefined) {
      const countedGrad: GradientFunction = (x, g) => { evaluations++; return grad(x, g); };
      const work: GradientDiffWork = createGradientDiffWork(n);
      gradHess = (x, g, H) => {
        const fx = countedGrad(x, g);
        return Number.isFinite(fx) && hessianFromGradientFD(countedGrad, x, H, { work }) ? fx : NaN;
      };
    } else {
      const work = new Float64Array(n);
      gradHess = (x, g, H) => {
        const fx = counted(x);
        if (!Number.isFinite(fx)) return fx;
        const ok = gradientFD(counted, x, g, { f0: fx, work }) && hessianFD(counted, x, H, { f0: fx, work });
        return ok ? fx : NaN;
      };
    }
  } else {
    const user = gradHess;
    gradHess = (x, g, H) => { evaluations++; return user(x, g, H); };
  }
  const ws = createNewtonWorkspace(n);
  const x = Float64Array.from(x0);
  minimizeNewtonInto(ws, counted, gradHess, x, options);
  const reason = ws.reason;
  const messages: Partial<Record<OptimStopReason, string>> = {
    'gradient-tolerance': `‖∇f‖∞ = ${ws.gradientNorm.toExponential(3)}.`,
    'step-tolerance': `Newton step below ${options.stepTolerance ?? 1e-10} relative; ‖∇f‖∞ = ${ws.gradientNorm.toExponential(3)}.`,
    'function-tolerance': `The next Newton step promises a decrease below the rounding of f; ‖∇f‖∞ = ${ws.gradientNorm.toExponential(3)}.`,
    'line-search-failed': 'No damped Newton step decreased f; the objective may be noisy at this scale or the derivatives wrong.',
    'non-finite-start': 'f, its gradient or its Hessian is not finite at the starting point.',
    'max-iterations': `Stopped after ${ws.iterations} iterations with ‖∇f‖∞ = ${ws.gradientNorm.toExponential(3)}.`,
    'other': 'Derivatives were not finite at a point where f was, or the Hessian could not be regularized.',
  };
  return {
    x, f: ws.f, iterations: ws.iterations, evaluations, converged: ws.converged,
    status: describeStopReason(reason), message: messages[reason] ?? '', reason, gradientNorm: ws.gradientNorm,
  };
}
