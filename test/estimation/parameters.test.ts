/**
 * The unconstrained parameterization (θ transforms, Cholesky factors of Ω/Σ blocks, FIX) and
 * the seeded random numbers: exact identities, no external reference needed.
 */
import { describe, expect, test } from 'vitest';
import { ParameterMap } from '../../src/estimation/parameter-map.js';
import { normalQuantile } from '../../src/stats/normal.js';
import { randomStream } from '../../src/stats/random.js';
import type { ParameterSpec } from '../../src/subject/bound.js';

const spec: ParameterSpec = {
  theta: [
    { name: 'CL', init: 2, lower: 0, upper: Infinity, fixed: false },
    { name: 'F', init: 0.3, lower: 0, upper: 1, fixed: false },
    { name: 'SLOPE', init: -0.5, lower: -Infinity, upper: Infinity, fixed: false },
    { name: 'WTEXP', init: 0.75, lower: -Infinity, upper: Infinity, fixed: true },
    { name: 'NEG', init: -3, lower: -Infinity, upper: 0, fixed: false },
  ],
  omega: {
    names: ['ETA_CL', 'ETA_V', 'ETA_KA'],
    // BLOCK(2) on CL, V; KA fixed.
    init: Float64Array.of(0.09, 0.03, 0, 0.03, 0.04, 0, 0, 0, 0.2),
    blocks: [{ indices: [0, 1], fixed: false }, { indices: [2], fixed: true }],
  },
  sigma: { names: ['EPS'], init: Float64Array.of(0.01), blocks: [{ indices: [0], fixed: false }] },
};

describe('ParameterMap', () => {
  const map = new ParameterMap(spec);
  test('free dimension and original-scale labels in θ, Ω, Σ order (FIX excluded)', () => {
    expect(map.nFree).toBe(4 + 3 + 1);
    expect(map.estimated.map((e) => e.label)).toEqual([
      'THETA(1)', 'THETA(2)', 'THETA(3)', 'THETA(5)', 'OMEGA(1,1)', 'OMEGA(2,1)', 'OMEGA(2,2)', 'SIGMA(1,1)',
    ]);
    expect(map.estimated[5].name).toBe('ETA_V,ETA_CL');
  });
  test('x = 0 gives the initial values exactly (to rounding)', () => {
    const v = map.allocateValues();
    map.valuesFromX(new Float64Array(map.nFree), v);
    const init = map.initialValues();
    for (let i = 0; i < 5; i++) expect(v.theta[i]).toBeCloseTo(init.theta[i], 14);
    for (let i = 0; i < 9; i++) expect(v.omega[i]).toBeCloseTo(init.omega[i], 14);
    expect(v.sigma[0]).toBeCloseTo(0.01, 15);
  });
  test('any x gives θ inside its bounds, positive definite blocks, and FIX values untouched; x round-trips', () => {
    const rng = randomStream(3, 0);
    const v = map.allocateValues();
    for (let trial = 0; trial < 50; trial++) {
      const x = Float64Array.from({ length: map.nFree }, () => 4 * rng.normal());
      map.valuesFromX(x, v);
      expect(v.theta[0]).toBeGreaterThan(0);
      expect(v.theta[1]).toBeGreaterThan(0);
      expect(v.theta[1]).toBeLessThan(1);
      expect(v.theta[3]).toBe(0.75);
      expect(v.theta[4]).toBeLessThan(0);
      expect(v.omega[0] * v.omega[4] - v.omega[1] ** 2).toBeGreaterThan(0);
      expect(v.omega[1]).toBe(v.omega[3]);
      expect(v.omega[8]).toBe(0.2);
      expect(v.omega[2]).toBe(0);
      const back = map.xFromValues(v)!;
      for (let k = 0; k < map.nFree; k++) expect(back[k]).toBeCloseTo(x[k], 8);
    }
  });
  test('original scale round-trips', () => {
    const v = map.initialValues();
    const p = map.originalFromValues(v);
    expect(Array.from(p)).toEqual([2, 0.3, -0.5, -3, 0.09, 0.03, 0.04, 0.01]);
    const w = map.allocateValues();
    map.valuesFromOriginal(p, w);
    expect(Array.from(w.omega)).toEqual(Array.from(v.omega));
  });
  test('an initial estimate on its bound is refused with the parameter named', () => {
    const bad: ParameterSpec = { ...spec, theta: [{ name: 'KA', init: 0, lower: 0, upper: Infinity, fixed: false }] };
    expect(() => new ParameterMap(bad)).toThrow(/THETA\(1\) KA/);
  });
  test('a non-positive-definite initial block is refused', () => {
    const bad: ParameterSpec = { ...spec, omega: { ...spec.omega, init: Float64Array.of(0.09, 0.1, 0, 0.1, 0.04, 0, 0, 0, 0.2) } };
    expect(() => new ParameterMap(bad)).toThrow(/not positive definite/);
  });
});

describe('seeded random streams and normalQuantile', () => {
  test('same seed, same stream; different seed, different stream', () => {
    const a = randomStream(42, 0);
    const b = randomStream(42, 0);
    const c = randomStream(43, 0);
    const xa = Array.from({ length: 5 }, () => a.normal());
    expect(Array.from({ length: 5 }, () => b.normal())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.normal())).not.toEqual(xa);
  });
  test('normal deviates have mean 0 and variance 1 (200000 draws, 5 standard errors)', () => {
    const r = randomStream(1, 0);
    const n = 200000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) { const z = r.normal(); s += z; s2 += z * z; }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });
  test('Φ⁻¹ matches tabulated quantiles (Abramowitz & Stegun 26.2; 1e-9)', () => {
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 9);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 9);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232306167813, 9);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 8);
    expect(normalQuantile(0.8413447460685429)).toBeCloseTo(1, 9);
  });
});
