import { describe, expect, it } from 'vitest';
import {
  backSolveTransposeInPlace, cholesky, choleskyInPlace, choleskyInverse, choleskyInverseInto,
  choleskySolveInPlace, choleskySolveMatrixInPlace, forwardSolveInPlace, logDetFromCholesky,
  lowerTriangularInverseInPlace, lowerTriangularMulVecInto, spdInverse, spdInverseInto, zeroUpperTriangle,
} from '../../src/linalg/cholesky.js';
import { uniformSymmetric as rng } from '../support/random.js';


/** Random SPD matrix B Bᵀ + δ I (column-major, full). */
function randomSpd(n: number, seed: number, delta = 0.1): Float64Array {
  const r = rng(seed);
  const b = new Float64Array(n * n).map(() => r());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += b[i + k * n] * b[j + k * n];
      a[i + j * n] = s + (i === j ? delta : 0);
    }
  }
  return a;
}

function mulFull(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += a[i + k * n] * b[k + j * n];
    c[i + j * n] = s;
  }
  return c;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Hilbert matrix H_ij = 1/(i + j − 1) (1-based), column-major. */
function hilbert(n: number): Float64Array {
  const h = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h[i + j * n] = 1 / (i + j + 1);
  return h;
}

function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

describe('choleskyInPlace', () => {
  it('reproduces A = L Lᵀ for random SPD matrices (n = 1..40) to 1e-13 relative', () => {
    for (const n of [1, 2, 3, 5, 8, 13, 40]) {
      const a = randomSpd(n, 1000 + n);
      const l = cholesky(a, n);
      expect(l).not.toBeNull();
      const llt = mulFull(l!, transposeOf(l!, n), n);
      let err = 0;
      for (let i = 0; i < n * n; i++) err = Math.max(err, Math.abs(llt[i] - a[i]));
      expect(err / maxAbs(a)).toBeLessThan(1e-13);
    }
  });

  it('matches the hand-computed factor of [[4, 2], [2, 3]]: L = [[2, 0], [1, √2]]', () => {
    const a = Float64Array.of(4, 2, 2, 3);
    expect(choleskyInPlace(a, 2)).toBe(true);
    expect(a[0]).toBe(2);
    expect(a[1]).toBe(1);
    expect(a[3]).toBeCloseTo(Math.SQRT2, 15);
    expect(a[2]).toBe(2); // strict upper triangle untouched
  });

  it('reads only the lower triangle (garbage above the diagonal is ignored)', () => {
    const n = 6;
    const a = randomSpd(n, 7);
    const b = a.slice();
    for (let j = 1; j < n; j++) for (let i = 0; i < j; i++) b[i + j * n] = 1e300;
    expect(choleskyInPlace(a, n)).toBe(true);
    expect(choleskyInPlace(b, n)).toBe(true);
    for (let j = 0; j < n; j++) for (let i = j; i < n; i++) expect(b[i + j * n]).toBe(a[i + j * n]);
  });

  it('honours a leading dimension larger than n (a block inside a bigger buffer)', () => {
    const n = 4;
    const lda = 7;
    const a = randomSpd(n, 3);
    const big = new Float64Array(lda * n).fill(-5);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) big[i + j * lda] = a[i + j * n];
    expect(choleskyInPlace(a, n)).toBe(true);
    expect(choleskyInPlace(big, n, lda)).toBe(true);
    for (let j = 0; j < n; j++) {
      for (let i = j; i < n; i++) expect(big[i + j * lda]).toBe(a[i + j * n]);
      for (let i = n; i < lda; i++) expect(big[i + j * lda]).toBe(-5);
    }
  });

  it('returns false (never NaN) for indefinite, singular and non-finite matrices', () => {
    expect(choleskyInPlace(Float64Array.of(1, 2, 2, 1), 2)).toBe(false); // eigenvalues −1, 3
    expect(choleskyInPlace(Float64Array.of(1, 1, 1, 1), 2)).toBe(false); // singular
    expect(choleskyInPlace(Float64Array.of(0), 1)).toBe(false);
    expect(choleskyInPlace(Float64Array.of(-1), 1)).toBe(false);
    expect(choleskyInPlace(Float64Array.of(NaN), 1)).toBe(false);
    expect(choleskyInPlace(Float64Array.of(Infinity), 1)).toBe(false);
    expect(choleskyInPlace(Float64Array.of(1, NaN, NaN, 1), 2)).toBe(false);
    expect(choleskyInPlace(Float64Array.of(1, Infinity, Infinity, 1), 2)).toBe(false);
    expect(choleskyInPlace(Float64Array.of(4, 1, 0, 1, NaN, 0, 0, 0, 1), 3)).toBe(false);
    // Rank-deficient 3×3 (rank 2): B Bᵀ with B 3×2.
    const b = Float64Array.of(1, 2, 3, 4, 5, 6);
    const a = new Float64Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) a[i + 3 * j] = b[i] * b[j] + b[i + 3] * b[j + 3];
    const l = cholesky(a, 3);
    if (l !== null) {
      // Rounding may leave a tiny positive last pivot; the factor must at least be finite.
      for (const v of l) expect(Number.isFinite(v)).toBe(true);
    }
    expect(cholesky(Float64Array.of(1, 2, 2, 1), 2)).toBeNull();
  });
});

