/**
 * Compartment systems defined by ordinary differential equations in the amounts,
 * integrated between events with the Cash–Karp embedded Runge–Kutta 4(5) method
 * (J. R. Cash & A. H. Karp, ACM Trans. Math. Softw. 16:201–222, 1990) as implemented by the
 * `ode45-cash-karp` package (R. Reusser, MIT licence).
 *
 * Error control. The package accepts a step when max_i |e_i| / s_i < tol, where e_i is the
 * embedded error estimate of compartment i and s_i a scale computed once per step. Its
 * default scale, |a_i| + |h·da_i/dt| + 1e-32, is a purely relative test. popkit replaces it
 * with the usual mixed test s_i = absTol + relTol·|a_i| (tol = 1), so that every compartment
 * is accurate to relTol relative to its own amount — amounts spanning many orders of
 * magnitude (a peak and a trough 1e-6 of it, a depot that has emptied) are each controlled
 * relative to themselves — down to the absolute floor absTol (amount units), below which an
 * amount counts as zero. The defaults follow NONMEM's ADVAN13 absolute tolerance (ANRD = 12,
 * i.e. 1e-12 amount units) and a relative tolerance tight enough for predictions to agree
 * with the closed-form solutions to better than 1e-6 relative.
 *
 * Each `advance` call restarts the integrator at t0 (doses and infusion switches are
 * discontinuities), with a starting step chosen from the state alone (so results never
 * depend on earlier calls) and steps ending exactly at t1.
 *
 * Failures are reported, never returned as numbers: NumericalError when a derivative is not
 * finite, when the step size collapses (a step cut below 1e-12 of the interval, or below what
 * the time resolution allows), when the work limit maxSteps is exhausted (stiffness: the
 * explicit method needs steps of about 3/|fastest rate|, e.g. KA = 1e6/h), or when an amount
 * turns negative beyond round-off (a step over a feature the error estimate did not see).
 */
import ode45 from 'ode45-cash-karp';
import { ModelError, NumericalError } from '../errors.js';
import type { CompartmentSystem } from './types.js';

/**
 * Right-hand side of the ODE system: writes da/dt (amount/time) into `dadt` for amounts `a`
 * at time `t` with structural parameters `p`. Zero-order inputs (infusions) are added by the
 * system, not here. Must not allocate or keep references to its arguments.
 */
export type OdeRightHandSide = (t: number, a: Float64Array, p: Float64Array, dadt: Float64Array) => void;

/** Accuracy and work limits of the integration. */
export interface OdeTolerances {
  /** Relative tolerance per compartment and step (default 1e-8). */
  readonly relTol?: number;
  /** Absolute tolerance per compartment and step, in amount units (default 1e-12). */
  readonly absTol?: number;
  /**
   * Work allowed for one interval between events, in steps of 6 right-hand-side evaluations
   * (default 100,000). A stiff system exhausts it and fails with a NumericalError.
   */
  readonly maxSteps?: number;
}

/** The defaults of {@link OdeTolerances}. */
export const DEFAULT_ODE_TOLERANCES: Required<OdeTolerances> = Object.freeze({
  relTol: 1e-8,
  absTol: 1e-12,
  maxSteps: 100_000,
});

/** Everything needed to define an ODE compartment system. */
export interface OdeSystemSpec {
  /** Short description used in messages, e.g. "1cmt oral Michaelis-Menten (ODE)". */
  readonly label: string;
  /** Compartment names in order; index = NONMEM CMT - 1. */
  readonly compartments: readonly string[];
  /** Names of the structural parameters, in the order of the parameter vector. */
  readonly parameterNames: readonly string[];
  /** 0-based compartment receiving doses when the data has no CMT. */
  readonly defaultDoseCompartment: number;
  /** 0-based compartment observed when the data has no CMT. */
  readonly defaultObservationCompartment: number;
  /** True when the right-hand side is linear in the amounts (lets the event loop solve steady state exactly). */
  readonly linear: boolean;
  readonly rhs: OdeRightHandSide;
  /**
   * Optional check of the structural parameters, run at the start of every `advance`:
   * returns why `p` is invalid (e.g. "V = 0: it must be positive"), or undefined when valid.
   * An invalid vector is reported as a NumericalError, as the closed-form systems do.
   */
  readonly checkParameters?: (p: Float64Array) => string | undefined;
  readonly tolerances?: OdeTolerances;
  /**
   * Amounts cannot be negative (default true). An explicit integrator can step over a sharp
   * feature that none of its trial points sees (e.g. a Michaelis–Menten compartment emptying)
   * and land on negative amounts; with this set, an amount below
   * -(1000·absTol + 10·relTol·largest amount) after a step is reported as a NumericalError.
   * Set false for states that may legitimately be negative (e.g. a change from baseline).
   */
  readonly nonNegative?: boolean;
}

