/**
 * The population parameters of a model as estimation and simulation see them: θ with its
 * bounds, Ω and Σ as full matrices with their block structure, and population values as
 * flat arrays. Matrices are flat Float64Array, row-major, dimensions stated per field.
 */

/** One fixed effect (NONMEM THETA). */
export interface ThetaSpec {
  readonly name: string;
  readonly init: number;
  /** -Infinity when unbounded. */
  readonly lower: number;
  /** +Infinity when unbounded. */
  readonly upper: number;
  readonly fixed: boolean;
}

/**
 * A covariance matrix of random effects (OMEGA) or residual errors (SIGMA), made of
 * diagonal elements and correlated blocks. `blocks` partitions 0..n-1; elements outside
 * the blocks are structurally zero. A fixed block is not estimated.
 */
export interface CovarianceSpec {
  readonly names: readonly string[];
  /** n×n initial (or final) values, row-major, symmetric. */
  readonly init: Float64Array;
  readonly blocks: readonly { readonly indices: readonly number[]; readonly fixed: boolean }[];
}

export interface ParameterSpec {
  readonly theta: readonly ThetaSpec[];
  readonly omega: CovarianceSpec;
  readonly sigma: CovarianceSpec;
}

/** Population values: θ, and Ω and Σ as full matrices (row-major). */
export interface PopulationParameters {
  readonly theta: Float64Array;
  readonly omega: Float64Array;
  readonly sigma: Float64Array;
}
