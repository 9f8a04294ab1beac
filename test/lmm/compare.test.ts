import { describe, expect, it } from 'vitest';
import { intraclassCorrelation, likelihoodRatioTest } from '../../src/lmm/compare.js';
import { chiSquarePValue } from '../../src/stats/chi-square.js';
import { normalCdf, normalQuantile } from '../../src/stats/normal.js';
import { fitLmm } from '../../src/lmm/fit.js';
import { frameOf, lme4Reference, relErr } from '../support/lmm.js';

describe('likelihood-ratio test', () => {
  // Source: Bates, Mächler, Bolker, Walker (2015), J Stat Softw 67(1), section 5 (lme4's
  // anova(fm1, fm2) for sleepstudy, models refitted by ML): fm2 (uncorrelated) AIC 1762.0,
  // BIC 1777.97, logLik −876.00; χ² = 0.0639 on 1 df, p = 0.8004. The ML deviance of fm1 is
  // 1751.939 (lme4 1.1.31, reference_values.json). Tolerances: the printed digits.
  const small = fitLmm(frameOf('sleepstudy.csv', 'Reaction ~ Days + (Days || Subject)'));
  const big = fitLmm(frameOf('sleepstudy.csv', 'Reaction ~ Days + (Days | Subject)'));
  it('refits REML fits by ML, as lme4 anova does', () => {
    const t = likelihoodRatioTest(small, big);
    expect(t.refitted).toBe(true);
    expect(t.small.reml).toBe(false);
    expect(Math.abs(t.chisq - 0.0639)).toBeLessThan(5e-5);
    expect(t.df).toBe(1);
    expect(Math.abs(t.p - 0.8004)).toBeLessThan(5e-5);
    expect(Math.abs(t.devianceBig - lme4Reference('lmm_sleepstudy_ml').deviance)).toBeLessThan(1e-6);
    expect(Math.abs(t.small.aic - 1762.0)).toBeLessThan(0.05);
    expect(Math.abs(t.small.bic - 1777.97)).toBeLessThan(0.005);
    expect(Math.abs(t.small.logLik - -876.00)).toBeLessThan(0.005);
  });
  it('refuses to compare REML fits with different fixed effects without refitting', () => {
    const noSlope = fitLmm(frameOf('sleepstudy.csv', 'Reaction ~ 1 + (Days | Subject)'));
    expect(() => likelihoodRatioTest(noSlope, big, { refit: false })).toThrow(/different fixed effects/);
    // Same fixed effects: the REML criteria are comparable.
    const t = likelihoodRatioTest(small, big, { refit: false });
    expect(t.refitted).toBe(false);
    expect(t.chisq).toBeCloseTo(small.deviance - big.deviance, 10);
  });
  it('p-value is the χ² upper tail of the deviance difference', () => {
    const a = fitLmm(frameOf('sleepstudy.csv', 'Reaction ~ 1 + (1 | Subject)'), { reml: false });
    const b = fitLmm(frameOf('sleepstudy.csv', 'Reaction ~ Days + (1 | Subject)'), { reml: false });
    const t = likelihoodRatioTest(a, b);
    expect(t.refitted).toBe(false);
    expect(t.chisq).toBeCloseTo(a.deviance - b.deviance, 10);
    expect(t.p).toBeCloseTo(chiSquarePValue(t.chisq, 1), 15);
  });
});

describe('intraclass correlation', () => {
  // Source: the variance components of lme4 1.1.31's penicillin fit (reference_values.json),
  // σ²_g / (σ²_plate + σ²_sample + σ²). Tolerance 1e-4 relative.
  it('penicillin (1 | plate) + (1 | sample)', () => {
    const ref = lme4Reference('lmm_penicillin_crossed_reml');
    const v = ref.varcomp;
    const total = v['plate:(Intercept):'] + v['sample:(Intercept):'] + v['Residual:NA:'];
    const icc = intraclassCorrelation(fitLmm(frameOf('penicillin.csv', ref.formula)));
    expect(relErr(icc.find((x) => x.group === 'plate')!.icc, v['plate:(Intercept):'] / total)).toBeLessThan(1e-4);
    expect(relErr(icc.find((x) => x.group === 'sample')!.icc, v['sample:(Intercept):'] / total)).toBeLessThan(1e-4);
  });
  it('refuses a model with random slopes', () => {
    expect(() => intraclassCorrelation(fitLmm(frameOf('sleepstudy.csv', 'Reaction ~ Days + (Days | Subject)')))).toThrow(/random intercepts only/);
  });
});

describe('distribution functions', () => {
  // Source: R 4.x qnorm(0.975) = 1.959963984540054, pnorm(-1.96) = 0.02499789514822,
  // qchisq(0.95, 1) = 3.841458820694124, pchisq(152.233, 12, lower.tail = FALSE) = 1.99677e-26.
  it('match R', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 9);
    expect(normalCdf(-1.96)).toBeCloseTo(0.02499789514822, 13);
    expect(chiSquarePValue(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    expect(relErr(chiSquarePValue(152.233, 12), 1.99677e-26)).toBeLessThan(1e-4);
  });
});
