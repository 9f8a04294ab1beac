/**
 * Model → Model transforms: pure (the input model is unchanged), checked, and round-trip
 * through writeModelFile; covariate relations render into the typical value with the forms
 * of PsN scm (reference/METHODS.md).
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../../src/data/dataset.js';
import { ModelError } from '../../src/errors.js';
import { bindModel } from '../../src/subject/bind.js';
import { loadModelFile, readModelDataset } from '../../src/io/model-file.js';
import { parseModel } from '../../src/model/parse.js';
import { renderIndividual } from '../../src/model/render.js';
import { withoutLocations } from '../../src/model/symbols.js';
import type { Model } from '../../src/model/types.js';
import { writeModelFile } from '../../src/model/write.js';
import {
  addCovariateEffect, covariateStatistics, fixTheta, removeCovariateEffect, setErrorModel, setInitialEstimates,
  setOmegaBlock, setOmegaDiagonal, unfixTheta,
} from '../../src/modeling/index.js';

const pheno = loadModelFile('models/pheno.pkm');
const phenoBase = loadModelFile('models/pheno_base.pkm');
const phenoData = readModelDataset(pheno);

/** Apply `transform`, check that the input is unchanged and that the result round-trips. */
function pure(input: Model, transform: (m: Model) => Model): Model {
  const before = JSON.stringify(input);
  const out = transform(input);
  expect(JSON.stringify(input)).toBe(before);
  expect(out).not.toBe(input);
  expect(Object.isFrozen(out)).toBe(true);
  expect(withoutLocations(parseModel(writeModelFile(out), 'models/transformed.pkm', { baseDir: resolve('models') }))).toEqual(withoutLocations({ ...out, file: undefined }));
  return out;
}

function individual(model: Model, dataset = phenoData, theta?: Float64Array, subject = 0): Float64Array {
  const bound = bindModel(model, dataset);
  const out = new Float64Array(bound.individualParameterNames!.length);
  bound.subjects[subject]!.individualParameters!(theta ?? Float64Array.from(model.theta.map((t) => t.init)), new Float64Array(bound.nEta), out);
  return out;
}

