/**
 * Pheno FOCE-I fit against NONMEM 7 (METHOD=1 INTERACTION, $COVARIANCE UNCONDITIONAL default
 * R⁻¹SR⁻¹): reference/reference_values.json `pheno_focei_nonmem`, from
 * nonmem_pheno_real.mod / .ext. Tolerances as required: OFV 0.01, θ and ω 1%, standard errors
 * 5%, shrinkage 2 percentage points.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { fitPopulation } from '../../src/estimation/fit.js';
import { spdInverse } from '../../src/linalg/cholesky.js';
import type { FitResult } from '../../src/estimation/types.js';
import { phenoModel } from '../support/estimation-models.js';

const reference = JSON.parse(readFileSync(new URL('../../reference/reference_values.json', import.meta.url), 'utf8'));
const nm = reference.pheno_focei_nonmem;
const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('pheno FOCE-I vs NONMEM 7', () => {
  let fit: FitResult;
  const bound = phenoModel();
  beforeAll(() => { fit = fitPopulation(bound, { method: 'focei', npdeSamples: 200, seed: 7 }); });

  test('minimization converged with ≥ 3 significant digits', () => {
    expect(fit.converged).toBe(true);
    expect(fit.significantDigits).toBeGreaterThanOrEqual(3);
    expect(fit.iterations).toBeGreaterThan(0);
    expect(fit.optimization.history!.length).toBe(fit.iterations + 1);
  });
  test('OFV 586.276 within 0.01; with constant = OFV + 155·log 2π', () => {
    expect(Math.abs(fit.ofv - nm.ofv)).toBeLessThan(0.01);
    expect(fit.nObs).toBe(155);
    expect(fit.ofvWithConstant - fit.ofv).toBeCloseTo(155 * Math.log(2 * Math.PI), 10);
    expect(Math.abs(fit.ofvWithConstant - 871.147)).toBeLessThan(0.01);
  });
  test('thetas and omegas within 1%', () => {
    const names = ['CL_per_kg', 'V_per_kg', 'APGR_lt5_on_V'];
    names.forEach((n, i) => expect(relErr(fit.theta[i], nm.theta[n])).toBeLessThan(0.01));
    expect(relErr(fit.omega[0], nm.omega_variance.CL)).toBeLessThan(0.01);
    expect(relErr(fit.omega[3], nm.omega_variance.V)).toBeLessThan(0.01);
    expect(relErr(fit.sigma[0], nm.sigma_proportional_variance)).toBeLessThan(0.01);
  });
  test('standard errors (R⁻¹SR⁻¹) within 5% (the required agreement), and in fact within 0.5%', () => {
    const cov = fit.covariance!;
    expect(cov.status).toBe('ok');
    expect(cov.method).toBe('rsr');
    const labels = fit.estimated.map((e) => e.label);
    expect(labels).toEqual(['THETA(1)', 'THETA(2)', 'THETA(3)', 'OMEGA(1,1)', 'OMEGA(2,2)', 'SIGMA(1,1)']);
    const expected = [nm.theta_se.CL_per_kg, nm.theta_se.V_per_kg, nm.theta_se.APGR_lt5_on_V, nm.omega_se.CL, nm.omega_se.V, nm.sigma_se];
    expected.forEach((se, k) => expect(relErr(cov.se![k], se)).toBeLessThan(0.05));
    // With O(h²) second differences throughout, popkit's SEs agree with NONMEM 7's to 0.2%
    // (the largest difference is OMEGA(1,1), 0.17%); 0.5% guards against a regression.
    expected.forEach((se, k) => expect(relErr(cov.se![k], se), fit.estimated[k]!.label).toBeLessThan(0.005));
    expect(cov.conditionNumber!).toBeGreaterThan(1);
    for (let k = 0; k < 6; k++) expect(cov.correlation![k * 6 + k]).toBeCloseTo(1, 12);
  });
  test('shrinkage (SD form) within 2 percentage points', () => {
    expect(Math.abs(100 * fit.shrinkage.etaSd[0] - nm.shrinkage_sd_percent.eta_CL)).toBeLessThan(2);
    expect(Math.abs(100 * fit.shrinkage.etaSd[1] - nm.shrinkage_sd_percent.eta_V)).toBeLessThan(2);
    expect(Math.abs(100 * fit.shrinkage.epsSd - nm.shrinkage_sd_percent.eps)).toBeLessThan(2);
  });
  test('diagnostics are finite and consistent', () => {
    let nObs = 0;
    for (const s of fit.subjects) {
      nObs += s.dv.length;
      for (const arr of [s.pred, s.ipred, s.res, s.wres, s.iwres, s.cwres, s.npde!]) {
        expect(arr.length).toBe(s.dv.length);
        for (const v of arr) expect(Number.isFinite(v)).toBe(true);
      }
      for (let j = 0; j < s.dv.length; j++) expect(s.res[j]).toBeCloseTo(s.dv[j] - s.pred[j], 12);
      expect(s.individualParameters!.length).toBe(2);
    }
    expect(nObs).toBe(155);
    const subjectSum = fit.subjects.reduce((a, s) => a + s.ofv, 0);
    expect(subjectSum).toBeCloseTo(fit.ofv, 8);
    expect(fit.aic).toBeCloseTo(fit.ofvWithConstant + 12, 10);
    expect(fit.bic).toBeCloseTo(fit.ofvWithConstant + 6 * Math.log(155), 10);
  });
  test('the bound model is not modified by the fit', () => {
    expect(bound.parameters.theta[0].init).toBe(0.00469307);
    expect(bound.parameters.omega.init[0]).toBe(0.0309626);
  });
  test('the same fit without model derivatives (finite differences in η) agrees', () => {
    const fd = fitPopulation(phenoModel(false), { method: 'focei', covariance: 'none', npdeSamples: 0 });
    expect(Math.abs(fd.ofv - fit.ofv)).toBeLessThan(1e-3);
    for (let k = 0; k < fit.estimates.length; k++) expect(relErr(fd.estimates[k], fit.estimates[k])).toBeLessThan(1e-3);
  });
});

describe('pheno: covariance matrices on request', () => {
  test('R and S forms give standard errors of the same order as R⁻¹SR⁻¹', () => {
    const r = fitPopulation(phenoModel(), { covariance: 'r', npdeSamples: 0 });
    const s = fitPopulation(phenoModel(), { covariance: 's', npdeSamples: 0 });
    expect(r.covariance!.status).toBe('ok');
    expect(s.covariance!.status).toBe('ok');
    // 2R⁻¹ and 4S⁻¹ from the same R and S the sandwich uses.
    const rm = r.covariance!.rMatrix!;
    const np = r.estimated.length;
    for (let k = 0; k < np; k++) {
      expect(rm[k * np + k]).toBeGreaterThan(0);
      expect(r.covariance!.se![k] ** 2).toBeCloseTo(r.covariance!.covariance![k * np + k], 15);
      // MATRIX=R: 2R⁻¹ of the reported R; MATRIX=S: 4S⁻¹ of the reported S.
      const rInv = spdInverse(rm, np)!.inverse;
      expect(r.covariance!.covariance![k * np + k] / (2 * rInv[k * np + k])).toBeCloseTo(1, 10);
      const sInv = spdInverse(s.covariance!.sMatrix!, np)!.inverse;
      expect(s.covariance!.covariance![k * np + k] / (4 * sInv[k * np + k])).toBeCloseTo(1, 10);
      expect(r.covariance!.se![k] / s.covariance!.se![k]).toBeGreaterThan(0.3);
      expect(r.covariance!.se![k] / s.covariance!.se![k]).toBeLessThan(3);
    }
  });
});
