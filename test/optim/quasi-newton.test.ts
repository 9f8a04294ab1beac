/**
 * The outer optimizer on functions with known minima (closed form): convergence, the stop
 * reasons it reports, and its handling of points without a value.
 */
import { describe, expect, test } from 'vitest';
import { minimizeQuasiNewton } from '../../src/optim/quasi-newton.js';

const noop = (): void => undefined;

describe('minimizeQuasiNewton', () => {
  test('badly scaled quadratic (curvatures 1e4 and 1): minimum at (1, −2) to 1e-4', () => {
    const f = (x: Float64Array): number => 1e4 * (x[0] - 1) ** 2 + (x[1] + 2) ** 2 + 3;
    const r = minimizeQuasiNewton(f, new Float64Array(2), { maxIterations: 100, onAccept: noop });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 4);
    expect(r.x[1]).toBeCloseTo(-2, 4);
    expect(r.f).toBeCloseTo(3, 8);
    expect(r.significantDigits).toBeGreaterThan(3);
    expect(r.history![0].f).toBe(r.fInitial);
  });
  test('Rosenbrock from (−1.2, 1): minimum (1, 1) to 1e-3', () => {
    const f = (x: Float64Array): number => 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2;
    const r = minimizeQuasiNewton(f, Float64Array.of(-1.2, 1), { maxIterations: 500, onAccept: noop, decreaseTolerance: 1e-10, gradientTolerance: 1e-6 });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 3);
    expect(r.x[1]).toBeCloseTo(1, 3);
  });
  test('a region without values (+Infinity) is avoided; the minimum on its edge side is found', () => {
    // f defined for x < 0.5 only; unconstrained minimum at 2 lies outside, so the optimizer
    // must stall near the edge and report it honestly, never return a non-finite value.
    const f = (x: Float64Array): number => (x[0] < 0.5 ? (x[0] - 2) ** 2 : Infinity);
    const r = minimizeQuasiNewton(f, new Float64Array(1), { maxIterations: 200, onAccept: noop });
    expect(Number.isFinite(r.f)).toBe(true);
    expect(r.x[0]).toBeLessThan(0.5);
    expect(r.x[0]).toBeGreaterThan(0.4);
  });
  test('the iteration cap is reported as such, not as convergence', () => {
    const f = (x: Float64Array): number => 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2;
    const r = minimizeQuasiNewton(f, Float64Array.of(-1.2, 1), { maxIterations: 3, onAccept: noop });
    expect(r.converged).toBe(false);
    expect(r.reason).toBe('max-iterations');
    expect(r.iterations).toBe(3);
    expect(r.status).toMatch(/iteration limit \(3\)/);
  });
  test('no value at the start: non-finite-start', () => {
    const r = minimizeQuasiNewton(() => NaN, new Float64Array(2), { maxIterations: 10, onAccept: noop });
    expect(r.reason).toBe('non-finite-start');
    expect(r.converged).toBe(false);
  });
  test('onAccept is called once per accepted point, right after evaluating it', () => {
    let last = NaN;
    const accepted: number[] = [];
    const f = (x: Float64Array): number => { last = (x[0] - 3) ** 2; return last; };
    const r = minimizeQuasiNewton(f, new Float64Array(1), { maxIterations: 50, onAccept: () => accepted.push(last) });
    expect(accepted.length).toBe(r.iterations + 1);
    expect(accepted).toEqual(r.history!.map((h) => h.f));
  });
});
