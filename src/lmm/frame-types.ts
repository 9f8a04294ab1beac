/**
 * The model frame of a linear mixed model: numeric arrays built from a parsed formula and
 * a table. The formula parser and frame builder (src/lmm/formula.ts, src/lmm/frame.ts) make
 * it; the numerics (src/lmm/deviance.ts ...) consume it and know nothing of formulas.
 */

/** One random-effects term `(cols | group)`: q columns, varying by the levels of a factor. */
export interface RandomEffectsTerm {
  /** Grouping factor name as lme4 prints it: "Subject", "plate", "dept:service", "cask:batch" (from `(1 | batch/cask)`). */
  readonly group: string;
  /** Level labels in the order of their codes. */
  readonly levels: readonly string[];
  /** Level code (0-based) of each observation, length n. */
  readonly groupIndex: Int32Array;
  /** Column names as lme4 prints them: "(Intercept)", "Days". */
  readonly columnNames: readonly string[];
  /** Values of the q random-effect columns, n×q column-major. */
  readonly z: Float64Array;
  /**
   * True for `(a + b | g)` (a full covariance block), false for `(a + b || g)` (diagonal).
   * The frame builder splits `(a + b || g)` into `(1 | g) + (0 + a | g) + (0 + b | g)`, as
   * lme4 does, so the terms it makes are all true.
   */
  readonly correlated: boolean;
}

/** A table row left out of the frame because a column the model reads is missing on it. */
export interface DroppedRow {
  /** 1-based data row of the table. */
  readonly row: number;
  /** 1-based line in the file. */
  readonly line: number;
  /** The columns missing on that row. */
  readonly columns: readonly string[];
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
  /** Rows left out because of missing values (lme4's na.omit), for the user to be told. */
  readonly dropped?: readonly DroppedRow[];
  /** Fixed-effect columns removed because X was rank deficient (as lme4 drops them), in R's names. */
  readonly droppedFixedNames?: readonly string[];
}
