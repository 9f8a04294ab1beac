/**
 * The event loop: amounts in every compartment at each observation of one subject, for any
 * {@link CompartmentSystem} (closed form or ODE), with NONMEM's (PREDPP's) dosing semantics.
 *
 * Rules, each checked against NONMEM 7.4.3 output (test/pk/nmtest.test.ts) or taken from
 * the NONMEM help pages where the conformance data cannot tell:
 *
 * 1. Parameters. The row `params.at(r)` of data record r governs the interval that ends at
 *    record r (NONMEM calls PK at each record and advances to it with those values).
 *    Additional (ADDL) doses and generated events (lagged arrivals, infusion ends) inside an
 *    interval use the row of the data record that ends it. The dose parameters F, ALAG,
 *    R and D of a dose come from its own record's row; additional doses use their parent
 *    record's row ("The value of ALAGn in effect at time T applies to the dose and to all
 *    subsequent additional doses", NONMEM help, dose event record).
 * 2. Bioavailability F[cmt] scales the amount. For an infusion with a data RATE, F changes
 *    the duration (D = F·AMT/RATE); with a DUR column, F changes the rate (R = F·AMT/DUR);
 *    with RATE = -1 the rate is R[cmt] and D = F·AMT/R; with RATE = -2 the duration is D[cmt]
 *    and R = F·AMT/D. F does not apply to a steady-state constant infusion (AMT 0, II 0).
 * 3. Lag. ALAG[cmt] > 0 delays the dose (bolus or whole infusion) to TIME + ALAG; the dose
 *    then arrives before any data record at the same time (an observation at TIME + ALAG sees
 *    it). The same holds for additional doses: they precede data records at their time.
 * 4. Steady state. SS = 1 zeroes all amounts and cancels infusions in progress and pending
 *    (lagged or additional) doses, then sets the steady state of the dose repeated every II;
 *    SS = 2 adds that steady state to the current amounts and cancels nothing. With a lag,
 *    the state at the record is the steady-state cycle at phase II − ALAG after the previous
 *    (lagged) arrival, taken modulo II for any ALAG (steadyStatePhase: ALAG = 13 h, II = 12 h
 *    gives 11 h; an exact multiple of II gives 0, the peak), and this record's own dose
 *    still arrives at TIME + ALAG. When ALAG > II, PREDPP gives none of the implied doses
 *    whose lagged arrivals fall between the record and TIME + ALAG: its steady state departs
 *    from the periodic one there (PredictOptions.steadyStateLag 'periodic' gives them). Infusions of
 *    earlier cycles still running at the record (infusions longer than II, or lagged ones)
 *    continue until their ends. A steady-state constant infusion (AMT 0, RATE > 0 or -1,
 *    II 0) sets the amounts to the steady state of that rate, and the infusion does not
 *    continue after the record (NONMEM 7.4.3: the prediction decays from the steady state,
 *    nmtest subject 26).
 *    See src/pk/steady-state.ts.
 * 5. Resets. EVID 3 and EVID 4 (before its dose) zero all amounts, stop infusions and cancel
 *    pending lagged doses; time may restart at a reset record. `options.initialState`
 *    applies at the first event only (a reset returns to zero, as in NONMEM).
 * 6. Ordering. Events are processed in the order of `events.events` (time, then record
 *    order; src/events/build.ts): an observation at the time of a dose record sees the dose
 *    when the dose record comes first in the file, not when it comes after. Infusions that
 *    overlap add their rates.
 *
 * Cost: linear in the number of events (one `advance` per event and per generated event).
 * Work buffers belong to an EventLoop the caller owns and reuses; nothing is allocated per event.
 *
 * Sensitivities (predictSubjectWithSensitivities): the same loop carries ∂amounts/∂direction
 * through every step with the system's `advanceWithSensitivities`, given the structural
 * parameters' derivatives along each direction on every row. Doses, lags, infusion rates and
 * durations are taken as independent of the directions (the caller checks). A steady state
 * x = Ex + u (E the transition over one cycle) has the tangent (I − E)⁻¹g, where g is the
 * tangent of one cycle started from x with a zero tangent.
 */
