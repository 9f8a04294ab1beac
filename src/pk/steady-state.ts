/**
 * Steady state of a dose repeated every II (NONMEM's SS = 1 / SS = 2 doses), for any
 * compartment system.
 *
 * One dosing cycle starts when a dose arrives (phase 0) and lasts II. A bolus adds its amount
 * at phase 0. An infusion of rate R and duration D repeated every II overlaps its
 * predecessors when D > II: writing D = m·II + r (0 ≤ r < II), m + 1 infusions run during
 * [0, r) and m during [r, II), so the cycle's input is piecewise constant. Let x⁻ be the state
 * just before a dose arrives at steady state. For a linear system the state after one cycle
 * is x⁻ = E·x⁻ + u, where E is the transition over II (columns obtained by advancing unit
 * vectors) and u the state after one cycle from zero; so x⁻ = (I − E)⁻¹u, exact without
 * iterating. A nonlinear system is cycled from zero until the state changes by less than
 * 1e-10 relative (at most MAX_CYCLES cycles, else NumericalError).
 *
 * The state at the dose record is then the steady state advanced to the phase of the record:
 * II − ALAG after the previous (lagged) arrival (NONMEM help, SS dose event record: "Steady
 * state is computed as if there were no ALAG, and then there is an advance to the appropriate
 * point in the steady-state cycle (II−ALAG)"). Infusions of earlier cycles still running at
 * that point are reported to the caller, which schedules their ends.
 *
 * A steady-state constant infusion (AMT 0, II 0) is the limit of a constant input: for a
 * linear system x = (I − E_τ)⁻¹u_τ for any interval τ (chosen so that E_τ is well away from
 * I); for a nonlinear one the system is advanced over doubling intervals until it stops
 * changing.
 *
 * The systems are autonomous: cycles are advanced on a time axis starting at 0.
 *
 * Sensitivities (systems with `advanceWithSensitivities`): for a linear system,
 * differentiating x = Ex + u gives (I − E)·∂x = g, where g is the tangent after one cycle
 * started from x with a zero tangent, solved for all directions at once; for a nonlinear one
 * the cycles carry the tangent along until it too stops changing.
 */
import { NumericalError } from '../errors.js';
import type { CompartmentSystem } from './types.js';

/** Relative change of the state below which a nonlinear steady state has converged. */
const RELATIVE_TOLERANCE = 1e-10;
/** Most dosing cycles tried for a nonlinear steady state. */
const MAX_CYCLES = 10_000;

/** Infusion overlap at steady state: D = m·II + r, with r snapped to 0 within rounding. */
export function infusionOverlap(duration: number, ii: number): { m: number; r: number } {
  let m = Math.floor(duration / ii);
  let r = duration - m * ii;
  const eps = 1e-12 * ii;
  if (r < eps) r = 0;
  else if (ii - r < eps) { m += 1; r = 0; }
  return { m, r };
}

/** A dose repeated every II: a bolus (rate 0) or an infusion (rate > 0 for `duration`). */
export interface PeriodicDose {
  cmt: number;
  /** Bolus amount after bioavailability (amount); 0 for an infusion. */
  amount: number;
  /** Infusion rate (amount/time); 0 for a bolus. */
  rate: number;
  /** Infusion duration (time). */
  duration: number;
  /** Interdose interval II (time), > 0. */
  ii: number;
}

/** Where a steady state's sensitivities go: `tangent` (n × nDir) from `dp` (nParameters × nDir). */
export interface SteadyStateSensitivity {
  readonly tangent: Float64Array;
  readonly dp: Float64Array;
  readonly nDir: number;
}

/** Work buffers and algorithms for steady states of one system (reused across doses). */
export class SteadyStateSolver {
  private readonly n: number;
  private readonly e: Float64Array;
  private readonly u: Float64Array;
  private readonly x: Float64Array;
  private readonly prev: Float64Array;
  private readonly rates: Float64Array;
  private readonly zero: Float64Array;
  private readonly keep: Uint8Array;
  private readonly eCopy: Float64Array;
  private g = new Float64Array(0);

  constructor(private readonly system: CompartmentSystem) {
    const n = system.compartments.length;
    this.n = n;
    this.e = new Float64Array(n * n);
    this.u = new Float64Array(n);
    this.x = new Float64Array(n);
    this.prev = new Float64Array(n);
    this.rates = new Float64Array(n);
    this.zero = new Float64Array(n);
    this.keep = new Uint8Array(n);
    this.eCopy = new Float64Array(n * n);
  }

