/**
 * Steady-state doses whose absorption lag is as long as or longer than the dosing interval,
 * against an independent computation: a long explicit dosing history with the same lag.
 *
 * PREDPP (NONMEM help, SS dose event record): "When absorption lag applies, it is understood
 * to apply to all implied doses. Steady-state is computed as if there were no ALAG, and then
 * there is an advance to the appropriate point in the steady-state cycle (II−ALAG)". For any
 * ALAG the point is (II − ALAG) mod II after the last implied arrival, and the record's own
 * dose arrives at TIME + ALAG; the implied doses whose lagged arrivals would fall between the
 * record and TIME + ALAG are not given. So the default ('nonmem') equals the explicit history
 * without those doses, and 'periodic' equals the full history. Tolerance 1e-9 of the peak
 * (closed forms; 1000 explicit doses), 1e-6 for the ODE path (integration tolerance 1e-10).
 */
import { describe, expect, it } from 'vitest';
import { buildAllEvents } from '../../src/events/build.js';
import { closedFormSystem } from '../../src/pk/closed-form.js';
import { michaelisMentenOdeSystem } from '../../src/pk/ode-library.js';
import { constantParameters, pkParameterRow } from '../../src/pk/parameters.js';
import { predictSubject, steadyStatePhase } from '../../src/pk/predict.js';
import type { CompartmentSystem } from '../../src/pk/types.js';
import { dataset } from '../support/pk.js';

const T0 = 100_000;
const HEADER = 'ID,TIME,DV,AMT,EVID,CMT,RATE,SS,II,ADDL';

interface LagCase { readonly label: string; readonly amt: number; readonly rate: number; readonly ii: number; readonly lag: number }

const CASES: LagCase[] = [
  { label: 'bolus, ALAG = II + 3 h', amt: 100, rate: 0, ii: 12, lag: 15 },
  { label: 'bolus, ALAG = 2·II exactly', amt: 100, rate: 0, ii: 12, lag: 24 },
  { label: 'bolus, ALAG = 2.54·II', amt: 100, rate: 0, ii: 12, lag: 30.5 },
  { label: 'bolus, ALAG = II exactly', amt: 100, rate: 0, ii: 8, lag: 8 },
  { label: 'infusion (4 h), ALAG = II + 1 h', amt: 100, rate: 25, ii: 12, lag: 13 },
  { label: 'infusion longer than II (20 h), ALAG = 1.75·II', amt: 100, rate: 5, ii: 12, lag: 21 },
];

function amounts(sys: CompartmentSystem, lines: string[], p: readonly number[], lag: number, mode: 'nonmem' | 'periodic'): number[][] {
  const n = sys.compartments.length;
  const ALAG = new Array<number>(n).fill(0);
  ALAG[0] = lag;
  const events = buildAllEvents(dataset(HEADER, ...lines), sys)[0]!;
  const out = new Float64Array(events.observationIndices.length * n);
  predictSubject(sys, events, constantParameters(pkParameterRow(n, p, { ALAG })), out, { steadyStateLag: mode });
  return Array.from({ length: events.observationIndices.length }, (_, j) => Array.from(out.subarray(j * n, (j + 1) * n)));
}

