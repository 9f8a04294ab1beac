/**
 * Regimen simulations against closed-form pharmacokinetics and against the distributions they
 * draw from. References: the superposition formulas of test/support/simulation.ts (Gibaldi &
 * Perrier); Monte-Carlo checks at a fixed seed with tolerances of 4 standard errors.
 */
import { describe, expect, test } from 'vitest';
import { drawPopulation, emptyPopulation } from '../../src/simulation/population.js';
import { parseRegimen } from '../../src/simulation/regimen-parse.js';
import { simulateRegimen } from '../../src/simulation/simulate.js';
import { parseTimes } from '../../src/simulation/times.js';
import { doseTargetsOf, observationScaleOf } from '../../src/simulation/model-targets.js';
import { bindModel } from '../../src/subject/bind.js';
import { buildDesignDataset } from '../../src/simulation/design.js';
import {
  binderOf, bolusConcentration, diag, infusionConcentration, meanVariance, oneCompartment, oralConcentration,
  thetaOf, twoCompartmentBolus, twoCompartmentIv,
} from '../support/simulation.js';

const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('with Ω = 0 and Σ = 0 the simulation equals the closed form', () => {
  test('1-cmt iv bolus q12h x5 (relative 1e-12)', () => {
    const model = oneCompartment('iv');
    const times = parseTimes('0-72 by 1.5');
    const sim = simulateRegimen(binderOf(model), { theta: thetaOf(model), omega: diag(0, 0), sigma: diag(0) },
      { regimen: parseRegimen('100 mg iv q12h x5'), doseTargets: doseTargetsOf(model), times }, emptyPopulation(3), { seed: 1 });
    for (let i = 0; i < 3; i++) {
      times.forEach((t, k) => {
        const expected = bolusConcentration(t, 100, [0, 12, 24, 36, 48], 2, 20);
        expect(sim.dv[i * times.length + k]).toBe(sim.ipred[i * times.length + k]);
        if (expected === 0) expect(sim.ipred[i * times.length + k]).toBe(0);
        else expect(relErr(sim.ipred[i * times.length + k]!, expected)).toBeLessThan(1e-12);
      });
    }
    // Samples at dose times are troughs (before the dose).
    expect(sim.ipred[times.indexOf(12)]).toBeCloseTo(5 * Math.exp(-1.2), 12);
  });
  test('1-cmt oral q24h x3 (Bateman superposition, relative 1e-10)', () => {
    const model = oneCompartment('oral');
    const times = parseTimes('0-96 by 2');
    const sim = simulateRegimen(binderOf(model), { theta: thetaOf(model), omega: diag(0, 0, 0), sigma: diag(0) },
      { regimen: parseRegimen('250 mg po q24h x3'), doseTargets: doseTargetsOf(model), times }, emptyPopulation(1), { seed: 1 });
    times.forEach((t, k) => {
      const expected = oralConcentration(t, 250, [0, 24, 48], 2, 20, 1.5);
      if (expected === 0) expect(sim.ipred[k]).toBe(0);
      else expect(relErr(sim.ipred[k]!, expected)).toBeLessThan(1e-10);
    });
  });
  test('1-cmt infusion over 2 h q8h x4 (relative 1e-10)', () => {
    const model = oneCompartment('iv');
    const times = parseTimes('0-40 by 0.5');
    const sim = simulateRegimen(binderOf(model), { theta: thetaOf(model), omega: diag(0, 0), sigma: diag(0) },
      { regimen: parseRegimen('400 mg iv over 2 h q8h x4'), doseTargets: doseTargetsOf(model), times }, emptyPopulation(1), { seed: 1 });
    times.forEach((t, k) => {
      const expected = infusionConcentration(t, 400, 2, [0, 8, 16, 24], 2, 20);
      if (expected === 0) expect(sim.ipred[k]).toBe(0);
      else expect(relErr(sim.ipred[k]!, expected)).toBeLessThan(1e-10);
    });
  });
  test('2-cmt iv bolus single dose (biexponential, relative 1e-10)', () => {
    const model = twoCompartmentIv();
    const times = parseTimes('0.25-48 by 0.25');
    const sim = simulateRegimen(binderOf(model), { theta: thetaOf(model), omega: diag(0), sigma: diag(0) },
      { regimen: parseRegimen('500 mg iv'), doseTargets: doseTargetsOf(model), times }, emptyPopulation(1), { seed: 1 });
    times.forEach((t, k) => expect(relErr(sim.ipred[k]!, twoCompartmentBolus(t, 500, 3, 10, 5, 40))).toBeLessThan(1e-10));
  });
  test('per-kg doses scale with each subject\'s weight', () => {
    const model = oneCompartment('iv', 'proportional', true);
    const pop = drawPopulation([{ name: 'WT', distribution: { kind: 'uniform', lower: 40, upper: 100 } }], 5, 3);
    const times = parseTimes('1-24 by 1');
    const sim = simulateRegimen(binderOf(model), { theta: thetaOf(model), omega: diag(0, 0), sigma: diag(0) },
      { regimen: parseRegimen('10 mg/kg iv q12h x2'), doseTargets: doseTargetsOf(model), times }, pop, { seed: 1 });
    const wt = pop.columns[0] as Float64Array;
    for (let i = 0; i < 5; i++) {
      times.forEach((t, k) => {
        const expected = bolusConcentration(t, 10 * wt[i]!, [0, 12], 2 * (wt[i]! / 70), 20);
        expect(relErr(sim.ipred[i * times.length + k]!, expected)).toBeLessThan(1e-12);
      });
    }
    expect(sim.boundSubjects).toBe(5);
  });
});