import { NumericalError } from '../errors.js';
import type { DoseEvent, SubjectEvents } from '../events/types.js';
import { PENDING_DOSE_START, PENDING_INFUSION_END, PendingQueue } from './pending.js';
import { SteadyStateSolver, infusionOverlap, type PeriodicDose } from './steady-state.js';
import type { CompartmentSystem, PkParameterRow, PkParameters, PredictOptions } from './types.js';

/**
 * Predicts the amounts (dose units) in every compartment at each observation of `events`.
 * `out` has at least nObs × nCompartments entries, row-major: out[j·nCmt + c] is the amount
 * in compartment c at observation j (observations in the order of
 * `events.observationIndices`). Throws NumericalError, naming the subject and time, when the
 * parameters are invalid (e.g. V ≤ 0, negative F or ALAG) or a step cannot be computed.
 * Example:
 *   const sys = closedFormSystem(1, 'oral');
 *   const out = new Float64Array(ev.observationIndices.length * 2);
 *   predictSubject(sys, ev, constantParameters(pkParameterRow(2, [1.1, 20, 1.5])), out);
 */
export function predictSubject(
  system: CompartmentSystem, events: SubjectEvents, params: PkParameters,
  out: Float64Array, options: PredictOptions = {},
): void {
  const n = system.compartments.length;
  const nObs = events.observationIndices.length;
  if (out.length < nObs * n) {
    throw new RangeError(`predictSubject: out has ${out.length} entries, needs ${nObs} observations × ${n} compartments`);
  }
  const loop = loopFor(system, options);
  loop.begin(options.initialState, 0, options.steadyStateLag);
  loop.run(events, params, out, undefined);
}

/**
 * {@link predictSubject} with first-order sensitivities along `nDir` directions: every row of
 * `params` must carry `structuralTangent` (nParameters × nDir, row-major), and `dOut`
 * (nObs × nCompartments × nDir, row-major) receives ∂amount/∂direction at each observation.
 * The system must implement `advanceWithSensitivities` (the closed forms do). F, ALAG, R, D
 * and the initial state are taken as independent of the directions.
 */
export function predictSubjectWithSensitivities(
  system: CompartmentSystem, events: SubjectEvents, params: PkParameters,
  out: Float64Array, dOut: Float64Array, nDir: number, options: PredictOptions = {},
): void {
  const n = system.compartments.length;
  const nObs = events.observationIndices.length;
  if (system.advanceWithSensitivities === undefined) {
    throw new RangeError(`predictSubjectWithSensitivities: ${system.label} has no sensitivities`);
  }
  if (out.length < nObs * n || dOut.length < nObs * n * nDir) {
    throw new RangeError(`predictSubjectWithSensitivities: out or dOut is too short for ${nObs} observations × ${n} compartments`);
  }
  const loop = loopFor(system, options);
  loop.begin(options.initialState, nDir, options.steadyStateLag);
  loop.run(events, params, out, dOut);
}

/** The caller's event loop for `system` (options.loop), or a new one. */
function loopFor(system: CompartmentSystem, options: PredictOptions): EventLoop {
  const loop = options.loop;
  if (loop === undefined) return new EventLoop(system);
  if (loop.system !== system) throw new RangeError(`predictSubject: the event loop given belongs to ${loop.system.label}, not ${system.label}`);
  return loop;
}

/**
 * The work buffers of one prediction at a time for one system, reset by every prediction:
 * a bound model owns one per system and passes it (PredictOptions.loop), so that a fit's
 * millions of predictions allocate nothing. Not shared between threads.
 * Example: `predictSubject(sys, ev, params, out, { loop: new EventLoop(sys) })`.
 */
