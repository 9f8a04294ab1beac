/**
 * Compartment systems defined by ordinary differential equations in the amounts, integrated
 * between events.
 *
 * Methods (option `method`):
 * - 'explicit': the Dormand–Prince 8(5,3) Runge–Kutta pair DOP853 (src/pk/ode-dop853.ts);
 * - 'stiff': the Rosenbrock method RODAS4 with a finite-difference Jacobian
 *   (src/pk/ode-rodas4.ts), for very fast processes (KA = 1e6/h, Michaelis–Menten
 *   elimination with KM = 1e-9) on which an explicit method needs ~3/|fastest rate| steps;
 * - 'auto' (default): the explicit method, handing over to the stiff one for the rest of the
 *   interval when it detects stiffness (|h·λ| beyond its stability boundary on 15 steps),
 *   exhausts maxSteps, or sees its step size collapse. On non-stiff systems it costs the same
 *   as 'explicit'.
 *
 * Error control, for both methods: a step is accepted when every compartment's estimated
 * local error is within absTol + relTol·|a_i| (amount units), so that each compartment is
 * accurate to relTol relative to its own amount — amounts spanning many orders of magnitude
 * (a peak and a trough 1e-6 of it, a depot that has emptied) are each controlled relative to
 * themselves — down to the absolute floor absTol, below which an amount counts as zero. The
 * defaults follow NONMEM's ADVAN13 absolute tolerance (ANRD = 12, i.e. 1e-12 amount units)
 * and a relative tolerance, 1e-8, with which both methods agree with the closed-form
 * solutions to better than 1e-6 relative (test/pk-ode*.test.ts; DOP853 alone would meet that
 * at relTol 1e-6, RODAS4 needs 1e-8 on the Michaelis–Menten tests).
 *
 * Each `advance` call restarts the integration at t0 (doses and infusion switches are
 * discontinuities), with a starting step chosen from the state alone and steps ending exactly
 * at t1: results depend only on the arguments, never on earlier calls. No step size is carried
 * over between calls: on the benchmark workload the restart costs one or two steps of ~15
 * per interval, not worth results that depend on call history (finite differences over the
 * parameters would see that history as noise).
 *
 * Failures are reported, never returned as numbers: NumericalError, naming the model, the
 * interval and the reason, when a derivative is not finite, when a method's step size
 * collapses or it exhausts maxSteps (for 'auto': when the stiff method fails too), or when
 * the equations drive an amount below zero (see OdeSystemSpec.nonNegative).
 */
import { ModelError, NumericalError } from '../errors.js';
import { Dop853, type ExplicitOutcome } from './ode-dop853.js';
import { formatAmounts, negativeAmountReason, type OdeProblem } from './ode-problem.js';
import { Rodas4 } from './ode-rodas4.js';
import { SensitivityProblem, type OdeJacobian } from './ode-sensitivities.js';
import type { CompartmentSystem } from './types.js';

/**
 * Right-hand side of the ODE system: writes da/dt (amount/time) into `dadt` for amounts `a`
 * at time `t` with structural parameters `p`. Zero-order inputs (infusions) are added by the
 * system, not here. Must not allocate or keep references to its arguments.
 */
export type OdeRightHandSide = (t: number, a: Float64Array, p: Float64Array, dadt: Float64Array) => void;

/** Integration method: 'explicit' (DOP853), 'stiff' (RODAS4), or 'auto' (explicit, handing over to stiff when it detects stiffness). */
export type OdeMethod = 'auto' | 'explicit' | 'stiff';

/** Accuracy, work limits and method of the integration. */
export interface OdeTolerances {
  /** Relative tolerance per compartment and step (default 1e-8). */
  readonly relTol?: number;
  /** Absolute tolerance per compartment and step, in amount units (default 1e-12). */
  readonly absTol?: number;
  /**
   * Steps (accepted or rejected) allowed to each method over one interval between events
   * (default 100,000). An explicit step costs 12 right-hand-side evaluations, a stiff one
   * 6 + n (+1 for a time-dependent right-hand side).
   */
  readonly maxSteps?: number;
  /** 'auto' (default), 'explicit' (DOP853 only) or 'stiff' (RODAS4 only). */
  readonly method?: OdeMethod;
}

