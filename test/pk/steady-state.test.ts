/**
 * Steady-state doses (SS = 1 and SS = 2) against their definition, "the last of a series of
 * implied doses, each exactly like the dose in question, given at a regular interval II"
 * (NONMEM help, SS dose event record): an SS dose must predict what 1000 explicit doses
 * every II (with the same lag, bioavailability and infusion settings) predict. Also the
 * textbook accumulation formulas for the 1-compartment model.
 */
import { describe, expect, it } from 'vitest';
import { NumericalError } from '../../src/errors.js';
import { closedFormSystem } from '../../src/pk/closed-form.js';
import type { CompartmentSystem } from '../../src/pk/types.js';
import { CLOSED_FORM_MODELS, dataset, predictRows, relDiff } from '../support/pk.js';

const HISTORY = 1000; // explicit doses before the steady-state record
const T0 = 100_000;

interface Regimen { label: string; amt: number; rate: number; dur?: number; ii: number; lag: number; f: number; d?: number }

const REGIMENS: Regimen[] = [
  { label: 'bolus', amt: 100, rate: 0, ii: 12, lag: 0, f: 1 },
  { label: 'bolus with lag and F', amt: 100, rate: 0, ii: 12, lag: 4.5, f: 0.7 },
  { label: 'infusion shorter than II', amt: 100, rate: 25, ii: 12, lag: 0, f: 1 },
  { label: 'infusion longer than II (F lengthens it)', amt: 100, rate: 4, ii: 12, lag: 0, f: 0.9 },
  { label: 'infusion exactly II long', amt: 120, rate: 10, ii: 12, lag: 0, f: 1 },
  { label: 'lagged infusion running across the record', amt: 100, rate: 20, ii: 12, lag: 9, f: 1 },
  { label: 'lagged infusion longer than II', amt: 100, rate: 3, ii: 12, lag: 2.5, f: 0.8 },
  { label: 'DUR column with F', amt: 100, rate: 0, dur: 30, ii: 24, lag: 1, f: 0.6 },
  { label: 'modelled duration (RATE -2) longer than II', amt: 100, rate: -2, d: 30, ii: 24, lag: 0, f: 1 },
];

function doseColumns(r: Regimen, cmt: number): string {
  return `${r.amt},1,${cmt},${r.rate},${r.dur ?? 0}`;
}

function observationTimes(r: Regimen): number[] {
  const times = [0, 0.5 * r.lag, r.lag, r.lag + 0.25, 1, 3, r.ii - 0.1, r.ii, r.ii + 2, 2 * r.ii + 5, 3 * r.ii];
  return [...new Set(times)].sort((a, b) => a - b);
}

/** Predictions after T0 with an SS=1 record at T0, and with HISTORY explicit doses instead. */
function bothWays(sys: CompartmentSystem, p: readonly number[], r: Regimen, cmt: number): { ss: number[][]; explicit: number[][] } {
  const nCmt = sys.compartments.length;
  const F = new Array<number>(nCmt).fill(1), ALAG = new Array<number>(nCmt).fill(0), D = new Array<number>(nCmt).fill(0);
  F[cmt - 1] = r.f;
  ALAG[cmt - 1] = r.lag;
  D[cmt - 1] = r.d ?? 0;
  const header = 'ID,TIME,DV,AMT,EVID,CMT,RATE,DUR,SS,II,ADDL';
  const obs = observationTimes(r).map((t) => `1,${T0 + t},1,.,0,${sys.defaultObservationCompartment + 1},.,.,.,.,.`);
  const ssData = dataset(header, `1,${T0},.,${doseColumns(r, cmt)},1,${r.ii},3`, ...obs);
  const explicitData = dataset(header, `1,${T0 - HISTORY * r.ii},.,${doseColumns(r, cmt)},0,${r.ii},${HISTORY + 3}`, ...obs);
  return {
    ss: predictRows(sys, ssData, p, { F, ALAG, D }).amounts,
    explicit: predictRows(sys, explicitData, p, { F, ALAG, D }).amounts,
  };
}

