/**
 * The model frame of a linear mixed model: numeric arrays built from a parsed formula and
 * a table. The formula parser and frame builder (src/lmm/formula.ts, src/lmm/frame.ts) make
 * it; the numerics (src/lmm/deviance.ts ...) consume it and know nothing of formulas.
 */

/** One random-effects term `(cols | group)`: q columns, varying by the levels of a factor. */
export interface RandomEffectsTerm {
  /** Grouping factor name as lme4 prints it: "Subject", "plate", "dept:service", "batch:cask". */
  readonly group: string;
  /** Level labels in the order of their codes. */
  readonly levels: readonly string[];
  /** Level code (0-based) of each observation, length n. */
  readonly groupIndex: Int32Array;
  /** Column names as lme4 prints them: "(Intercept)", "Days". */
  readonly columnNames: readonly string[];
  /** Values of the q random-effect columns, n×q column-major. */
  readonly z: Float64Array;
  /** True for `(a + b | g)` (a full covariance block), false for `(a + b || g)` (diagonal). */
  readonly correlated: boolean;
}

export interface LmmFrame {
  /** Number of observations. */
  readonly n: number;
  readonly responseName: string;
  /** Response, length n. */
  readonly y: Float64Array;
  /** Fixed-effects design, n×p column-major. */
  readonly X: Float64Array;
  /** Coefficient names as R names them: "(Intercept)", "SexMale", "age:SexMale". */
  readonly fixedNames: readonly string[];
  readonly terms: readonly RandomEffectsTerm[];
  /** Optional prior weights (residual variance σ²/w_i), length n. */
  readonly weights?: Float64Array;
  /** 1-based table rows used (rows with missing values in used columns are reported, not dropped silently). */
  readonly rows: Int32Array;
}
