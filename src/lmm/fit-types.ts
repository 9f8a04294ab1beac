/**
 * The result of fitting a linear mixed model (fitLmm in fit.ts): plain data, computed once.
 * Names follow lme4: coefficient names as R gives them, grouping factors and random-effect
 * columns as lme4 prints them.
 */
import type { LmmFrame } from './frame-types.js';

/** One fixed-effect coefficient. */
export interface FixedEffect {
  readonly name: string;
  readonly estimate: number;
  /** Standard error from σ̂² (R_XᵀR_X)⁻¹, as lme4's vcov. */
  readonly se: number;
  /** estimate / se. */
  readonly t: number;
}

/**
 * One row of the variance components, like lme4's `as.data.frame(VarCorr(fit))`:
 * a variance (name2 null: variance and sd set, corr null) or a covariance (name2 set:
 * variance holds the covariance, sd null, corr the correlation). The residual has group
 * "Residual" and name1 null.
 */
export interface VarianceComponent {
  readonly group: string;
  readonly name1: string | null;
  readonly name2: string | null;
  readonly variance: number;
  readonly sd: number | null;
  readonly corr: number | null;
}

/** Conditional modes (BLUPs) of one random-effects term, as lme4's `ranef(fit, condVar = TRUE)`. */
export interface RandomEffectsModes {
  readonly group: string;
  readonly columnNames: readonly string[];
  readonly levels: readonly string[];
  /** Modes, level-major: level l, column c at values[l·q + c]. */
  readonly values: Float64Array;
  /**
   * Conditional covariance of each level's effects given the data (σ² Λ (LᵀL)⁻¹ Λᵀ diagonal
   * block, as lme4's condVar), q×q column-major per level at condVar[l·q²]; null when not
   * computed.
   */
  readonly condVar: Float64Array | null;
}

/** One (θ, objective) pair visited by the optimizer. */
export interface ThetaEvaluation {
  readonly theta: Float64Array;
  readonly objective: number;
}

/** The optimization record of a fit, with the post-fit convergence checks. */
export interface LmmOptimization {
  readonly optimizer: 'BOBYQA';
  /** θ order: terms in blocked order (decreasing number of levels), as lme4's getME(fit, "theta"). */
  readonly thetaNames: readonly string[];
  readonly thetaStart: Float64Array;
  readonly thetaEnd: Float64Array;
  readonly lowerBounds: Float64Array;
  readonly objectiveStart: number;
  readonly objectiveEnd: number;
  /** Deviance evaluations of the optimization, including the choice of start (not the gradient check's). */
  readonly evaluations: number;
  readonly iterations: number;
  /** True when the optimizer met its accuracy criterion. */
  readonly converged: boolean;
  readonly status: string;
  readonly message: string;
  /** Every evaluation, in order. */
  readonly history: readonly ThetaEvaluation[];
  /** Finite-difference gradient of the objective at θ̂ (null when not checked). */
  readonly gradient: Float64Array | null;
  /** max |H⁻¹g| over θ not on a bound (lme4's scaled gradient; warn above 0.002), or null. */
  readonly maxScaledGradient: number | null;
  /** Whether the finite-difference Hessian (interior θ) is positive definite, or null. */
  readonly hessianPositiveDefinite: boolean | null;
  /** True when a variance is (numerically) zero or a correlation ±1: lme4's isSingular. */
  readonly singular: boolean;
  /** Plain-language notes: singularity, convergence warnings, dropped columns. */
  readonly warnings: readonly string[];
}

/** A fitted linear mixed model. */
export interface LmmFit {
  readonly frame: LmmFrame;
  readonly responseName: string;
  readonly reml: boolean;
  /** 'profiled': σ estimated; 'known': σ = 1 and Var(e_i) = 1/w_i (meta-analysis). */
  readonly residualScale: 'profiled' | 'known';
  readonly nobs: number;
  /** Grouping factors with their number of levels, in formula order (duplicates merged). */
  readonly groups: readonly { readonly group: string; readonly levels: number }[];
  readonly fixef: readonly FixedEffect[];
  /** σ̂² (R_XᵀR_X)⁻¹, p×p column-major, in the order of `fixef`. */
  readonly vcov: Float64Array;
  readonly sigma: number;
  readonly varcomp: readonly VarianceComponent[];
  /** Random-effects modes per term, in formula order. */
  readonly ranef: readonly RandomEffectsModes[];
  /** Xβ̂ + Zb̂ for each observation. */
  readonly fitted: Float64Array;
  /** y − fitted. */
  readonly residuals: Float64Array;
  /** Maximized log-likelihood (REML: the restricted log-likelihood, as lme4's logLik). */
  readonly logLik: number;
  /** −2 logLik: the ML deviance, or the REML criterion for a REML fit. */
  readonly deviance: number;
  readonly aic: number;
  readonly bic: number;
  /** Number of parameters: fixed effects + θ + σ (when estimated). */
  readonly df: number;
  /** Fixed-effect columns dropped because the design is rank deficient. */
  readonly droppedFixed: readonly string[];
  readonly optimization: LmmOptimization;
  /** Seconds spent fitting (structure, optimization, results). */
  readonly elapsedSeconds: number;
}
