/**
 * The event loop's NONMEM semantics on small regimens whose answers are closed-form
 * 1-compartment expressions (exact to 1e-12 relative), plus superposition for 2 and 3
 * compartments with first-order absorption.
 */
import { describe, expect, it } from 'vitest';
import { NumericalError } from '../../src/errors.js';
import { buildAllEvents } from '../../src/events/build.js';
import { closedFormSystem } from '../../src/pk/closed-form.js';
import { constantParameters, pkParameterRow, recordParameters } from '../../src/pk/parameters.js';
import { predictSubject } from '../../src/pk/predict.js';
import { byTime, dataset, predictRows, relDiff } from '../support/pk.js';

const CL = 1.1, V = 20, k = CL / V;
const iv1 = closedFormSystem(1, 'iv');
const HEADER = 'ID,TIME,DV,AMT,EVID,CMT,RATE,SS,II,ADDL';

/** Central amounts (1-cmt iv) at each observation. */
function central(lines: string[], dose: Parameters<typeof predictRows>[3] = {}): number[] {
  return predictRows(iv1, dataset(HEADER, ...lines), [CL, V], dose).amounts.map((r) => r[0]!);
}

/** Amount left at time t of an infusion of rate r (amount/time) that ran from t0 to t1. */
function infused(r: number, t0: number, t1: number, t: number): number {
  if (t <= t0) return 0;
  const end = Math.min(t, t1);
  return (r / k) * (1 - Math.exp(-k * (end - t0))) * Math.exp(-k * (t - end));
}

function expectAll(actual: number[], expected: number[], tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(relDiff(a, expected[i]!, 1e-9), `observation ${i}: ${a} vs ${expected[i]}`).toBeLessThan(tol));
}

describe('record order at equal times', () => {
  it('an observation sees a dose record that comes before it, not one that comes after', () => {
    expectAll(central(['1,0,.,100,1,1,0,0,0,0', '1,5,1,.,0,.,.,.,.,.', '1,5,.,100,1,1,0,0,0,0', '1,5,1,.,0,.,.,.,.,.']),
      [100 * Math.exp(-5 * k), 100 * Math.exp(-5 * k) + 100]);
  });
});

describe('bioavailability F, modelled rate and duration', () => {
  it('F scales a bolus', () => {
    expectAll(central(['1,0,.,100,1,1,0,0,0,0', '1,2,1,.,0,.,.,.,.,.'], { F: [0.4] }), [40 * Math.exp(-2 * k)]);
  });

  it('with a data RATE, F changes the duration (D = F·AMT/RATE), not the rate', () => {
    const obs = [1, 4, 6, 9].map((t) => `1,${t},1,.,0,.,.,.,.,.`);
    expectAll(central(['1,0,.,100,1,1,10,0,0,0', ...obs], { F: [0.5] }), [1, 4, 6, 9].map((t) => infused(10, 0, 5, t)));
  });

  it('with a DUR column, F changes the rate (R = F·AMT/DUR)', () => {
    const ds = dataset('ID,TIME,DV,AMT,EVID,DUR', '1,0,.,100,1,10', '1,4,1,.,0,.', '1,12,1,.,0,.');
    const rows = predictRows(iv1, ds, [CL, V], { F: [0.5] }).amounts.map((r) => r[0]!);
    expectAll(rows, [infused(5, 0, 10, 4), infused(5, 0, 10, 12)]);
  });

  it('RATE -1: the rate is R (duration F·AMT/R); RATE -2: the duration is D (rate F·AMT/D)', () => {
    const obs = [3, 8, 30].map((t) => `1,${t},1,.,0,.,.,.,.,.`);
    expectAll(central(['1,0,.,100,1,1,-1,0,0,0', ...obs], { F: [0.8], R: [20] }), [3, 8, 30].map((t) => infused(20, 0, 4, t)));
    expectAll(central(['1,0,.,100,1,1,-2,0,0,0', ...obs], { F: [0.8], D: [16] }), [3, 8, 30].map((t) => infused(5, 0, 16, t)));
  });
});

describe('lag times', () => {
  it('a lagged bolus arrives at TIME + ALAG, before an observation record at that time', () => {
    expectAll(central(['1,0,.,100,1,1,0,0,0,0', ...[1, 2, 3].map((t) => `1,${t},1,.,0,.,.,.,.,.`)], { ALAG: [2] }),
      [0, 100, 100 * Math.exp(-k)]);
  });

  it('a lagged infusion is shifted whole', () => {
    const times = [1, 2.5, 4, 7];
    expectAll(central(['1,0,.,100,1,1,50,0,0,0', ...times.map((t) => `1,${t},1,.,0,.,.,.,.,.`)], { ALAG: [2] }),
      times.map((t) => infused(50, 2, 4, t)));
  });

  it('additional doses are lagged too, and arrive before records at their time', () => {
    const times = [3, 14, 27];
    expectAll(central(['1,0,.,100,1,1,0,0,12,2', ...times.map((t) => `1,${t},1,.,0,.,.,.,.,.`)], { ALAG: [2] }),
      times.map((t) => [2, 14, 26].filter((a) => a <= t).reduce((s, a) => s + 100 * Math.exp(-k * (t - a)), 0)));
  });
});

