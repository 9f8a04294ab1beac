/**
 * Conformance with NONMEM 7.4.3 (PREDPP event semantics), ODE path.
 *
 * Reference: datasets/nmtest_events.csv, column `cp` = NONMEM 7.4.3's prediction for
 * ADVAN2 TRANS2 with CL = 1.1, V = 20, KA = 1.5, no random effects; ALAG2 = LAGT,
 * F2 = BIOAV; R2 = RAT2 when MODE = 1, D2 = DUR2 when MODE = 2; CP = A(2)/(V/1000).
 * Here the model is linearOdeSystem(1, 'oral') (the ADVAN2 equations integrated numerically)
 * through the same event loop as the closed form (test/pk/nmtest.test.ts).
 * Tolerance against NONMEM: 1e-4 relative (its tables print 5 significant digits), 1e-6
 * absolute near zero. Against popkit's closed form (ADVAN2) on the same events: 1e-6
 * relative, 1e-9 absolute in CP (amounts ~1e-11, i.e. below the ODE's absolute tolerance).
 */
import { describe, expect, it } from 'vitest';
import { buildAllEvents } from '../../src/events/build.js';
import type { SubjectEvents } from '../../src/events/types.js';
import { closedFormSystem } from '../../src/pk/closed-form.js';
import { linearOdeSystem } from '../../src/pk/ode-library.js';
import { predictSubject } from '../../src/pk/predict.js';
import type { CompartmentSystem } from '../../src/pk/types.js';
import { loadNmtest, nmtestParameters, NMTEST_V } from '../support/nmtest.js';

const V = NMTEST_V;
const { dataset, referenceCp } = loadNmtest();
const ode = linearOdeSystem(1, 'oral');
const closedForm = closedFormSystem(1, 'oral');
const subjects = buildAllEvents(dataset, ode);
const parameters = nmtestParameters(dataset);

/** CP (= A(central)/(V/1000)) at every observation of a subject. */
function cp(system: CompartmentSystem, subject: SubjectEvents): Float64Array {
  const out = new Float64Array(subject.observationIndices.length * 2);
  predictSubject(system, subject, parameters, out);
  return Float64Array.from({ length: subject.observationIndices.length }, (_, j) => out[2 * j + 1]! / (V / 1000));
}

describe('NONMEM 7.4.3 conformance (nmtest_events.csv, ADVAN2 TRANS2) through the ODE path', () => {
  it('the file has 26 subjects and 3406 observation records', () => {
    expect(subjects.length).toBe(26);
    expect(subjects.reduce((s, e) => s + e.observationIndices.length, 0)).toBe(3406);
  });

  it.each(subjects.map((s) => [s.id, s] as const))(
    'subject %s: every observation matches NONMEM to 1e-4 relative (1e-6 absolute) and the closed form to 1e-6 relative',
    (_id, subject) => {
      const viaOde = cp(ode, subject);
      const viaClosedForm = cp(closedForm, subject);
      const offNonmem: string[] = [];
      const offClosedForm: string[] = [];
      subject.observationRecords.forEach((record, j) => {
        const nonmem = referenceCp[record]!;
        const popkit = viaOde[j]!;
        const where = `line ${dataset.records[record]!.line} (time ${dataset.records[record]!.time})`;
        if (!(Math.abs(popkit - nonmem) <= Math.max(1e-4 * Math.abs(nonmem), 1e-6))) {
          offNonmem.push(`${where}: NONMEM ${nonmem}, ODE ${popkit}`);
        }
        if (!(Math.abs(popkit - viaClosedForm[j]!) <= 1e-6 * Math.abs(viaClosedForm[j]!) + 1e-9)) {
          offClosedForm.push(`${where}: closed form ${viaClosedForm[j]}, ODE ${popkit}`);
        }
      });
      expect(offNonmem).toEqual([]);
      expect(offClosedForm).toEqual([]);
    },
  );
});