/** A compartment system integrated numerically; also exposes its definition. */
export interface OdeCompartmentSystem extends CompartmentSystem {
  readonly rhs: OdeRightHandSide;
  /** Tolerances in effect (defaults filled in). */
  readonly tolerances: Required<OdeTolerances>;
  readonly nonNegative: boolean;
}

/** Right-hand-side evaluations per step of the Cash–Karp method. */
const EVALUATIONS_PER_STEP = 6;

/**
 * Builds a CompartmentSystem whose `advance` integrates `spec.rhs` plus the zero-order input
 * rates from t0 to t1 (time units of the data) to the requested tolerances. `advance`
 * throws NumericalError, naming the model, the interval and the reason, when the derivative
 * is not finite, the step size collapses, or the work limit is reached (stiffness).
 * Each system owns its integration buffers: it is not reentrant, but allocates nothing per call.
 *
 * @example
 * const oneCmtIv = odeSystem({
 *   label: '1cmt iv (ODE)', compartments: ['central'], parameterNames: ['CL', 'V'],
 *   defaultDoseCompartment: 0, defaultObservationCompartment: 0, linear: true,
 *   rhs: (t, a, p, dadt) => { dadt[0] = -(p[0] / p[1]) * a[0]; },
 * });
 * const a = Float64Array.of(100);
 * oneCmtIv.advance(a, 0, 24, new Float64Array(1), Float64Array.of(1, 10)); // a[0] ≈ 100·e^(-2.4)
 */
