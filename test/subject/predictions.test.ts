/**
 * Predictions of bound models against hand calculations: pheno at NONMEM's final estimates
 * (1-compartment bolus superposition), time-varying covariates under both rules, string
 * categories, initial conditions, error models (f and h = ∂y/∂ε), observation selection.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../../src/data/dataset.js';
import { bindModel } from '../../src/subject/bind.js';
import { defineModel } from '../../src/model/define.js';
import { loadModelFile, readModelDataset } from '../../src/io/model-file.js';
import { parseModel } from '../../src/model/parse.js';

/** NONMEM 7 FOCE-I final estimates of pheno_real (reference_values.json, nonmem_pheno_real.ext). */
const PHENO_FINAL = Float64Array.of(0.00469555, 0.984258, 0.15892);

function close(actual: number, expected: number, relative: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.abs(expected));
}

describe('pheno at NONMEM\'s final estimates (theta 0.00469555, 0.984258, 0.15892; eta 0)', () => {
  const model = loadModelFile('models/pheno.pkm');
  const dataset = readModelDataset(model);
  const bound = bindModel(model, dataset);
  const eta = new Float64Array(2);

  it('subject 19 (1 kg, APGR 1): first concentration by hand', () => {
    // CL = 0.00469555·1 L/h, V = 0.984258·1·(1 + 0.15892) = 1.140676281 L, k = CL/V;
    // doses 10 mg at 0 h and 4 h, observed at 9.5 h: C = 10/V·(e^(−9.5k) + e^(−5.5k)) = 17.0009868 mg/L.
    const s = bound.subjects.find((x) => x.id === '19')!;
    const f = new Float64Array(s.nObs), h = new Float64Array(s.nObs);
    expect(s.evaluate(PHENO_FINAL, eta, f, h)).toBe(true);
    close(f[0]!, 17.000986752357072, 1e-12);
    close(h[0]!, f[0]!, 1e-15); // proportional error: h = f
  });

  it('every subject equals the 1-compartment bolus superposition Σ AMT/V·exp(−CL/V·(t − t_dose)) to 1e-12', () => {
    let checked = 0;
    for (const s of bound.subjects) {
      const recs = dataset.subjects.find((x) => x.id === s.id)!.recordIndices;
      const first = dataset.records[recs[0]!]!;
      const wt = dataset.covariate('WT', first.index) as number, apgr = dataset.covariate('APGR', first.index) as number;
      const cl = PHENO_FINAL[0]! * wt, v = PHENO_FINAL[1]! * wt * (apgr < 5 ? 1 + PHENO_FINAL[2]! : 1);
      const f = new Float64Array(s.nObs), h = new Float64Array(s.nObs);
      expect(s.evaluate(PHENO_FINAL, eta, f, h)).toBe(true);
      s.obsRecords.forEach((r, j) => {
        const t = dataset.records[r]!.time;
        let c = 0;
        for (const q of recs) {
          const rec = dataset.records[q]!;
          if (rec.evid === 1 && rec.time <= t) c += (rec.amt / v) * Math.exp((-cl / v) * (t - rec.time));
        }
        close(f[j]!, c, 1e-12);
        checked++;
      });
    }
    expect(checked).toBe(155);
  });

  it('reports the individual parameters', () => {
    const s = bound.subjects.find((x) => x.id === '19')!;
    const out = new Float64Array(4);
    s.individualParameters!(PHENO_FINAL, Float64Array.of(0.2, -0.1), out);
    close(out[2]!, 0.00469555 * Math.exp(0.2), 1e-15);
    close(out[3]!, 0.984258 * 1.15892 * Math.exp(-0.1), 1e-15);
  });
});

