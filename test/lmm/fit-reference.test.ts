import { describe, expect, it } from 'vitest';
import { fitLmm } from '../../src/lmm/fit.js';
import type { LmmFit } from '../../src/lmm/fit-types.js';
import { frameOf, lme4Reference, relErr, type Lme4Reference } from '../support/lmm.js';

// Source: R lme4 1.1.31, lmer() (reference/reference_values.json).
// Tolerances: fixed effects, standard errors, variance components and σ to 1e-4 relative;
// logLik to 1e-6 absolute. lme4 stops its optimizer (NLopt BOBYQA) at a tolerance that leaves
// its variance components a few 1e-5 (relative) from the optimum; popkit's fits reach a
// log-likelihood at least as high as lme4's, which the last check of each case asserts.

/** The fit's value for an lme4 varcomp key "group:name1:name2" ("Residual:NA:" for σ²). */
function varcompOf(fit: LmmFit, key: string): number {
  const [group, name1, name2] = key.split(':');
  if (group === 'Residual') return fit.sigma ** 2;
  const g = group.replace(/\.\d+$/, ''); // lme4 names a second term on the same factor "Subject.1"
  const row = fit.varcomp.find((v) => v.group === g && v.name1 === name1 && v.name2 === (name2 === '' ? null : name2));
  if (!row) throw new Error(`no variance component ${key}`);
  return row.variance;
}

function checkAgainst(ref: Lme4Reference, file: string): LmmFit {
  const fit = fitLmm(frameOf(file, ref.formula), { reml: ref.REML });
  expect(fit.nobs).toBe(ref.nobs);
  expect(fit.reml).toBe(ref.REML);
  expect(fit.optimization.converged).toBe(true);
  expect(fit.optimization.warnings).toEqual([]);
  for (const [name, value] of Object.entries(ref.fixef)) {
    const f = fit.fixef.find((x) => x.name === name)!;
    expect(relErr(f.estimate, value)).toBeLessThan(1e-4);
    expect(relErr(f.se, ref.se[name])).toBeLessThan(1e-4);
  }
  for (const [key, value] of Object.entries(ref.varcomp)) expect(relErr(varcompOf(fit, key), value)).toBeLessThan(1e-4);
  expect(relErr(fit.sigma, ref.sigma)).toBeLessThan(1e-4);
  expect(Math.abs(fit.logLik - ref.logLik)).toBeLessThan(1e-6);
  expect(fit.logLik).toBeGreaterThanOrEqual(ref.logLik - 1e-9);
  expect(Math.abs(fit.deviance - ref.deviance)).toBeLessThan(2e-6);
  expect(Math.abs(fit.aic - ref.AIC)).toBeLessThan(2e-6);
  expect(Math.abs(fit.bic - ref.BIC)).toBeLessThan(2e-6);
  return fit;
}

describe('fitLmm against lme4 1.1.31', () => {
  it('sleepstudy Reaction ~ Days + (Days | Subject), REML, with the BLUP of subject 308', () => {
    const ref = lme4Reference('lmm_sleepstudy_reml');
    const fit = checkAgainst(ref, 'sleepstudy.csv');
    const re = fit.ranef[0];
    const l = re.levels.indexOf('308');
    expect(relErr(re.values[l * 2], ref.blup_subject_308!['(Intercept)'])).toBeLessThan(1e-4);
    expect(relErr(re.values[l * 2 + 1], ref.blup_subject_308!.Days)).toBeLessThan(1e-4);
    const corr = fit.varcomp.find((v) => v.name2 === 'Days')!;
    const v = ref.varcomp;
    expect(relErr(corr.corr!, v['Subject:(Intercept):Days'] / Math.sqrt(v['Subject:(Intercept):'] * v['Subject:Days:']))).toBeLessThan(1e-4);
  });
  it('sleepstudy (Days | Subject), ML', () => {
    checkAgainst(lme4Reference('lmm_sleepstudy_ml'), 'sleepstudy.csv');
  });
  it('sleepstudy (1 | Subject) + (0 + Days | Subject), REML', () => {
    checkAgainst(lme4Reference('lmm_sleepstudy_uncorr_reml'), 'sleepstudy.csv');
  });
  it('penicillin diameter ~ 1 + (1 | plate) + (1 | sample), REML (crossed)', () => {
    const fit = checkAgainst(lme4Reference('lmm_penicillin_crossed_reml'), 'penicillin.csv');
    expect(fit.groups).toEqual([{ group: 'plate', levels: 24 }, { group: 'sample', levels: 6 }]);
  });
  it('orthodont distance ~ age * Sex + (age | Subject), ML (interaction with a factor)', () => {
    const fit = checkAgainst(lme4Reference('lmm_orthodont_ml'), 'orthodont.csv');
    expect(fit.fixef.map((f) => f.name)).toEqual(['(Intercept)', 'age', 'SexMale', 'age:SexMale']);
  });
  it('fitted values and residuals add up to the response; t = estimate / se', () => {
    const fit = fitLmm(frameOf('sleepstudy.csv', 'Reaction ~ Days + (Days | Subject)'));
    for (let i = 0; i < fit.nobs; i++) expect(fit.fitted[i] + fit.residuals[i]).toBeCloseTo(fit.frame.y[i], 9);
    for (const f of fit.fixef) expect(f.t).toBeCloseTo(f.estimate / f.se, 12);
    // Subject 308 at Days 0: lme4's (Intercept) 251.405105 plus its BLUP 2.258551 = 253.663656.
    expect(fit.fitted[0]).toBeCloseTo(253.663656, 3);
  });
  it('the optimization record starts at the chosen θ and ends at the optimum', () => {
    const fit = fitLmm(frameOf('sleepstudy.csv', 'Reaction ~ Days + (Days | Subject)'));
    const o = fit.optimization;
    expect(o.thetaNames).toEqual(['Subject.(Intercept)', 'Subject.Days.(Intercept)', 'Subject.Days']);
    expect(o.history.length).toBe(o.evaluations);
    const best = Math.min(...o.history.map((h) => h.objective));
    expect(o.objectiveEnd).toBeCloseTo(best, 9);
    expect(o.maxScaledGradient!).toBeLessThan(2e-3);
    expect(o.hessianPositiveDefinite).toBe(true);
    expect(o.singular).toBe(false);
  });
});
