/**
 * Conformance with NONMEM 7.4.3 (PREDPP event semantics), closed-form path.
 *
 * Reference: datasets/nmtest_events.csv, column `cp` = NONMEM 7.4.3's prediction for
 * ADVAN2 TRANS2 with CL = 1.1, V = 20, KA = 1.5, no random effects; ALAG2 = LAGT,
 * F2 = BIOAV; R2 = RAT2 when MODE = 1, D2 = DUR2 when MODE = 2; CP = A(2)/(V/1000).
 * NONMEM tables print 5 significant digits, so the tolerance is 1e-4 relative
 * (1e-6 absolute near zero).
 *
 * Observation rows (EVID 0) are the required check. NONMEM also tabled `cp` on the dose
 * records: it is the state just after the dose record is processed, which is checked too by
 * observing right after each dose record.
 */
import { describe, expect, it } from 'vitest';
import { buildAllEvents } from '../../src/events/build.js';
import type { SubjectEvent, SubjectEvents } from '../../src/events/types.js';
import { closedFormSystem } from '../../src/pk/closed-form.js';
import { predictSubject } from '../../src/pk/predict.js';
import { loadNmtest, nmtestParameters, NMTEST_V } from '../support/nmtest.js';

const V = NMTEST_V;
const RELATIVE = 1e-4, ABSOLUTE = 1e-6;

/** What each subject of the file exercises (from its records). */
const CASES: Record<string, string> = {
  1: 'bolus into the depot, ADDL 3 every 24',
  2: 'bolus into the central compartment with ALAG 12.13 and F 2.23, ADDL 3',
  3: 'infusion RATE 10 into the central compartment, ADDL 3',
  4: 'infusion RATE 10 with F 0.5 (F changes the duration)',
  5: 'RATE -2: modelled duration D2 = 48 with F 0.5',
  6: 'infusion into the depot, ADDL 3',
  7: 'infusion with ALAG 4.15, ADDL 3',
  8: 'infusion with ALAG 3.25 and F 0.412, ADDL 3',
  9: 'SS=1 infusion with ALAG 3.16 and F 0.412, ADDL 3',
  10: 'SS=1 infusion longer than II (40.6 h every 12 h), F 0.812, ADDL 4',
  11: 'SS=1 infusion longer than II (50 h every 12 h), ADDL 3',
  12: 'SS=1 infusion of 12 h every 6 h, ADDL 12',
  13: 'SS=1 infusion with duration equal to II (F 0.412), ADDL 8',
  14: 'SS=1 infusion with duration equal to II, ADDL 8',
  15: 'SS=1 bolus into the central compartment with ALAG 4 and F 0.412, ADDL 3',
  16: 'bolus with ALAG 5 and F 0.412, ADDL 3 (lagged additional doses at observation times)',
  17: 'ALAG 1 on the dose record only; later an infusion into the depot with ADDL 2',
  18: 'RATE -2 (D2 = 9) with ALAG 5 and F 0.61, ADDL 3',
  19: 'SS=1 with RATE -2 (D2 = 9) and F 0.61, ADDL 3',
  20: 'infusion into the depot with ADDL 2, then EVID 4 reset-and-dose with ADDL 3',
  21: 'EVID 4 with SS=1 bolus into the depot',
  22: 'EVID 4 with SS=1 bolus into the depot, ADDL 2',
  23: 'infusion into the depot with ADDL 3, EVID 3 reset, then bolus with ADDL 2 every 16',
  24: 'as 23, with a lag time on the (undosed) central compartment',
  25: 'SS=1 bolus with ADDL 3, then SS=2 bolus 12 h later with ADDL 3',
  26: 'SS=1 constant infusion (AMT 0, RATE 100, II 0) into the depot',
};

const { dataset, referenceCp } = loadNmtest();
const system = closedFormSystem(1, 'oral');
const subjects = buildAllEvents(dataset, system);
const parameters = nmtestParameters(dataset);

/** The subject's events with an extra observation of the central compartment after each dose record. */
function observingDoseRecords(subject: SubjectEvents): SubjectEvents {
  const events: SubjectEvent[] = [];
  for (const e of subject.events) {
    events.push(e);
    if (e.kind === 'dose' && !e.additional) events.push({ kind: 'observation', time: e.time, cmt: 1, record: e.record });
  }
  const indices: number[] = [];
  events.forEach((e, i) => { if (e.kind === 'observation') indices.push(i); });
  return {
    id: subject.id, events,
    observationIndices: Int32Array.from(indices),
    observationRecords: Int32Array.from(indices.map((i) => events[i]!.record)),
  };
}

interface Mismatch { id: string; time: number; evid: number; nonmem: number; popkit: number }

function compare(subject: SubjectEvents, keep: (evid: number) => boolean): { checked: number; mismatches: Mismatch[] } {
  const out = new Float64Array(subject.observationIndices.length * 2);
  predictSubject(system, subject, parameters, out);
  const mismatches: Mismatch[] = [];
  let checked = 0;
  for (let j = 0; j < subject.observationRecords.length; j++) {
    const record = dataset.records[subject.observationRecords[j]!]!;
    if (!keep(record.evid)) continue;
    const nonmem = referenceCp[record.index]!;
    const popkit = out[j * 2 + 1]! / (V / 1000);
    checked++;
    if (!(Math.abs(popkit - nonmem) <= Math.max(RELATIVE * Math.abs(nonmem), ABSOLUTE))) {
      mismatches.push({ id: subject.id, time: record.time, evid: record.evid, nonmem, popkit });
    }
  }
  return { checked, mismatches };
}

describe('NONMEM 7.4.3 conformance (nmtest_events.csv, ADVAN2 TRANS2, closed form)', () => {
  it('has the 26 subjects and 3406 observation records of the reference file', () => {
    expect(subjects.length).toBe(26);
    expect(subjects.reduce((s, e) => s + e.observationIndices.length, 0)).toBe(3406);
  });

  it.each(subjects.map((s) => [s.id, CASES[s.id] ?? '', s] as const))(
    'subject %s (%s): every observation matches NONMEM to 1e-4 relative',
    (_id, _what, subject) => {
      const { checked, mismatches } = compare(subject, (evid) => evid === 0);
      expect(checked).toBeGreaterThan(100);
      expect(mismatches).toEqual([]);
    },
  );

  it('all 3406 observation rows match', () => {
    let checked = 0;
    const mismatches: Mismatch[] = [];
    for (const s of subjects) {
      const r = compare(s, (evid) => evid === 0);
      checked += r.checked;
      mismatches.push(...r.mismatches);
    }
    expect(checked).toBe(3406);
    expect(mismatches).toEqual([]);
  });

  it("all 31 dose records match NONMEM's prediction tabled on them (state after the record)", () => {
    let checked = 0;
    const mismatches: Mismatch[] = [];
    for (const s of subjects) {
      const r = compare(observingDoseRecords(s), (evid) => evid !== 0);
      checked += r.checked;
      mismatches.push(...r.mismatches);
    }
    expect(checked).toBe(31);
    expect(mismatches).toEqual([]);
  });
});