describe('time-varying covariates', () => {
  // CL = 0.1·WT (L/h), V = 10 L; 100 mg at 0 h (WT 1), WT 2 from a record at 5 h, WT 3 at the observation at 10 h.
  const data = 'ID,TIME,AMT,DV,WT,EVID,MDV\n1,0,100,.,1,1,1\n1,5,0,.,2,2,1\n1,10,0,1,3,0,0\n';
  const dataset = parseDataset(data, 'tv.csv');
  const spec = {
    name: 'tv', covariates: ['WT'], theta: { TCL: 0.1 }, omega: { eta_CL: 0.1 }, sigma: { eps: 0.01 },
    individual: { CL: 'TCL * WT * exp(eta_CL)', V: '10' }, structure: '1cmt iv',
    observe: { outputs: { CP: 'central / V' }, rules: ['proportional(CP, eps)'] },
  } as const;
  const theta = Float64Array.of(0.1), eta = new Float64Array(1);
  const predict = (rule: 'nocb' | 'locf'): number => {
    const s = bindModel(defineModel({ ...spec, timeVarying: rule }), dataset).subjects[0]!;
    expect(s.constant).toBe(false);
    const f = new Float64Array(1), h = new Float64Array(1);
    expect(s.evaluate(theta, eta, f, h)).toBe(true);
    return f[0]!;
  };

  it("nocb (NONMEM): the interval ending at a record uses that record's value", () => {
    close(predict('nocb'), (100 / 10) * Math.exp(-0.2 / 10 * 5) * Math.exp(-0.3 / 10 * 5), 1e-12);
  });

  it("locf: the interval ending at a record uses the previous record's value", () => {
    close(predict('locf'), (100 / 10) * Math.exp(-0.1 / 10 * 5) * Math.exp(-0.2 / 10 * 5), 1e-12);
  });

  it('subjects whose covariates do not change are evaluated once', () => {
    const flat = parseDataset('ID,TIME,AMT,DV,WT,EVID,MDV\n1,0,100,.,2,1,1\n1,10,0,1,2,0,0\n', 'flat.csv');
    expect(bindModel(defineModel(spec), flat).subjects[0]!.constant).toBe(true);
  });
});

describe('categorical covariates with string categories (CYP2D6 PM/IM/EM/UM)', () => {
  it('one factor per non-reference category, 1 for the reference and unknown categories', () => {
    const model = defineModel({
      name: 'cyp', covariates: ['CYP2D6'], theta: { TCL: 2, CL_PM: -0.7, CL_IM: -0.3, CL_UM: 0.5 },
      omega: { eta_CL: 0.1 }, sigma: { eps: 0.01 },
      individual: { TVCL: 'TCL', CL: 'TVCL * exp(eta_CL)', V: '10' },
      effects: [{ parameter: 'CL', covariate: 'CYP2D6', form: 'categorical', reference: 'EM', categories: ['PM', 'IM', 'UM'], thetas: ['CL_PM', 'CL_IM', 'CL_UM'] }],
      structure: '1cmt iv', observe: { outputs: { CP: 'central / V' }, rules: ['proportional(CP, eps)'] },
    });
    const rows = ['PM', 'IM', 'EM', 'UM'].map((g, i) => `${i + 1},0,100,.,${g},1,1\n${i + 1},1,0,5,${g},0,0`).join('\n');
    const bound = bindModel(model, parseDataset(`ID,TIME,AMT,DV,CYP2D6,EVID,MDV\n${rows}\n`, 'cyp.csv'));
    const theta = Float64Array.of(2, -0.7, -0.3, 0.5);
    const expected = [2 * 0.3, 2 * 0.7, 2, 2 * 1.5];
    bound.subjects.forEach((s, i) => {
      const out = new Float64Array(3);
      s.individualParameters!(theta, new Float64Array(1), out);
      close(out[1]!, expected[i]!, 1e-15);
    });
  });
});