describe('draws match their distributions (fixed seed, 4 standard errors)', () => {
  const model = oneCompartment('iv');
  const n = 20000;
  const omega = diag(0.09, 0.04);
  const sigma = diag(0.01);
  const times = Float64Array.of(1, 4, 8, 12);
  const sim = simulateRegimen(binderOf(model), { theta: thetaOf(model), omega, sigma },
    { regimen: parseRegimen('100 mg iv'), doseTargets: doseTargetsOf(model), times }, emptyPopulation(n), { seed: 2024 });

  test('a population without covariates binds one subject', () => {
    expect(sim.boundSubjects).toBe(1);
    expect(sim.etaNames).toEqual(['eta_CL', 'eta_V']);
  });
  test('the mean of log CL equals log θ_CL; the variance of η equals ω²', () => {
    const bound = bindModel(model, buildDesignDataset({ regimen: parseRegimen('100 mg iv'), doseTargets: { iv: 1 }, times }, emptyPopulation(1), [0]).dataset);
    const subject = bound.subjects[0]!;
    const out = new Float64Array(bound.individualParameterNames!.length);
    const jCL = bound.individualParameterNames!.indexOf('CL');
    const logCl = new Float64Array(n);
    const etaCl = new Float64Array(n);
    const etaV = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const eta = sim.eta.subarray(2 * i, 2 * i + 2);
      subject.individualParameters!(thetaOf(model), eta, out);
      logCl[i] = Math.log(out[jCL]!);
      etaCl[i] = eta[0]!;
      etaV[i] = eta[1]!;
    }
    const lc = meanVariance(logCl);
    expect(Math.abs(lc.mean - Math.log(2))).toBeLessThan(4 * Math.sqrt(0.09 / n));
    const ec = meanVariance(etaCl), ev = meanVariance(etaV);
    expect(Math.abs(ec.variance - 0.09)).toBeLessThan(4 * 0.09 * Math.sqrt(2 / (n - 1)));
    expect(Math.abs(ev.variance - 0.04)).toBeLessThan(4 * 0.04 * Math.sqrt(2 / (n - 1)));
    expect(Math.abs(ev.mean)).toBeLessThan(4 * Math.sqrt(0.04 / n));
  });
  test('proportional error: the variance of y/f − 1 is σ²', () => {
    const r = new Float64Array(sim.dv.length);
    for (let k = 0; k < r.length; k++) r[k] = sim.dv[k]! / sim.ipred[k]! - 1;
    const mv = meanVariance(r);
    expect(Math.abs(mv.variance - 0.01)).toBeLessThan(4 * 0.01 * Math.sqrt(2 / (r.length - 1)));
    expect(Math.abs(mv.mean)).toBeLessThan(4 * 0.1 / Math.sqrt(r.length));
  });
  test('additive and exponential (log DV) errors', () => {
    for (const error of ['additive', 'exponential'] as const) {
      const m = oneCompartment('iv', error);
      const s = simulateRegimen(binderOf(m), { theta: thetaOf(m), omega: diag(0.09, 0.04), sigma: diag(0.01) },
        { regimen: parseRegimen('100 mg iv'), doseTargets: doseTargetsOf(m), times }, emptyPopulation(5000), { seed: 5, observationScale: observationScaleOf(m) });
      const r = Float64Array.from(s.dv, (y, k) => (error === 'additive' ? y - s.ipred[k]! : Math.log(y / s.ipred[k]!)));
      const mv = meanVariance(r);
      expect(Math.abs(mv.variance - 0.01)).toBeLessThan(4 * 0.01 * Math.sqrt(2 / (r.length - 1)));
      expect(observationScaleOf(m)).toBe(error === 'exponential' ? 'log' : 'linear');
    }
  });
});

