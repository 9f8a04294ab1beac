/**
 * Data records -> typed events: classification, dose inputs, ADDL expansion, NONMEM's
 * ordering and cancellation rules (NONMEM help: ADDL, SS, EVID data items), and errors that
 * name file, line and column.
 */
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../../src/data/dataset.js';
import type { DataRecord, Dataset } from '../../src/data/types.js';
import { DataError } from '../../src/errors.js';
import { buildAllEvents, buildSubjectEvents, type EventLayout } from '../../src/events/build.js';
import type { DoseEvent, SubjectEvent } from '../../src/events/types.js';

const ORAL: EventLayout = { compartments: ['depot', 'central'], defaultDoseCompartment: 0, defaultObservationCompartment: 1 };
const HEADER = 'ID,TIME,DV,AMT,EVID,CMT,RATE,SS,II,ADDL';

function events(...lines: string[]): SubjectEvent[] {
  const ds = parseDataset([HEADER, ...lines].join('\n') + '\n', 'events.csv');
  return buildSubjectEvents(ds, ds.subjects[0]!, ORAL).events as SubjectEvent[];
}

/** "kind@time" (+ "+" for additional doses), for compact order checks. */
function summary(list: readonly SubjectEvent[]): string[] {
  return list.map((e) => `${e.kind}@${e.time}${e.kind === 'dose' && e.additional ? '+' : ''}`);
}

/** A dataset built directly from records (bypassing the reader's own checks). */
function handDataset(records: Partial<DataRecord>[]): Dataset {
  const full: DataRecord[] = records.map((r, i) => ({
    index: i, line: i + 2, id: '1', time: 0, dv: NaN, amt: 0, evid: 0, mdv: 0, cmt: 0,
    rate: 0, dur: 0, ss: 0, ii: 0, addl: 0, ...r,
  }));
  return {
    file: 'hand.csv',
    table: { file: 'hand.csv', names: [], columns: [], nRows: full.length, lines: Int32Array.from(full.map((r) => r.line)) },
    records: full,
    subjects: [{ id: '1', recordIndices: Int32Array.from(full.map((r) => r.index)) }],
    covariateNames: [],
    covariate: () => null,
  };
}

describe('record classification', () => {
  it('observations, other-type events, resets and doses with 0-based compartments', () => {
    const list = events(
      '1,0,.,100,1,.,0,0,0,0', '1,1,5,.,0,.,.,.,.,.', '1,2,5,.,0,1,.,.,.,.', '1,3,.,.,2,.,.,.,.,.',
      '1,4,.,.,3,.,.,.,.,.', '1,5,.,50,4,2,0,0,0,0');
    expect(summary(list)).toEqual(['dose@0', 'observation@1', 'observation@2', 'other@3', 'reset@4', 'dose@5']);
    expect((list[0] as DoseEvent).cmt).toBe(0); // default dose compartment
    expect(list[1]!.kind === 'observation' && list[1]!.cmt).toBe(1); // default observation compartment
    expect(list[2]!.kind === 'observation' && list[2]!.cmt).toBe(0); // CMT 1 = depot
    expect((list[5] as DoseEvent).resetBefore).toBe(true);
    expect((list[5] as DoseEvent).cmt).toBe(1);
  });

  it('EVID 0 with MDV 1 is an other-type event, not an observation', () => {
    const ds = parseDataset('ID,TIME,DV,AMT,EVID,MDV\n1,0,.,100,1,1\n1,1,.,.,0,1\n1,2,3,.,0,0\n', 'mdv.csv');
    const ev = buildSubjectEvents(ds, ds.subjects[0]!, ORAL);
    expect(summary(ev.events)).toEqual(['dose@0', 'other@1', 'observation@2']);
    expect(Array.from(ev.observationIndices)).toEqual([2]);
    expect(Array.from(ev.observationRecords)).toEqual([2]);
  });

  it('dose inputs: bolus, RATE, DUR, RATE -1, RATE -2', () => {
    const ds = parseDataset('ID,TIME,DV,AMT,EVID,RATE,DUR\n1,0,.,10,1,0,.\n1,1,.,10,1,5,.\n1,2,.,10,1,.,4\n1,3,.,10,1,-1,.\n1,4,.,10,1,-2,.\n', 'inputs.csv');
    const doses = buildSubjectEvents(ds, ds.subjects[0]!, ORAL).events as DoseEvent[];
    expect(doses.map((d) => [d.input, d.rate, d.duration])).toEqual([
      ['bolus', 0, 0], ['rate', 5, 0], ['duration', 0, 4], ['modelled-rate', 0, 0], ['modelled-duration', 0, 0],
    ]);
  });

  it('steady-state doses keep SS and II; a steady-state constant infusion has AMT 0 and II 0', () => {
    const [a, b] = events('1,0,.,100,1,1,0,1,12,0', '1,24,.,0,1,2,10,2,0,0') as DoseEvent[];
    expect([a!.ss, a!.ii, b!.ss, b!.ii, b!.amt, b!.input]).toEqual([1, 12, 2, 0, 0, 'rate']);
  });
});