describe('error models: f and h = ∂y/∂ε at ε = 0', () => {
  const base = readFileSync('models/wang2007_additive.pkm', 'utf8');
  const dataset = parseDataset('ID,TIME,DV\n1,2,3\n', 'one.csv');
  const evaluate = (rule: string, sigma: string, extraTheta = ''): { f: number; h: number[] } => {
    const text = base.replace('DV ~ additive(IPRED, eps_add)', rule).replace('theta\n', `theta\n${extraTheta}`)
      .replace('  eps_add ~ 0.1\n', sigma);
    const m = parseModel(text, 'models/err.pkm');
    const bound = bindModel(m, dataset);
    const s = bound.subjects[0]!;
    const f = new Float64Array(1), h = new Float64Array(bound.nEps);
    expect(s.evaluate(Float64Array.from(m.theta.map((t) => t.init)), new Float64Array(1), f, h)).toBe(true);
    return { f: f[0]!, h: Array.from(h) };
  };
  const ipred = 10 * Math.exp(-0.5 * 2);

  it('combined variance sum: y = f + ε_add + f ε_prop', () => {
    const r = evaluate('DV ~ combined_variance(IPRED, eps_add, eps_prop)', '  eps_add ~ 0.1\n  eps_prop ~ 0.04\n');
    close(r.f, ipred, 1e-15);
    expect(r.h).toEqual([1, r.f]);
  });

  it('combined SD sum: y = f + (A + B f) ε', () => {
    const r = evaluate('DV ~ combined_sd(IPRED, A, B, eps)', '  eps ~ 1 FIX\n', '  A = 0.3\n  B = 0.2\n');
    close(r.h[0]!, 0.3 + 0.2 * ipred, 1e-14);
  });

  it("a user residual SD (NONMEM's W = SQRT(A² + (B·F)²))", () => {
    const r = evaluate('DV ~ residual_sd(IPRED, sqrt(A^2 + (B * IPRED)^2), eps)', '  eps ~ 1 FIX\n', '  A = 0.3\n  B = 0.2\n');
    close(r.h[0]!, Math.sqrt(0.09 + 0.04 * ipred * ipred), 1e-14);
  });

  it('an expression in ε, linearized: y = f·exp(ε) gives h = f', () => {
    const r = evaluate('DV ~ IPRED * exp(eps)', '  eps ~ 0.04\n');
    close(r.f, ipred, 1e-15);
    close(r.h[0]!, ipred, 1e-15);
  });

  it('exponential: log(DV) observed, f = log(prediction), h = 1', () => {
    const m = parseModel(base.replace('DV ~ additive(IPRED, eps_add)', 'DV ~ exponential(IPRED, eps_add)'), 'models/exp.pkm');
    const s = bindModel(m, dataset).subjects[0]!;
    const f = new Float64Array(1), h = new Float64Array(1);
    expect(s.evaluate(Float64Array.of(0.5), new Float64Array(1), f, h)).toBe(true);
    close(f[0]!, Math.log(ipred), 1e-15);
    expect(h[0]).toBe(1);
    close(s.dv[0]!, Math.log(3), 1e-15);
  });
});