describe('correlated and degenerate Ω', () => {
  test('the sample covariance of η matches a correlated Ω block; a zero variance gives η = 0', () => {
    const model = oneCompartment('iv');
    const n = 20000;
    const omega = Float64Array.of(0.09, 0.03, 0.03, 0.04);
    const sim = simulateRegimen(binderOf(model), { theta: thetaOf(model), omega, sigma: diag(0.01) },
      { regimen: parseRegimen('100 mg iv'), doseTargets: { iv: 1 }, times: Float64Array.of(1) }, emptyPopulation(n), { seed: 8 });
    let c = 0;
    for (let i = 0; i < n; i++) c += sim.eta[2 * i]! * sim.eta[2 * i + 1]!;
    c /= n;
    // SE of the sample covariance: √((ω₁₁ω₂₂ + ω₁₂²)/n).
    expect(Math.abs(c - 0.03)).toBeLessThan(4 * Math.sqrt((0.09 * 0.04 + 0.03 ** 2) / n));
    const degenerate = simulateRegimen(binderOf(model), { theta: thetaOf(model), omega: diag(0.09, 0), sigma: diag(0.01) },
      { regimen: parseRegimen('100 mg iv'), doseTargets: { iv: 1 }, times: Float64Array.of(1) }, emptyPopulation(50), { seed: 8 });
    for (let i = 0; i < 50; i++) expect(degenerate.eta[2 * i + 1]).toBe(0);
    expect(() => simulateRegimen(binderOf(model), { theta: thetaOf(model), omega: Float64Array.of(0.09, 0.1, 0.1, 0.04), sigma: diag(0.01) },
      { regimen: parseRegimen('100 mg iv'), doseTargets: { iv: 1 }, times: Float64Array.of(1) }, emptyPopulation(5), { seed: 8 }))
      .toThrow(/OMEGA is not positive semi-definite/);
  });
});

describe('reproducibility by seed', () => {
  const model = oneCompartment('iv', 'proportional', true);
  const run = (n: number, seed: number, chunkSize?: number) => {
    const pop = drawPopulation([{ name: 'WT', distribution: { kind: 'lognormal', median: 70, sdLog: 0.2, lower: 40, upper: 150 } }], n, seed);
    return simulateRegimen(binderOf(model), { theta: thetaOf(model), omega: diag(0.09, 0.04), sigma: diag(0.01) },
      { regimen: parseRegimen('100 mg iv q12h x3'), doseTargets: { iv: 1 }, times: parseTimes('2-36 by 2'), window: { start: 24, end: 36 } },
      pop, { seed, ...(chunkSize !== undefined ? { chunkSize } : {}) });
  };
  test('same seed, identical output; another seed, another output', () => {
    const a = run(40, 11), b = run(40, 11), c = run(40, 12);
    expect(Array.from(a.dv)).toEqual(Array.from(b.dv));
    expect(Array.from(a.metrics!)).toEqual(Array.from(b.metrics!));
    expect(Array.from(a.eta)).toEqual(Array.from(b.eta));
    expect(Array.from(a.dv)).not.toEqual(Array.from(c.dv));
  });
  test('covariates the model does not read do not change the result, and share one bound subject', () => {
    const plain = oneCompartment('iv');
    const pop = drawPopulation([{ name: 'AGE', distribution: { kind: 'uniform', lower: 20, upper: 80 } }], 30, 2);
    const go = (modelCovariates?: string[]) => simulateRegimen(binderOf(plain), { theta: thetaOf(plain), omega: diag(0.09, 0.04), sigma: diag(0.01) },
      { regimen: parseRegimen('100 mg iv'), doseTargets: { iv: 1 }, times: parseTimes('1-12 by 1') }, pop,
      { seed: 2, ...(modelCovariates !== undefined ? { modelCovariates } : {}) });
    const all = go(), used = go([]);
    expect(all.boundSubjects).toBe(30);
    expect(used.boundSubjects).toBe(1);
    expect(Array.from(used.dv)).toEqual(Array.from(all.dv));
  });
  test('the first subjects do not depend on the number of subjects or the chunk size', () => {
    const small = run(25, 7), large = run(60, 7, 7);
    expect(Array.from(large.dv.subarray(0, small.dv.length))).toEqual(Array.from(small.dv));
    expect(Array.from(large.eta.subarray(0, small.eta.length))).toEqual(Array.from(small.eta));
  });
});
