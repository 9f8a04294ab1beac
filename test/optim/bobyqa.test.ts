import { describe, expect, it } from 'vitest';
import { minimizeBobyqa } from '../../src/optim/bobyqa.js';

// Sources: closed-form minimizers of the test functions (stated per test). Tolerances are on
// x, matching the requested final trust-region radius.

describe('BOBYQA (Powell 2009)', () => {
  it('Rosenbrock from (−1.2, 1): minimum (1, 1), f = 0', () => {
    const r = minimizeBobyqa((x) => 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2, [-1.2, 1], { rhoBegin: 0.5, rhoEnd: 1e-8 });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(r.x[1]).toBeCloseTo(1, 6);
    expect(r.f).toBeLessThan(1e-12);
    expect(r.evaluations).toBeLessThan(400);
    expect(r.fInitial).toBeCloseTo(24.2, 10);
  });
  it('a convex quadratic with its minimum outside the box stops on the corner (KKT point (2, 0))', () => {
    // f = (x−3)² + (y+1)² + xy on [0,2]²: at (2,0) ∂f/∂x = −2 < 0 (upper bound active), ∂f/∂y = 4 > 0 (lower bound active).
    const r = minimizeBobyqa((x) => (x[0] - 3) ** 2 + (x[1] + 1) ** 2 + x[0] * x[1], [1, 1], { lower: [0, 0], upper: [2, 2] });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(2, 9);
    expect(r.x[1]).toBeCloseTo(0, 9);
  });
  it('one variable with the minimum on its lower bound', () => {
    // f = (x − 0.3)² + eˣ is increasing for x ≥ 0: minimum at x = 0, f = 1.09.
    const r = minimizeBobyqa((x) => (x[0] - 0.3) ** 2 + Math.exp(x[0]), [1], { lower: [0] });
    expect(r.x[0]).toBe(0);
    expect(r.f).toBeCloseTo(1.09, 12);
  });
  it('a separable quartic with one bound active', () => {
    // f = Σ (i+1)(x_i − i)² + 0.1 x_i⁴, x ≥ 0: x_0 = 0; for i ≥ 1 the root of 2(i+1)(x − i) + 0.4x³ = 0.
    const f = (x: Float64Array): number => {
      let s = 0;
      for (let i = 0; i < 5; i++) s += (i + 1) * (x[i] - i) ** 2 + 0.1 * x[i] ** 4;
      return s;
    };
    const r = minimizeBobyqa(f, [1, 1, 1, 1, 1], { lower: [0, 0, 0, 0, 0], rhoEnd: 1e-9 });
    expect(r.x[0]).toBeCloseTo(0, 8);
    for (let i = 1; i < 5; i++) {
      let x = i; // Newton on the stationarity condition.
      for (let k = 0; k < 50; k++) x -= (2 * (i + 1) * (x - i) + 0.4 * x ** 3) / (2 * (i + 1) + 1.2 * x * x);
      expect(r.x[i]).toBeCloseTo(x, 7);
    }
  });
  it('chained Rosenbrock in 10 dimensions', () => {
    const f = (x: Float64Array): number => {
      let s = 0;
      for (let i = 0; i < x.length - 1; i++) s += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2;
      return s;
    };
    const r = minimizeBobyqa(f, new Float64Array(10).fill(-1), { rhoEnd: 1e-8, maxEvaluations: 20000 });
    expect(r.converged).toBe(true);
    for (let i = 0; i < 10; i++) expect(r.x[i]).toBeCloseTo(1, 5);
  });
  it('reports the evaluation limit honestly', () => {
    const r = minimizeBobyqa((x) => 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2, [-1.2, 1], { maxEvaluations: 20 });
    expect(r.converged).toBe(false);
    expect(r.reason).toBe('max-evaluations');
    expect(r.evaluations).toBeLessThanOrEqual(20);
  });
  it('treats NaN as no value and never returns it', () => {
    const r = minimizeBobyqa((x) => (x[0] > 2 ? NaN : (x[0] - 1.5) ** 2 + x[1] ** 2), [0, 0.5], { rhoBegin: 0.5 });
    expect(r.x[0]).toBeCloseTo(1.5, 6);
    expect(Number.isFinite(r.f)).toBe(true);
  });
  it('refuses a start where the objective is not finite', () => {
    const r = minimizeBobyqa(() => Infinity, [0, 0]);
    expect(r.converged).toBe(false);
    expect(r.reason).toBe('non-finite-start');
  });
});
