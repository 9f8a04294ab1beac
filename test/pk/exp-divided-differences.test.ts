/**
 * Divided differences of exp against closed forms that need no cancellation:
 * g[a, b] for b = a + h is eᵃ·expm1(h)/h, and for equally spaced points
 * g[a, a+h, a+2h] = eᵃ·expm1(h)²/(2h²) and g[a, …, a+3h] = eᵃ·expm1(h)³/(6h³). Relative
 * tolerance 1e-13 (1e-12 for the third difference).
 */
import { describe, expect, it } from 'vitest';
import { expDivided1, expDivided2, expDivided3, expm1OverX } from '../../src/pk/exp-divided-differences.js';

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('divided differences of exp', () => {
  it('(eˣ − 1)/x, including x = 0', () => {
    expect(expm1OverX(0)).toBe(1);
    for (const x of [-700, -30, -1, -1e-3, -1e-6, -1e-12, 1e-8, 0.5]) expect(rel(expm1OverX(x), Math.expm1(x) / x)).toBeLessThan(1e-15);
  });

  it('first difference: symmetric, confluent limit eᵃ, no overflow for large negative arguments', () => {
    for (const a of [0, -0.3, -5, -60, -600]) {
      expect(expDivided1(a, a)).toBe(Math.exp(a));
      for (const h of [1e-14, 1e-8, 1e-3, 0.5, 10, 500]) {
        const exact = Math.exp(a) * Math.expm1(h) / h;
        expect(rel(expDivided1(a, a + h), exact)).toBeLessThan(1e-13);
        expect(expDivided1(a + h, a)).toBe(expDivided1(a, a + h));
      }
    }
    expect(expDivided1(-1e6, -2e6)).toBe(0);
  });

  it('second difference on both sides of the switch to the series, and at coincident points', () => {
    for (const a of [0, -0.7, -12, -300]) {
      expect(rel(expDivided2(a, a, a), Math.exp(a) / 2)).toBeLessThan(1e-15);
      for (const h of [1e-12, 1e-6, 1e-3, 0.01, 0.0249, 0.0251, 0.1, 1, 20]) {
        const exact = Math.exp(a) * Math.expm1(h) ** 2 / (2 * h * h);
        expect(rel(expDivided2(a, a + h, a + 2 * h), exact), `a=${a} h=${h}`).toBeLessThan(1e-13);
        expect(rel(expDivided2(a + 2 * h, a, a + h), exact)).toBeLessThan(1e-13);
      }
    }
  });

  it('third difference on both sides of the switch to the series, in any argument order', () => {
    for (const a of [0, -0.7, -12, -300]) {
      expect(rel(expDivided3(a, a, a, a), Math.exp(a) / 6)).toBeLessThan(1e-15);
      for (const h of [1e-12, 1e-6, 1e-3, 0.01, 0.0166, 0.0167, 0.1, 1, 20]) {
        const exact = Math.exp(a) * Math.expm1(h) ** 3 / (6 * h * h * h);
        expect(rel(expDivided3(a, a + h, a + 2 * h, a + 3 * h), exact), `a=${a} h=${h}`).toBeLessThan(1e-12);
        expect(rel(expDivided3(a + 3 * h, a + h, a, a + 2 * h), exact), `a=${a} h=${h}`).toBeLessThan(1e-12);
      }
    }
  });

  it('third difference with repeated points: the derivative of the second difference', () => {
    // ∂g[x, y, z]/∂z = g[x, y, z, z], checked by central differences (step 1e-5, tolerance 1e-8).
    for (const [x, y, z] of [[0, -0.5, -2], [-1, -1.01, -3], [0, -4, -4.02], [-0.2, -0.2, -0.2]] as const) {
      const step = 1e-5;
      const fd = (expDivided2(x, y, z + step) - expDivided2(x, y, z - step)) / (2 * step);
      expect(rel(expDivided3(x, y, z, z), fd)).toBeLessThan(1e-8);
    }
  });
});
