/**
 * Small dense matrix helpers on flat column-major Float64Arrays: element (i, j) of an m×n
 * matrix is at `a[i + j * m]`. Outputs come first (`fooInto(out, ...)`) and must not alias
 * the inputs unless a function says so. Nothing here allocates except the allocating
 * variants (`identity`, `transpose`, `isPositiveDefinite`).
 *
 * Symmetric eigen-decomposition, square roots and condition numbers live in
 * `./symmetric-eigen.ts`.
 */
import { choleskyInPlace } from './cholesky.js';

/** out (m×n) = A (m×k) · B (k×n). */
export function matMulInto(
  out: Float64Array, a: Float64Array, b: Float64Array, m: number, k: number, n: number,
): void {
  for (let j = 0; j < n; j++) {
    const oj = j * m;
    for (let i = 0; i < m; i++) out[oj + i] = 0;
    for (let p = 0; p < k; p++) {
      const t = b[p + j * k];
      if (t === 0) continue;
      const ap = p * m;
      for (let i = 0; i < m; i++) out[oj + i] += a[ap + i] * t;
    }
  }
}

/** out (k×n) = Aᵀ · B with A m×k and B m×n (dot products of columns). */
export function matTransposeMulInto(
  out: Float64Array, a: Float64Array, b: Float64Array, m: number, k: number, n: number,
): void {
  for (let j = 0; j < n; j++) {
    const bj = j * m;
    for (let i = 0; i < k; i++) {
      const ai = i * m;
      let s = 0;
      for (let r = 0; r < m; r++) s += a[ai + r] * b[bj + r];
      out[i + j * k] = s;
    }
  }
}

/** out (m×n) = A · Bᵀ with A m×k and B n×k. */
export function matMulTransposeInto(
  out: Float64Array, a: Float64Array, b: Float64Array, m: number, k: number, n: number,
): void {
  for (let j = 0; j < n; j++) {
    const oj = j * m;
    for (let i = 0; i < m; i++) out[oj + i] = 0;
    for (let p = 0; p < k; p++) {
      const t = b[j + p * n];
      if (t === 0) continue;
      const ap = p * m;
      for (let i = 0; i < m; i++) out[oj + i] += a[ap + i] * t;
    }
  }
}

/**
 * Symmetric rank-k update C (k×k) = β·C + α·AᵀA with A m×k (BLAS dsyrk, 'T').
 * Writes the full symmetric C (both triangles).
 */
export function rankKUpdateTransposeInto(
  c: Float64Array, a: Float64Array, m: number, k: number, alpha = 1, beta = 1,
): void {
  for (let j = 0; j < k; j++) {
    const aj = j * m;
    for (let i = j; i < k; i++) {
      const ai = i * m;
      let s = 0;
      for (let r = 0; r < m; r++) s += a[ai + r] * a[aj + r];
      const v = (beta === 0 ? 0 : beta * c[i + j * k]) + alpha * s;
      c[i + j * k] = v;
      c[j + i * k] = v;
    }
  }
}

/**
 * Symmetric rank-k update C (m×m) = β·C + α·A·Aᵀ with A m×k (BLAS dsyrk, 'N').
 * Writes the full symmetric C (both triangles).
 */
export function rankKUpdateInto(
  c: Float64Array, a: Float64Array, m: number, k: number, alpha = 1, beta = 1,
): void {
  for (let j = 0; j < m; j++) {
    const cj = j * m;
    for (let i = j; i < m; i++) c[i + cj] = beta === 0 ? 0 : beta * c[i + cj];
    for (let p = 0; p < k; p++) {
      const ap = p * m;
      const t = alpha * a[j + ap];
      if (t === 0) continue;
      for (let i = j; i < m; i++) c[i + cj] += a[i + ap] * t;
    }
  }
  for (let j = 1; j < m; j++) {
    for (let i = 0; i < j; i++) c[i + j * m] = c[j + i * m];
  }
}