describe('addCovariateEffect / removeCovariateEffect', () => {
  it('power: TVCL·(WT/ref)^θ on the typical value, the covariate declared, θ added', () => {
    const m = pure(phenoBase, (x) => addCovariateEffect(x, 'CL', 'WT', 'power', { reference: 1.3, init: 0.75 }));
    expect(m.covariates.map((c) => c.name)).toEqual(['WT']);
    expect(m.theta.at(-1)).toMatchObject({ name: 'CL_WT', init: 0.75, fixed: false });
    expect(renderIndividual(m).find((s) => s.name === 'TVCL')!.expression).toBe('(POP_CL) * (WT / 1.3) ^ CL_WT');
    const wt = phenoData.covariate('WT', 0) as number;
    expect(individual(m)[2]).toBeCloseTo(0.0061 * (wt / 1.3) ** 0.75, 15);
  });

  it('defaults from a dataset: median reference; the linear slope bounded so the factor stays positive', () => {
    const stats = covariateStatistics(phenoData, 'WT');
    expect(stats).toMatchObject({ median: 1.3, min: 0.6, max: 3.6 });
    const m = pure(phenoBase, (x) => addCovariateEffect(x, 'V', 'WT', 'linear', { dataset: phenoData }));
    expect(m.effects[0]).toMatchObject({ parameter: 'V', covariate: 'WT', form: 'linear', reference: 1.3, thetas: ['V_WT'] });
    const t = m.theta.find((x) => x.name === 'V_WT')!;
    expect(t.init).toBe(0.001);
    expect(t.lower).toBeCloseTo(1 / (1.3 - 3.6), 14);
    expect(t.upper).toBeCloseTo(1 / (1.3 - 0.6), 14);
  });

  it('exponential and piecewise-linear forms', () => {
    const e = addCovariateEffect(phenoBase, 'CL', 'WT', 'exponential', { reference: 1.3 });
    expect(renderIndividual(e)[0]!.expression).toBe('(POP_CL) * exp(CL_WT * (WT - 1.3))');
    const p = pure(phenoBase, (x) => addCovariateEffect(x, 'CL', 'WT', 'piecewise-linear', { dataset: phenoData, init: [0.2, 0.4] }));
    expect(p.effects[0]!.thetas).toEqual(['CL_WT_below', 'CL_WT_above']);
    const values = individual(p, phenoData, Float64Array.of(0.0061, 1.31, 0.2, 0.4));
    const wt = phenoData.covariate('WT', 0) as number;
    const factor = wt <= 1.3 ? 1 + 0.2 * (wt - 1.3) : 1 + 0.4 * (wt - 1.3);
    expect(values[2]).toBeCloseTo(0.0061 * factor, 15);
  });

  it('categorical with string categories: most common category as reference, one θ per other category, θ > −1', () => {
    const rows = ['EM', 'EM', 'PM', 'IM', 'EM', 'UM'].map((g, i) => `${i + 1},0,10,.,${g},1,1\n${i + 1},2,0,3,${g},0,0`).join('\n');
    const data = parseDataset(`ID,TIME,AMT,DV,CYP2D6,EVID,MDV\n${rows}\n`, 'cyp.csv');
    const m = pure(phenoBase, (x) => addCovariateEffect(x, 'CL', 'CYP2D6', 'categorical', { dataset: data }));
    expect(m.effects[0]).toMatchObject({ reference: 'EM', categories: ['IM', 'PM', 'UM'], thetas: ['CL_CYP2D6_IM', 'CL_CYP2D6_PM', 'CL_CYP2D6_UM'] });
    expect(m.theta.filter((t) => t.name.startsWith('CL_CYP')).every((t) => t.lower === -1)).toBe(true);
    const theta = Float64Array.of(2, 1.3, -0.2, -0.6, 0.5);
    const factors: Record<string, number> = { EM: 1, IM: 0.8, PM: 0.4, UM: 1.5 };
    ['EM', 'EM', 'PM', 'IM', 'EM', 'UM'].forEach((g, i) => expect(individual(m, data, theta, i)[2]).toBeCloseTo(2 * factors[g]!, 14));
  });

  it('remove restores the model it was added to', () => {
    const added = addCovariateEffect(pheno, 'CL', 'APGR', 'linear', { reference: 7 });
    const removed = pure(added, (x) => removeCovariateEffect(x, 'CL', 'APGR'));
    expect(removed).toEqual(withoutLocations(pheno));
  });

  it('refuses a duplicate effect and an unknown one', () => {
    const added = addCovariateEffect(pheno, 'CL', 'APGR', 'linear', { reference: 7 });
    expect(() => addCovariateEffect(added, 'CL', 'APGR', 'power', { reference: 7 })).toThrow(ModelError);
    expect(() => removeCovariateEffect(pheno, 'CL', 'AGE')).toThrow(/no effect of AGE on CL \(effects: none\)/);
    expect(() => addCovariateEffect(pheno, 'CL', 'WT', 'linear')).toThrow(/needs a numeric reference value/);
  });
});

