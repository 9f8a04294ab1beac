/**
 * Property test: the ODE path (linearOdeSystem) and the closed form (closedFormSystem,
 * NONMEM ADVAN1/2/3/4/11/12) give the same amounts, through the same event loop
 * (predictSubject), for random regimens mixing boluses, overlapping infusions, a
 * steady-state (SS=1) start, additional doses (ADDL), lag times and bioavailability.
 * Reference: popkit's closed form, itself checked against NONMEM 7.4.3 and the matrix
 * exponential (test/pk/nmtest.test.ts, test/pk/closed-form.test.ts). Tolerance: 1e-6
 * relative, with an absolute floor of 1e-10 × the largest amount of the subject (amounts
 * that small, e.g. an emptied depot, are below the ODE's absolute tolerance).
 */
import { describe, expect, it } from 'vitest';
import { closedFormSystem } from '../../src/pk/closed-form.js';
import { linearOdeSystem } from '../../src/pk/ode-library.js';
import { dataset, predictRows, RANDOM_REGIMEN_HEADER as HEADER, randomRegimen as scenario } from '../support/pk.js';

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
