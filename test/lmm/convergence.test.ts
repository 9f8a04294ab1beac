import { describe, expect, it } from 'vitest';
import { derivativeCheck } from '../../src/lmm/convergence.js';
import { fitLmm } from '../../src/lmm/fit.js';
import type { LmmFrame } from '../../src/lmm/frame-types.js';
import { frameOf } from '../support/lmm.js';

/**
 * Ten groups holding the same six responses in different orders: the group means are all
 * equal, so the between-group variance estimate is exactly zero (a boundary fit).
 */
function equalMeansFrame(): LmmFrame {
  const base = [3.1, 4.7, 2.2, 5.9, 4.4, 3.8];
  const y: number[] = [];
  const g: number[] = [];
  for (let l = 0; l < 10; l++) {
    for (let k = 0; k < 6; k++) {
      y.push(base[(k + l) % 6]);
      g.push(l);
    }
  }
  const n = y.length;
  return {
    n, responseName: 'y', y: Float64Array.from(y), X: new Float64Array(n).fill(1), fixedNames: ['(Intercept)'],
    rows: Int32Array.from({ length: n }, (_, i) => i + 2),
    terms: [{
      group: 'g', levels: Array.from({ length: 10 }, (_, l) => `G${l}`), groupIndex: Int32Array.from(g),
      columnNames: ['(Intercept)'], z: new Float64Array(n).fill(1), correlated: true,
    }],
  };
}

describe('convergence reporting', () => {
  it('flags a singular (boundary) fit: a variance of zero', () => {
    // With equal group means the REML estimate of the group variance is 0 (closed form:
    // between-group mean square ≤ within-group mean square); σ² is then the total variance.
    const fit = fitLmm(equalMeansFrame());
    expect(fit.optimization.singular).toBe(true);
    expect(fit.optimization.thetaEnd[0]).toBeLessThan(1e-4);
    expect(fit.optimization.warnings.join('\n')).toMatch(/boundary \(singular\) fit: variance of '\(Intercept\)' for g is zero/);
    const y = fit.frame.y;
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    const s2 = y.reduce((a, b) => a + (b - mean) ** 2, 0) / (y.length - 1);
    expect(fit.sigma ** 2).toBeCloseTo(s2, 6);
  });
  it('refuses a term with as many random effects as observations (lme4 check.nobs.vs.nRE)', () => {
    const sleep = frameOf('sleepstudy.csv', 'Reaction ~ Days + (1 | Days:Subject)');
    expect(() => fitLmm(sleep)).toThrow("the random-effects term for 'Days:Subject' has 180 random effects (180 levels × (Intercept)) for 180 observations");
    expect(() => fitLmm(frameOf('sleepstudy.csv', 'Reaction ~ Days + (Days | Days:Subject)'))).toThrow('has 360 random effects');
  });

  it('the derivative check never reports NaN when the deviance is infinite next to the optimum', () => {
    const lower = Float64Array.of(-Infinity);
    const spike = derivativeCheck((x) => (x[0] === 1 ? 0 : Infinity), Float64Array.of(1), 0, lower);
    expect(spike.maxScaledGradient).toBeNull();
    expect(spike.hessianPositiveDefinite).toBe(false);
  });

  it('reports an optimizer stopped by its evaluation limit as not converged', () => {
    const fit = fitLmm(frameOf('sleepstudy.csv', 'Reaction ~ Days + (Days | Subject)'), { maxEvaluations: 12, thetaStart: 'identity' });
    expect(fit.optimization.converged).toBe(false);
    expect(fit.optimization.warnings.some((w) => w.startsWith('optimizer did not converge'))).toBe(true);
  });
  it('the lme4 start (Λ = I) reaches the same optimum as the moment start', () => {
    const frame = frameOf('orthodont.csv', 'distance ~ age * Sex + (age | Subject)');
    const a = fitLmm(frame, { reml: false, thetaStart: 'identity' });
    const b = fitLmm(frame, { reml: false });
    expect(Math.abs(a.deviance - b.deviance)).toBeLessThan(1e-7);
    for (let i = 0; i < 3; i++) expect(a.optimization.thetaEnd[i]).toBeCloseTo(b.optimization.thetaEnd[i], 3);
  });
});