describe('infusions, resets and initial amounts', () => {
  it('overlapping infusions add their rates', () => {
    const times = [3, 7, 12, 20];
    expectAll(central(byTime(['1,0,.,100,1,1,10,0,0,0', '1,5,.,50,1,1,5,0,0,0', ...times.map((t) => `1,${t},1,.,0,.,.,.,.,.`)])),
      times.map((t) => infused(10, 0, 10, t) + infused(5, 5, 15, t)));
  });

  it('EVID 3 zeroes the amounts, stops infusions and cancels pending lagged doses', () => {
    expectAll(central(['1,0,.,100,1,1,10,0,0,0', '1,1,.,100,1,1,0,0,0,0', '1,5,.,.,3,.,.,.,.,.', '1,6,1,.,0,.,.,.,.,.',
      '1,7,.,30,1,1,0,0,0,0', '1,20,1,.,0,.,.,.,.,.'], { ALAG: [3] }),
    [0, 30 * Math.exp(-k * 10)]);
  });

  it('EVID 4 resets then doses, and time may restart at it', () => {
    expectAll(central(['1,0,.,100,1,1,0,0,0,0', '1,10,1,.,0,.,.,.,.,.', '1,0,.,40,4,1,0,0,0,0', '1,3,1,.,0,.,.,.,.,.']),
      [100 * Math.exp(-10 * k), 40 * Math.exp(-3 * k)]);
  });

  it('initialState gives the amounts at the first event', () => {
    const events = buildAllEvents(dataset(HEADER, '1,0,1,.,0,.,.,.,.,.', '1,4,1,.,0,.,.,.,.,.'), iv1)[0]!;
    const out = new Float64Array(2);
    predictSubject(iv1, events, constantParameters(pkParameterRow(1, [CL, V])), out, { initialState: Float64Array.of(7) });
    expectAll(Array.from(out), [7, 7 * Math.exp(-4 * k)]);
  });
});

describe('time-varying parameters (NONMEM: the record ending an interval governs it)', () => {
  const ds = dataset('ID,TIME,DV,AMT,EVID,II,ADDL,CLI,FI',
    '1,0,.,100,1,10,1,1,0.5', '1,4,1,.,0,.,.,1,1', '1,8,1,.,0,.,.,2,1', '1,12,1,.,0,.,.,2,1');
  const params = recordParameters((r) => pkParameterRow(1, [ds.covariate('CLI', r) as number, V], { F: [ds.covariate('FI', r) as number] }));

  it('CL of each record applies over the interval ending at it; an additional dose keeps its parent record F', () => {
    const amounts = predictRows(iv1, ds, params).amounts.map((r) => r[0]!);
    const k1 = 1 / V, k2 = 2 / V;
    const at8 = 50 * Math.exp(-4 * k1 - 4 * k2);
    // The additional dose at 10 (F 0.5 from its parent record) lies in the interval (8, 12] governed by the record at 12.
    expectAll(amounts, [50 * Math.exp(-4 * k1), at8, at8 * Math.exp(-4 * k2) + 50 * Math.exp(-2 * k2)]);
  });
});

describe('superposition: multiple dosing = sum of single doses (2 and 3 cmt oral, 1e-12 of the peak)', () => {
  it.each([
    [2, [5, 50, 10, 100, 0.8]],
    [3, [4, 30, 8, 60, 2, 200, 1.2]],
  ] as const)('%i compartments', (n, p) => {
    const sys = closedFormSystem(n, 'oral');
    const doses = ['1,0,.,100,1,1,0,0,0,0', '1,7,.,60,1,2,0,0,0,0', '1,19,.,80,1,1,20,0,0,0', '1,30,.,40,1,1,0,0,12,3'];
    const times = [0.5, 7, 8, 20, 31, 50, 80, 200];
    const obs = times.map((t) => `1,${t},1,.,0,2,.,.,.,.`);
    const all = predictRows(sys, dataset(HEADER, ...byTime([...doses, ...obs])), [...p]).amounts;
    const sum = times.map(() => new Array<number>(n + 1).fill(0));
    for (const d of doses) {
      const single = predictRows(sys, dataset(HEADER, ...byTime([d, ...obs])), [...p]).amounts;
      single.forEach((row, j) => row.forEach((x, c) => { sum[j]![c] += x; }));
    }
    const peak = Math.max(...sum.flat());
    all.forEach((row, j) => row.forEach((x, c) => expect(Math.abs(x - sum[j]![c]!)).toBeLessThan(1e-12 * peak)));
  });
});

describe('invalid inputs are reported, never returned as NaN', () => {
  const lines = ['1,0,.,100,1,1,0,0,0,0', '1,2,1,.,0,.,.,.,.,.'];
  it.each([
    ['negative F', { F: [-0.1] }, /subject 1.*bioavailability F of central \(compartment 1\) is -0.1/],
    ['NaN lag', { ALAG: [NaN] }, /lag time ALAG/],
  ] as const)('%s', (_what, dose, message) => {
    expect(() => central(lines, dose)).toThrow(NumericalError);
    expect(() => central(lines, dose)).toThrow(message);
  });

  it('RATE -1 without a positive R, RATE -2 without a positive D', () => {
    expect(() => central(['1,0,.,100,1,1,-1,0,0,0', '1,2,1,.,0,.,.,.,.,.'])).toThrow(/modelled rate R/);
    expect(() => central(['1,0,.,100,1,1,-2,0,0,0', '1,2,1,.,0,.,.,.,.,.'])).toThrow(/modelled duration D/);
  });

  it('invalid structural parameters name the subject and the parameter', () => {
    const ds = dataset(HEADER, '12,0,.,100,1,1,0,0,0,0', '12,2,1,.,0,.,.,.,.,.');
    expect(() => predictRows(iv1, ds, [CL, -5])).toThrow(/subject 12, time 0: invalid PK parameter V = -5/);
  });

  it('an output buffer that is too small is refused', () => {
    const events = buildAllEvents(dataset(HEADER, ...lines), iv1)[0]!;
    expect(() => predictSubject(iv1, events, constantParameters(pkParameterRow(1, [CL, V])), new Float64Array(0)))
      .toThrow(RangeError);
  });
});