export class EventLoop {
  private readonly n: number;
  private readonly state: Float64Array;
  private readonly rates: Float64Array;
  private readonly infusing: Int32Array;
  private readonly pending = new PendingQueue();
  private readonly ssBuffer: Float64Array;
  /** Sensitivities (n × nDir, row-major) when nDir > 0. */
  private tangent = new Float64Array(0);
  private ssTangent = new Float64Array(0);
  private nDir = 0;
  /** Lagged steady-state doses give the implied arrivals after the record too (PredictOptions.steadyStateLag). */
  private periodicLag = false;
  private steadyState: SteadyStateSolver | undefined;
  private readonly periodic: PeriodicDose = { cmt: 0, amount: 0, rate: 0, duration: 0, ii: 0 };
  private t = 0;

  constructor(readonly system: CompartmentSystem) {
    const n = system.compartments.length;
    this.n = n;
    this.state = new Float64Array(n);
    this.rates = new Float64Array(n);
    this.infusing = new Int32Array(n);
    this.ssBuffer = new Float64Array(n);
  }

  /**
   * Empties the loop for a new prediction starting from `initialState` (default zeros), with
   * sensitivities along `nDir` directions (0: none).
   */
  begin(initialState: Float64Array | undefined, nDir: number, steadyStateLag: 'nonmem' | 'periodic' = 'nonmem'): void {
    this.nDir = nDir;
    this.periodicLag = steadyStateLag === 'periodic';
    if (this.tangent.length < this.n * nDir) {
      this.tangent = new Float64Array(this.n * nDir);
      this.ssTangent = new Float64Array(this.n * nDir);
    }
    this.reset();
    this.t = 0;
    if (initialState !== undefined) {
      if (initialState.length !== this.n) {
        throw new RangeError(`predictSubject: initialState has ${initialState.length} entries for ${this.n} compartments`);
      }
      this.state.set(initialState);
    }
  }

  run(subject: SubjectEvents, params: PkParameters, out: Float64Array, dOut: Float64Array | undefined): void {
    const events = subject.events;
    const count = events.length;
    if (count === 0) return;
    this.t = events[0]!.time;
    let intervalEnd = -1; // index of the data-record event that ends the current interval
    let obs = 0;
    try {
      for (let i = 0; i < count; i++) {
        const e = events[i]!;
        if (intervalEnd < i) {
          intervalEnd = i;
          while (intervalEnd < count && isAdditional(events[intervalEnd]!)) intervalEnd++;
        }
        const row = params.at(intervalEnd < count ? events[intervalEnd]!.record : e.record);
        if (e.kind === 'reset' || (e.kind === 'dose' && e.resetBefore)) {
          this.reset();
          this.t = e.time;
        } else {
          if (e.time < this.t) {
            throw new NumericalError(`events out of order: time ${e.time} after ${this.t} without a reset`);
          }
          this.advanceTo(e.time, row);
        }
        if (e.kind === 'observation') {
          const base = obs * this.n;
          for (let c = 0; c < this.n; c++) {
            const a = this.state[c]!;
            if (!Number.isFinite(a)) {
              throw new NumericalError(`the amount in compartment ${c + 1} (${this.system.compartments[c]}) is ${a}`);
            }
            out[base + c] = a;
          }
          if (dOut !== undefined) {
            const nDir = this.nDir;
            for (let q = 0; q < this.n * nDir; q++) dOut[base * nDir + q] = this.tangent[q]!;
          }
          obs++;
        } else if (e.kind === 'dose') {
          this.dose(e, e.additional ? params.at(e.record) : row, row);
        }
      }
    } catch (err) {
      if (err instanceof NumericalError) {
        throw new NumericalError(`subject ${subject.id}, time ${this.t}: ${err.message}`);
      }
      throw err;
    }
  }

  private reset(): void {
    this.state.fill(0);
    this.tangent.fill(0);
    this.rates.fill(0);
    this.infusing.fill(0);
    this.pending.clear();
  }

  /** One step of the system from t0 to t1 under the interval's row (with sensitivities when on). */
  private step(t0: number, t1: number, row: PkParameterRow): void {
    if (this.nDir === 0) {
      this.system.advance(this.state, t0, t1, this.rates, row.structural);
    } else {
      this.system.advanceWithSensitivities!(this.state, this.tangent, this.nDir, t0, t1, this.rates, row.structural, tangentOf(row));
    }
  }

