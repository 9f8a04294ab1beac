/**
 * ε shrinkage per ε, as NONMEM 7 reports EPSSHRINKSD/VR for each EPS(k): IWRES_j =
 * (DV_j − IPRED_j)/√(h_jᵀ Σ h_j) counts for ε_k wherever h_jk = ∂y_j/∂ε_k ≠ 0 (R. J. Bauer on
 * NMusers, "Epsilon shrinkage and IWRES", 22 Sep 2011), and shrinkage_k = 1 − SD of those IWRES.
 * One ε: against NONMEM 7's pheno_real EPSSHRINKSD (21.198%, reference/reference_values.json),
 * 0.2 points. Several ε: against the same definition computed here from the fit's DV, IPRED
 * and Σ, with h written out by hand for the model below, 1e-12.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseDataset } from '../../src/data/dataset.js';
import { fitPopulation } from '../../src/estimation/fit.js';
import { bindModel } from '../../src/subject/bind.js';
import { defineModel } from '../../src/model/define.js';
import { fitResultToJson } from '../../src/report/fit-json.js';
import { formatFitSummary } from '../../src/report/fit-summary.js';
import { randomStream } from '../../src/stats/random.js';
import { phenoModel } from '../support/estimation-models.js';

const reference = JSON.parse(readFileSync(new URL('../../reference/reference_values.json', import.meta.url), 'utf8'));

function sampleVariance(v: readonly number[]): number {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1);
}

describe('one ε: pheno FOCE-I', () => {
  const fit = fitPopulation(phenoModel(), { method: 'focei', covariance: 'none', npdeSamples: 0 });
  test('the per-ε figure is the pooled IWRES figure (bit for bit) and NONMEM 7 EPSSHRINKSD within 0.2 points', () => {
    expect(fit.shrinkage.epsSdPerEps.length).toBe(1);
    expect(fit.shrinkage.epsSdPerEps[0]).toBe(fit.shrinkage.epsSd);
    expect(fit.shrinkage.epsVariancePerEps[0]).toBe(fit.shrinkage.epsVariance);
    const nm = reference.pheno_focei_nonmem.shrinkage_sd_percent.eps;
    expect(Math.abs(100 * fit.shrinkage.epsSdPerEps[0] - nm)).toBeLessThan(0.2);
    // Variance form from the SD form: 1 − (1 − s)².
    expect(fit.shrinkage.epsVariancePerEps[0]).toBeCloseTo(1 - (1 - fit.shrinkage.epsSd) ** 2, 12);
  });
});

/**
 * A PK/PD model with three ε: the concentration CP with a combined error CP + ε_add + CP·ε_prop
 * (h = [1, CP, 0]; one sample per subject is taken before the dose, where CP = 0 and so
 * h_prop = 0), and an effect E with an additive ε_e (h = [0, 0, 1]) selected by DVID.
 */