describe('parameter transforms', () => {
  it('fixTheta / unfixTheta', () => {
    const fixed = pure(pheno, (m) => fixTheta(m, 'APGR_V', 0.2));
    expect(fixed.theta[2]).toMatchObject({ name: 'APGR_V', init: 0.2, fixed: true });
    const free = pure(fixed, (m) => unfixTheta(m, ['APGR_V']));
    expect(free.theta[2]).toMatchObject({ init: 0.2, fixed: false });
    expect(() => fixTheta(pheno, 'NOPE')).toThrow(/no theta NOPE/);
    expect(() => fixTheta(pheno, 'APGR_V', NaN)).toThrow(/theta APGR_V: initial value NaN is not a finite number/);
  });

  it('setInitialEstimates, checked against the bounds', () => {
    const m = pure(pheno, (x) => setInitialEstimates(x, { theta: { CL_WT: 0.00469555 }, omega: { eta_CL: 0.0293508 }, sigma: { eps_prop: 0.013241 } }));
    expect(m.theta[0]!.init).toBe(0.00469555);
    expect(m.omega[0]!.lower).toEqual([0.0293508]);
    expect(() => setInitialEstimates(pheno, { theta: { APGR_V: -2 } })).toThrow(/initial value -2 is at or below its lower bound -0.99/);
    expect(() => setInitialEstimates(pheno, { theta: { CL_WT: NaN } })).toThrow(/theta CL_WT: initial value NaN is not a finite number/);
  });

  it('setOmegaBlock correlates etas, setOmegaDiagonal splits them again', () => {
    const block = pure(pheno, (m) => setOmegaBlock(m, ['eta_CL', 'eta_V']));
    expect(block.omega).toEqual([{ names: ['eta_CL', 'eta_V'], lower: [0.0309626, 0, 0.031128], correlated: true, fixed: false }]);
    const withCov = pure(block, (m) => setInitialEstimates(m, { omega: { 'eta_V,eta_CL': 0.01 } }));
    expect(withCov.omega[0]!.lower).toEqual([0.0309626, 0.01, 0.031128]);
    const bound = bindModel(withCov, phenoData);
    expect(Array.from(bound.parameters.omega.init)).toEqual([0.0309626, 0.01, 0.01, 0.031128]);
    expect(() => setInitialEstimates(block, { omega: { 'eta_V,eta_CL': 0.5 } })).toThrow(/not positive definite/);
    const diagonal = pure(withCov, (m) => setOmegaDiagonal(m, ['eta_CL']));
    expect(diagonal.omega.map((b) => b.lower)).toEqual([[0.0309626], [0.031128]]);
    expect(() => setOmegaBlock(pheno, ['eta_CL', 'eta_X'])).toThrow(/no eta eta_X/);
  });
});

describe('setErrorModel', () => {
  it('proportional → combined variance sum → additive, unused epsilons removed', () => {
    const combined = pure(pheno, (m) => setErrorModel(m, 'combined-variance', { additiveVariance: 0.5 }));
    expect(combined.observe.rules[0]!.error).toEqual({ kind: 'combined-variance', prediction: 'CP', additiveEps: 'eps_add', proportionalEps: 'eps_prop' });
    expect(combined.sigma.map((b) => [b.names[0], b.lower[0]])).toEqual([['eps_prop', 0.013241], ['eps_add', 0.5]]);
    const additive = pure(combined, (m) => setErrorModel(m, 'additive'));
    expect(additive.sigma.map((b) => b.names[0])).toEqual(['eps_add']);
    const s = bindModel(additive, phenoData).subjects[0]!;
    const f = new Float64Array(s.nObs), h = new Float64Array(s.nObs);
    expect(s.evaluate(Float64Array.from(pheno.theta.map((t) => t.init)), new Float64Array(2), f, h)).toBe(true);
    expect(Array.from(h)).toEqual(Array.from(f, () => 1));
  });

  it('combined SD sum adds two SD thetas and an eps of variance 1 FIX; exponential observes log DV', () => {
    const sd = pure(pheno, (m) => setErrorModel(m, 'combined-sd'));
    expect(sd.theta.slice(3).map((t) => [t.name, t.init, t.lower])).toEqual([['RUV_ADD', 0.1, 0], ['RUV_PROP', 0.2, 0]]);
    expect(sd.sigma).toEqual([{ names: ['eps_ruv'], lower: [1], correlated: false, fixed: true }]);
    const exp = pure(pheno, (m) => setErrorModel(m, 'exponential'));
    const bound = bindModel(exp, phenoData);
    expect(bound.subjects[0]!.dv[0]).toBeCloseTo(Math.log(17.3), 15);
  });
});