describe('observations, initial conditions, models without compartments', () => {
  it('warfarin observes only the dvid "cp" records (the PCA records are ignored)', () => {
    const model = loadModelFile('models/warfarin.pkm');
    const bound = bindModel(model, readModelDataset(model));
    const lines = readFileSync('datasets/warfarin.csv', 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const cp = lines.filter((c) => c[4] === 'cp' && c[5] === '0').length;
    expect(bound.subjects.reduce((n, s) => n + s.nObs, 0)).toBe(cp);
  });

  it('an initial amount central(0) = A0 with no dose: C(t) = A0/V·exp(−CL/V·t)', () => {
    const model = defineModel({
      name: 'init', theta: { A0: 50, TCL: 2 }, omega: { eta_CL: 0.1 }, sigma: { eps: 0.01 },
      individual: { CL: 'TCL * exp(eta_CL)', V: '20' }, structure: '1cmt iv', dosing: { 'central(0)': 'A0' },
      observe: { outputs: { CP: 'central / V' }, rules: ['proportional(CP, eps)'] },
    });
    const s = bindModel(model, parseDataset('ID,TIME,DV\n1,0,1\n1,3,1\n', 'i.csv')).subjects[0]!;
    const f = new Float64Array(2), h = new Float64Array(2);
    expect(s.evaluate(Float64Array.of(50, 2), new Float64Array(1), f, h)).toBe(true);
    close(f[0]!, 2.5, 1e-15);
    close(f[1]!, 2.5 * Math.exp(-0.1 * 3), 1e-13);
  });

  it('wang2007: ipred = 10·exp(−0.5·t) at eta 0 (no doses, no compartments)', () => {
    const model = loadModelFile('models/wang2007_proportional.pkm');
    const bound = bindModel(model, readModelDataset(model));
    expect(bound.subjects).toHaveLength(10);
    const s = bound.subjects[0]!;
    const f = new Float64Array(2), h = new Float64Array(2);
    expect(s.evaluate(Float64Array.of(0.5), new Float64Array(1), f, h)).toBe(true);
    expect(Array.from(s.dv)).toEqual([10.68, 3.6837]);
    close(f[0]!, 10, 1e-15);
    close(f[1]!, 10 * Math.exp(-0.5), 1e-15);
  });

  it('returns false (no prediction) for an invalid volume', () => {
    const model = loadModelFile('models/pheno.pkm');
    const s = bindModel(model, readModelDataset(model)).subjects[0]!;
    const f = new Float64Array(s.nObs), h = new Float64Array(s.nObs);
    expect(s.evaluate(Float64Array.of(0.0047, -1, 0.1), new Float64Array(2), f, h)).toBe(false);
  });

  it('two observed outputs selected by a DVID column, each with its own error model', () => {
    const model = defineModel({
      name: 'pkpd', covariates: ['DVID'], theta: { TCL: 2, E0: 100, EC50: 5 }, omega: { eta_CL: 0.1 },
      sigma: { eps_cp: 0.04, eps_e: 4 },
      individual: { CL: 'TCL * exp(eta_CL)', V: '20' }, structure: '1cmt iv',
      observe: {
        outputs: { CP: 'central / V', E: 'E0 * (1 - CP / (CP + EC50))' },
        rules: [{ error: 'proportional(CP, eps_cp)', when: 'DVID == "cp"' }, { error: 'additive(E, eps_e)', when: 'DVID == "pca"' }],
      },
    });
    const data = 'ID,TIME,AMT,DV,DVID,EVID,MDV\n1,0,100,.,cp,1,1\n1,2,0,4,cp,0,0\n1,2,0,60,pca,0,0\n';
    const s = bindModel(model, parseDataset(data, 'pkpd.csv')).subjects[0]!;
    const f = new Float64Array(2), h = new Float64Array(4);
    expect(s.evaluate(Float64Array.of(2, 100, 5), new Float64Array(1), f, h)).toBe(true);
    const cp = 5 * Math.exp(-0.1 * 2);
    close(f[0]!, cp, 1e-14);
    close(f[1]!, 100 * (1 - cp / (cp + 5)), 1e-14);
    expect(Array.from(h)).toEqual([f[0], 0, 0, 1]);
  });

  it('ODE right-hand sides may read thetas and time directly', () => {
    const model = defineModel({
      name: 'ode', theta: { K: 0.3, R0: 2 }, omega: { eta_V: 0.1 }, sigma: { eps: 0.01 },
      individual: { V: '10 * exp(eta_V)' },
      structure: { odes: { central: 'R0 * exp(-t) - K * central' } },
      observe: { outputs: { CP: 'central / V' }, rules: ['proportional(CP, eps)'] },
    });
    const s = bindModel(model, parseDataset('ID,TIME,DV,AMT,EVID\n1,0,.,50,1\n1,4,3,0,0\n', 'ode.csv')).subjects[0]!;
    const f = new Float64Array(1), h = new Float64Array(1);
    expect(s.evaluate(Float64Array.of(0.3, 2), new Float64Array(1), f, h)).toBe(true);
    // a' = 2e^(−t) − 0.3a, a(0) = 50: a(t) = 50e^(−0.3t) + 2(e^(−0.3t) − e^(−t))/0.7
    const a = 50 * Math.exp(-1.2) + (2 * (Math.exp(-1.2) - Math.exp(-4))) / 0.7;
    close(f[0]!, a / 10, 1e-6);
  });
});