describe('ADDL expansion and ordering', () => {
  it('additional doses copy the dose (not SS, not reset) at TIME + k·II and name their parent record', () => {
    const list = events('1,0,.,100,4,2,10,1,12,2', '1,30,5,.,0,.,.,.,.,.');
    expect(summary(list)).toEqual(['dose@0', 'dose@12+', 'dose@24+', 'observation@30']);
    const extra = list[1] as DoseEvent;
    expect([extra.amt, extra.cmt, extra.input, extra.rate, extra.ss, extra.ii, extra.resetBefore, extra.record])
      .toEqual([100, 1, 'rate', 10, 0, 0, false, 0]);
  });

  it('an additional dose precedes data records at its time; ties between parents follow record order', () => {
    const list = events('1,0,.,100,1,1,0,0,12,2', '1,6,.,50,1,2,0,0,6,3', '1,12,5,.,0,.,.,.,.,.', '1,12,.,7,1,1,0,0,0,0');
    expect(summary(list)).toEqual([
      'dose@0', 'dose@6', 'dose@12+', 'dose@12+', 'observation@12', 'dose@12', 'dose@18+', 'dose@24+', 'dose@24+',
    ]);
    expect((list[2] as DoseEvent).record).toBe(0);
    expect((list[3] as DoseEvent).record).toBe(1);
  });

  it('EVID 3, EVID 4 and SS=1 cancel pending additional doses; SS=2 does not', () => {
    expect(summary(events('1,0,.,100,1,1,0,0,12,5', '1,30,.,.,3,.,.,.,.,.', '1,40,5,.,0,.,.,.,.,.')))
      .toEqual(['dose@0', 'dose@12+', 'dose@24+', 'reset@30', 'observation@40']);
    expect(summary(events('1,0,.,100,1,1,0,0,12,5', '1,24,.,100,4,1,0,0,0,0', '1,40,5,.,0,.,.,.,.,.')))
      .toEqual(['dose@0', 'dose@12+', 'dose@24+', 'dose@24', 'observation@40']);
    expect(summary(events('1,0,.,100,1,1,0,0,12,5', '1,30,.,100,1,1,0,1,24,0', '1,40,5,.,0,.,.,.,.,.')))
      .toEqual(['dose@0', 'dose@12+', 'dose@24+', 'dose@30', 'observation@40']);
    expect(summary(events('1,0,.,100,1,1,0,0,12,2', '1,30,.,100,1,1,0,2,24,0', '1,40,5,.,0,.,.,.,.,.')))
      .toEqual(['dose@0', 'dose@12+', 'dose@24+', 'dose@30', 'observation@40']);
    expect(summary(events('1,0,.,100,1,1,0,0,12,3', '1,30,.,100,1,1,0,2,24,0', '1,40,5,.,0,.,.,.,.,.')))
      .toEqual(['dose@0', 'dose@12+', 'dose@24+', 'dose@30', 'dose@36+', 'observation@40']);
  });

  it('time may restart at a reset; pending additional doses of the earlier run are cancelled', () => {
    const list = events('1,0,.,100,1,1,0,0,12,5', '1,20,5,.,0,.,.,.,.,.', '1,0,.,50,4,1,0,0,0,0', '1,5,5,.,0,.,.,.,.,.');
    expect(summary(list)).toEqual(['dose@0', 'dose@12+', 'observation@20', 'dose@0', 'observation@5']);
  });

  it('additional doses after the last record are kept', () => {
    expect(summary(events('1,0,.,100,1,1,0,0,24,2'))).toEqual(['dose@0', 'dose@24+', 'dose@48+']);
  });
});

describe('buildAllEvents and errors', () => {
  it('one event list per subject, in subject order', () => {
    const ds = parseDataset(`${HEADER}\n1,0,.,100,1,1,0,0,0,0\n1,1,5,.,0,.,.,.,.,.\n2,0,.,50,1,1,0,0,0,0\n`, 'two.csv');
    const all = buildAllEvents(ds, ORAL);
    expect(all.map((e) => [e.id, e.events.length, e.observationIndices.length])).toEqual([['1', 2, 1], ['2', 1, 0]]);
  });

  it('CMT beyond the model: DataError with file, line and column, for every subject at once', () => {
    const ds = parseDataset(`${HEADER}\n1,0,.,100,1,3,0,0,0,0\n2,0,.,100,1,1,0,0,0,0\n2,1,5,.,0,7,.,.,.,.\n`, 'cmt.csv');
    let error: unknown;
    try { buildAllEvents(ds, ORAL); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(DataError);
    const problems = (error as DataError).problems;
    expect(problems.map((p) => [p.file, p.line, p.column])).toEqual([['cmt.csv', 2, 'CMT'], ['cmt.csv', 4, 'CMT']]);
    expect(problems[0]!.message).toMatch(/CMT 3 is out of range: the model has 2 compartments/);
  });

  it('negative CMT (turning a compartment off) is refused with a clear message', () => {
    const ds = parseDataset(`${HEADER}\n1,0,.,100,1,1,0,0,0,0\n1,1,.,.,2,-2,.,.,.,.\n`, 'off.csv');
    expect(() => buildAllEvents(ds, ORAL)).toThrow(/off.csv:3: column CMT: negative CMT -2 \(turning a compartment off\) is not supported/);
  });

  it('checks its own inputs even without the reader: bad RATE, SS, II, ADDL, AMT, TIME, EVID', () => {
    const ds = handDataset([
      { evid: 1, amt: 10, rate: -3 },
      { evid: 1, amt: 10, ss: 1, ii: 0, time: 1 },
      { evid: 1, amt: 10, addl: 2, ii: 0, time: 2 },
      { evid: 1, amt: 0, time: 3 },
      { evid: 1, amt: 10, rate: 5, dur: 2, time: 4 },
      { evid: 7, time: 5 },
      { evid: 0, time: 4 },
      { evid: 0, time: NaN },
    ]);
    let error: unknown;
    try { buildAllEvents(ds, ORAL); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).problems.map((p) => [p.line, p.column])).toEqual([
      [2, 'RATE'], [3, 'II'], [4, 'II'], [5, 'AMT'], [6, 'DUR'], [7, 'EVID'], [8, 'TIME'], [9, 'TIME'],
    ]);
  });
});
