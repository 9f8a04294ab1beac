/**
 * Translation of a subject's data records into typed events (once per dataset; the event
 * lists are reused for every evaluation of the model).
 *
 * Record semantics (NONMEM/PREDPP):
 * - EVID 0 with MDV 0: observation of compartment CMT (0 or missing = the model's default
 *   observation compartment). EVID 0 with MDV 1, and EVID 2: 'other' events (time passes,
 *   parameters may change, no state change).
 * - EVID 1: dose into CMT (0 or missing = default dose compartment). RATE 0 and no DUR: bolus;
 *   RATE > 0: zero-order infusion at that rate; DUR > 0 (with RATE 0): infusion over DUR;
 *   RATE = -1 / -2: rate / duration supplied by the model (R / D parameters).
 * - SS = 1: steady-state dose with reset; SS = 2: steady-state dose added to the state. II is
 *   the interdose interval; AMT = 0 with RATE > 0 (or -1) and II = 0 is a steady-state
 *   constant infusion.
 * - ADDL = n: n additional doses at TIME + k·II (k = 1..n), copies of the record's dose
 *   (same amount, compartment, input, and record for parameter look-up) but never
 *   steady-state and never resetting (an EVID 4 record resets once).
 * - EVID 3: reset. EVID 4: reset, then dose.
 * - Negative CMT (NONMEM's compartment turn-off) is not supported and reported as an error.
 *
 * Ordering (documented contract of {@link SubjectEvents}): records keep their file order,
 * which is non-decreasing in time except that time may restart at a reset record (EVID 3
 * or 4). An additional (ADDL) dose is placed before the first record whose time is at or
 * after the dose's time (PREDPP gives implied doses while advancing to a record, so a
 * record at the same time sees the dose); additional doses due at the same time are ordered
 * by their parent records' order. A reset (EVID 3 or 4) or a steady-state dose with SS = 1
 * cancels the additional doses still pending from earlier records ("pending additional
 * doses are cancelled", NONMEM help, SS data item); additional doses due at the time of
 * that record are kept ahead of it and have no effect after the reset.
 */
import { DataError, type DataProblem } from '../errors.js';
import type { DataRecord, Dataset, SubjectData } from '../data/types.js';
import type { DoseEvent, DoseInput, SubjectEvent, SubjectEvents } from './types.js';

/** What the event builder needs to know about the structural model. */
export interface EventLayout {
  /** Compartment names; index = NONMEM CMT − 1. */
  readonly compartments: readonly string[];
  /** 0-based compartment receiving doses whose record has CMT 0 or missing. */
  readonly defaultDoseCompartment: number;
  /** 0-based compartment observed when the record has CMT 0 or missing. */
  readonly defaultObservationCompartment: number;
}

/** Additional doses of one dose record still to be emitted. */
interface AddlGenerator {
  readonly parent: DoseEvent;
  readonly interval: number;
  readonly count: number;
  next: number; // k of the next additional dose (1-based)
}

function orZero(x: number): number {
  return Number.isNaN(x) ? 0 : x;
}

/**
 * The events of one subject, in processing order (see the module comment for the rules).
 * Throws DataError listing every problem of the subject's records (file, line, column).
 * Example: `buildSubjectEvents(ds, ds.subjects[0], closedFormSystem(1, 'oral'))` — any
 * CompartmentSystem is a valid layout.
 */
export function buildSubjectEvents(dataset: Dataset, subject: SubjectData, layout: EventLayout): SubjectEvents {
  const problems: DataProblem[] = [];
  const events = collectEvents(dataset, subject, layout, problems);
  if (problems.length > 0) throw new DataError(problems);
  return finish(subject.id, events);
}

/**
 * The events of every subject of `dataset`, in subject order. Problems of all subjects are
 * collected and thrown together as one DataError.
 */
export function buildAllEvents(dataset: Dataset, layout: EventLayout): SubjectEvents[] {
  const problems: DataProblem[] = [];
  const out: SubjectEvents[] = [];
  for (const subject of dataset.subjects) {
    const events = collectEvents(dataset, subject, layout, problems);
    out.push(finish(subject.id, events));
  }
  if (problems.length > 0) throw new DataError(problems);
  return out;
}

function finish(id: string, events: SubjectEvent[]): SubjectEvents {
  let nObs = 0;
  for (const e of events) if (e.kind === 'observation') nObs++;
  const observationIndices = new Int32Array(nObs);
  const observationRecords = new Int32Array(nObs);
  let j = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.kind === 'observation') {
      observationIndices[j] = i;
      observationRecords[j] = e.record;
      j++;
    }
  }
  return { id, events, observationIndices, observationRecords };
}

