/**
 * Property test: the ODE path (linearOdeSystem) and the closed form (closedFormSystem,
 * NONMEM ADVAN1/2/3/4/11/12) give the same amounts, through the same event loop
 * (predictSubject), for random regimens mixing boluses, overlapping infusions, a
 * steady-state (SS=1) start, additional doses (ADDL), lag times and bioavailability.
 * Reference: popkit's closed form, itself checked against NONMEM 7.4.3 and the matrix
 * exponential (test/pk-nmtest.test.ts, test/pk-closed-form.test.ts). Tolerance: 1e-6
 * relative, with an absolute floor of 1e-10 × the largest amount of the subject (amounts
 * that small, e.g. an emptied depot, are below the ODE's absolute tolerance).
 */
import { describe, expect, it } from 'vitest';
import { closedFormSystem } from '../src/pk/closed-form.js';
import { linearOdeSystem } from '../src/pk/ode-library.js';
import { dataset, predictRows } from './pk-support.js';
import { uniform01 as random } from './random-support.js';


const HEADER = 'ID,TIME,DV,AMT,EVID,CMT,RATE,SS,II,ADDL';

interface Scenario {
  lines: string[];
  parameters: number[];
  F: number[];
  ALAG: number[];
  summary: string;
}

/** A random subject for an nCmt-compartment model (compartment numbers as in NONMEM). */
function scenario(nCmt: 1 | 2 | 3, oral: boolean, seed: number): Scenario {
  const u = random(seed);
  const logUniform = (lo: number, hi: number) => lo * (hi / lo) ** u();
  const round = (x: number) => Math.round(x * 100) / 100;
  const parameters = [logUniform(0.5, 10), logUniform(5, 100)];
  if (nCmt >= 2) parameters.push(logUniform(0.5, 20), logUniform(10, 200));
  if (nCmt === 3) parameters.push(logUniform(0.1, 5), logUniform(20, 500));
  if (oral) parameters.push(logUniform(0.2, 5));
  const nCompartments = nCmt + (oral ? 1 : 0);
  const central = oral ? 2 : 1;
  const F = Array.from({ length: nCompartments }, () => round(0.4 + 0.6 * u()));
  const ALAG = Array.from({ length: nCompartments }, () => (u() < 0.5 ? round(3 * u()) : 0));

  const records: { time: number; line: string }[] = [];
  const parts: string[] = [];
  let t = 0;
  if (u() < 0.5) {
    const ii = u() < 0.5 ? 12 : 24;
    const infusion = u() < 0.5;
    const cmt = infusion ? central : 1;
    const rate = infusion ? round(logUniform(10, 100)) : 0;
    records.push({ time: 0, line: `1,0,.,100,1,${cmt},${rate},1,${ii},${Math.floor(3 * u())}` });
    parts.push(`SS=1 ${infusion ? 'infusion' : 'bolus'} every ${ii}`);
    t = round(2 + 10 * u());
  }
  const nDoses = 2 + Math.floor(3 * u());
  for (let d = 0; d < nDoses; d++) {
    const kind = u();
    const addl = u() < 0.5 ? Math.floor(1 + 3 * u()) : 0;
    const ii = addl > 0 ? round(6 + 18 * u()) : 0;
    const amt = round(logUniform(10, 500));
    if (kind < 0.4) {
      records.push({ time: t, line: `1,${t},.,${amt},1,1,0,0,${ii},${addl}` });
      parts.push(`bolus ${amt} at ${t}`);
    } else if (kind < 0.8) {
      // Infusion long enough to overlap the next dose (and its own additional doses).
      const rate = round(amt / (4 + 20 * u()));
      records.push({ time: t, line: `1,${t},.,${amt},1,${central},${rate},0,${ii},${addl}` });
      parts.push(`infusion ${amt} at rate ${rate} from ${t}`);
    } else {
      records.push({ time: t, line: `1,${t},.,${amt},1,${central},0,0,${ii},${addl}` });
      parts.push(`central bolus ${amt} at ${t}`);
    }
    if (addl > 0) parts.push(`ADDL ${addl} every ${ii}`);
    t = round(t + 1 + 15 * u());
  }
  const end = t + 48;
  const observationTimes = Array.from({ length: 25 }, () => round(end * u()));
  for (const r of [...records]) observationTimes.push(r.time);
  for (const time of observationTimes) records.push({ time, line: `1,${time},0,.,0,.,.,.,.,.` });
  const lines = records.map((r, i) => ({ ...r, i })).sort((a, b) => a.time - b.time || a.i - b.i).map((r) => r.line);
  return { lines, parameters, F, ALAG, summary: parts.join('; ') };
}

describe('ODE and closed form agree through the event loop (1e-6 relative)', () => {
  for (const nCmt of [1, 2, 3] as const) {
    for (const route of ['iv', 'oral'] as const) {
      const ode = linearOdeSystem(nCmt, route);
      const closedForm = closedFormSystem(nCmt, route);
      it(`${nCmt}-compartment ${route}: 8 random regimens`, () => {
        for (let seed = 1; seed <= 8; seed++) {
          const s = scenario(nCmt, route === 'oral', 1000 * nCmt + (route === 'oral' ? 100 : 0) + seed);
          const ds = dataset(HEADER, ...s.lines);
          const dose = { F: s.F, ALAG: s.ALAG };
          const viaOde = predictRows(ode, ds, s.parameters, dose).amounts;
          const viaClosedForm = predictRows(closedForm, ds, s.parameters, dose).amounts;
          const largest = Math.max(...viaClosedForm.flat().map(Math.abs));
          expect(largest).toBeGreaterThan(0);
          const off: string[] = [];
          viaClosedForm.forEach((row, j) => row.forEach((expected, c) => {
            const got = viaOde[j]![c]!;
            if (!(Math.abs(got - expected) <= 1e-6 * Math.abs(expected) + 1e-10 * largest)) {
              off.push(`observation ${j}, compartment ${c + 1}: closed form ${expected}, ODE ${got}`);
            }
          }));
          expect(off, `seed ${seed}: ${s.summary}`).toEqual([]);
        }
      });
    }
  }
});