export function odeSystem(spec: OdeSystemSpec): OdeCompartmentSystem {
  const tolerances = checkSpec(spec);
  const { relTol, absTol, maxSteps } = tolerances;
  const { label, rhs, compartments } = spec;
  const n = compartments.length;
  const nonNegative = spec.nonNegative ?? true;
  const nParameters = spec.parameterNames.length;
  const maxEvaluations = maxSteps * EVALUATIONS_PER_STEP;

  // Workspace of this system, overwritten by every advance call.
  const f0 = new Float64Array(n);
  const f1 = new Float64Array(n);
  const y1 = new Float64Array(n);
  let params: Float64Array = f0;
  let rates: Float64Array = f0;
  let t0Current = 0;
  let t1Current = 0;
  let evaluations = 0;
  let busy = false;

  const derivative = (dadt: Float64Array, a: Float64Array, t: number): void => {
    if (++evaluations > maxEvaluations) {
      throw new NumericalError(`${where()}: more than ${maxSteps} steps needed (reached t=${t}); ` +
        'the system is too stiff for the explicit integrator (e.g. very fast absorption or ' +
        'Michaelis-Menten elimination with a tiny KM). Loosen relTol/absTol, raise maxSteps, ' +
        'or use a closed-form model.');
    }
    rhs(t, a, params, dadt);
    for (let i = 0; i < n; i++) {
      const d = dadt[i] + rates[i];
      if (!Number.isFinite(d)) {
        throw new NumericalError(`${where()}: the derivative of compartment '${compartments[i]}' ` +
          `is ${d} at t=${t} (amounts ${formatAmounts(a)}); check the parameters ` +
          '(e.g. a zero volume) or the model equations.');
      }
      dadt[i] = d;
    }
  };
  const checkNonNegative = (state: Float64Array, t: number): void => {
    let largest = 0;
    for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(state[i]));
    const floor = -(1000 * absTol + 10 * relTol * largest);
    for (let i = 0; i < n; i++) {
      if (state[i] < floor) {
        throw new NumericalError(`${where()}: the amount in compartment '${compartments[i]}' became ` +
          `negative (${state[i]}) at t=${t}; the integrator stepped over a feature it could not ` +
          'resolve (e.g. a compartment emptying under Michaelis-Menten elimination with a tiny KM). ' +
          'Tighten relTol/absTol or check the model equations.');
      }
    }
  };
  const where = (): string => `${label}: integrating from t=${t0Current} to t=${t1Current}`;

  const integrator = ode45(new Float64Array(n), derivative as Parameters<typeof ode45>[1], 0, 1, {
    tol: 1,
    dtMinMag: 0,
    verbose: false,
    errorScaleFunction: (_i: number, _dt: number, a: number): number => absTol + relTol * Math.abs(a),
  } as Parameters<typeof ode45>[4]);

  /**
   * Starting step size, after Hairer, Nørsett & Wanner, Solving Ordinary Differential
   * Equations I (2nd ed., 1993), Sec. II.4 "Automatic step size control — starting step
   * size", with the fixed 1e-6 of that algorithm taken relative to the interval length.
   */
  const startingStep = (state: Float64Array, t0: number, length: number): number => {
    derivative(f0, state, t0);
    let d0 = 0;
    let d1 = 0;
    for (let i = 0; i < n; i++) {
      const s = absTol + relTol * Math.abs(state[i]);
      d0 += (state[i] / s) ** 2;
      d1 += (f0[i] / s) ** 2;
    }
    d0 = Math.sqrt(d0 / n);
    d1 = Math.sqrt(d1 / n);
    const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 * length : Math.min(0.01 * (d0 / d1), length);
    for (let i = 0; i < n; i++) y1[i] = state[i] + h0 * f0[i];
    derivative(f1, y1, t0 + h0);
    let d2 = 0;
    for (let i = 0; i < n; i++) {
      const s = absTol + relTol * Math.abs(state[i]);
      d2 += ((f1[i] - f0[i]) / s) ** 2;
    }
    d2 = Math.sqrt(d2 / n) / h0;
    const dMax = Math.max(d1, d2);
    const h1 = dMax <= 1e-15 ? Math.max(1e-6 * length, h0 * 1e-3) : (0.01 / dMax) ** (1 / 5);
    return Math.min(100 * h0, h1, length);
  };

  const advance = (state: Float64Array, t0: number, t1: number, inputRates: Float64Array, p: Float64Array): void => {
    if (busy) throw new Error(`${label}: advance called again while integrating (not reentrant)`);
    checkAdvanceArguments(label, n, state, t0, t1, inputRates);
    if (p.length < nParameters) {
      throw new NumericalError(`${label}: expected ${nParameters} parameters (${spec.parameterNames.join(', ')}), got ${p.length}`);
    }
    const invalid = spec.checkParameters?.(p);
    if (invalid !== undefined) throw new NumericalError(`${label}: invalid parameters: ${invalid}`);
    if (t1 === t0) return;
    busy = true;
    try {
      params = p;
      rates = inputRates;
      t0Current = t0;
      t1Current = t1;
      evaluations = 0;
      integrate(state, t0, t1);
    } finally {
      busy = false;
      params = f0;
      rates = f0;
    }
  };

  const integrate = (state: Float64Array, t0: number, t1: number): void => {
    const length = t1 - t0;
    // Below this a step no longer resolves time (or is absurdly small for the interval).
    const minStep = Math.max(1e-12 * length, 64 * Number.EPSILON * Math.max(Math.abs(t0), Math.abs(t1)));
    integrator.y = state;
    integrator.t = t0;
    integrator.dt = Math.max(startingStep(state, t0, length), Math.min(minStep, length));
    // The package decides it has arrived when within 1e-8 of its *proposed* step of t1, and
    // the proposal can grow without bound when the error estimate vanishes (e.g. a constant
    // derivative); so the proposal is kept within the remaining interval and arrival is
    // decided here, to a few ulp of t1.
    const arrived = 4 * Number.EPSILON * Math.max(Math.abs(t0), Math.abs(t1));
    for (let remaining = length; remaining > arrived; remaining = t1 - integrator.t) {
      if (integrator.dt > remaining) integrator.dt = remaining;
      const before = integrator.t;
      try {
        integrator.step(t1);
      } catch (e) {
        if (e instanceof NumericalError) throw e;
        throw new NumericalError(`${where()}: the integrator failed at t=${integrator.t}: ${(e as Error).message}`);
      }
      // The first step is at least minStep; a later one below it (half of it, as the time
      // difference carries rounding) means the step size has collapsed.
      const taken = integrator.t - before;
      if (taken < 0.5 * minStep && t1 - integrator.t > minStep) {
        throw new NumericalError(`${where()}: the step size collapsed to ${taken} at t=${integrator.t} ` +
          `(amounts ${formatAmounts(state)}); the tolerances relTol=${relTol}, absTol=${absTol} ` +
          'cannot be met, the system is probably stiff or singular there.');
      }
      if (nonNegative) checkNonNegative(state, integrator.t);
    }
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(state[i])) {
        throw new NumericalError(`${where()}: the amount in compartment '${compartments[i]}' became ${state[i]}.`);
      }
    }
  };

  return {
    label,
    compartments: Object.freeze([...compartments]),
    parameterNames: Object.freeze([...spec.parameterNames]),
    defaultDoseCompartment: spec.defaultDoseCompartment,
    defaultObservationCompartment: spec.defaultObservationCompartment,
    linear: spec.linear,
    nonNegative,
    rhs,
    tolerances,
    advance,
  };
}

