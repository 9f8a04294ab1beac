/**
 * Diagnostics against closed forms. For the linear-in-η model y_ij = μ + η_i + ε_ij the
 * first-order quantities are exact: Cov(y_i) = ω·11ᵀ + σ·I, whose symmetric inverse square
 * root is (I − P)/√σ + P/√(σ + nω) with P = 11ᵀ/n; so WRES = CWRES = that matrix times (y − μ)
 * (Hooker et al. 2007: E_i = IPRED − Gη̂ = μ). Shrinkage and IWRES follow their definitions.
 * NPDE of data simulated from the model itself are N(0, 1) (Brendel et al. 2006).
 */
import { describe, expect, test } from 'vitest';
import { fitPopulation } from '../../src/estimation/fit.js';
import { randomStream } from '../../src/stats/random.js';
import { linearModel } from '../support/estimation-models.js';


describe('residuals of the linear model at fixed parameters', () => {
  const data = [[1.2, 0.8, 1.5], [2.1, 2.4], [0.3, 0.9, 0.2, 0.5], [1.7]];
  const [mu, omega, sigma] = [1.1, 0.4, 0.2];
  // maxIterations 0: diagnostics at the initial estimates.
  const fit = fitPopulation(linearModel(data, mu, omega, sigma), { method: 'focei', maxIterations: 0, covariance: 'none', npdeSamples: 0 });
  test('the fit reports that it stopped at the iteration limit', () => {
    expect(fit.converged).toBe(false);
    expect(fit.optimization.reason).toBe('max-iterations');
    expect(fit.theta[0]).toBe(mu);
  });
  test('WRES and CWRES equal the closed form (1e-10); PRED, RES, IPRED, IWRES by definition', () => {
    fit.subjects.forEach((s, i) => {
      const ys = data[i];
      const n = ys.length;
      const r = ys.map((y) => y - mu);
      const mean = r.reduce((a, b) => a + b, 0) / n;
      const etaHat = (n * omega / (sigma + n * omega)) * mean;
      expect(s.eta[0]).toBeCloseTo(etaHat, 10);
      for (let j = 0; j < n; j++) {
        const expected = (r[j] - mean) / Math.sqrt(sigma) + mean / Math.sqrt(sigma + n * omega);
        expect(s.wres[j]).toBeCloseTo(expected, 10);
        expect(s.cwres[j]).toBeCloseTo(expected, 10);
        expect(s.pred[j]).toBe(mu);
        expect(s.res[j]).toBeCloseTo(r[j], 14);
        expect(s.ipred[j]).toBeCloseTo(mu + etaHat, 10);
        expect(s.iwres[j]).toBeCloseTo((ys[j] - mu - etaHat) / Math.sqrt(sigma), 10);
      }
    });
  });
  test('shrinkage: 1 − SD(η̂)/ω and 1 − SD(IWRES), sample SD (n − 1)', () => {
    const etas = fit.subjects.map((s) => s.eta[0]);
    const m = etas.reduce((a, b) => a + b, 0) / etas.length;
    const v = etas.reduce((a, b) => a + (b - m) ** 2, 0) / (etas.length - 1);
    expect(fit.shrinkage.etaSd[0]).toBeCloseTo(1 - Math.sqrt(v / omega), 12);
    expect(fit.shrinkage.etaVariance[0]).toBeCloseTo(1 - v / omega, 12);
    const iw = fit.subjects.flatMap((s) => Array.from(s.iwres));
    const mi = iw.reduce((a, b) => a + b, 0) / iw.length;
    const vi = iw.reduce((a, b) => a + (b - mi) ** 2, 0) / (iw.length - 1);
    expect(fit.shrinkage.epsSd).toBeCloseTo(1 - Math.sqrt(vi), 12);
  });
});

describe('NPDE of data simulated from the model', () => {
  const rng = randomStream(2024, 0);
  const [mu, omega, sigma] = [5, 0.5, 0.3];
  const data = Array.from({ length: 80 }, () => {
    const eta = Math.sqrt(omega) * rng.normal();
    return Array.from({ length: 4 }, () => mu + eta + Math.sqrt(sigma) * rng.normal());
  });
  const bound = linearModel(data, mu, omega, sigma);
  const run = (seed: number) => fitPopulation(bound, { method: 'foce', maxIterations: 0, covariance: 'none', npdeSamples: 1000, seed });
  test('mean ≈ 0 and variance ≈ 1 (320 values; 4 standard errors)', () => {
    const npde = run(11).subjects.flatMap((s) => Array.from(s.npde!));
    expect(npde.length).toBe(320);
    const m = npde.reduce((a, b) => a + b, 0) / npde.length;
    const v = npde.reduce((a, b) => a + (b - m) ** 2, 0) / (npde.length - 1);
    expect(Math.abs(m)).toBeLessThan(4 / Math.sqrt(320));
    expect(Math.abs(v - 1)).toBeLessThan(4 * Math.sqrt(2 / 320));
  });
  test('seeded: the same seed gives the same NPDE, another seed different ones', () => {
    const a = run(5).subjects[0].npde!;
    const b = run(5).subjects[0].npde!;
    const c = run(6).subjects[0].npde!;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
});