function expectRowsClose(actual: number[][], expected: number[][], relative: number): void {
  const scale = Math.max(...expected.flat().map(Math.abs));
  expected.forEach((row, j) => row.forEach((x, c) => {
    expect(Math.abs(actual[j]![c]! - x), `observation ${j}, compartment ${c + 1}: ${actual[j]![c]} vs ${x}`)
      .toBeLessThanOrEqual(relative * scale);
  }));
}

describe('SS=1 equals the limit of explicit repeated dosing (1000 doses, 1e-9 of the peak)', () => {
  for (const m of CLOSED_FORM_MODELS) {
    const sys = closedFormSystem(m.n, m.route);
    const doseCmts = m.route === 'oral' ? [1, 2] : [1];
    for (const cmt of doseCmts) {
      it.each(REGIMENS.map((r) => [r.label, r] as const))(`${sys.label}, dose into cmt ${cmt}: %s`, (_l, r) => {
        const { ss, explicit } = bothWays(sys, m.p, r, cmt);
        expectRowsClose(ss, explicit, 1e-9);
      });
    }
  }
});

describe('SS through the iterative path for nonlinear systems', () => {
  it.each(CLOSED_FORM_MODELS.filter((m) => m.n < 3).map((m) => [`${m.n} cmt ${m.route}`, m] as const))(
    '%s: the same steady states as the exact linear solution (1e-8)', (_l, m) => {
      const linear = closedFormSystem(m.n, m.route);
      const iterative: CompartmentSystem = { ...linear, linear: false, label: `${linear.label} treated as nonlinear` };
      for (const r of [REGIMENS[1]!, REGIMENS[3]!, REGIMENS[6]!]) {
        const cmt = m.route === 'oral' ? 1 : 1;
        const a = bothWays(linear, m.p, r, cmt).ss;
        const b = bothWays(iterative, m.p, r, cmt).ss;
        expectRowsClose(b, a, 1e-8);
      }
    });
});

describe('1-compartment textbook steady states (1e-12)', () => {
  const CL = 1.1, V = 20, k = CL / V, II = 12;
  const sys = closedFormSystem(1, 'iv');

  it('bolus: peak D/(1 − e^{−k·II}), trough peak·e^{−k·II} (accumulation factor)', () => {
    const ds = dataset('ID,TIME,DV,AMT,EVID,SS,II', '1,0,.,100,1,1,12', '1,0,1,.,0,.,.', '1,5,1,.,0,.,.', '1,12,1,.,0,.,.');
    const { amounts, times } = predictRows(sys, ds, [CL, V]);
    const peak = 100 / (1 - Math.exp(-k * II));
    times.forEach((t, j) => {
      const expected = t === 12 ? peak * Math.exp(-k * 12) : peak * Math.exp(-k * t);
      expect(relDiff(amounts[j]![0]!, expected)).toBeLessThan(1e-12);
    });
  });

  it('infusion: end-of-infusion amount (R/k)(1 − e^{−kT})/(1 − e^{−k·II})', () => {
    const R = 25, T = 4;
    const ds = dataset('ID,TIME,DV,AMT,RATE,EVID,SS,II', '1,0,.,100,25,1,1,12', '1,4,1,.,.,0,.,.', '1,12,1,.,.,0,.,.');
    const { amounts } = predictRows(sys, ds, [CL, V]);
    const end = (R / k) * (1 - Math.exp(-k * T)) / (1 - Math.exp(-k * II));
    expect(relDiff(amounts[0]![0]!, end)).toBeLessThan(1e-12);
    expect(relDiff(amounts[1]![0]!, end * Math.exp(-k * (II - T)))).toBeLessThan(1e-12);
  });

  it('constant infusion (AMT 0, II 0): amount R/k, concentrations equal in all compartments at steady state', () => {
    const one = predictRows(sys, dataset('ID,TIME,DV,AMT,RATE,EVID,SS,II', '1,0,.,0,10,1,1,0', '1,0,1,.,.,0,.,.'), [CL, V]);
    expect(relDiff(one.amounts[0]![0]!, 10 / k)).toBeLessThan(1e-10);
    const two = closedFormSystem(2, 'oral');
    const p = [5, 50, 10, 100, 0.8];
    const rows = predictRows(two, dataset('ID,TIME,DV,AMT,RATE,EVID,SS,II,CMT', '1,0,.,0,10,1,1,0,1', '1,0,1,.,.,0,.,.,2'), p);
    const [depot, central, peripheral] = rows.amounts[0]!;
    expect(relDiff(depot!, 10 / 0.8)).toBeLessThan(1e-10);
    expect(relDiff(central!, (10 / 5) * 50)).toBeLessThan(1e-10);
    expect(relDiff(peripheral!, (10 / 5) * 100)).toBeLessThan(1e-10);
    const iterative: CompartmentSystem = { ...two, linear: false };
    const viaIteration = predictRows(iterative, dataset('ID,TIME,DV,AMT,RATE,EVID,SS,II,CMT', '1,0,.,0,10,1,1,0,1', '1,0,1,.,.,0,.,.,2'), p);
    viaIteration.amounts[0]!.forEach((x, c) => expect(relDiff(x, rows.amounts[0]![c]!)).toBeLessThan(1e-8));
  });

  it('lag longer than II (PREDPP): the cycle at phase (II − ALAG) mod II = 9 h, then only the own dose at 15 h', () => {
    const ds = dataset('ID,TIME,DV,AMT,EVID,SS,II', '1,0,.,100,1,1,12', '1,0,1,.,0,.,.', '1,20,1,.,0,.,.');
    const { amounts } = predictRows(sys, ds, [CL, V], { ALAG: [15] });
    const peak = 100 / (1 - Math.exp(-k * II));
    expect(relDiff(amounts[0]![0]!, peak * Math.exp(-k * 9))).toBeLessThan(1e-12);
    expect(relDiff(amounts[1]![0]!, peak * Math.exp(-k * 29) + 100 * Math.exp(-k * 5))).toBeLessThan(1e-12);
  });
});

