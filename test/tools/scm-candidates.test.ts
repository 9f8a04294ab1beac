/**
 * Candidate relations of the covariate search: covariate statistics, PsN's parameterizations,
 * bounds, initial estimates, reference categories and degrees of freedom.
 * References: PsN scm (lib/tool/scm.pm get_covariate_theta_bounds_inits; lib/data.pm
 * scm_calculate_*_statistics); pheno_sd.csv per-subject weights (median 1.3 kg, range 0.6–3.6,
 * counted with awk from the file); warfarin: nlmixr2scm's runSCM vignette reports wt median
 * 71.7 (1 decimal), range 40.0–102.0, sex female 5 / male 27.
 */
import { describe, expect, test } from 'vitest';
import { parseDataset } from '../../src/data/dataset.js';
import { readDataset } from '../../src/io/data-files.js';
import { loadModelFile, readModelDataset } from '../../src/io/model-file.js';
import { parseModel } from '../../src/model/parse.js';
import {
  buildRelation, isRelation, relationDegreesOfFreedom, scmCandidates, type ScmRelation,
} from '../../src/tools/scm-candidates.js';
import { addRelation, removeRelation, withEstimates } from '../../src/tools/scm-model.js';
import { scmCategoricalStatistics, scmContinuousStatistics } from '../../src/tools/scm-statistics.js';
import { writeModelFile } from '../../src/model/write.js';
import type { ScmFit } from '../../src/tools/scm-fit.js';

const base = loadModelFile('models/pheno_base.pkm');
const pheno = readModelDataset(base);

describe('covariate statistics (PsN scm rules)', () => {
  test('pheno WT: median over subjects 1.3, min 0.6, max 3.6 (exact)', () => {
    const s = scmContinuousStatistics(pheno, 'WT');
    expect(s).toMatchObject({ kind: 'continuous', column: 'WT', median: 1.3, min: 0.6, max: 3.6, nSubjects: 59, timeVarying: false });
  });

  test('pheno APGR: 10 categories counted per subject; the tie 7/8 (12 subjects) resolves to 7', () => {
    const s = scmCategoricalStatistics(pheno, 'APGR');
    expect(s.categories).toHaveLength(10);
    expect(s.categories.slice(0, 3)).toEqual([{ value: 7, subjects: 12 }, { value: 8, subjects: 12 }, { value: 9, subjects: 9 }]);
    expect(s.categories.reduce((n, c) => n + c.subjects, 0)).toBe(59);
    expect(s.reference).toBe(7);
  });

  test('warfarin (string sex, lower-case headers): wt median 71.65 (vignette 71.7), 40–102; reference male', () => {
    const w = readDataset('datasets/warfarin.csv');
    const wt = scmContinuousStatistics(w, 'wt');
    expect(Math.abs(wt.median - 71.7)).toBeLessThanOrEqual(0.05 + 1e-12);
    expect([wt.min, wt.max, wt.nSubjects]).toEqual([40, 102, 32]);
    const sex = scmCategoricalStatistics(w, 'sex');
    expect(sex.categories).toEqual([{ value: 'male', subjects: 27 }, { value: 'female', subjects: 5 }]);
    expect(sex.reference).toBe('male');
  });

  test('a covariate changing within a subject: the median uses each subject\'s distinct values; min/max all records', () => {
    const text = [
      'ID,TIME,AMT,DV,EVID,MDV,X,G',
      '1,0,10,0,1,1,1,A', '1,1,0,5,0,0,1,A', '1,2,0,4,0,0,3,A',
      '2,0,10,0,1,1,2,B', '2,1,0,5,0,0,2,B',
      '3,0,10,0,1,1,10,B', '3,1,0,5,0,0,10,A',
    ].join('\n');
    const d = parseDataset(text, 'tv.csv');
    const x = scmContinuousStatistics(d, 'X');
    // pooled distinct values {1,3} ∪ {2} ∪ {10} = [1, 2, 3, 10]: median 2.5 (record-wise it would be 2).
    expect(x).toMatchObject({ median: 2.5, min: 1, max: 10, timeVarying: true });
    // PsN's mean: mean of subject means (5/3, 2, 10).
    expect(x.mean).toBeCloseTo((5 / 3 + 2 + 10) / 3, 12);
    const g = scmCategoricalStatistics(d, 'G');
    // A in subjects 1 and 3, B in 2 and 3: a tie, resolved in code-point order.
    expect(g.categories).toEqual([{ value: 'A', subjects: 2 }, { value: 'B', subjects: 2 }]);
    expect(g.reference).toBe('A');
  });

  test('a string column cannot be continuous', () => {
    expect(() => scmContinuousStatistics(readDataset('datasets/warfarin.csv'), 'sex')).toThrow(/non-numeric/);
  });
});

