/**
 * Objective functions at fixed parameters, before any optimizer.
 * Reference: Wang Y. (2007) J Pharmacokinet Pharmacodyn 34:575, Table 2 (NONMEM objective values
 * at the initial estimates), as recorded in reference/reference_values.json; tolerance 1e-3.
 * NONMEM 7 pheno (nonmem_pheno_real.ext): OFV at iteration 0 and at the final estimates.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ParameterMap } from '../../src/estimation/parameter-map.js';
import { PopulationObjective } from '../../src/estimation/population-objective.js';
import type { EstimationMethod } from '../../src/estimation/types.js';
import type { BoundModel } from '../../src/subject/bound.js';
import { linearModel, phenoModel, wangModel } from '../support/estimation-models.js';

const reference = JSON.parse(readFileSync(new URL('../../reference/reference_values.json', import.meta.url), 'utf8'));
const wang = reference.wang2007_objective_at_initial_estimates;

function ofvAtInitial(bound: BoundModel, method: EstimationMethod): number {
  const map = new ParameterMap(bound.parameters);
  return new PopulationObjective(bound, method).evaluate(map.initialValues());
}

describe('Wang 2007 Table 2 (NONMEM objective at the initial estimates, tolerance 1e-3)', () => {
  const cases: [string, 'proportional' | 'additive', EstimationMethod, number][] = [
    ['FO proportional', 'proportional', 'fo', wang.proportional.FO],
    ['FOCE proportional', 'proportional', 'foce', wang.proportional.FOCE],
    ['FOCE-I proportional', 'proportional', 'focei', wang.proportional.FOCEI],
    ['FO additive', 'additive', 'fo', wang.additive.FO],
    ['FOCE additive', 'additive', 'foce', wang.additive.FOCE],
    ['FOCE-I additive', 'additive', 'focei', wang.additive.FOCEI],
  ];
  for (const [label, error, method, expected] of cases) {
    test(`${label} with analytic derivatives`, () => {
      expect(Math.abs(ofvAtInitial(wangModel(error, true), method) - expected)).toBeLessThan(1e-3);
    });
    test(`${label} with finite-difference derivatives`, () => {
      expect(Math.abs(ofvAtInitial(wangModel(error, false), method) - expected)).toBeLessThan(1e-3);
    });
  }
});

describe('NONMEM 7 pheno FOCE-I objective at fixed parameters (nonmem_pheno_real.ext)', () => {
  // Parameters are printed to 6 significant digits in the .ext file; tolerance 1e-3.
  const bound = phenoModel();
  const map = new ParameterMap(bound.parameters);
  const objective = new PopulationObjective(bound, 'focei');
  test('iteration 0: 587.36644134661617', () => {
    const v = map.initialValues();
    v.theta.set([4.69307e-3, 1.00916, 0.1]);
    v.omega.set([3.09626e-2, 0, 0, 3.1128e-2]);
    v.sigma[0] = 1.30865e-2;
    expect(Math.abs(objective.evaluate(v) - 587.36644134661617)).toBeLessThan(1e-3);
  });
  test('final estimates: 586.27605628188053', () => {
    const v = map.initialValues();
    v.theta.set([4.69555e-3, 9.84258e-1, 1.5892e-1]);
    v.omega.set([2.93508e-2, 0, 0, 2.7906e-2]);
    v.sigma[0] = 1.3241e-2;
    expect(Math.abs(objective.evaluate(v) - 586.27605628188053)).toBeLessThan(1e-3);
  });
});


function closedForm(data: number[][], theta: number, omega: number, sigma: number): number {
  let total = 0;
  for (const ys of data) {
    const n = ys.length;
    const r = ys.map((y) => y - theta);
    const sum = r.reduce((a, b) => a + b, 0);
    const ss = r.reduce((a, b) => a + b * b, 0);
    total += (n - 1) * Math.log(sigma) + Math.log(sigma + n * omega) + (ss - (omega / (sigma + n * omega)) * sum * sum) / sigma;
  }
  return total;
}

describe('linear-in-η model: every method equals the closed-form marginal −2LL (tolerance 1e-8)', () => {
  const data = [[1.2, 0.8, 1.5], [2.1, 2.4], [0.3, 0.9, 0.2, 0.5], [1.7]];
  const expected = closedForm(data, 1.1, 0.4, 0.2);
  for (const method of ['fo', 'foce', 'focei', 'laplace'] as const) {
    test(method, () => {
      expect(Math.abs(ofvAtInitial(linearModel(data, 1.1, 0.4, 0.2), method) - expected)).toBeLessThan(1e-8);
    });
  }
});

describe('Laplace uses the exact Hessian of the subject objective', () => {
  test('Wang proportional: Laplace equals l(η̂) + log ω + log|½ l″(η̂)| computed independently (1e-6)', () => {
    const bound = wangModel('proportional');
    const omega = 0.04;
    const sigma = 0.1;
    let expected = 0;
    const theta = Float64Array.of(0.5);
    for (const s of bound.subjects) {
      const f = new Float64Array(s.nObs);
      const h = new Float64Array(s.nObs);
      const l = (eta: number): number => {
        s.evaluate(theta, Float64Array.of(eta), f, h);
        let v = (eta * eta) / omega;
        for (let j = 0; j < s.nObs; j++) { const r = sigma * h[j] * h[j]; v += (s.dv[j] - f[j]) ** 2 / r + Math.log(r); }
        return v;
      };
      // Golden-section search for the mode, then a second difference of l.
      let a = -2; let b = 2;
      const gr = (Math.sqrt(5) - 1) / 2;
      for (let k = 0; k < 200; k++) {
        const c = b - gr * (b - a); const d = a + gr * (b - a);
        if (l(c) < l(d)) b = d; else a = c;
      }
      const eta = (a + b) / 2;
      const d = 1e-4;
      const second = (l(eta + d) - 2 * l(eta) + l(eta - d)) / (d * d);
      expected += l(eta) + Math.log(omega) + Math.log(0.5 * second);
    }
    expect(Math.abs(ofvAtInitial(bound, 'laplace') - expected)).toBeLessThan(1e-6);
    // And it differs from FOCE-I, whose Hessian is the expected (Gauss–Newton) form.
    expect(Math.abs(ofvAtInitial(bound, 'laplace') - wang.proportional.FOCEI)).toBeGreaterThan(0.1);
  });
});

describe('invalid parameters give +Infinity, never NaN', () => {
  test('a model that refuses the parameters', () => {
    const bound = wangModel('additive');
    const refusing: BoundModel = { ...bound, subjects: bound.subjects.map((s) => ({ ...s, evaluate: () => false, evaluateWithDerivatives: undefined })) };
    expect(ofvAtInitial(refusing, 'focei')).toBe(Infinity);
  });
  test('Ω not positive definite', () => {
    const bound = wangModel('additive');
    const map = new ParameterMap(bound.parameters);
    const v = map.initialValues();
    v.omega[0] = -0.1;
    expect(new PopulationObjective(bound, 'foce').evaluate(v)).toBe(Infinity);
  });
});
