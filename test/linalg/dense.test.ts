import { describe, expect, it } from 'vitest';
import {
  dot, identity, isPositiveDefinite, matMulInto, matMulTransposeInto, matTransposeMulInto,
  matTransposeVecInto, matVecInto, maxAbsDiff, norm2, normInf, rankKUpdateInto,
  rankKUpdateTransposeInto, symmetricConditionNumber, symmetricEigen, symmetricEigenInto,
  SymmetricEigenWorkspace, symmetricInverseSqrtInto, symmetricSqrtInto, transpose,
} from '../../src/linalg/dense.js';
import { uniformSymmetric as rng } from '../support/random.js';


function randomMatrix(m: number, n: number, seed: number): Float64Array {
  const r = rng(seed);
  return new Float64Array(m * n).map(() => r());
}

/** Reference product by the definition, element by element (column-major). */
function naiveMul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i + p * m] * b[p + j * k];
    c[i + j * m] = s;
  }
  return c;
}

function randomSpd(n: number, seed: number): Float64Array {
  const b = randomMatrix(n, n, seed);
  const a = naiveMul(b, transpose(b, n, n), n, n, n);
  for (let i = 0; i < n; i++) a[i + i * n] += 0.5;
  return a;
}

describe('dense products (checked against the definition, 1e-14 absolute on O(1) entries)', () => {
  const m = 5;
  const k = 3;
  const n = 4;
  const a = randomMatrix(m, k, 1);
  const b = randomMatrix(k, n, 2);

  it('matMulInto: A B', () => {
    const out = new Float64Array(m * n);
    matMulInto(out, a, b, m, k, n);
    expect(maxAbsDiff(out, naiveMul(a, b, m, k, n))).toBeLessThan(1e-14);
  });

  it('matTransposeMulInto: Aᵀ C, and matMulTransposeInto: A Dᵀ', () => {
    const c = randomMatrix(m, n, 3);
    const out = new Float64Array(k * n);
    matTransposeMulInto(out, a, c, m, k, n);
    expect(maxAbsDiff(out, naiveMul(transpose(a, m, k), c, k, m, n))).toBeLessThan(1e-14);
    const d = randomMatrix(n, k, 4);
    const out2 = new Float64Array(m * n);
    matMulTransposeInto(out2, a, d, m, k, n);
    expect(maxAbsDiff(out2, naiveMul(a, transpose(d, n, k), m, k, n))).toBeLessThan(1e-14);
  });

  it('rank-k updates: C = βC + αAᵀA and C = βC + αAAᵀ, full symmetric output', () => {
    const c0 = randomSpd(k, 5);
    const c = c0.slice();
    rankKUpdateTransposeInto(c, a, m, k, 2, 0.5);
    const ata = naiveMul(transpose(a, m, k), a, k, m, k);
    for (let i = 0; i < k * k; i++) expect(c[i]).toBeCloseTo(0.5 * c0[i] + 2 * ata[i], 14);
    const d0 = randomSpd(m, 6);
    const d = d0.slice();
    rankKUpdateInto(d, a, m, k, -1, 1);
    const aat = naiveMul(a, transpose(a, m, k), m, k, m);
    for (let i = 0; i < m * m; i++) expect(d[i]).toBeCloseTo(d0[i] - aat[i], 14);
    const e = new Float64Array(m * m).fill(NaN);
    rankKUpdateInto(e, a, m, k, 1, 0); // β = 0 ignores the old contents, even NaN
    expect(maxAbsDiff(e, aat)).toBeLessThan(1e-14);
  });

  it('matVecInto, matTransposeVecInto, dot and norms', () => {
    const x = randomMatrix(k, 1, 7);
    const y = new Float64Array(m);
    matVecInto(y, a, x, m, k);
    expect(maxAbsDiff(y, naiveMul(a, x, m, k, 1))).toBeLessThan(1e-15);
    const z = new Float64Array(k);
    matTransposeVecInto(z, a, y, m, k);
    expect(maxAbsDiff(z, naiveMul(transpose(a, m, k), y, k, m, 1))).toBeLessThan(1e-15);
    expect(dot(Float64Array.of(1, 2, 3), Float64Array.of(4, 5, 6))).toBe(32);
    expect(normInf(Float64Array.of(1, -7, 3))).toBe(7);
    expect(norm2(Float64Array.of(3, 4))).toBe(5);
    expect(norm2(Float64Array.of(3e200, 4e200))).toBeCloseTo(5e200, -186); // no overflow
    expect(Number.isNaN(normInf(Float64Array.of(1, NaN)))).toBe(true);
  });

  it('identity and transpose', () => {
    expect(Array.from(identity(2))).toEqual([1, 0, 0, 1]);
    expect(Array.from(transpose(Float64Array.of(1, 2, 3, 4, 5, 6), 2, 3))).toEqual([1, 3, 5, 2, 4, 6]);
  });

  it('isPositiveDefinite', () => {
    expect(isPositiveDefinite(randomSpd(6, 8), 6)).toBe(true);
    expect(isPositiveDefinite(Float64Array.of(1, 2, 2, 1), 2)).toBe(false);
    const a = Float64Array.of(2, 1, 1, 2);
    isPositiveDefinite(a, 2, new Float64Array(4));
    expect(Array.from(a)).toEqual([2, 1, 1, 2]); // input untouched
  });
});