/** Validates a spec (ModelError on a problem) and returns its tolerances with defaults filled in. */
function checkSpec(spec: OdeSystemSpec): Required<OdeTolerances> {
  const n = spec.compartments.length;
  const problem = (message: string): never => { throw new ModelError(`ODE system '${spec.label}': ${message}`); };
  if (n === 0) problem('it has no compartments');
  if (new Set(spec.compartments).size !== n) problem('compartment names must be distinct');
  if (new Set(spec.parameterNames).size !== spec.parameterNames.length) problem('parameter names must be distinct');
  for (const [name, value] of [['defaultDoseCompartment', spec.defaultDoseCompartment],
    ['defaultObservationCompartment', spec.defaultObservationCompartment]] as const) {
    if (!Number.isInteger(value) || value < 0 || value >= n) {
      problem(`${name} is ${value}, not a compartment index in 0..${n - 1}`);
    }
  }
  if (typeof spec.rhs !== 'function') problem('rhs is not a function');
  const tolerances = { ...DEFAULT_ODE_TOLERANCES, ...definedOnly(spec.tolerances) };
  // Below ~100 ulp a relative tolerance cannot be met in double precision.
  if (!(tolerances.relTol >= 1e-14 && tolerances.relTol < 1)) problem(`relTol must be in [1e-14, 1), got ${tolerances.relTol}`);
  if (!(tolerances.absTol > 0 && Number.isFinite(tolerances.absTol))) problem(`absTol must be positive and finite, got ${tolerances.absTol}`);
  if (!(Number.isInteger(tolerances.maxSteps) && tolerances.maxSteps > 0)) problem(`maxSteps must be a positive integer, got ${tolerances.maxSteps}`);
  return Object.freeze(tolerances);
}

function definedOnly(t: OdeTolerances | undefined): OdeTolerances {
  const out: { -readonly [K in keyof OdeTolerances]: OdeTolerances[K] } = {};
  if (t?.relTol !== undefined) out.relTol = t.relTol;
  if (t?.absTol !== undefined) out.absTol = t.absTol;
  if (t?.maxSteps !== undefined) out.maxSteps = t.maxSteps;
  return out;
}

function checkAdvanceArguments(label: string, n: number, state: Float64Array, t0: number, t1: number, rates: Float64Array): void {
  if (state.length !== n || rates.length !== n) {
    throw new RangeError(`${label}: state and rates must have ${n} elements (got ${state.length} and ${rates.length})`);
  }
  if (!Number.isFinite(t0) || !Number.isFinite(t1) || t1 < t0) {
    throw new NumericalError(`${label}: cannot integrate from t=${t0} to t=${t1} (times must be finite and increasing)`);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(state[i]) || !Number.isFinite(rates[i])) {
      throw new NumericalError(`${label}: at t=${t0} compartment ${i + 1} has amount ${state[i]} and input rate ${rates[i]}; both must be finite`);
    }
  }
}

function formatAmounts(a: Float64Array): string {
  return `[${Array.from(a, (x) => x.toPrecision(6)).join(', ')}]`;
}