function transposeOf(a: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j + i * n] = a[i + j * n];
  return t;
}

describe('triangular and Cholesky solves', () => {
  it('forward and transposed back substitution invert L and Lᵀ (residual ≤ 1e-13 relative)', () => {
    const n = 9;
    const l = cholesky(randomSpd(n, 11), n)!;
    const r = rng(5);
    const x = new Float64Array(n).map(() => r());
    const lx = new Float64Array(n);
    lowerTriangularMulVecInto(lx, l, n, x);
    forwardSolveInPlace(l, n, lx);
    for (let i = 0; i < n; i++) expect(Math.abs(lx[i] - x[i])).toBeLessThan(1e-13);
    const ltx = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let k = i; k < n; k++) ltx[i] += l[k + i * n] * x[k];
    backSolveTransposeInPlace(l, n, ltx);
    for (let i = 0; i < n; i++) expect(Math.abs(ltx[i] - x[i])).toBeLessThan(1e-13);
  });

  it('solves A x = b and A X = B for random SPD A (residual ≤ 1e-12 relative)', () => {
    const n = 12;
    const a = randomSpd(n, 21);
    const l = cholesky(a, n)!;
    const r = rng(9);
    const nrhs = 3;
    const B = new Float64Array(n * nrhs).map(() => r());
    const X = B.slice();
    choleskySolveMatrixInPlace(l, n, X, nrhs);
    for (let c = 0; c < nrhs; c++) {
      const x = B.slice(c * n, (c + 1) * n);
      choleskySolveInPlace(l, n, x);
      for (let i = 0; i < n; i++) {
        expect(x[i]).toBe(X[i + c * n]);
        let ax = 0;
        for (let k = 0; k < n; k++) ax += a[i + k * n] * x[k];
        expect(Math.abs(ax - B[i + c * n])).toBeLessThan(1e-12 * maxAbs(a) * maxAbs(x));
      }
    }
  });

  it('solves with leading dimensions larger than n for both L and B', () => {
    const n = 3;
    const a = randomSpd(n, 2);
    const lda = 5;
    const big = new Float64Array(lda * n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) big[i + j * lda] = a[i + j * n];
    expect(choleskyInPlace(big, n, lda)).toBe(true);
    const ldb = 4;
    const B = Float64Array.of(1, 2, 3, 99, 4, 5, 6, 99);
    choleskySolveMatrixInPlace(big, n, B, 2, lda, ldb);
    expect(B[3]).toBe(99);
    expect(B[7]).toBe(99);
    const x = Float64Array.of(4, 5, 6);
    choleskySolveInPlace(big, n, x, lda);
    for (let i = 0; i < n; i++) expect(B[4 + i]).toBeCloseTo(x[i], 14);
  });
});

