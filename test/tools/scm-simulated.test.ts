/**
 * The covariate search on data simulated with known relations: clearance depends on weight
 * (power, exponent 0.75, reference 70 kg) and on a genotype (poor metabolizers −50%,
 * ultra-rapid +40% against extensive metabolizers); age has no effect. Data come from
 * popkit's simulation engine (test/support/scm.ts: a virtual population of 60 subjects with
 * weight 45–110 kg and age 20–80 y uniform, genotype EM 50%, PM 30%, UM 20%; one 100 mg IV
 * bolus; samples at 0.5, 2, 6 and 12 h; 30%/20% IIV on CL/V; 10%
 * proportional error. Reference: the simulation truth; the search (FOCE-I, PsN rules,
 * p_forward 0.05, p_backward 0.01) must keep weight and genotype on CL and drop age.
 */
import { describe, expect, test } from 'vitest';
import { scmCandidates } from '../../src/tools/scm-candidates.js';
import { inProcessFitter } from '../../src/tools/scm-fit.js';
import { relationLabel, stepwiseCovariateSearch } from '../../src/tools/scm.js';
import { baseModel, simulate } from '../support/scm.js';

describe('covariate search on simulated data with known relations', async () => {
  const data = simulate(20240601, 60);
  const { relations } = scmCandidates(baseModel, data, {
    parameters: ['CL', 'V'], covariates: ['WT', 'AGE', 'GENO'], categorical: ['GENO'], forms: ['power'],
  });
  const result = await stepwiseCovariateSearch({ model: baseModel, relations, fitter: inProcessFitter(data, { method: 'focei' }) });

  test('forward includes the true relations of CL', () => {
    const included = result.forwardRelations.map(relationLabel);
    expect(included).toContain('CL-WT-power');
    expect(included).toContain('CL-GENO-categorical');
  });

  test('the final model keeps weight and genotype on CL, and no age relation', () => {
    const final = result.final.map(relationLabel);
    expect(final).toContain('CL-WT-power');
    expect(final).toContain('CL-GENO-categorical');
    expect(final.some((r) => r.includes('AGE'))).toBe(false);
  });

  test('the estimates of the kept relations are within 3 rough standard errors of the truth', () => {
    const value = (name: string) => result.finalFit.theta[result.finalFit.thetaNames.indexOf(name)]!;
    // Rough SEs from ω_CL = 0.3: exponent 0.3/(SD(log WT)·√60) ≈ 0.15; factors 0.3·factor/√n_group.
    // The truth's reference is 70 kg, the search's the median weight: the exponent does not depend on it.
    expect(Math.abs(value('CL_WT') - 0.75)).toBeLessThan(0.45);
    expect(Math.abs(value('CL_GENO_PM') - -0.5)).toBeLessThan(3 * 0.3 * 0.5 / Math.sqrt(18));
    expect(Math.abs(value('CL_GENO_UM') - 0.4)).toBeLessThan(3 * 0.3 * 1.4 / Math.sqrt(12));
  });
});
