/**
 * A FOCE-I fit to data simulated by popkit recovers the simulation's parameters: 100 subjects
 * of a 1-cmt iv model (CL 2 L/h, V 20 L, ω² 0.09 and 0.04, proportional σ² 0.01), 7 samples each,
 * fitted from initial estimates 50% off. Tolerance: 3 standard errors of the covariance step
 * (R⁻¹SR⁻¹) for every parameter, at a fixed seed.
 */
import { describe, expect, test } from 'vitest';
import { parseDataset } from '../../src/data/dataset.js';
import { fitPopulation } from '../../src/estimation/fit.js';
import { bindModel } from '../../src/subject/bind.js';
import { defineModel } from '../../src/model/define.js';
import { simulatedDataCsv } from '../../src/report/simulation-tables.js';
import { emptyPopulation } from '../../src/simulation/population.js';
import { parseRegimen } from '../../src/simulation/regimen-parse.js';
import { simulateRegimen } from '../../src/simulation/simulate.js';
import { binderOf, diag, oneCompartment, thetaOf } from '../support/simulation.js';

describe('simulate, then fit', () => {
  test('FOCE-I recovers θ, Ω and Σ within 3 SE', () => {
    const truth = oneCompartment('iv');
    const design = { regimen: parseRegimen('100 mg iv'), doseTargets: { iv: 1 }, times: Float64Array.of(0.5, 1, 2, 4, 8, 12, 24) };
    const sim = simulateRegimen(binderOf(truth), { theta: thetaOf(truth), omega: diag(0.09, 0.04), sigma: diag(0.01) },
      design, emptyPopulation(100), { seed: 20240607 });
    const data = parseDataset(simulatedDataCsv(sim, design), 'simulated.csv');
    expect(data.subjects.length).toBe(100);
    expect(data.records.length).toBe(800);

    const start = defineModel({
      name: 'one_cmt_start',
      theta: { TVCL: { init: 3, lower: 0 }, TVV: { init: 10, lower: 0 } },
      omega: { eta_CL: 0.2, eta_V: 0.1 },
      sigma: { eps: 0.02 },
      individual: { CL: 'TVCL * exp(eta_CL)', V: 'TVV * exp(eta_V)' },
      structure: '1cmt iv',
      observe: { outputs: { CP: 'central / V' }, rules: ['proportional(CP, eps)'] },
    });
    const fit = fitPopulation(bindModel(start, data), { method: 'focei', npdeSamples: 0 });
    expect(fit.converged).toBe(true);
    expect(fit.covariance?.status).toBe('ok');
    const truthByLabel: Record<string, number> = {
      'THETA(1)': 2, 'THETA(2)': 20, 'OMEGA(1,1)': 0.09, 'OMEGA(2,2)': 0.04, 'SIGMA(1,1)': 0.01,
    };
    fit.estimated.forEach((e, k) => {
      const se = fit.covariance!.se![k]!;
      expect(Math.abs(fit.estimates[k]! - truthByLabel[e.label]!)).toBeLessThan(3 * se);
      expect(se / truthByLabel[e.label]!).toBeLessThan(0.25);
    });
  });
});