function collectEvents(
  dataset: Dataset, subject: SubjectData, layout: EventLayout, problems: DataProblem[],
): SubjectEvent[] {
  const nCmt = layout.compartments.length;
  const events: SubjectEvent[] = [];
  let generators: AddlGenerator[] = [];
  let lastTime = -Infinity;

  const emitAdditionalUpTo = (limit: number): void => {
    for (;;) {
      let best: AddlGenerator | undefined;
      let bestTime = Infinity;
      for (const g of generators) {
        const t = g.parent.time + g.next * g.interval;
        if (t <= limit && t < bestTime) { best = g; bestTime = t; }
      }
      if (best === undefined) break;
      events.push({ ...best.parent, time: bestTime, ss: 0, ii: 0, resetBefore: false, additional: true });
      best.next++;
      if (best.next > best.count) generators = generators.filter((g) => g !== best);
    }
  };

  for (const index of subject.recordIndices) {
    const r = dataset.records[index]!;
    const problem = (column: string | undefined, message: string): void => {
      problems.push({ file: dataset.file, line: r.line, ...(column !== undefined ? { column } : {}), message });
    };
    const nBefore = problems.length;
    if (!Number.isFinite(r.time)) {
      problem('TIME', `TIME must be a number (got ${r.time})`);
      continue;
    }
    const evid = r.evid;
    const resetting = evid === 3 || evid === 4;
    if (r.time < lastTime && !resetting) {
      problem('TIME', `TIME goes backwards (${r.time} after ${lastTime}) without a reset (EVID 3 or 4) in subject ${subject.id}`);
    }
    const previousTime = lastTime;
    lastTime = r.time;
    const cmt = compartmentOf(r, evid === 0 ? layout.defaultObservationCompartment : layout.defaultDoseCompartment,
      nCmt, problem);

    let event: SubjectEvent | undefined;
    let addl = 0;
    let ii = 0;
    if (evid === 0) {
      event = r.mdv === 0 || Number.isNaN(r.mdv)
        ? { kind: 'observation', time: r.time, cmt, record: index }
        : { kind: 'other', time: r.time, record: index };
    } else if (evid === 2) {
      event = { kind: 'other', time: r.time, record: index };
    } else if (evid === 3) {
      event = { kind: 'reset', time: r.time, record: index };
    } else if (evid === 1 || evid === 4) {
      const dose = doseOf(r, index, cmt, problem);
      if (dose !== undefined) {
        event = dose;
        addl = orZero(r.addl);
        ii = orZero(r.ii);
      }
    } else {
      problem('EVID', `unknown EVID ${evid} (expected 0, 1, 2, 3 or 4)`);
    }
    if (problems.length > nBefore || event === undefined) continue;

    const cancels = resetting || (event.kind === 'dose' && event.ss === 1);
    if (cancels) {
      emitAdditionalUpTo(Math.max(previousTime, r.time));
      generators = [];
    } else {
      emitAdditionalUpTo(r.time);
    }
    events.push(event);
    if (event.kind === 'dose' && addl > 0) {
      generators.push({ parent: event, interval: ii, count: addl, next: 1 });
    }
  }
  emitAdditionalUpTo(Infinity);
  return events;
}

function compartmentOf(
  r: DataRecord, fallback: number, nCmt: number,
  problem: (column: string | undefined, message: string) => void,
): number {
  const c = r.cmt;
  if (Number.isNaN(c) || c === 0) return fallback;
  if (!Number.isInteger(c)) {
    problem('CMT', `CMT must be a whole number (got ${c})`);
  } else if (c < 0) {
    problem('CMT', `negative CMT ${c} (turning a compartment off) is not supported`);
  } else if (c > nCmt) {
    problem('CMT', `CMT ${c} is out of range: the model has ${nCmt} compartment${nCmt === 1 ? '' : 's'}`);
  }
  return c - 1;
}

function doseOf(
  r: DataRecord, index: number, cmt: number,
  problem: (column: string | undefined, message: string) => void,
): DoseEvent | undefined {
  const amt = r.amt;
  const rate = orZero(r.rate);
  const dur = orZero(r.dur);
  const ssValue = orZero(r.ss);
  const ii = orZero(r.ii);
  const addl = orZero(r.addl);
  let bad = false;
  const fail = (column: string, message: string): void => { problem(column, message); bad = true; };

  let input: DoseInput = 'bolus';
  if (rate > 0) input = 'rate';
  else if (rate === -1) input = 'modelled-rate';
  else if (rate === -2) input = 'modelled-duration';
  else if (rate !== 0) fail('RATE', `RATE must be positive, 0, -1 (modelled rate) or -2 (modelled duration) (got ${rate})`);
  if (!(dur >= 0)) fail('DUR', `DUR must be a non-negative number (got ${dur})`);
  if (dur > 0) {
    if (rate !== 0) fail('DUR', `a dose cannot have both RATE (${rate}) and DUR (${dur})`);
    else input = 'duration';
  }
  if (ssValue !== 0 && ssValue !== 1 && ssValue !== 2) fail('SS', `SS must be 0, 1 or 2 (got ${ssValue})`);
  if (!(ii >= 0)) fail('II', `II must be a non-negative number (got ${ii})`);
  if (!(addl >= 0) || !Number.isInteger(addl)) fail('ADDL', `ADDL must be a non-negative whole number (got ${addl})`);
  if (addl > 0 && !(ii > 0)) fail('II', `ADDL ${addl} needs a positive II (got ${ii})`);
  if (!Number.isFinite(amt) || amt < 0) fail('AMT', `AMT must be a non-negative number on a dose record (got ${amt})`);
  const constantInfusion = ssValue !== 0 && ii === 0;
  if (constantInfusion) {
    if (amt !== 0 || (input !== 'rate' && input !== 'modelled-rate')) {
      fail('II', 'a steady-state dose needs II > 0, unless it is a steady-state constant infusion (AMT 0, RATE > 0 or -1, II 0)');
    } else if (addl > 0) {
      fail('ADDL', 'a steady-state constant infusion cannot have additional doses');
    }
  } else if (Number.isFinite(amt) && amt <= 0) {
    fail('AMT', `AMT must be positive on a dose record (got ${amt})`);
  }
  if (bad) return undefined;
  return {
    kind: 'dose',
    time: r.time,
    cmt,
    amt,
    input,
    rate: input === 'rate' ? rate : 0,
    duration: input === 'duration' ? dur : 0,
    ss: ssValue as 0 | 1 | 2,
    ii: ssValue === 0 ? 0 : ii,
    resetBefore: r.evid === 4,
    record: index,
    additional: false,
  };
}
