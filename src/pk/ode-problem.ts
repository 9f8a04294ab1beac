/**
 * What the ODE integrators of popkit (src/pk/ode-dop853.ts, src/pk/ode-rodas4.ts) see of a
 * compartment system during one `advance`: the right-hand side with the zero-order inputs
 * already added, the tolerances, and how to report a failure. Built by src/pk/ode.ts.
 */

/** One integration problem da/dt = f(t, a) on [t0, t1], with its accuracy requirements. */
export interface OdeProblem {
  /** Number of compartments. */
  readonly n: number;
  /** Relative tolerance per compartment and step. */
  readonly relTol: number;
  /** Absolute tolerance per compartment and step (amount units). */
  readonly absTol: number;
  /** Steps (accepted or rejected) allowed to one method over one interval. */
  readonly maxSteps: number;
  /** True when f does not depend on t (a Rosenbrock method then skips ∂f/∂t). */
  readonly autonomous: boolean;
  /**
   * Amounts must stay non-negative. The integrators then treat a negative amount after a
   * step as part of its error (a step that drives an amount below zero by more than its
   * tolerance is rejected), and set the negative amounts of an accepted step, all within
   * the tolerance, to zero (L. F. Shampine, S. Thompson, J. A. Kierzenka & G. D. Byrne,
   * Non-negative solutions of ODEs, Appl. Math. Comput. 170:556–569, 2005).
   */
  readonly nonNegative: boolean;
  /**
   * How many leading components are amounts (default n): only they are kept non-negative (the
   * other components are sensitivities integrated along, src/pk/ode-sensitivities.ts).
   */
  readonly amountCount?: number;
  /**
   * Writes f(t, a) (amount/time, inputs included) into `dadt`. Throws NumericalError when a
   * derivative is not finite. Must not be called re-entrantly.
   */
  f(t: number, a: Float64Array, dadt: Float64Array): void;
  /** Throws NumericalError naming the system and the interval, followed by `reason`. */
  fail(reason: string): never;
  /** Name of compartment i, for messages. */
  compartment(i: number): string;
}

/**
 * Sets the negative entries of `a` to zero; returns whether there were any. Used on the
 * accepted steps of a non-negative problem, where such entries are within the tolerance.
 */
export function clampNegativeToZero(a: Float64Array, n: number): boolean {
  let clamped = false;
  for (let i = 0; i < n; i++) {
    if (a[i] < 0) { a[i] = 0; clamped = true; }
  }
  return clamped;
}

/** Why a step that drove compartment `i` negative could not be shortened enough, for messages. */
export function negativeAmountReason(problem: OdeProblem, i: number, t: number): string {
  return `the amount in compartment '${problem.compartment(i)}' cannot stay non-negative after t=${t}: ` +
    'every step, however short, drives it below zero by more than the tolerance. The equations ' +
    'probably take an amount out of an empty compartment (e.g. zero-order elimination without ' +
    'saturation); check the model equations, or set nonNegative false for a state that may be negative.';
}

/**
 * Relative resolution of the clock, 16·ε: an amount changing at rate f at time t cannot be
 * located more precisely than 16·ε·|t|·|f| (the step ends at the time t + h rounds to), so
 * the integrators add that to each compartment's error scale. It matters only where an amount
 * far below its tolerance changes fast late in time — the corner of a compartment emptying
 * under Michaelis–Menten elimination with KM = 1e-12 (~1e-13 h wide at t = 50 h, below the
 * clock's resolution there) — and is otherwise ~1e-14 of relTol·|a|.
 */
export const TIME_RESOLUTION = 16 * Number.EPSILON;

/**
 * Smallest step (time units) allowed at time t on an interval of the given length: 32 ulp of
 * t, below which a step no longer resolves time (with a floor of 32 ulp of 1e-6·length near
 * t = 0). Deliberately not relative to the interval: a sharp feature (a compartment emptying
 * under Michaelis–Menten elimination with KM = 1e-9 has a corner ~1e-10 h wide) needs steps
 * of its own scale however long the interval; problem.maxSteps bounds the work.
 */
export function minimumStep(t: number, length: number): number {
  return 32 * Number.EPSILON * Math.max(Math.abs(t), 1e-6 * length);
}

/**
 * Starting step size (time units) for a method of order `order`, after Hairer, Nørsett &
 * Wanner, Solving Ordinary Differential Equations I (2nd ed., 1993), Sec. II.4 "Automatic
 * step size control — starting step size" (their HINIT), with two changes: the fixed 1e-6 of
 * that algorithm is taken relative to the interval length, and every compartment is scaled
 * by absTol + relTol·(largest amount) rather than by its own amount — right after a dose, an
 * empty compartment filling at a finite rate would otherwise make the estimate ~1e-6 of the
 * interval, and the round-off in the error estimates of such tiny steps then limits their
 * growth to a few-fold per step (the error control proper is still per compartment).
 * `f0` holds f(t0, a); `work` and `f1` (n entries each) are overwritten. Costs one
 * evaluation of f. Depends only on its inputs.
 */
export function startingStep(
  problem: OdeProblem, a: Float64Array, f0: Float64Array, t0: number, length: number, order: number,
  work: Float64Array, f1: Float64Array,
): number {
  const { n, absTol, relTol } = problem;
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(a[i]));
  const inverseScale = 1 / (absTol + relTol * largest);
  let d0 = 0;
  let d1 = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] * inverseScale;
    const dx = f0[i] * inverseScale;
    d0 += x * x;
    d1 += dx * dx;
  }
  d0 = Math.sqrt(d0 / n);
  d1 = Math.sqrt(d1 / n);
  const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 * length : Math.min(0.01 * (d0 / d1), length);
  for (let i = 0; i < n; i++) work[i] = a[i] + h0 * f0[i];
  problem.f(t0 + h0, work, f1);
  let d2 = 0;
  for (let i = 0; i < n; i++) {
    const ddx = (f1[i] - f0[i]) * inverseScale;
    d2 += ddx * ddx;
  }
  d2 = Math.sqrt(d2 / n) / h0;
  const dMax = Math.max(d1, d2);
  const h1 = dMax <= 1e-15 ? Math.max(1e-6 * length, h0 * 1e-3) : Math.pow(0.01 / dMax, 1 / (order + 1));
  return Math.min(100 * h0, h1, length);
}

/** "[a, b, c]" with 6 significant digits, for messages. */
export function formatAmounts(a: Float64Array): string {
  return `[${Array.from(a, (x) => x.toPrecision(6)).join(', ')}]`;
}
