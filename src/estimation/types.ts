/**
 * Types of population estimation: methods, options and the fit result. A fit never mutates
 * its BoundModel; everything it found is in the FitResult.
 */
import type { SubjectThreads } from './subject-threads.js';
import type { OptimResult } from '../optim/types.js';

/**
 * The estimation methods (NONMEM names in brackets; one module each in src/estimation/methods/):
 * - 'fo': first order, linearized at η = 0 (METHOD=0).
 * - 'foce': first-order conditional estimation, linearized at the conditional modes, residual
 *   variance at the population prediction η = 0 (METHOD=1).
 * - 'focei': FOCE with η–ε interaction, residual variance at the modes (METHOD=1 INTERACTION).
 * - 'laplace': Laplace approximation with the exact Hessian of each subject's objective,
 *   residual variance at the modes (METHOD=1 LAPLACE INTERACTION).
 */
export type EstimationMethod = 'fo' | 'foce' | 'focei' | 'laplace';

/** Which matrix the covariance step reports (NONMEM $COVARIANCE MATRIX=). */
export type CovarianceMethod = 'rsr' | 'r' | 's' | 'none';

/** One estimated parameter on its original scale (the scale the user writes in the model). */
export interface EstimatedParameter {
  readonly kind: 'theta' | 'omega' | 'sigma';
  /** NONMEM-style label: THETA(2), OMEGA(1,1), SIGMA(1,1). */
  readonly label: string;
  /** Model name: the theta name, or the η/ε name(s) ("ETA_CL" or "ETA_CL,ETA_V"). */
  readonly name: string;
  /** Theta index, or the (row, col) of the matrix element, 0-based, row ≥ col. */
  readonly row: number;
  readonly col: number;
}

/** Settings of the inner problem (conditional modes of η). */
export interface InnerOptions {
  /** Stop when every component of the Newton step is below this (η units). Default 1e-9. */
  readonly stepTolerance?: number;
  /** Iteration cap per subject and evaluation. Default 100. */
  readonly maxIterations?: number;
  /** Central finite-difference step in η when the model gives no derivatives. Default 1e-5. */
  readonly fdStepEta?: number;
}

/** Options of fitPopulation; every field has a default. */
export interface FitOptions {
  /** Default 'focei'. */
  readonly method?: EstimationMethod;
  /** Covariance step; default 'rsr' (NONMEM's default sandwich R⁻¹SR⁻¹). */
  readonly covariance?: CovarianceMethod;
  /** Outer iteration cap. Default 500. */
  readonly maxIterations?: number;
  /** Seed of the NPDE simulations. Default 12345. */
  readonly seed?: number;
  /** NPDE replicates per subject; 0 skips NPDE. Default 1000. */
  readonly npdeSamples?: number;
  readonly inner?: InnerOptions;
  /**
   * Threads evaluating the subjects: a positive integer (1 = serial) or 'auto' (default):
   * min(available parallelism, 4) threads when the work per evaluation pays for them
   * (src/estimation/subject-worker-setup.ts), else 1. Needs `threads`; results are
   * bit-identical for any number of threads.
   */
  readonly workers?: number | 'auto';
  /**
   * Wait for the worker threads to start (about 1 s each, in parallel) before the first
   * evaluation, so that every evaluation uses them. Default false: the subjects are evaluated
   * in the calling thread until the workers are ready (same results, less waiting).
   */
  readonly waitForWorkers?: boolean;
  /**
   * The thread backend (src/estimation/subject-threads.ts); popkit's Node entry and CLI pass
   * Node's worker threads (src/io/threads/subject-pool.ts). Without it every evaluation runs in
   * the calling thread.
   */
  readonly threads?: SubjectThreads;
  /** Called once per outer iteration (e.g. to print progress). */
  readonly onIteration?: (iteration: number, ofv: number, evaluations: number) => void;
}

/** Outcome of the covariance step. */
export interface CovarianceStepResult {
  readonly method: Exclude<CovarianceMethod, 'none'>;
  /** 'ok', or 'failed' with `message` saying which matrix failed and why. */
  readonly status: 'ok' | 'failed';
  readonly message: string;
  /** Parameters in the order of FitResult.estimated. */
  readonly parameters: readonly EstimatedParameter[];
  /** p×p covariance matrix of the estimates (row-major), when status is 'ok'. */
  readonly covariance?: Float64Array;
  /** Standard errors on the original scale, length p. */
  readonly se?: Float64Array;
  /** p×p correlation matrix. */
  readonly correlation?: Float64Array;
  /** Eigenvalues of the correlation matrix (ascending) and their max/min ratio (NONMEM's condition number). */
  readonly eigenvalues?: Float64Array;
  readonly conditionNumber?: number;
  /** R = Hessian of the OFV and S = Σ_i g_i g_iᵀ, p×p, as computed (even when inversion failed). */
  readonly rMatrix?: Float64Array;
  readonly sMatrix?: Float64Array;
  /** Seconds spent. */
  readonly elapsedSeconds: number;
}