describe('symmetricEigen (cyclic Jacobi)', () => {
  it('2×2 closed form: [[2, 1], [1, 2]] has eigenvalues 1 and 3 with vectors (1, ∓1)/√2', () => {
    const e = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2)!;
    expect(e.values[0]).toBeCloseTo(1, 15);
    expect(e.values[1]).toBeCloseTo(3, 15);
    expect(Math.abs(e.vectors[0])).toBeCloseTo(Math.SQRT1_2, 15);
    expect(e.vectors[0] * e.vectors[1]).toBeCloseTo(-0.5, 15);
  });

  it('tridiagonal Toeplitz (2, −1): λ_k = 2 − 2cos(kπ/(n+1)) exactly known, to 1e-14', () => {
    const n = 12;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i + i * n] = 2;
      if (i + 1 < n) { a[i + 1 + i * n] = -1; a[i + (i + 1) * n] = -1; }
    }
    const e = symmetricEigen(a, n)!;
    for (let k = 1; k <= n; k++) {
      expect(Math.abs(e.values[k - 1] - (2 - 2 * Math.cos((k * Math.PI) / (n + 1))))).toBeLessThan(1e-14);
    }
  });

  it('A V = V Λ and Vᵀ V = I for random symmetric matrices (1e-13)', () => {
    for (const n of [1, 3, 7, 15]) {
      const b = randomMatrix(n, n, 40 + n);
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i + j * n] = b[i + j * n] + b[j + i * n];
      const ws = new SymmetricEigenWorkspace(n);
      expect(symmetricEigenInto(a, n, ws.values, ws.vectors, ws.work)).toBe(true);
      const av = naiveMul(a, ws.vectors, n, n, n);
      const vtv = naiveMul(transpose(ws.vectors, n, n), ws.vectors, n, n, n);
      for (let j = 0; j < n; j++) {
        if (j > 0) expect(ws.values[j]).toBeGreaterThanOrEqual(ws.values[j - 1]);
        for (let i = 0; i < n; i++) {
          expect(Math.abs(av[i + j * n] - ws.vectors[i + j * n] * ws.values[j])).toBeLessThan(1e-13);
          expect(Math.abs(vtv[i + j * n] - (i === j ? 1 : 0))).toBeLessThan(1e-13);
        }
      }
    }
  });

  it('keeps a tiny eigenvalue of a graded SPD matrix to high relative accuracy', () => {
    // diag(1, 1e-12) rotated by 30°: eigenvalues exactly 1 and 1e-12 (up to rounding of A).
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const l1 = 1;
    const l2 = 1e-12;
    const a = Float64Array.of(c * c * l1 + s * s * l2, c * s * (l1 - l2), c * s * (l1 - l2), s * s * l1 + c * c * l2);
    const e = symmetricEigen(a, 2)!;
    expect(e.values[1]).toBeCloseTo(1, 14);
    expect(Math.abs(e.values[0] - l2) / l2).toBeLessThan(1e-3); // limited by rounding in A itself
  });

  it('returns null for non-finite input', () => {
    expect(symmetricEigen(Float64Array.of(1, NaN, NaN, 1), 2)).toBeNull();
  });
});

describe('symmetric square roots and condition numbers', () => {
  it('S = A^(−½) satisfies S A S = I and S = Sᵀ; R = A^(½) satisfies R R = A (1e-12)', () => {
    const n = 6;
    const a = randomSpd(n, 77);
    const s = new Float64Array(n * n);
    expect(symmetricInverseSqrtInto(s, a, n)).toBe(true);
    const sas = naiveMul(naiveMul(s, a, n, n, n), s, n, n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      expect(Math.abs(sas[i + j * n] - (i === j ? 1 : 0))).toBeLessThan(1e-12);
      expect(s[i + j * n]).toBe(s[j + i * n]);
    }
    const r = new Float64Array(n * n);
    expect(symmetricSqrtInto(r, a, n)).toBe(true);
    expect(maxAbsDiff(naiveMul(r, r, n, n, n), a) / normInf(a)).toBeLessThan(1e-12);
  });

  it('inverse square root of diag(4, 9) is diag(1/2, 1/3); fails for an indefinite matrix', () => {
    const s = new Float64Array(4);
    expect(symmetricInverseSqrtInto(s, Float64Array.of(4, 0, 0, 9), 2)).toBe(true);
    expect(s[0]).toBeCloseTo(0.5, 15);
    expect(s[3]).toBeCloseTo(1 / 3, 15);
    expect(s[1]).toBe(0);
    expect(symmetricInverseSqrtInto(s, Float64Array.of(1, 2, 2, 1), 2)).toBe(false);
    expect(symmetricSqrtInto(s, Float64Array.of(1, 2, 2, 1), 2)).toBe(false);
    expect(symmetricSqrtInto(s, Float64Array.of(1, 1, 1, 1), 2)).toBe(true); // PSD
    expect(s[0]).toBeCloseTo(Math.SQRT1_2, 14);
  });

  it('condition number of diag(1, 10, 100) is 100; singular gives Infinity', () => {
    const a = new Float64Array(9);
    a[0] = 1; a[4] = 10; a[8] = 100;
    expect(symmetricConditionNumber(a, 3)).toBeCloseTo(100, 12);
    expect(symmetricConditionNumber(Float64Array.of(1, 1, 1, 1), 2)).toBe(Infinity);
  });
});
