/**
 * The contract between popkit's optimizers and their callers. Every optimizer sees only an
 * objective `(x: Float64Array) => number` (and, for gradient methods, optionally a gradient)
 * and returns an `OptimResult`, which a fit keeps as its optimization record.
 */

/**
 * An objective to minimize. It must not keep or modify `x`. Returning +Infinity or NaN
 * means "no value here" (e.g. parameters out of the model's domain); optimizers treat such a
 * point as a failed step and never accept it as a result.
 */
export type ObjectiveFunction = (x: Float64Array) => number;

/**
 * Fills `g` (same length as `x`) with the gradient of the objective at `x` and returns the
 * objective value there (so one call serves both). Returning a non-finite value means
 * "no value here", as for ObjectiveFunction.
 */
export type GradientFunction = (x: Float64Array, g: Float64Array) => number;

/** One point visited by an optimizer: a copy of the parameters and the objective there. */
export interface OptimHistoryEntry {
  readonly x: Float64Array;
  readonly f: number;
}

/**
 * Why an optimizer stopped, as a machine-readable code. `status` in OptimResult is the
 * plain-language sentence; this code lets callers branch on it.
 */
export type OptimStopReason =
  | 'gradient-tolerance'
  | 'function-tolerance'
  | 'step-tolerance'
  | 'max-iterations'
  | 'max-evaluations'
  | 'line-search-failed'
  | 'non-finite-start'
  | 'callback-stop'
  | 'other';

/** The outcome of one minimization; kept as the fit's optimization record. */
export interface OptimResult {
  /** Best point found (a fresh array owned by the caller). */
  x: Float64Array;
  /** Objective at `x`. */
  f: number;
  /** Number of iterations (accepted steps) taken. */
  iterations: number;
  /** Number of objective evaluations (including those spent on finite differences). */
  evaluations: number;
  /** True when a convergence criterion was met (not when a limit or a failure stopped it). */
  converged: boolean;
  /** Plain-language return code, e.g. "converged: gradient norm below tolerance". */
  status: string;
  /** Longer explanation, e.g. what to try when it did not converge. */
  message: string;
  /** Machine-readable stop reason (optional for optimizers that do not classify). */
  reason?: OptimStopReason;
  /** Infinity norm of the gradient at `x`, when the optimizer knows it. */
  gradientNorm?: number;
  /** Objective at the starting point. */
  fInitial?: number;
  /** Every accepted point (x copied), when the caller asked for it. */
  history?: OptimHistoryEntry[];
}

/** Per-iteration progress passed to an optimizer's callback. */
export interface OptimProgress {
  readonly iteration: number;
  readonly evaluations: number;
  /** Current point (do not keep or modify; copy if needed). */
  readonly x: Float64Array;
  readonly f: number;
  readonly gradientNorm?: number;
}

/** Called once per accepted iteration; return `false` to stop the optimizer. */
export type OptimCallback = (progress: OptimProgress) => boolean | void;