describe('log-determinant and inverse', () => {
  it('log|H| of Hilbert matrices matches the exact determinants 1/2160, 1/6048000, 1/266716800000', () => {
    // Exact: det H_n = c_n⁴ / c_{2n}, c_n = Π_{k<n} k! (Hilbert 1894); relative error of
    // log|H| is bounded by cond(H)·ε ≈ 5e5·2e-16 for n = 5.
    const exact: Record<number, number> = { 3: 2160, 4: 6048000, 5: 266716800000 };
    for (const n of [3, 4, 5]) {
      const l = cholesky(hilbert(n), n)!;
      expect(Math.abs(logDetFromCholesky(l, n) + Math.log(exact[n]))).toBeLessThan(1e-9);
    }
  });

  it('inverts the 5×5 Hilbert matrix to its exact integer inverse (1e-8 relative)', () => {
    // (H⁻¹)_ij = (−1)^(i+j) (i+j−1) C(n+i−1, n−j) C(n+j−1, n−i) C(i+j−2, i−1)², 1-based.
    const n = 5;
    const inv = choleskyInverse(cholesky(hilbert(n), n)!, n);
    for (let i = 1; i <= n; i++) for (let j = 1; j <= n; j++) {
      const c = binom(i + j - 2, i - 1);
      const exact = (-1) ** (i + j) * (i + j - 1) * binom(n + i - 1, n - j) * binom(n + j - 1, n - i) * c * c;
      expect(Math.abs(inv[i - 1 + (j - 1) * n] - exact) / Math.abs(exact)).toBeLessThan(1e-8);
    }
    expect(inv[0]).toBeCloseTo(25, 6);
  });

  it('A · A⁻¹ = I for random SPD matrices, symmetric output, in place and with lda', () => {
    for (const n of [1, 2, 4, 10, 25]) {
      const a = randomSpd(n, 300 + n, 1);
      const l = cholesky(a, n)!;
      const inv = new Float64Array(n * n);
      choleskyInverseInto(l, n, inv);
      const prod = mulFull(a, inv, n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        expect(Math.abs(prod[i + j * n] - (i === j ? 1 : 0))).toBeLessThan(1e-11);
        expect(inv[i + j * n]).toBe(inv[j + i * n]);
      }
      const same = l.slice();
      choleskyInverseInto(same, n, same);
      expect(maxAbs(same.map((v, k) => v - inv[k]))).toBe(0);
    }
    const n = 3;
    const a = randomSpd(n, 44);
    const lda = 4;
    const big = new Float64Array(lda * n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) big[i + j * lda] = a[i + j * n];
    choleskyInPlace(big, n, lda);
    const inv = new Float64Array(n * n);
    choleskyInverseInto(big, n, inv, lda);
    const prod = mulFull(a, inv, n);
    for (let i = 0; i < n; i++) expect(prod[i + i * n]).toBeCloseTo(1, 12);
  });

  it('lowerTriangularInverseInPlace gives L⁻¹ with L · L⁻¹ = I; zeroUpperTriangle clears above', () => {
    const n = 7;
    const l = cholesky(randomSpd(n, 5), n)!;
    const m = l.slice();
    lowerTriangularInverseInPlace(m, n);
    zeroUpperTriangle(m, n);
    const p = mulFull(l, m, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      expect(Math.abs(p[i + j * n] - (i === j ? 1 : 0))).toBeLessThan(1e-13);
    }
  });
});

describe('spdInverse: inverse and log-determinant of a symmetric positive definite matrix', () => {
  it('[[4, 2], [2, 3]]: A⁻¹ = [[3, −2], [−2, 4]]/8 and log|A| = log 8 (hand-computed, 1e-15)', () => {
    const r = spdInverse(Float64Array.of(4, 2, 2, 3), 2)!;
    expect(r.logDet).toBeCloseTo(Math.log(8), 15);
    [3 / 8, -2 / 8, -2 / 8, 4 / 8].forEach((v, k) => expect(r.inverse[k]).toBeCloseTo(v, 15));
  });

  it('5×5 Hilbert matrix: log|H| = −log 266716800000 (1e-9) and the exact integer inverse (1e-8 relative)', () => {
    const n = 5;
    const r = spdInverse(hilbert(n), n)!;
    expect(Math.abs(r.logDet + Math.log(266716800000))).toBeLessThan(1e-9);
    for (let i = 1; i <= n; i++) for (let j = 1; j <= n; j++) {
      const c = binom(i + j - 2, i - 1);
      const exact = (-1) ** (i + j) * (i + j - 1) * binom(n + i - 1, n - j) * binom(n + j - 1, n - i) * c * c;
      expect(Math.abs(r.inverse[i - 1 + (j - 1) * n] - exact) / Math.abs(exact)).toBeLessThan(1e-8);
    }
  });

  it('agrees with cholesky + choleskyInverse + logDetFromCholesky exactly, in place, with lda, input unchanged', () => {
    for (const n of [1, 3, 6, 17]) {
      const a = randomSpd(n, 500 + n, 0.5);
      const copy = a.slice();
      const l = cholesky(a, n)!;
      const r = spdInverse(a, n)!;
      expect(Array.from(a)).toEqual(Array.from(copy));
      expect(r.logDet).toBe(logDetFromCholesky(l, n));
      expect(Array.from(r.inverse)).toEqual(Array.from(choleskyInverse(l, n)));
      const same = a.slice();
      expect(spdInverseInto(same, same, n)).toBe(r.logDet);
      expect(Array.from(same)).toEqual(Array.from(r.inverse));
      const lda = n + 2;
      const big = new Float64Array(lda * n).fill(7);
      for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) big[i + j * lda] = a[i + j * n];
      const out = new Float64Array(n * n);
      expect(spdInverseInto(out, big, n, lda)).toBe(r.logDet);
      expect(Array.from(out)).toEqual(Array.from(r.inverse));
    }
  });

  it('returns null (never NaN) for indefinite, singular and non-finite matrices', () => {
    expect(spdInverse(Float64Array.of(1, 2, 2, 1), 2)).toBeNull();
    expect(spdInverse(Float64Array.of(1, 1, 1, 1), 2)).toBeNull();
    expect(spdInverse(Float64Array.of(NaN), 1)).toBeNull();
    expect(spdInverseInto(new Float64Array(4), Float64Array.of(1, Infinity, Infinity, 1), 2)).toBeNull();
  });
});
