/**
 * An unbounded covariate effect initialised near zero (PsN's convention: 0.001) must converge
 * to the same optimum as one started near its final value. Property test on pheno
 * (models/pheno_base.pkm + a power effect of WT on CL, FOCE-I): the two fits agree on the OFV
 * to 0.01 and on the exponent to 1%.
 */
import { describe, expect, it } from 'vitest';
import { fitPopulation } from '../../src/estimation/fit.js';
import { bindModel } from '../../src/subject/bind.js';
import { loadModelFile, readModelDataset } from '../../src/io/model-file.js';
import { addCovariateEffect, setInitialEstimates } from '../../src/modeling/index.js';

describe('scaling of unbounded thetas', () => {
  const base = loadModelFile('models/pheno_base.pkm');
  const data = readModelDataset(base);
  const model = addCovariateEffect(base, 'CL', 'WT', 'power', { dataset: data });
  const exponent = model.theta.findIndex((t) => t.name === 'CL_WT');

  it('a power exponent started at 0.001 reaches the optimum found from 1.0', () => {
    const fromZero = fitPopulation(bindModel(model, data), { method: 'focei', covariance: 'none', npdeSamples: 0 });
    const fromOne = fitPopulation(bindModel(setInitialEstimates(model, { theta: { CL_WT: 1 } }), data),
      { method: 'focei', covariance: 'none', npdeSamples: 0 });
    expect(fromZero.converged).toBe(true);
    expect(fromOne.converged).toBe(true);
    expect(Math.abs(fromZero.ofv - fromOne.ofv)).toBeLessThan(0.01);
    const a = fromZero.theta[exponent]!;
    const b = fromOne.theta[exponent]!;
    expect(Math.abs(a - b) / Math.abs(b)).toBeLessThan(0.01);
  });
});
