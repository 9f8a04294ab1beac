/**
 * Structural models: a system of compartments advanced between events. Closed-form
 * linear systems (src/pk/closed-form*) and ODE systems (src/pk/ode*) implement the same
 * interface, so one event loop (src/pk/predict.ts) serves both.
 */

export interface CompartmentSystem {
  /** Short description, e.g. "2cmt oral (closed form)". */
  readonly label: string;
  /** Compartment names in order; index = NONMEM CMT - 1. */
  readonly compartments: readonly string[];
  /** Names of the structural parameters, in the order of the parameter vector. */
  readonly parameterNames: readonly string[];
  /** 0-based compartment receiving doses when the data has no CMT. */
  readonly defaultDoseCompartment: number;
  /** 0-based compartment observed when the data has no CMT. */
  readonly defaultObservationCompartment: number;
  /** True when the state after a time step is linear in the initial state and the inputs. */
  readonly linear: boolean;
  /**
   * Advance `state` (amounts, in place) from time t0 to t1 > t0 with constant zero-order
   * inputs `rates` (amount/time into each compartment) and structural parameters `p`.
   * Throws NumericalError when the step cannot be computed to the requested accuracy.
   */
  advance(state: Float64Array, t0: number, t1: number, rates: Float64Array, p: Float64Array): void;
  /**
   * Optional: `advance` that also carries first-order sensitivities along nDir directions.
   * `tangent` (n × nDir, row-major, in place) holds ∂state/∂(direction) and `dp`
   * (nParameters × nDir, row-major) the parameters' derivatives along each direction; the
   * input rates are taken as independent of the directions.
   */
  advanceWithSensitivities?(
    state: Float64Array, tangent: Float64Array, nDir: number, t0: number, t1: number,
    rates: Float64Array, p: Float64Array, dp: Float64Array,
  ): void;
}

import type { EventLoop } from './predict.js';

/**
 * Individual parameters that the event loop needs, for one record.
 * F, ALAG, R (modelled rate) and D (modelled duration) are per compartment; their defaults
 * are F = 1, ALAG = 0, R = D = 0.
 */
export interface PkParameterRow {
  readonly structural: Float64Array;
  readonly F: Float64Array;
  readonly ALAG: Float64Array;
  readonly R: Float64Array;
  readonly D: Float64Array;
  /**
   * Derivatives of `structural` along the directions of a sensitivity prediction
   * (nParameters × nDir, row-major); only read by predictSubjectWithSensitivities.
   */
  readonly structuralTangent?: Float64Array;
}

/**
 * Individual parameters of one subject, for each of its data records (time-varying
 * covariates make them vary). NONMEM's rule: the parameters evaluated at a record apply
 * over the interval that ends at that record. `constant` = the same row for every record.
 */
export interface PkParameters {
  /** Parameters in effect for the data record with dataset index `record`. */
  at(record: number): PkParameterRow;
  readonly constant: boolean;
}

/** Options for a subject prediction. */
export interface PredictOptions {
  /** Initial amounts per compartment at the first event (default zeros). */
  readonly initialState?: Float64Array;
  /**
   * The work buffers of the prediction, owned by the caller and reused by every call (a
   * bound model owns one per system); default a new one per call.
   */
  readonly loop?: EventLoop;
  /**
   * A steady-state dose whose lag exceeds its interval: 'nonmem' (default) follows PREDPP —
   * the state at the record is the cycle at phase (II − ALAG) mod II and only the record's own
   * dose arrives after it (at TIME + ALAG); 'periodic' also gives the implied doses whose
   * lagged arrivals fall between the record and TIME + ALAG, as a long explicit history would.
   */
  readonly steadyStateLag?: 'nonmem' | 'periodic';
}
