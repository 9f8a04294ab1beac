/**
 * Population estimates of the simulated designs against the simulated truth (Schoemaker et
 * al. 2019; see test/support/fit-designs.ts): FOCE-I from initial estimates moved 30–50% away from
 * the truth. Tolerances: typical values θ within 10% of the geometric mean of the true
 * individual parameters, σ² within 10% of 0.04 (20% proportional error).
 * This file fits the six closed-form designs; test/estimation/designs-mm.test.ts the Michaelis–Menten
 * ones (ODEs).
 */
import { describe, expect, test } from 'vitest';
import { ParameterMap } from '../../src/estimation/parameter-map.js';
import { PopulationObjective } from '../../src/estimation/population-objective.js';
import { bolus1cptModel } from '../support/estimation-models.js';
import { checkDesign, DESIGNS, designBound } from '../support/fit-designs.js';

describe('simulated designs: FOCE-I estimates within 10% of the truth', () => {
  test.each(DESIGNS.filter((d) => !d.endsWith('MM')))('%s', (design) => checkDesign(design), 600_000);
});

describe('the model file and a hand-written evaluator agree', () => {
  test('Bolus_1CPT: models/bolus_1cpt.pkm vs a closed-form superposition with analytic derivatives (FOCE-I and FO objectives, 1e-6 relative)', () => {
    const fromFile = designBound('Bolus_1CPT', false);
    const byHand = bolus1cptModel();
    const values = new ParameterMap(fromFile.parameters).initialValues();
    for (const method of ['focei', 'fo'] as const) {
      const a = new PopulationObjective(fromFile, method).evaluate(values);
      const b = new PopulationObjective(byHand, method).evaluate(values);
      expect(Math.abs(a / b - 1)).toBeLessThan(1e-6);
    }
  }, 60_000);
});