/** The defaults of {@link OdeTolerances}. */
export const DEFAULT_ODE_TOLERANCES: Required<OdeTolerances> = Object.freeze({
  relTol: 1e-8,
  absTol: 1e-12,
  maxSteps: 100_000,
  method: 'auto',
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
   * Optional Jacobians of `rhs` with respect to the amounts and the parameters. With them the
   * system also offers `advanceWithSensitivities` (forward sensitivities,
   * src/pk/ode-sensitivities.ts).
   */
  readonly jacobian?: OdeJacobian;
  /**
   * True when `rhs` ignores its time argument (default false). Only saves work: the stiff
   * method then skips the finite difference ∂f/∂t.
   */
  readonly autonomous?: boolean;
  /**
   * Optional check of the structural parameters, run at the start of every `advance`:
   * returns why `p` is invalid (e.g. "V = 0: it must be positive"), or undefined when valid.
   * An invalid vector is reported as a NumericalError, as the closed-form systems do.
   */
  readonly checkParameters?: (p: Float64Array) => string | undefined;
  readonly tolerances?: OdeTolerances;
  /**
   * Amounts cannot be negative (default true). A step that would leave an amount below zero
   * by more than its tolerance is rejected and retried shorter (so a sharp feature, e.g. a
   * Michaelis–Menten compartment emptying, is resolved rather than stepped over), and the
   * negative amounts of an accepted step, within the tolerance, are set to zero (Shampine,
   * Thompson, Kierzenka & Byrne, Appl. Math. Comput. 170:556–569, 2005). Equations that drive
   * an amount below zero anyway are reported as a NumericalError. Set false for states that
   * may legitimately be negative (e.g. a change from baseline).
   */
  readonly nonNegative?: boolean;
}

/** Work done by the last `advance` of an ODE system. */
export interface OdeAdvanceStatistics {
  /** Right-hand-side evaluations. */
  readonly evaluations: number;
  /** Steps (accepted and rejected) of the explicit method. */
  readonly explicitSteps: number;
  /** Steps (accepted and rejected) of the stiff method. */
  readonly stiffSteps: number;
  /** Time at which 'auto' handed over to the stiff method (undefined: it did not). */
  readonly switchedAt?: number;
}

/** A compartment system integrated numerically; also exposes its definition. */
export interface OdeCompartmentSystem extends CompartmentSystem {
  readonly rhs: OdeRightHandSide;
  /** Tolerances and method in effect (defaults filled in). */
  readonly tolerances: Required<OdeTolerances>;
  readonly nonNegative: boolean;
  readonly autonomous: boolean;
  /** Work done by the last `advance` call (for diagnostics and tests). */
  statistics(): OdeAdvanceStatistics;
}

/**
 * Builds a CompartmentSystem whose `advance` integrates `spec.rhs` plus the zero-order input
 * rates from t0 to t1 (time units of the data) to the requested tolerances, with the method
 * of `spec.tolerances.method` (default 'auto'; see the module comment). `advance` throws
 * NumericalError, naming the model, the interval and the reason, when the derivative is not
 * finite, the step size collapses, or the work limit is reached. Each system owns its
 * integration buffers: it is not reentrant, but allocates nothing per call.
 *
 * @example
 * const oneCmtIv = odeSystem({
 *   label: '1cmt iv (ODE)', compartments: ['central'], parameterNames: ['CL', 'V'],
 *   defaultDoseCompartment: 0, defaultObservationCompartment: 0, linear: true, autonomous: true,
 *   rhs: (t, a, p, dadt) => { dadt[0] = -(p[0] / p[1]) * a[0]; },
 * });
 * const a = Float64Array.of(100);
 * oneCmtIv.advance(a, 0, 24, new Float64Array(1), Float64Array.of(1, 10)); // a[0] ≈ 100·e^(-2.4)
 */
export function odeSystem(spec: OdeSystemSpec): OdeCompartmentSystem {
  const tolerances = checkSpec(spec);
  const { label, compartments } = spec;
  const n = compartments.length;
  const nParameters = spec.parameterNames.length;
  const problem = new SystemProblem(spec, tolerances);
  const explicit = new Dop853(n);
  let stiff: Rodas4 | undefined;
  let busy = false;
  // Work of the last advance (read by statistics()).
  let explicitSteps = 0;
  let stiffSteps = 0;
  let switchedAt: number | undefined;

  /** Integrates `prob` with the method in effect (explicit, stiff, or auto with hand-over). */
  const integrate = (
    prob: OdeProblem, ex: Dop853, stiffFor: () => Rodas4, state: Float64Array, t0: number, t1: number,
  ): void => {
    const method = tolerances.method;
    if (method !== 'stiff') {
      let outcome: ExplicitOutcome;
      try {
        outcome = ex.integrate(prob, state, t0, t1, method === 'auto');
      } finally {
        explicitSteps = ex.steps;
      }
      if (outcome === 'done') return;
      if (method === 'explicit') prob.fail(explicitFailure(prob, ex, state, tolerances));
      switchedAt = ex.reached;
      if (switchedAt >= t1) return;
    }
    const st = stiffFor();
    try {
      st.integrate(prob, state, switchedAt ?? t0, t1);
    } finally {
      stiffSteps = st.steps;
    }
  };

  /** Checks common to both advances; false when there is nothing to do (t1 = t0). */
  const prepare = (state: Float64Array, t0: number, t1: number, inputRates: Float64Array, p: Float64Array): boolean => {
    if (busy) throw new Error(`${label}: advance called again while integrating (not reentrant)`);
    checkAdvanceArguments(label, n, state, t0, t1, inputRates);
    if (p.length < nParameters) {
      throw new NumericalError(`${label}: expected ${nParameters} parameters (${spec.parameterNames.join(', ')}), got ${p.length}`);
    }
    const invalid = spec.checkParameters?.(p);
    if (invalid !== undefined) throw new NumericalError(`${label}: invalid parameters: ${invalid}`);
    if (t1 === t0) return false;
    busy = true;
    problem.begin(p, inputRates, t0, t1);
    explicitSteps = 0;
    stiffSteps = 0;
    switchedAt = undefined;
    return true;
  };

  const checkFinite = (state: Float64Array): void => {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(state[i])) problem.fail(`the amount in compartment '${compartments[i]}' became ${state[i]}.`);
    }
  };

  const advance = (state: Float64Array, t0: number, t1: number, inputRates: Float64Array, p: Float64Array): void => {
    if (!prepare(state, t0, t1, inputRates, p)) return;
    try {
      integrate(problem, explicit, () => (stiff ??= new Rodas4(n)), state, t0, t1);
      checkFinite(state);
    } finally {
      busy = false;
      problem.end();
    }
  };

  // Forward sensitivities: integrators and buffers per number of directions, made on first use.
  const jacobian = spec.jacobian;
  let augmented: { problem: SensitivityProblem; explicit: Dop853; stiff?: Rodas4; y: Float64Array } | undefined;
  const advanceWithSensitivities = (
    state: Float64Array, tangent: Float64Array, nDir: number, t0: number, t1: number,
    inputRates: Float64Array, p: Float64Array, dp: Float64Array,
  ): void => {
    if (!prepare(state, t0, t1, inputRates, p)) return;
    try {
      if (augmented === undefined || augmented.problem.nDir !== nDir) {
        const sens = new SensitivityProblem(problem, jacobian!, nParameters, nDir);
        augmented = { problem: sens, explicit: new Dop853(sens.n), y: new Float64Array(sens.n) };
      }
      const aug = augmented;
      aug.problem.begin(p, dp);
      const y = aug.y;
      for (let i = 0; i < n; i++) y[i] = state[i]!;
      for (let q = 0; q < n * nDir; q++) y[n + q] = tangent[q]!;
      integrate(aug.problem, aug.explicit, () => (aug.stiff ??= new Rodas4(aug.problem.n)), y, t0, t1);
      for (let i = 0; i < n; i++) state[i] = y[i]!;
      for (let q = 0; q < n * nDir; q++) {
        const v = y[n + q]!;
        if (!Number.isFinite(v)) problem.fail(`the sensitivity of compartment '${compartments[Math.floor(q / nDir)]}' became ${v}.`);
        tangent[q] = v;
      }
      checkFinite(state);
    } finally {
      busy = false;
      problem.end();
    }
  };

  return {
    label,
    compartments: Object.freeze([...compartments]),
    parameterNames: Object.freeze([...spec.parameterNames]),
    defaultDoseCompartment: spec.defaultDoseCompartment,
    defaultObservationCompartment: spec.defaultObservationCompartment,
    linear: spec.linear,
    nonNegative: problem.nonNegative,
    autonomous: problem.autonomous,
    rhs: spec.rhs,
    tolerances,
    advance,
    ...(jacobian !== undefined ? { advanceWithSensitivities } : {}),
    statistics: () => ({ evaluations: problem.evaluations, explicitSteps, stiffSteps, switchedAt }),
  };
}