  /**
   * Writes into `out` the steady-state amounts (from an empty system) at `phase` (time)
   * after the most recent arrival of `dose`, 0 ≤ phase ≤ II; phase 0 includes the bolus
   * that has just arrived, phase II is the trough just before the next arrival. With
   * `sensitivity` (linear systems only), also its tangent.
   */
  periodicInto(out: Float64Array, dose: PeriodicDose, phase: number, p: Float64Array, sensitivity?: SteadyStateSensitivity): void {
    const n = this.n;
    const trough = this.x;
    if (this.system.linear) {
      this.u.fill(0);
      this.cycle(this.u, dose, dose.ii, p);
      for (let j = 0; j < n; j++) {
        const col = this.prev;
        col.fill(0);
        col[j] = 1;
        this.system.advance(col, 0, dose.ii, this.zero, p);
        for (let i = 0; i < n; i++) this.e[i * n + j] = (i === j ? 1 : 0) - col[i]!;
      }
      if (sensitivity !== undefined) this.eCopy.set(this.e);
      this.solveInto(trough, this.e, this.u, 'a dose repeated every II');
      if (sensitivity !== undefined) {
        // g: one cycle from the trough with a zero tangent; then (I − E)·∂x = g.
        const { tangent, dp, nDir } = sensitivity;
        const g = this.tangentBuffer(nDir);
        g.fill(0);
        out.set(trough);
        this.cycle(out, dose, dose.ii, p, { tangent: g, dp, nDir });
        this.solveInto(tangent, this.eCopy, g, 'a dose repeated every II', nDir, true);
        out.set(trough);
        if (phase < dose.ii) this.cycle(out, dose, phase, p, sensitivity);
        return;
      }
    } else {
      // Cycles from zero until the state (and its tangent, which the same iteration carries
      // to the fixed point's tangent) stop changing.
      trough.fill(0);
      const prevTangent = sensitivity !== undefined ? this.tangentBuffer(sensitivity.nDir) : undefined;
      if (sensitivity !== undefined) sensitivity.tangent.fill(0);
      let converged = false;
      for (let c = 0; c < MAX_CYCLES && !converged; c++) {
        this.prev.set(trough);
        if (sensitivity !== undefined) prevTangent!.set(sensitivity.tangent.subarray(0, prevTangent!.length));
        this.cycle(trough, dose, dose.ii, p, sensitivity);
        converged = this.changeIsSmall(trough, this.prev)
          && (sensitivity === undefined || settled(sensitivity.tangent, prevTangent!, prevTangent!.length));
      }
      if (!converged) {
        throw new NumericalError(`${this.system.label}: no steady state after ${MAX_CYCLES} dosing intervals of II = ${dose.ii}`);
      }
    }
    out.set(trough);
    if (phase >= dose.ii) return;
    this.cycle(out, dose, phase, p, sensitivity);
  }

  /**
   * Writes into `out` the steady state of a constant infusion `rate` (amount/time) into `cmt`;
   * with `sensitivity` (linear systems only), also its tangent.
   */
  constantInfusionInto(out: Float64Array, cmt: number, rate: number, p: Float64Array, sensitivity?: SteadyStateSensitivity): void {
    const n = this.n;
    this.rates.fill(0);
    this.rates[cmt] = rate;
    if (this.system.linear) {
      let tau = 1;
      for (let attempt = 0; ; attempt++) {
        let slowest = 0;
        for (let j = 0; j < n; j++) {
          const col = this.prev;
          col.fill(0);
          col[j] = 1;
          this.system.advance(col, 0, tau, this.zero, p);
          for (let i = 0; i < n; i++) this.e[i * n + j] = (i === j ? 1 : 0) - col[i]!;
          slowest = Math.max(slowest, col[j]!);
        }
        if (slowest < 0.5 || attempt >= 6) break;
        tau *= 10;
      }
      this.u.fill(0);
      this.system.advance(this.u, 0, tau, this.rates, p);
      if (sensitivity !== undefined) this.eCopy.set(this.e);
      this.solveInto(out, this.e, this.u, 'a constant infusion');
      if (sensitivity !== undefined) {
        const { tangent, dp, nDir } = sensitivity;
        const g = this.tangentBuffer(nDir);
        g.fill(0);
        this.x.set(out);
        this.system.advanceWithSensitivities!(this.x, g, nDir, 0, tau, this.rates, p, dp);
        this.solveInto(tangent, this.eCopy, g, 'a constant infusion', nDir, true);
      }
    } else {
      out.fill(0);
      const prevTangent = sensitivity !== undefined ? this.tangentBuffer(sensitivity.nDir) : undefined;
      if (sensitivity !== undefined) sensitivity.tangent.fill(0);
      let tau = 1, t = 0;
      for (let k = 0; k < 80; k++) {
        this.prev.set(out);
        if (sensitivity !== undefined) prevTangent!.set(sensitivity.tangent.subarray(0, prevTangent!.length));
        this.step(out, t, t + tau, this.rates, p, sensitivity);
        t += tau;
        if (k > 0 && this.changeIsSmall(out, this.prev)
          && (sensitivity === undefined || settled(sensitivity.tangent, prevTangent!, prevTangent!.length))) return;
        tau *= 2;
      }
      throw new NumericalError(`${this.system.label}: a constant infusion does not reach a steady state`);
    }
  }

  private tangentBuffer(nDir: number): Float64Array {
    if (this.g.length < this.n * nDir) this.g = new Float64Array(this.n * nDir);
    return this.g.subarray(0, this.n * nDir);
  }