  /** Advances to time `target`, processing generated events due at or before it. */
  private advanceTo(target: number, row: PkParameterRow): void {
    const q = this.pending;
    while (q.size > 0 && q.time[0]! <= target) {
      const when = q.time[0]!;
      if (when > this.t) {
        this.step(this.t, when, row);
        this.t = when;
      }
      const cmt = q.cmt[0]!;
      if (q.kind[0] === PENDING_INFUSION_END) {
        const rate = q.rate[0]!;
        q.shift();
        this.stopInfusion(cmt, rate);
      } else {
        const amount = q.amount[0]!, rate = q.rate[0]!, duration = q.duration[0]!;
        q.shift();
        this.start(cmt, amount, rate, duration);
      }
    }
    if (target > this.t) {
      this.step(this.t, target, row);
      this.t = target;
    }
  }

  /** A dose arrives now: a bolus (rate 0) or an infusion starts. */
  private start(cmt: number, amount: number, rate: number, duration: number): void {
    if (rate === 0) {
      this.state[cmt] += amount;
    } else if (duration > 0) {
      this.rates[cmt] += rate;
      this.infusing[cmt]++;
      this.pending.push(this.t + duration, PENDING_INFUSION_END, cmt, 0, rate, 0);
    }
  }

  private stopInfusion(cmt: number, rate: number): void {
    if (--this.infusing[cmt]! <= 0) {
      this.infusing[cmt] = 0;
      this.rates[cmt] = 0;
    } else {
      this.rates[cmt] -= rate;
    }
  }

  /** A dose record (`row`: its own parameters; `interval`: those of the current interval). */
  private dose(e: DoseEvent, row: PkParameterRow, interval: PkParameterRow): void {
    const p = interval.structural;
    const cmt = e.cmt;
    const name = this.system.compartments;
    const f = row.F[cmt] ?? 1;
    const lag = row.ALAG[cmt] ?? 0;
    if (!Number.isFinite(f) || f < 0) {
      throw new NumericalError(`bioavailability F of ${compartmentName(name, cmt)} is ${f}; it must be ≥ 0`);
    }
    if (!Number.isFinite(lag) || lag < 0) {
      throw new NumericalError(`lag time ALAG of ${compartmentName(name, cmt)} is ${lag}; it must be ≥ 0`);
    }

    if (e.ss !== 0 && e.ii === 0) { // steady-state constant infusion
      const rate = e.input === 'modelled-rate' ? modelledRate(row, cmt, name) : e.rate;
      if (e.ss === 1) this.reset();
      const ss = this.solver();
      const sensitive = this.nDir > 0;
      ss.constantInfusionInto(this.ssBuffer, cmt, rate, p,
        sensitive ? { tangent: this.ssTangent, dp: tangentOf(interval), nDir: this.nDir } : undefined);
      this.addSteadyState();
      return;
    }

    const fAmt = f * e.amt;
    let rate = 0, duration = 0;
    switch (e.input) {
      case 'bolus': break;
      case 'rate': rate = e.rate; duration = fAmt / rate; break;
      case 'duration': duration = e.duration; rate = fAmt / duration; break;
      case 'modelled-rate': rate = modelledRate(row, cmt, name); duration = fAmt / rate; break;
      case 'modelled-duration': duration = modelledDuration(row, cmt, name); rate = fAmt / duration; break;
    }
    const amount = rate === 0 ? fAmt : 0;

    if (e.ss !== 0) {
      if (e.ss === 1) this.reset();
      const dose = this.periodic;
      dose.cmt = cmt; dose.amount = amount; dose.rate = rate; dose.duration = duration; dose.ii = e.ii;
      const phase = steadyStatePhase(e.ii, lag);
      if (fAmt > 0) {
        const sensitive = this.nDir > 0;
        this.solver().periodicInto(this.ssBuffer, dose, phase, p,
          sensitive ? { tangent: this.ssTangent, dp: tangentOf(interval), nDir: this.nDir } : undefined);
        this.addSteadyState();
        if (rate !== 0) this.continueEarlierInfusions(cmt, rate, duration, e.ii, phase);
      }
    }

    if (lag > 0) {
      this.pending.push(e.time + lag, PENDING_DOSE_START, cmt, amount, rate, duration);
      if (e.ss !== 0 && this.periodicLag && fAmt > 0) {
        // The implied doses whose lagged arrivals fall after the record (ALAG > II).
        for (let k = 1; e.time + lag - k * e.ii > e.time + ARRIVAL_TOLERANCE * lag; k++) {
          this.pending.push(e.time + lag - k * e.ii, PENDING_DOSE_START, cmt, amount, rate, duration);
        }
      }
    } else {
      this.start(cmt, amount, rate, duration);
    }
  }