/** The message for an explicit integration that stopped before t1. */
function explicitFailure(problem: OdeProblem, explicit: Dop853, state: Float64Array, tolerances: Required<OdeTolerances>): string {
  const t = explicit.reached;
  if (explicit.negativeCompartment >= 0) return negativeAmountReason(problem, explicit.negativeCompartment, t);
  if (explicit.steps >= tolerances.maxSteps) {
    return `more than ${tolerances.maxSteps} steps needed (reached t=${t}); the system is too stiff for the ` +
      'explicit integrator (e.g. very fast absorption or Michaelis-Menten elimination with a tiny KM). ' +
      "Use method 'stiff' or 'auto', loosen relTol/absTol, or raise maxSteps.";
  }
  return `the step size collapsed at t=${t} (amounts ${formatAmounts(state)}); the tolerances ` +
    `relTol=${tolerances.relTol}, absTol=${tolerances.absTol} cannot be met by the explicit method, ` +
    "the system is probably stiff or singular there (method 'stiff' or 'auto' may solve it).";
}

/** The right-hand side plus inputs of one system, with the checks and messages of one advance. */
class SystemProblem implements OdeProblem {
  readonly n: number;
  readonly relTol: number;
  readonly absTol: number;
  readonly maxSteps: number;
  readonly autonomous: boolean;
  readonly nonNegative: boolean;
  evaluations = 0;
  private readonly rhs: OdeRightHandSide;
  private readonly noInput: Float64Array;
  private params: Float64Array;
  private rates: Float64Array;
  private t0 = 0;
  private t1 = 0;