describe('SS=2 adds to the current state; SS=1 replaces it', () => {
  const sys = closedFormSystem(2, 'oral');
  const p = [5, 50, 10, 100, 0.8];
  const header = 'ID,TIME,DV,AMT,EVID,CMT,RATE,SS,II,ADDL';
  const obs = [12, 13, 20, 40, 100].map((t) => `1,${t},1,.,0,2,.,.,.,.`);

  it('SS=2 after a single dose equals that dose plus the explicit regimen (1e-9)', () => {
    const withSs2 = predictRows(sys, dataset(header, '1,0,.,50,1,1,0,0,0,0', '1,12,.,100,1,1,0,2,24,2', ...obs), p).amounts;
    const explicit = predictRows(sys, dataset(header,
      `1,${12 - 24 * HISTORY},.,100,1,1,0,0,24,${HISTORY + 2}`, '1,0,.,50,1,1,0,0,0,0', ...obs), p).amounts;
    expectRowsClose(withSs2, explicit, 1e-9);
  });

  it('SS=1 discards earlier doses, running infusions and pending additional doses', () => {
    const ss1 = predictRows(sys, dataset(header,
      '1,0,.,500,1,2,10,0,24,5', '1,12,.,100,1,1,0,1,24,2', ...obs), p).amounts;
    const alone = predictRows(sys, dataset(header, '1,12,.,100,1,1,0,1,24,2', ...obs), p).amounts;
    expectRowsClose(ss1, alone, 1e-14);
  });

  it('no steady state without elimination: NumericalError naming the subject', () => {
    const ds = dataset('ID,TIME,DV,AMT,EVID,SS,II', '7,0,.,100,1,1,12', '7,1,1,.,0,.,.');
    expect(() => predictRows(closedFormSystem(1, 'iv'), ds, [0, 20])).toThrow(NumericalError);
    expect(() => predictRows(closedFormSystem(1, 'iv'), ds, [0, 20])).toThrow(/subject 7.*no steady state/);
  });
});