describe('candidate relations on pheno', () => {
  const wt = scmContinuousStatistics(pheno, 'WT');
  const apgr = scmCategoricalStatistics(pheno, 'APGR');
  const rel = (parameter: string, form: Parameters<typeof buildRelation>[3]): ScmRelation => {
    const r = buildRelation(base, parameter, form === 'categorical' ? 'APGR' : 'WT', form, form === 'categorical' ? apgr : wt);
    if (!isRelation(r)) throw new Error(r.reason);
    return r;
  };

  test('linear: centred on the median, slope bounded to (1/(median − max), 1/(median − min)), PsN init', () => {
    const r = rel('CL', 'linear');
    expect(r.effect).toMatchObject({ parameter: 'CL', covariate: 'WT', form: 'linear', reference: 1.3, thetas: ['CL_WT'] });
    const [t] = r.thetas;
    expect(t!.lower).toBeCloseTo(1 / (1.3 - 3.6), 14);
    expect(t!.upper).toBeCloseTo(1 / (1.3 - 0.6), 14);
    // |lower| < |upper|: PsN takes 0.001 × lower.
    expect(t!.init).toBeCloseTo(0.001 / (1.3 - 3.6), 16);
    expect(r.df).toBe(1);
    // The factor stays positive at both ends for any slope inside the bounds.
    for (const slope of [t!.lower * 0.999, t!.upper * 0.999]) {
      expect(1 + slope * (0.6 - 1.3)).toBeGreaterThan(0);
      expect(1 + slope * (3.6 - 1.3)).toBeGreaterThan(0);
    }
  });

  test('piecewise-linear: two slopes, below bounded above by 1/(median − min), above bounded below by 1/(median − max)', () => {
    const r = rel('V', 'piecewise-linear');
    expect(r.effect.thetas).toEqual(['V_WT_below', 'V_WT_above']);
    const [below, above] = r.thetas;
    expect([below!.lower, below!.upper]).toEqual([-Infinity, 1 / (1.3 - 0.6)]);
    expect([above!.lower, above!.upper]).toEqual([1 / (1.3 - 3.6), Infinity]);
    expect(below!.init).toBeCloseTo(0.001 / 0.7, 16);
    expect(above!.init).toBeCloseTo(0.001 / (1.3 - 3.6), 16);
    expect(r.df).toBe(2);
  });

  test('power and exponential: PsN bounds (−100, 100000) and init 0.001', () => {
    for (const form of ['power', 'exponential'] as const) {
      const r = rel('CL', form);
      expect(r.thetas[0]).toMatchObject({ lower: -100, upper: 100000, init: 0.001 });
      expect(r.effect.reference).toBe(1.3);
      expect(r.df).toBe(1);
    }
  });

  test('categorical: most common category as reference, one θ per other category, bounds (−1, 5), df k − 1', () => {
    const r = rel('V', 'categorical');
    expect(r.effect.reference).toBe(7);
    expect(r.effect.categories).toEqual([8, 9, 6, 5, 1, 4, 2, 3, 10]);
    expect(r.effect.thetas[0]).toBe('V_APGR_8');
    expect(r.df).toBe(9);
    for (const t of r.thetas) expect(t).toMatchObject({ lower: -1, upper: 5, init: -0.001 });
  });

  test('degrees of freedom per form', () => {
    expect(['linear', 'piecewise-linear', 'exponential', 'power'].map((f) => relationDegreesOfFreedom(f as never))).toEqual([1, 2, 1, 1]);
    expect(relationDegreesOfFreedom('categorical', 3)).toBe(2);
  });

  test('theta names avoid the model\'s names (pheno.pkm already has CL_WT)', () => {
    const full = loadModelFile('models/pheno.pkm');
    const r = buildRelation(full, 'CL', 'WT', 'linear', wt);
    expect(isRelation(r) && r.thetas[0]!.name).toBe('CL_WT_2');
  });

  test('scmCandidates: PsN default forms, categorical covariates, skipped combinations with reasons', () => {
    const { relations, skipped } = scmCandidates(base, pheno, { parameters: ['CL', 'V'], covariates: ['WT', 'APGR'], categorical: ['APGR'] });
    expect(relations.map((r) => `${r.parameter}-${r.covariate}-${r.form}`)).toEqual([
      'CL-WT-linear', 'CL-WT-piecewise-linear', 'CL-APGR-categorical',
      'V-WT-linear', 'V-WT-piecewise-linear', 'V-APGR-categorical',
    ]);
    expect(skipped).toEqual([]);
    // APGR as continuous: power applies (all values > 0).
    const all = scmCandidates(base, pheno, { parameters: ['CL'], covariates: ['APGR'], forms: ['linear', 'power'] });
    expect(all.relations.map((r) => r.form)).toEqual(['linear', 'power']);
    // A pair the model already relates is not tested.
    const withApgr = addRelation(base, scmCandidates(base, pheno, { parameters: ['V'], covariates: ['APGR'], categorical: ['APGR'] }).relations[0]!);
    const s = scmCandidates(withApgr, pheno, { parameters: ['V'], covariates: ['APGR'], categorical: ['APGR'] });
    expect(s.relations).toEqual([]);
    expect(s.skipped[0]!.reason).toMatch(/already has an effect of APGR on V/);
    expect(() => scmCandidates(base, pheno, { parameters: ['KA'], covariates: ['WT'] })).toThrow(/KA is not defined/);
    expect(() => scmCandidates(base, pheno, { parameters: ['CL'], covariates: ['HT'] })).toThrow(/HT is not a column/);
  });

  test('forms that do not apply are skipped with the reason', () => {
    const text = ['ID,TIME,AMT,DV,EVID,MDV,Z,C', '1,0,1,0,1,1,0,5', '1,1,0,1,0,0,0,5', '2,0,1,0,1,1,1,5', '2,1,0,1,0,0,1,5', '3,0,1,0,1,1,1,5', '3,1,0,1,0,0,1,5'].join('\n');
    const d = parseDataset(text, 'z.csv');
    const m = parseModel(writeModelFile(base).replace('data ../datasets/pheno_sd.csv\n', ''), 'z.pkm');
    const { relations, skipped } = scmCandidates(m, d, { parameters: ['CL'], covariates: ['Z', 'C'], forms: ['linear', 'piecewise-linear', 'power'] });
    expect(relations.map((r) => `${r.covariate}-${r.form}`)).toEqual(['Z-linear']);
    expect(skipped.map((s) => `${s.covariate}-${s.form}`)).toEqual(['Z-piecewise-linear', 'Z-power', 'C-linear', 'C-piecewise-linear', 'C-power']);
    expect(skipped[0]!.reason).toMatch(/median of Z \(1\) equals its maximum/);
    expect(skipped[1]!.reason).toMatch(/values ≤ 0/);
    expect(skipped[2]!.reason).toMatch(/C is constant/);
  });

  test('addRelation / removeRelation / withEstimates keep valid models and PsN bounds', () => {
    const r = rel('CL', 'linear');
    const m1 = addRelation(base, r);
    expect(m1.effects).toHaveLength(1);
    expect(m1.theta.at(-1)).toMatchObject({ name: 'CL_WT', lower: r.thetas[0]!.lower, upper: r.thetas[0]!.upper, init: r.thetas[0]!.init });
    const c = rel('V', 'categorical');
    const m2 = addRelation(m1, c);
    expect(m2.theta).toHaveLength(2 + 1 + 9);
    expect(writeModelFile(m2)).toContain('V ~ categorical(APGR, ref = 7, categories = [8, 9, 6, 5, 1, 4, 2, 3, 10]');
    const m3 = removeRelation(m2, 'CL', 'WT');
    expect(m3.theta.map((t) => t.name)).not.toContain('CL_WT');
    expect(m3.effects.map((e) => e.covariate)).toEqual(['APGR']);
    expect(() => addRelation(m1, r)).toThrow(/already has an effect of WT on CL/);
    // Final estimates become initial estimates; one on its bound is moved inside.
    const fit: ScmFit = {
      ofv: 1, nObs: 155, nParameters: 6, aic: 0, bic: 0, converged: true, status: 'ok',
      thetaNames: ['POP_CL', 'POP_V', 'CL_WT'], theta: [0.0065, 1.4, r.thetas[0]!.upper],
      omegaNames: ['eta_CL', 'eta_V'], omega: [0.05, 0, 0, 0.04], sigmaNames: ['eps_prop'], sigma: [0.02], warnings: [],
    };
    const m4 = withEstimates(m1, fit);
    expect(m4.theta.map((t) => t.init).slice(0, 2)).toEqual([0.0065, 1.4]);
    expect(m4.theta[2]!.init).toBeLessThan(r.thetas[0]!.upper);
    expect(m4.theta[2]!.init).toBeGreaterThan(r.thetas[0]!.upper - 1e-5);
    expect(m4.omega.map((b) => b.lower[0])).toEqual([0.05, 0.04]);
    expect(m4.sigma[0]!.lower[0]).toBe(0.02);
  });
});
