/**
 * MAP Bayesian dose individualization. References: the EBEs of a FOCE-I fit of pheno (the MAP
 * estimate is the same inner problem; tolerance 1e-6 in η), and doses worked by hand from the
 * 1-cmt superposition formulas (Gibaldi & Perrier) for a priori recommendations (η = 0).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { parseTable } from '../../src/data/dataset.js';
import { readTable } from '../../src/io/data-files.js';
import { DataError, PopkitError } from '../../src/errors.js';
import { fitPopulation } from '../../src/estimation/fit.js';
import type { FitResult } from '../../src/estimation/types.js';
import { bindModel } from '../../src/subject/bind.js';
import { loadModelFile, readModelDataset } from '../../src/io/model-file.js';
import { individualizeDose, type DoseOptions } from '../../src/simulation/dose.js';
import { etaPosterior } from '../../src/estimation/map-posterior.js';
import { patientHistory } from '../../src/simulation/dose-patient.js';
import { initialValues, valuesForModel } from '../../src/simulation/fitted-model.js';
import { doseTargetsOf } from '../../src/simulation/model-targets.js';
import { checkModelCovariatesInData } from '../../src/simulation/patient-check.js';
import { parseRegimen } from '../../src/simulation/regimen-parse.js';
import { parseTarget } from '../../src/simulation/summary.js';
import { datasetPath } from '../support/estimation-models.js';
import { binderOf, diag, oneCompartment, thetaOf } from '../support/simulation.js';

const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('MAP estimates equal the EBEs of a FOCE-I fit (pheno, |Δη| < 1e-6)', () => {
  const model = loadModelFile(new URL('../../models/pheno.pkm', import.meta.url).pathname);
  let fit: FitResult;
  beforeAll(() => {
    fit = fitPopulation(bindModel(model, readModelDataset(model)), { method: 'focei', covariance: 'none', npdeSamples: 0 });
  });
  test('patients 1, 10, 30 and 59', () => {
    const table = readTable(datasetPath('pheno_sd.csv'));
    const values = { theta: fit.theta, omega: fit.omega, sigma: fit.sigma };
    for (const id of ['1', '10', '30', '59']) {
      const history = patientHistory(table, id);
      const bound = bindModel(model, history.dataset);
      const post = etaPosterior(bound.subjects[0]!, bound.nEta, bound.nEps, values);
      const ebe = fit.subjects.find((s) => s.id === id)!.eta;
      expect(post.converged).toBe(true);
      for (let m = 0; m < 2; m++) expect(Math.abs(post.eta[m]! - ebe[m]!)).toBeLessThan(1e-6);
      // The Laplace covariance is positive definite and smaller than the prior.
      expect(post.covariance[0]).toBeGreaterThan(0);
      expect(post.covariance[0]).toBeLessThan(fit.omega[0]!);
    }
  });

  test('without a dose count the course reaches steady state (phenobarbital, half-life ~160 h)', () => {
    // Reference: the same recommendation for a 240-dose course (120 days, ~18 half-lives),
    // whose last interval is at steady state; tolerance 1% (the default course's stopping rule).
    // One week's course (x14) recommended 0.45 mg q12h here, while its trough was still falling
    // from the patient's earlier doses: less than half the steady-state dose.
    const history = patientHistory(readTable(new URL('../../examples/pheno_patient.csv', import.meta.url).pathname));
    const options: DoseOptions = {
      bind: binderOf(model), values: { theta: fit.theta, omega: fit.omega, sigma: fit.sigma },
      target: parseTarget('trough 15-25'), form: parseRegimen('? mg iv'), doseTargets: doseTargetsOf(model),
      intervals: [12], seed: 3, samples: 200,
    };
    const byDefault = individualizeDose(history, options).options[0]!;
    const long = individualizeDose(history, { ...options, doses: 240 }).options[0]!;
    const week = individualizeDose(history, { ...options, doses: 14 }).options[0]!;
    expect(byDefault.steadyState).toBe(true);
    expect(byDefault.regimen.blocks[0]!.count).toBeGreaterThan(14);
    expect(Math.abs(byDefault.amount / long.amount - 1)).toBeLessThan(0.01);
    expect(week.amount).toBeLessThan(0.6 * long.amount);
  });
});

describe('a priori doses worked by hand (1-cmt iv, CL 2 L/h, V 20 L, one 100 mg dose at 0 h)', () => {
  const model = oneCompartment('iv');
  const history = patientHistory(parseTable('ID,TIME,AMT,DV,EVID,MDV\n1,0,100,.,1,1\n', 'patient.csv'));
  const base = (over: Partial<DoseOptions>): DoseOptions => ({
    bind: binderOf(model), values: { theta: thetaOf(model), omega: diag(0.09, 0.04), sigma: diag(0.01) },
    target: parseTarget('trough 2-3'), form: parseRegimen('? mg iv'), doseTargets: doseTargetsOf(model),
    intervals: [12], doses: 1, seed: 3, samples: 400, ...over,
  });

  test('no levels: the posterior is the prior', () => {
    const r = individualizeDose(history, base({}));
    expect(Array.from(r.posterior.eta)).toEqual([0, 0]);
    expect(Array.from(r.posterior.covariance)).toEqual([0.09, 0, 0, 0.04]);
    expect(r.levels).toEqual([]);
  });
  test('trough 2-3 at 24 h: 5e^(−2.4) + (A/20)e^(−1.2) = √6', () => {
    const r = individualizeDose(history, base({}));
    const expected = 20 * Math.exp(1.2) * (Math.sqrt(6) - 5 * Math.exp(-2.4));
    const o = r.options[0]!;
    expect(relErr(o.amount, expected)).toBeLessThan(1e-6);
    expect(relErr(o.predicted, Math.sqrt(6))).toBeLessThan(1e-6);
    expect(o.window).toEqual({ start: 12, end: 24 });
    expect(o.percentiles[0]).toBeLessThan(o.percentiles[1]!);
    expect(o.percentiles[2]).toBeGreaterThan(o.percentiles[1]!);
  });
  test('peak 20-30 of a 2 h infusion at 12 h: 5e^(−1.4) + (A/2)/2·(1 − e^(−0.2)) = √600', () => {
    const r = individualizeDose(history, base({ target: parseTarget('peak 20-30'), form: parseRegimen('? mg iv over 2 h') }));
    const expected = 4 * (Math.sqrt(600) - 5 * Math.exp(-1.4)) / (1 - Math.exp(-0.2));
    expect(relErr(r.options[0]!.amount, expected)).toBeLessThan(1e-6);
  });
  test('auc24 100-200 over 12-36 h with doses at 12 and 24 h', () => {
    // AUC = 100/2·(e^(−1.2) − e^(−3.6)) + A/2·[(1 − e^(−2.4)) + (1 − e^(−1.2))] = √20000.
    const r = individualizeDose(history, base({ target: parseTarget('auc24 100-200'), form: parseRegimen('? mg iv q12h', { countOptional: true }), doses: 2 }));
    const hist = 50 * (Math.exp(-1.2) - Math.exp(-3.6));
    const expected = (2 * (Math.sqrt(20000) - hist)) / ((1 - Math.exp(-2.4)) + (1 - Math.exp(-1.2)));
    expect(r.options[0]!.window).toEqual({ start: 12, end: 36 });
    expect(relErr(r.options[0]!.amount, expected)).toBeLessThan(1e-6);
  });
  test('a one-sided target: the smallest dose with a 90% probability of attainment', () => {
    const r = individualizeDose(history, base({ target: parseTarget('trough >= 2') }));
    const o = r.options[0]!;
    expect(o.probability).toBeGreaterThanOrEqual(0.9);
    expect(o.probability).toBeLessThan(0.9 + 3 / 400);
    const half = individualizeDose(history, base({ target: parseTarget('trough >= 2'), confidence: 0.5 }));
    expect(half.options[0]!.amount).toBeLessThan(o.amount);
    // With η = 0 the median draw sits near the MAP prediction.
    expect(Math.abs(half.options[0]!.predicted - 2)).toBeLessThan(0.2);
  });
  test('a probability of attainment outside (0, 1) or a start that is not a time is refused, naming the option', () => {
    for (const confidence of [1.5, 0, Number.NaN]) {
      expect(() => individualizeDose(history, base({ target: parseTarget('trough >= 2'), confidence }))).toThrow(/required probability of attainment must be between 0 and 1/);
    }
    expect(() => individualizeDose(history, base({ start: Number.NaN }))).toThrow(/the start of the plan must be a time in h \(got NaN\)/);
  });
  test('candidate intervals and rounding', () => {
    const r = individualizeDose(history, base({ intervals: [8, 12, 24], roundTo: 25, doses: 3 }));
    expect(r.options.map((o) => o.interval)).toEqual([8, 12, 24]);
    for (const o of r.options) expect(o.amount % 25).toBe(0);
    expect(r.recommended).toBeGreaterThanOrEqual(0);
    expect(r.options.every((o, i) => o.probability <= r.options[r.recommended]!.probability || i === r.recommended)).toBe(true);
  });
});

describe('patient files that contradict the model', () => {
  const pheno = loadModelFile(new URL('../../models/pheno.pkm', import.meta.url).pathname);
  test('a missing covariate column names the patient file and the model line', () => {
    const t = parseTable('ID,TIME,AMT,APGR,DV,MDV,EVID\n1,0,25,7,.,1,1\n1,2,0,7,17.3,0,0\n', 'patient.csv');
    expect(() => checkModelCovariatesInData(pheno, t)).toThrow(DataError);
    expect(() => checkModelCovariatesInData(pheno, t)).toThrow(/patient.csv:1: no column WT \(or WGT\): the model pheno reads this covariate \(.*pheno.pkm:12\)/);
  });
  test('a level before the first dose', () => {
    const t = parseTable('ID,TIME,AMT,WT,APGR,DV,MDV,EVID\n1,0,0,1.4,7,3,0,0\n1,1,25,1.4,7,.,1,1\n1,2,0,1.4,7,17.3,0,0\n', 'p.csv');
    expect(() => patientHistory(t)).toThrow(DataError);
    expect(() => patientHistory(t)).toThrow(/p.csv:2: column TIME: patient 1: a level at time 0 comes before the first dose \(time 1, line 3\)/);
  });
  test('several patients without an ID; no dose', () => {
    const two = parseTable('ID,TIME,AMT,DV,EVID,MDV\n1,0,100,.,1,1\n2,0,100,.,1,1\n', 'two.csv');
    expect(() => patientHistory(two)).toThrow(/holds 2 patients.*--id/);
    expect(patientHistory(two, '2').id).toBe('2');
    const none = parseTable('ID,TIME,AMT,DV,EVID,MDV\n1,1,0,5,0,0\n', 'none.csv');
    expect(() => patientHistory(none)).toThrow(PopkitError);
  });
  test('initial estimates of a model file serve as population values', () => {
    const v = valuesForModel(pheno, initialValues(pheno));
    expect(Array.from(v.theta)).toEqual([0.00469307, 1.00916, 0.1]);
    expect(Array.from(v.omega)).toEqual([0.0309626, 0, 0, 0.031128]);
  });
});