  /** One step of the system, with sensitivities when asked. */
  private step(x: Float64Array, t0: number, t1: number, rates: Float64Array, p: Float64Array, sens?: SteadyStateSensitivity): void {
    if (sens === undefined) this.system.advance(x, t0, t1, rates, p);
    else this.system.advanceWithSensitivities!(x, sens.tangent, sens.nDir, t0, t1, rates, p, sens.dp);
  }

  /** Advances `x` through the first `span` time units of a dosing cycle (bolus at phase 0). */
  private cycle(x: Float64Array, dose: PeriodicDose, span: number, p: Float64Array, sens?: SteadyStateSensitivity): void {
    if (dose.rate === 0) {
      x[dose.cmt] += dose.amount;
      if (span > 0) this.step(x, 0, span, this.zero, p, sens);
      return;
    }
    const { m, r } = infusionOverlap(dose.duration, dose.ii);
    const rates = this.rates;
    rates.fill(0);
    const first = Math.min(r, span);
    if (first > 0) {
      rates[dose.cmt] = (m + 1) * dose.rate;
      this.step(x, 0, first, rates, p, sens);
    }
    if (span > r) {
      rates[dose.cmt] = m * dose.rate;
      this.step(x, first, span, rates, p, sens);
    }
  }

  private changeIsSmall(x: Float64Array, prev: Float64Array): boolean {
    return settled(x, prev, this.n);
  }

  /**
   * Solves (I − E) X = B for `m` right-hand sides (B and X n × m, row-major; B destroyed)
   * given a = I − E (n×n row-major, destroyed) by Gaussian elimination with partial pivoting.
   * Compartments that neither receive input nor exchange with the others (a zero row and
   * column of I − E and a zero row of B, e.g. a peripheral compartment with Q = 0) stay at 0;
   * with `sameIsolation` the compartments found isolated by the previous call stay at 0 (used
   * for tangents). A singular system (no elimination, e.g. CL = 0) throws NumericalError.
   */
  private solveInto(out: Float64Array, a: Float64Array, b: Float64Array, what: string, m = 1, sameIsolation = false): void {
    const n = this.n;
    let scale = 0;
    for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(a[i]!));
    const tiny = 1e-13 * Math.max(scale, 1e-300);
    const keep = this.keep;
    for (let i = 0; i < n; i++) {
      let isolated: boolean;
      if (sameIsolation) {
        isolated = keep[i] === 0;
      } else {
        isolated = true;
        for (let c = 0; c < m && isolated; c++) if (b[i * m + c] !== 0) isolated = false;
        for (let k = 0; k < n && isolated; k++) {
          if (Math.abs(a[i * n + k]!) > tiny || Math.abs(a[k * n + i]!) > tiny) isolated = false;
        }
        keep[i] = isolated ? 0 : 1;
      }
      if (isolated) {
        for (let k = 0; k < n; k++) { a[i * n + k] = 0; a[k * n + i] = 0; }
        a[i * n + i] = 1;
        for (let c = 0; c < m; c++) b[i * m + c] = 0;
      }
    }
    for (let col = 0; col < n; col++) {
      let piv = col;
      for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]!) > Math.abs(a[piv * n + col]!)) piv = r;
      if (!(Math.abs(a[piv * n + col]!) > tiny)) {
        throw new NumericalError(
          `${this.system.label}: no steady state exists for ${what} (the system does not eliminate the drug, e.g. CL = 0)`);
      }
      if (piv !== col) {
        for (let k = 0; k < n; k++) {
          const tmp = a[col * n + k]!; a[col * n + k] = a[piv * n + k]!; a[piv * n + k] = tmp;
        }
        for (let c = 0; c < m; c++) {
          const tb = b[col * m + c]!; b[col * m + c] = b[piv * m + c]!; b[piv * m + c] = tb;
        }
      }
      const d = a[col * n + col]!;
      for (let r = col + 1; r < n; r++) {
        const f = a[r * n + col]! / d;
        if (f === 0) continue;
        for (let k = col; k < n; k++) a[r * n + k] -= f * a[col * n + k]!;
        for (let c = 0; c < m; c++) b[r * m + c] -= f * b[col * m + c]!;
      }
    }
    for (let r = n - 1; r >= 0; r--) {
      for (let c = 0; c < m; c++) {
        let s = b[r * m + c]!;
        for (let k = r + 1; k < n; k++) s -= a[r * n + k]! * out[k * m + c]!;
        out[r * m + c] = s / a[r * n + r]!;
      }
    }
    for (let i = 0; i < n; i++) if (!keep[i]) for (let c = 0; c < m; c++) out[i * m + c] = 0;
  }
}

/**
 * True when the first `length` entries of `x` changed from `prev` by less than
 * RELATIVE_TOLERANCE of the largest of them (a state, or a tangent).
 */
function settled(x: Float64Array, prev: Float64Array, length: number): boolean {
  let scale = 0, change = 0;
  for (let i = 0; i < length; i++) {
    scale = Math.max(scale, Math.abs(x[i]!));
    change = Math.max(change, Math.abs(x[i]! - prev[i]!));
  }
  return change <= RELATIVE_TOLERANCE * scale;
}