/** The SS record at T0 (ADDL 3) and the explicit history: doses at T0 − k·II for k = kmax … kmin, then T0 … T0 + 3·II. */
function compare(sys: CompartmentSystem, p: readonly number[], c: LagCase, mode: 'nonmem' | 'periodic', history: number, tolerance: number): void {
  const obsCmt = sys.defaultObservationCompartment + 1;
  const times = [0, 1, c.lag / 2, c.lag - c.ii, c.lag - 0.1, c.lag, c.lag + 0.5, c.ii, 2 * c.ii + 1, c.lag + 2 * c.ii]
    .filter((t) => t >= 0).sort((a, b) => a - b);
  const obs = [...new Set(times)].map((t) => `1,${T0 + t},1,.,0,${obsCmt},.,.,.,.`);
  const dose = `${c.amt},1,1,${c.rate}`;
  const ss = amounts(sys, [`1,${T0},.,${dose},1,${c.ii},3`, ...obs], p, c.lag, mode);
  // The implied doses arriving after the record: k·II < ALAG (k ≥ 1). 'nonmem' leaves them out.
  const firstArrived = Math.ceil(c.lag / c.ii - 1e-9);
  const kmin = mode === 'nonmem' ? firstArrived : 1;
  const explicit = amounts(sys, [
    `1,${T0 - history * c.ii},.,${dose},0,${c.ii},${history - kmin}`,
    `1,${T0},.,${dose},0,${c.ii},3`, ...obs,
  ], p, c.lag, 'nonmem');
  const scale = Math.max(...explicit.flat().map(Math.abs));
  explicit.forEach((row, j) => row.forEach((x, k) => {
    expect(Math.abs(ss[j]![k]! - x), `${c.label} (${mode}), observation ${j}, compartment ${k + 1}: ${ss[j]![k]} vs ${x}`)
      .toBeLessThanOrEqual(tolerance * scale);
  }));
}

describe('the steady-state phase (II − ALAG) mod II', () => {
  it('no lag: II (the trough, the own dose arrives now); 0 < ALAG < II: II − ALAG; ALAG ≥ II: wrapped; multiples: 0', () => {
    expect(steadyStatePhase(12, 0)).toBe(12);
    expect(steadyStatePhase(12, 4.5)).toBe(7.5);
    expect(steadyStatePhase(12, 15)).toBe(9);
    expect(steadyStatePhase(12, 30.5)).toBeCloseTo(5.5, 12);
    expect(steadyStatePhase(12, 12)).toBe(0);
    expect(steadyStatePhase(12, 36)).toBe(0);
    expect(steadyStatePhase(0.1, 0.3)).toBe(0); // 0.3 % 0.1 is 0.0999…: a multiple up to rounding
  });
});

describe('SS doses with ALAG ≥ II equal a long explicit history with the same lag', () => {
  const closed = [
    { sys: closedFormSystem(1, 'iv'), p: [1.1, 20] },
    { sys: closedFormSystem(2, 'oral'), p: [5, 50, 10, 100, 0.8] },
  ];
  for (const { sys, p } of closed) {
    for (const mode of ['nonmem', 'periodic'] as const) {
      it.each(CASES.map((c) => [c.label, c] as const))(`${sys.label}, ${mode}: %s (1e-9)`, (_l, c) => {
        compare(sys, p, c, mode, 1000, 1e-9);
      });
    }
  }

  it('the ODE path (Michaelis–Menten, nonlinear: steady state by iteration), bolus cases, both definitions (1e-6)', () => {
    const sys = michaelisMentenOdeSystem(1, 'oral', { relTol: 1e-10, absTol: 1e-12 });
    const p = [40, 2, 20, 1.2]; // VM, KM, V, KA
    for (const c of CASES.filter((x) => x.rate === 0)) {
      for (const mode of ['nonmem', 'periodic'] as const) compare(sys, p, c, mode, 60, 1e-6);
    }
  }, 120_000);

  it("the two definitions differ where NONMEM leaves out implied arrivals (ALAG = II + 3 h: the dose at 3 h)", () => {
    const sys = closedFormSystem(1, 'iv');
    const c = CASES[0]!;
    const obs = [`1,${T0 + 4},1,.,0,1,.,.,.,.`];
    const lines = [`1,${T0},.,100,1,1,0,1,12,0`, ...obs];
    const nonmem = amounts(sys, lines, [1.1, 20], c.lag, 'nonmem')[0]![0]!;
    const periodic = amounts(sys, lines, [1.1, 20], c.lag, 'periodic')[0]![0]!;
    expect(periodic - nonmem).toBeCloseTo(100 * Math.exp(-(1.1 / 20) * 1), 9);
  });
});