/** Per-subject diagnostics at the final estimates. */
export interface SubjectDiagnostics {
  readonly id: string;
  /** Empirical Bayes estimates (conditional modes), length nEta. */
  readonly eta: Float64Array;
  /** Individual parameters (BoundModel.individualParameterNames) at η̂, when the model gives them. */
  readonly individualParameters?: Float64Array;
  /** Contribution to the OFV (without constant). */
  readonly ofv: number;
  /** Dataset record index of each observation. */
  readonly obsRecords: Int32Array;
  readonly dv: Float64Array;
  readonly pred: Float64Array;
  readonly ipred: Float64Array;
  readonly res: Float64Array;
  readonly wres: Float64Array;
  readonly iwres: Float64Array;
  readonly cwres: Float64Array;
  /** NaN-free when computed; absent when NPDE was skipped or could not be computed. */
  readonly npde?: Float64Array;
}

/** Shrinkage as NONMEM's ETASHRINKSD/VR and EPSSHRINKSD/VR, as fractions. */
export interface ShrinkageResult {
  /** η shrinkage 1 − SD(η̂)/ω per η (fraction, not percent). */
  readonly etaSd: Float64Array;
  /** η shrinkage 1 − Var(η̂)/ω² per η. */
  readonly etaVariance: Float64Array;
  /** ε shrinkage 1 − SD(IWRES) over all observations (for a model with one ε: its EPSSHRINKSD). */
  readonly epsSd: number;
  /** ε shrinkage 1 − Var(IWRES) over all observations. */
  readonly epsVariance: number;
  /**
   * ε shrinkage per ε_k, NONMEM's EPSSHRINKSD for EPS(k): 1 − SD(IWRES_j) over the
   * observations j with h_jk = ∂y_j/∂ε_k ≠ 0 at η̂ (see src/estimation/diagnostics.ts);
   * NaN when fewer than two observations depend on ε_k (the fit then warns).
   */
  readonly epsSdPerEps: Float64Array;
  /** 1 − Var(IWRES_j) over the same observations, per ε_k (NONMEM's EPSSHRINKVR). */
  readonly epsVariancePerEps: Float64Array;
}

/** Everything a fit found; the BoundModel is unchanged. */
export interface FitResult {
  readonly modelName: string;
  readonly method: EstimationMethod;
  /** −2 log-likelihood without N·log(2π) (NONMEM's reported OFV). */
  readonly ofv: number;
  /** ofv + N·log(2π). */
  readonly ofvWithConstant: number;
  readonly nObs: number;
  readonly nSubjects: number;
  /** Number of estimated parameters (not FIX). */
  readonly nParameters: number;
  /** AIC and BIC from ofvWithConstant. */
  readonly aic: number;
  readonly bic: number;
  readonly thetaNames: readonly string[];
  readonly thetaFixed: readonly boolean[];
  /** Final θ (all, fixed included). */
  readonly theta: Float64Array;
  readonly omegaNames: readonly string[];
  /** Final Ω, nEta×nEta row-major. */
  readonly omega: Float64Array;
  readonly sigmaNames: readonly string[];
  /** Final Σ, nEps×nEps row-major. */
  readonly sigma: Float64Array;
  /** Estimated parameters (original scale) and their final values. */
  readonly estimated: readonly EstimatedParameter[];
  readonly estimates: Float64Array;
  readonly converged: boolean;
  /** Plain-language minimization status. */
  readonly status: string;
  /** NONMEM-style number of significant digits in the final estimates. */
  readonly significantDigits: number;
  /** Outer iterations (accepted steps). */
  readonly iterations: number;
  /** Objective evaluations of the estimation (finite-difference gradients included; the covariance step's not). */
  readonly evaluations: number;
  /** Outer optimization record (x on the unconstrained scale); of the last run when the minimization was resumed after a check of the inner modes (see warnings). */
  readonly optimization: OptimResult;
  readonly covariance?: CovarianceStepResult;
  readonly subjects: readonly SubjectDiagnostics[];
  /** Names of SubjectDiagnostics.individualParameters (from the BoundModel). */
  readonly individualParameterNames: readonly string[];
  readonly shrinkage: ShrinkageResult;
  /** Description of the Hessian used in the marginal likelihood. */
  readonly hessian: string;
  readonly warnings: readonly string[];
  /** Most threads that evaluated the subjects together during estimation and the covariance step (1: serial). */
  readonly workers?: number;
  readonly elapsedSeconds: { readonly estimation: number; readonly covariance: number; readonly diagnostics: number; readonly total: number };
}
