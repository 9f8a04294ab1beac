/**
 * χ² p-values and critical values of the likelihood-ratio tests of the covariate search.
 * References: R 4.x `qchisq` quantiles (7 significant digits, as printed by R), PsN scm's
 * table of critical OFV drops (lib/tool/scm.pm, 2 decimals), and closed forms of the χ²
 * tail for even df (df 2: e^(−x/2); df 4: e^(−x/2)(1 + x/2)), A&S 26.4.21.
 */
import { describe, expect, test } from 'vitest';
import { chiSquareCdf, chiSquareCritical, chiSquarePValue, logGamma, regularizedGammaP, regularizedGammaQ } from '../../src/stats/chi-square.js';

describe('logGamma (Lanczos, Numerical Recipes 3rd ed. gammln)', () => {
  test('matches exact values to 5e-15 (absolute at 0, relative elsewhere: toBeCloseTo(·, 14))', () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(2)).toBeCloseTo(0, 14);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    expect(logGamma(10) / Math.log(362880)).toBeCloseTo(1, 14);
    // Γ(4.5) = 3.5·2.5·1.5·0.5·√π
    expect(logGamma(4.5) / Math.log(3.5 * 2.5 * 1.5 * 0.5 * Math.sqrt(Math.PI))).toBeCloseTo(1, 14);
  });
});

describe('chi-square p-values', () => {
  // R: qchisq(1 - p, df), printed to 7 significant digits; tolerance 2e-7 absolute on p.
  const quantiles: [x: number, df: number, p: number][] = [
    [3.841459, 1, 0.05], [5.991465, 2, 0.05], [7.814728, 3, 0.05], [9.487729, 4, 0.05], [18.30704, 10, 0.05],
    [6.634897, 1, 0.01], [9.210340, 2, 0.01], [11.34487, 3, 0.01], [21.66599, 9, 0.01],
    [10.82757, 1, 0.001], [0.4549364, 1, 0.5], [1.386294, 2, 0.5],
  ];
  test.each(quantiles)('p(%f, df %i) = %f (R qchisq)', (x, df, p) => {
    expect(Math.abs(chiSquarePValue(x, df) - p)).toBeLessThan(2e-7);
    expect(Math.abs(chiSquareCdf(x, df) - (1 - p))).toBeLessThan(2e-7);
  });

  test('closed forms of the tail for df 2 and 4, far into the tail (relative 1e-12)', () => {
    for (const x of [0.1, 1, 3.84, 10, 50, 100, 300]) {
      expect(chiSquarePValue(x, 2) / Math.exp(-x / 2)).toBeCloseTo(1, 12);
      expect(chiSquarePValue(x, 4) / (Math.exp(-x / 2) * (1 + x / 2))).toBeCloseTo(1, 12);
    }
  });

  test('P + Q = 1 on both sides of the series/continued-fraction switch', () => {
    for (const a of [0.5, 1, 4.5, 20]) {
      for (const x of [0.01, a, a + 0.999, a + 1, a + 1.001, 3 * a + 5]) {
        expect(regularizedGammaP(a, x) + regularizedGammaQ(a, x)).toBeCloseTo(1, 14);
      }
    }
  });

  test('a drop of zero or less gives p = 1; invalid arguments throw', () => {
    expect(chiSquarePValue(0, 1)).toBe(1);
    expect(chiSquarePValue(-3, 2)).toBe(1);
    expect(() => chiSquarePValue(1, 0)).toThrow(RangeError);
    expect(() => chiSquarePValue(NaN, 1)).toThrow(RangeError);
  });
});

describe('chi-square critical values', () => {
  test('reproduce R qchisq to 1e-6 and PsN scm\'s table of OFV drops to 0.005', () => {
    expect(chiSquareCritical(0.05, 1)).toBeCloseTo(3.841459, 6);
    expect(chiSquareCritical(0.01, 2)).toBeCloseTo(9.210340, 6);
    // PsN lib/tool/scm.pm, p = 0.05 and 0.01, df 1..10.
    const psn05 = [3.84, 5.99, 7.81, 9.49, 11.07, 12.59, 14.07, 15.51, 16.92, 18.31];
    const psn01 = [6.63, 9.21, 11.34, 13.28, 15.09, 16.81, 18.48, 20.09, 21.67, 23.21];
    psn05.forEach((c, i) => expect(Math.abs(chiSquareCritical(0.05, i + 1) - c)).toBeLessThanOrEqual(0.005 + 1e-9));
    psn01.forEach((c, i) => expect(Math.abs(chiSquareCritical(0.01, i + 1) - c)).toBeLessThanOrEqual(0.005 + 1e-9));
  });
});
