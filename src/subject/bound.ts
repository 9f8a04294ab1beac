/**
 * A population model bound to a dataset: what estimation, simulation and diagnostics see.
 * The model layer builds it (from a model file or defineModel + a Dataset); the layers
 * after it (estimation, simulation, tools) use only this interface, so they can also be
 * driven by hand-written models in tests (e.g. Wang 2007's one-line model).
 *
 * Matrices are flat Float64Array, row-major, dimensions stated per field.
 */

export type { CovarianceSpec, ParameterSpec, ThetaSpec } from '../model/parameter-spec.js';
import type { ParameterSpec } from '../model/parameter-spec.js';

/**
 * One subject, ready for the likelihood. The residual model is NONMEM's: for observation j,
 * y_j = f_j(θ, η) + Σ_k h_jk(θ, η) ε_k with ε ~ N(0, Σ), so Var(y_j | η) = h_j Σ h_jᵀ.
 */
export interface SubjectEvaluator {
  readonly id: string;
  /** Number of observations (records with MDV = 0). */
  readonly nObs: number;
  /** Observed values (transformed as the model says, e.g. log DV), length nObs. */
  readonly dv: Float64Array;
  /** Dataset record index of each observation. */
  readonly obsRecords: Int32Array;
  /**
   * Predictions f (length nObs) and h = ∂y/∂ε at ε = 0 (nObs × nEps, row-major).
   * Returns false when the parameters give no valid prediction (e.g. a negative volume),
   * in which case the outputs are unspecified.
   */
  evaluate(theta: Float64Array, eta: Float64Array, f: Float64Array, h: Float64Array): boolean;
  /**
   * Optional: predictions with their first derivatives with respect to η:
   * dfdeta (nObs × nEta) and dhdeta (nObs × nEps × nEta). Absent when the model offers no
   * derivatives; callers then use finite differences.
   */
  evaluateWithDerivatives?(
    theta: Float64Array, eta: Float64Array,
    f: Float64Array, h: Float64Array, dfdeta: Float64Array, dhdeta: Float64Array,
  ): boolean;
  /**
   * Optional: the subject's individual parameters (BoundModel.individualParameterNames,
   * e.g. CL, V) at (θ, η), for tables and reports; time-varying ones at the first record.
   */
  individualParameters?(theta: Float64Array, eta: Float64Array, out: Float64Array): void;
}

/** A model bound to a dataset. */
export interface BoundModel {
  readonly name: string;
  readonly parameters: ParameterSpec;
  readonly subjects: readonly SubjectEvaluator[];
  /** Number of random effects (η), = parameters.omega.names.length. */
  readonly nEta: number;
  /** Number of residual random variables (ε), = parameters.sigma.names.length. */
  readonly nEps: number;
  /** Names of the individual parameters reported by SubjectEvaluator.individualParameters. */
  readonly individualParameterNames?: readonly string[];
}