describe('three ε: combined error on a concentration, additive error on an effect', () => {
  const truth = { TCL: 2, V: 20, E0: 100, EC50: 5, omegaCl: 0.1, sigma: [0.01, 0.02, 4] };
  const cpTimes = [0.5, 2, 4, 8, 12];
  const eTimes = [2, 6, 12];
  const rng = randomStream(20240611, 0);
  const rows = ['ID,TIME,AMT,DV,DVID,EVID,MDV'];
  for (let id = 1; id <= 24; id++) {
    const cl = truth.TCL * Math.exp(Math.sqrt(truth.omegaCl) * rng.normal());
    const cp = (t: number): number => (t <= 1 ? 0 : (100 / truth.V) * Math.exp((-cl / truth.V) * (t - 1)));
    const records: [number, string][] = [[1, `${id},1,100,.,cp,1,1`]];
    for (const t of cpTimes) {
      const c = cp(t);
      const y = c + Math.sqrt(truth.sigma[0]) * rng.normal() + c * Math.sqrt(truth.sigma[1]) * rng.normal();
      records.push([t, `${id},${t},0,${y},cp,0,0`]);
    }
    for (const t of eTimes) {
      const c = cp(t);
      const y = truth.E0 * (1 - c / (c + truth.EC50)) + Math.sqrt(truth.sigma[2]) * rng.normal();
      records.push([t, `${id},${t},0,${y},pca,0,0`]);
    }
    records.sort((a, b) => a[0] - b[0]);
    rows.push(...records.map((r) => r[1]));
  }
  const model = defineModel({
    name: 'pkpd3eps', covariates: ['DVID'], theta: { TCL: 2, E0: 100, EC50: 5 }, omega: { eta_CL: 0.1 },
    sigma: { eps_add: 0.01, eps_prop: 0.02, eps_e: 4 },
    individual: { CL: 'TCL * exp(eta_CL)', V: '20' }, structure: '1cmt iv',
    observe: {
      outputs: { CP: 'central / V', E: 'E0 * (1 - CP / (CP + EC50))' },
      rules: [
        { error: 'combined_variance(CP, eps_add, eps_prop)', when: 'DVID == "cp"' },
        { error: 'additive(E, eps_e)', when: 'DVID == "pca"' },
      ],
    },
  });
  const data = parseDataset(rows.join('\n') + '\n', 'pkpd3eps.csv');
  const fit = fitPopulation(bindModel(model, data), { method: 'focei', covariance: 'none', npdeSamples: 0 });

  // Independent computation: IWRES from DV, IPRED, Σ and h written out for this model.
  const isCp = fit.subjects.map((s) => Array.from(s.obsRecords, (r) => data.covariate('DVID', r) === 'cp'));
  const attributed: number[][] = [[], [], []];
  fit.subjects.forEach((s, i) => {
    for (let j = 0; j < s.dv.length; j++) {
      const h = isCp[i]![j] ? [1, s.ipred[j], 0] : [0, 0, 1];
      let r = 0;
      for (let k = 0; k < 3; k++) for (let l = 0; l < 3; l++) r += h[k]! * fit.sigma[k * 3 + l]! * h[l]!;
      const iwres = (s.dv[j] - s.ipred[j]) / Math.sqrt(r);
      expect(iwres).toBeCloseTo(s.iwres[j], 12);
      h.forEach((hk, k) => { if (hk !== 0) attributed[k]!.push(iwres); });
    }
  });

  test('the fit converged and the data set has the intended design', () => {
    expect(fit.converged).toBe(true);
    // 24 subjects × 5 CP samples (one before the dose) for ε_add, 24 × 4 for ε_prop, 24 × 3 for ε_e.
    expect(attributed.map((a) => a.length)).toEqual([120, 96, 72]);
  });

  test('each ε: 1 − SD and 1 − Var of the IWRES of the observations that depend on it (1e-12)', () => {
    attributed.forEach((values, k) => {
      const v = sampleVariance(values);
      expect(fit.shrinkage.epsSdPerEps[k]).toBeCloseTo(1 - Math.sqrt(v), 12);
      expect(fit.shrinkage.epsVariancePerEps[k]).toBeCloseTo(1 - v, 12);
    });
    // ε_add and ε_prop differ only through the pre-dose samples; ε_e sees only the effect.
    expect(fit.shrinkage.epsSdPerEps[0]).not.toBe(fit.shrinkage.epsSdPerEps[1]);
    const pooled = sampleVariance(attributed[0]!.concat(attributed[2]!));
    expect(fit.shrinkage.epsSd).toBeCloseTo(1 - Math.sqrt(pooled), 12);
  });

  test('fit.json and the summary report one figure per ε, by name, in percent', () => {
    const json = fitResultToJson(fit) as { shrinkage: Record<string, Record<string, number> | number> };
    const sd = json.shrinkage.eps_sd_percent_per_eps as Record<string, number>;
    const vr = json.shrinkage.eps_variance_percent_per_eps as Record<string, number>;
    expect(Object.keys(sd)).toEqual(['eps_add', 'eps_prop', 'eps_e']);
    ['eps_add', 'eps_prop', 'eps_e'].forEach((name, k) => {
      expect(sd[name]).toBeCloseTo(100 * fit.shrinkage.epsSdPerEps[k], 10);
      expect(vr[name]).toBeCloseTo(100 * fit.shrinkage.epsVariancePerEps[k], 10);
    });
    expect(json.shrinkage.eps_sd_percent).toBeCloseTo(100 * fit.shrinkage.epsSd, 10);
    const line = formatFitSummary(fit).split('\n').find((l) => l.startsWith('EPS SHRINKAGE'))!;
    expect(line).toBe(`EPS SHRINKAGE (SD / variance): ${['eps_add', 'eps_prop', 'eps_e'].map((n, k) =>
      `${n} ${(100 * fit.shrinkage.epsSdPerEps[k]).toFixed(1)}% / ${(100 * fit.shrinkage.epsVariancePerEps[k]).toFixed(1)}%`).join(', ')}`);
  });
});

describe('an ε that no observation depends on', () => {
  test('its shrinkage is undefined (NaN, null in fit.json) and the fit says why', () => {
    const model = defineModel({
      name: 'unused-eps', covariates: ['DVID'], theta: { TCL: 2 }, omega: { eta_CL: 0.1 }, sigma: { eps_cp: 0.04, eps_e: 4 },
      individual: { CL: 'TCL * exp(eta_CL)', V: '20' }, structure: '1cmt iv',
      observe: {
        outputs: { CP: 'central / V', E: '100 - CP' },
        rules: [{ error: 'proportional(CP, eps_cp)', when: 'DVID == "cp"' }, { error: 'additive(E, eps_e)', when: 'DVID == "pca"' }],
      },
    });
    const rows = ['ID,TIME,AMT,DV,DVID,EVID,MDV'];
    [[1, 4.1, 2.9], [2, 3.6, 2.2], [3, 4.4, 3.1]].forEach(([id, a, b]) => {
      rows.push(`${id},0,100,.,cp,1,1`, `${id},2,0,${a},cp,0,0`, `${id},6,0,${b},cp,0,0`);
    });
    const fit = fitPopulation(bindModel(model, parseDataset(rows.join('\n') + '\n', 'unused.csv')),
      { method: 'focei', maxIterations: 0, covariance: 'none', npdeSamples: 0 });
    expect(Number.isFinite(fit.shrinkage.epsSdPerEps[0])).toBe(true);
    expect(fit.shrinkage.epsSdPerEps[0]).toBe(fit.shrinkage.epsSd);
    expect(Number.isNaN(fit.shrinkage.epsSdPerEps[1])).toBe(true);
    expect(fit.warnings.some((w) => w.includes('EPS shrinkage of eps_e is undefined'))).toBe(true);
    const json = fitResultToJson(fit) as { shrinkage: { eps_sd_percent_per_eps: Record<string, number | null> } };
    expect(json.shrinkage.eps_sd_percent_per_eps.eps_e).toBeNull();
  });
});
