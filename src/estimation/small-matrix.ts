/**
 * Small dense Cholesky kernels used by the estimation layer (matrices of the size of Ω or of
 * the parameter vector). Flat Float64Array, row-major n×n with the factor L in the lower
 * triangle (the transpose of src/linalg/cholesky.ts's column-major layout, which the inner
 * loops here read row by row). Eigen-decompositions come from src/linalg/symmetric-eigen.ts.
 * No allocation unless a function's name says it returns a new array.
 */
import { symmetricEigen } from '../linalg/symmetric-eigen.js';

/**
 * Cholesky factorization A = L Lᵀ in place: on return the lower triangle of `a` holds L and
 * the strict upper triangle is zeroed. Returns false (leaving `a` partly overwritten) when A is
 * not numerically positive definite.
 * Example: `const a = Float64Array.of(4, 2, 2, 3); choleskyLowerInPlace(a, 2)` → L = [2 0; 1 √2].
 */
export function choleskyLowerInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / ljj;
    }
    for (let i = 0; i < j; i++) a[i * n + j] = 0;
  }
  return true;
}

/** log|A| from the Cholesky factor L of A (lower triangle of `l`). */
export function logDetFromCholeskyLower(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]);
  return 2 * s;
}

/** Solve L Lᵀ x = b in place (`b` becomes x), L the lower Cholesky factor in `l`. */
export function choleskySolveLowerInPlace(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * b[k];
    b[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * b[k];
    b[i] = s / l[i * n + i];
  }
}

/** Solve L z = b in place (forward substitution), L lower triangular in `l`. */
export function forwardSolveLowerInPlace(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * b[k];
    b[i] = s / l[i * n + i];
  }
}

/** out = A⁻¹ from the lower Cholesky factor L of A (`out` must not alias `l`). */
export function choleskyInverseLowerInto(out: Float64Array, l: Float64Array, n: number, col: Float64Array = new Float64Array(n)): void {
  for (let j = 0; j < n; j++) {
    col.fill(0);
    col[j] = 1;
    choleskySolveLowerInPlace(l, n, col);
    for (let i = 0; i < n; i++) out[i * n + j] = col[i];
  }
}

/**
 * Inverse and log-determinant of a symmetric positive definite matrix, or undefined when it is
 * not positive definite. Allocates its results.
 */
export function spdInverse(a: Float64Array, n: number): { inverse: Float64Array; logDet: number } | undefined {
  const l = Float64Array.from(a);
  if (!choleskyLowerInPlace(l, n)) return undefined;
  const inverse = new Float64Array(n * n);
  choleskyInverseLowerInto(inverse, l, n);
  return { inverse, logDet: logDetFromCholeskyLower(l, n) };
}

/** Eigenvalues (ascending) of a symmetric matrix, or NaNs when it has non-finite entries; allocates. */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  const e = symmetricEigen(a, n);
  return e ? e.values : new Float64Array(n).fill(NaN);
}