  constructor(private readonly spec: OdeSystemSpec, tolerances: Required<OdeTolerances>) {
    this.n = spec.compartments.length;
    this.relTol = tolerances.relTol;
    this.absTol = tolerances.absTol;
    this.maxSteps = tolerances.maxSteps;
    this.autonomous = spec.autonomous ?? false;
    this.nonNegative = spec.nonNegative ?? true;
    this.rhs = spec.rhs;
    this.noInput = new Float64Array(this.n);
    this.params = this.noInput;
    this.rates = this.noInput;
  }

  begin(p: Float64Array, rates: Float64Array, t0: number, t1: number): void {
    this.params = p;
    this.rates = rates;
    this.t0 = t0;
    this.t1 = t1;
    this.evaluations = 0;
  }

  /** Drops the references to the caller's arrays. */
  end(): void {
    this.params = this.noInput;
    this.rates = this.noInput;
  }

  f(t: number, a: Float64Array, dadt: Float64Array): void {
    this.evaluations++;
    this.rhs(t, a, this.params, dadt);
    const rates = this.rates;
    let nonFinite = 0; // stays 0 unless a derivative is ±Infinity or NaN
    for (let i = 0; i < this.n; i++) {
      const d = dadt[i] + rates[i];
      dadt[i] = d;
      nonFinite += d * 0;
    }
    if (nonFinite !== 0) this.nonFiniteDerivative(t, a, dadt);
  }

  fail(reason: string): never {
    throw new NumericalError(`${this.spec.label}: integrating from t=${this.t0} to t=${this.t1}: ${reason}`);
  }

  compartment(i: number): string {
    return this.spec.compartments[i];
  }

  private nonFiniteDerivative(t: number, a: Float64Array, dadt: Float64Array): never {
    let i = 0;
    while (i < this.n && Number.isFinite(dadt[i])) i++;
    return this.fail(`the derivative of compartment '${this.spec.compartments[i]}' is ${dadt[i]} at t=${t} ` +
      `(amounts ${formatAmounts(a)}); check the parameters (e.g. a zero volume) or the model equations.`);
  }
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
  if (!['auto', 'explicit', 'stiff'].includes(tolerances.method)) {
    problem(`method must be 'auto', 'explicit' or 'stiff', got '${String(tolerances.method)}'`);
  }
  return Object.freeze(tolerances);
}

function definedOnly(t: OdeTolerances | undefined): OdeTolerances {
  const out: { -readonly [K in keyof OdeTolerances]: OdeTolerances[K] } = {};
  if (t?.relTol !== undefined) out.relTol = t.relTol;
  if (t?.absTol !== undefined) out.absTol = t.absTol;
  if (t?.maxSteps !== undefined) out.maxSteps = t.maxSteps;
  if (t?.method !== undefined) out.method = t.method;
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