/** out (m) = A (m×n) · x (n). */
export function matVecInto(out: Float64Array, a: Float64Array, x: Float64Array, m: number, n: number): void {
  for (let i = 0; i < m; i++) out[i] = 0;
  for (let j = 0; j < n; j++) {
    const t = x[j];
    if (t === 0) continue;
    const aj = j * m;
    for (let i = 0; i < m; i++) out[i] += a[aj + i] * t;
  }
}

/** out (n) = Aᵀ · x with A m×n and x of length m. */
export function matTransposeVecInto(out: Float64Array, a: Float64Array, x: Float64Array, m: number, n: number): void {
  for (let j = 0; j < n; j++) {
    const aj = j * m;
    let s = 0;
    for (let i = 0; i < m; i++) s += a[aj + i] * x[i];
    out[j] = s;
  }
}

/** Σ a_i b_i over the first n elements. */
export function dot(a: Float64Array, b: Float64Array, n: number = a.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/** max_i |a_i| over the first n elements (0 for n = 0; NaN if any element is NaN). */
export function normInf(a: Float64Array, n: number = a.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(a[i]);
    if (!(v <= s)) s = v;
  }
  return s;
}

/** Euclidean norm of the first n elements, without overflow for large entries. */
export function norm2(a: Float64Array, n: number = a.length): number {
  const scale = normInf(a, n);
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = a[i] / scale;
    s += v * v;
  }
  return scale * Math.sqrt(s);
}

/** Copies the first `length` elements of `src` into `out` (default: all of `src`). */
export function copyInto(out: Float64Array, src: Float64Array, length: number = src.length): void {
  for (let i = 0; i < length; i++) out[i] = src[i];
}

/** Writes the n×n identity into `out`. */
export function identityInto(out: Float64Array, n: number): void {
  out.fill(0, 0, n * n);
  for (let i = 0; i < n; i++) out[i + i * n] = 1;
}

/** The n×n identity matrix. */
export function identity(n: number): Float64Array {
  const out = new Float64Array(n * n);
  identityInto(out, n);
  return out;
}

/**
 * out (n×m) = Aᵀ with A m×n. Because a column-major m×n matrix has the same memory as a
 * row-major n×m one, this also converts between row-major and column-major storage.
 */
export function transposeInto(out: Float64Array, a: Float64Array, m: number, n: number): void {
  for (let j = 0; j < n; j++) {
    const aj = j * m;
    for (let i = 0; i < m; i++) out[j + i * n] = a[aj + i];
  }
}

/** Allocating variant of transposeInto. */
export function transpose(a: Float64Array, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  transposeInto(out, a, m, n);
  return out;
}

/** Copies the lower triangle of an n×n matrix onto its upper triangle, in place. */
export function symmetrizeFromLowerInPlace(a: Float64Array, n: number): void {
  for (let j = 1; j < n; j++) {
    for (let i = 0; i < j; i++) a[i + j * n] = a[j + i * n];
  }
}

/**
 * True when the symmetric n×n matrix A (lower triangle read) has a Cholesky factor, i.e.
 * is numerically positive definite. Uses `work` (length ≥ n²) when given, else allocates.
 */
export function isPositiveDefinite(a: Float64Array, n: number, work?: Float64Array): boolean {
  const w = work ?? new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) w[i] = a[i];
  return choleskyInPlace(w, n);
}

/** max_ij |a_ij − b_ij| over the first `length` elements (for checks and tests). */
export function maxAbsDiff(a: Float64Array, b: Float64Array, length: number = a.length): number {
  let s = 0;
  for (let i = 0; i < length; i++) {
    const v = Math.abs(a[i] - b[i]);
    if (!(v <= s)) s = v;
  }
  return s;
}

export {
  SymmetricEigenWorkspace, symmetricEigen, symmetricEigenInto, symmetricInverseSqrtInto,
  symmetricSqrtInto, symmetricConditionNumber,
} from './symmetric-eigen.js';