  /** Adds the steady state just computed (and its tangent) to the amounts. */
  private addSteadyState(): void {
    for (let c = 0; c < this.n; c++) this.state[c] += this.ssBuffer[c]!;
    for (let q = 0; q < this.n * this.nDir; q++) this.tangent[q] += this.ssTangent[q]!;
  }

  /**
   * At steady state, infusions started k·II before the previous arrival (k = 0, 1, ...) are
   * still running at phase `phase` when phase + k·II < D; they go on until their ends.
   */
  private continueEarlierInfusions(cmt: number, rate: number, duration: number, ii: number, phase: number): void {
    const { m, r } = infusionOverlap(duration, ii);
    const effective = m * ii + r;
    for (let k = 0; phase + k * ii < effective; k++) {
      const remaining = effective - phase - k * ii;
      this.rates[cmt] += rate;
      this.infusing[cmt]++;
      this.pending.push(this.t + remaining, PENDING_INFUSION_END, cmt, 0, rate, 0);
    }
  }

  private solver(): SteadyStateSolver {
    return (this.steadyState ??= new SteadyStateSolver(this.system));
  }
}

/** Relative tolerance under which a lagged arrival is taken to fall exactly on a record (ALAG a multiple of II). */
const ARRIVAL_TOLERANCE = 1e-12;

/**
 * The point of the steady-state cycle at a steady-state dose record: the time since the last
 * implied dose arrived, in [0, II]. Without a lag the record's own dose arrives now: II (the
 * trough). With a lag, PREDPP computes the steady state as if there were no lag and advances
 * to the point II − ALAG of the cycle, taken modulo II for any ALAG: ALAG an exact multiple of
 * II gives 0 (an implied dose arrives at the record: the peak), ALAG = II + 1 h with II = 12 h
 * gives 11 h.
 */
export function steadyStatePhase(ii: number, lag: number): number {
  if (lag === 0) return ii;
  const r = lag % ii;
  const tolerance = ARRIVAL_TOLERANCE * Math.max(ii, lag);
  if (r <= tolerance || ii - r <= tolerance) return 0;
  return ii - r;
}

function tangentOf(row: PkParameterRow): Float64Array {
  if (row.structuralTangent === undefined) {
    throw new RangeError('predictSubjectWithSensitivities: a parameter row has no structuralTangent');
  }
  return row.structuralTangent;
}

function isAdditional(e: SubjectEvents['events'][number]): boolean {
  return e.kind === 'dose' && e.additional;
}

function compartmentName(names: readonly string[], cmt: number): string {
  return `${names[cmt]} (compartment ${cmt + 1})`;
}

function modelledRate(row: PkParameterRow, cmt: number, names: readonly string[]): number {
  const r = row.R[cmt] ?? 0;
  if (!Number.isFinite(r) || r <= 0) {
    throw new NumericalError(`modelled rate R of ${compartmentName(names, cmt)} is ${r}; a RATE = -1 dose needs R > 0`);
  }
  return r;
}

function modelledDuration(row: PkParameterRow, cmt: number, names: readonly string[]): number {
  const d = row.D[cmt] ?? 0;
  if (!Number.isFinite(d) || d <= 0) {
    throw new NumericalError(`modelled duration D of ${compartmentName(names, cmt)} is ${d}; a RATE = -2 dose needs D > 0`);
  }
  return d;
}
