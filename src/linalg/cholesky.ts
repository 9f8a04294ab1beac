/**
 * Cholesky factorization A = L Lᵀ of a symmetric positive definite matrix, and what is
 * built on it: triangular solves, log-determinants, inverses.
 *
 * Layout: an n×n matrix is stored column-major in a Float64Array, element (i, j) at
 * `a[i + j * lda]`, with leading dimension `lda = n` unless given. Only the lower triangle
 * (i ≥ j) is read or written; the strict upper triangle is left as it was, so a caller
 * using the factor as a full matrix must zero it first (`zeroUpperTriangle`).
 *
 * All kernels walk columns (contiguous memory), allocate nothing, and report failure
 * through their return value, never by throwing and never by producing NaN.
 * Algorithms: Golub & Van Loan, Matrix Computations, 4th ed. (2013), Alg. 4.2.1 (gaxpy
 * Cholesky), Alg. 3.1.3/3.1.4 (column-oriented triangular solves); the inverse follows
 * LAPACK's dpotri (triangular inverse, then LᵀL-type product in place).
 */

/**
 * Factors A = L Lᵀ in place (lower triangle of `a` becomes L).
 * Returns false when A is not (numerically) positive definite: a pivot is ≤ 0 or not
 * finite (e.g. NaN or ±Infinity in A). On failure the lower triangle is partly
 * overwritten and must not be used.
 *
 * Example: `const a = Float64Array.of(4, 2, 2, 3); choleskyInPlace(a, 2)` → true,
 * lower triangle [2, 1, ·, √2].
 */
export function choleskyInPlace(a: Float64Array, n: number, lda: number = n): boolean {
  for (let j = 0; j < n; j++) {
    const cj = j * lda;
    // Left-looking update: a[j:n, j] -= L[j:n, 0:j] · L[j, 0:j]ᵀ, four columns per pass
    // (one load/store of a[i, j] per four multiply-adds), then the remainder.
    let k = 0;
    for (; k + 3 < j; k += 4) {
      const c0 = k * lda;
      const c1 = c0 + lda;
      const c2 = c1 + lda;
      const c3 = c2 + lda;
      const l0 = a[j + c0];
      const l1 = a[j + c1];
      const l2 = a[j + c2];
      const l3 = a[j + c3];
      for (let i = j; i < n; i++) {
        a[i + cj] -= a[i + c0] * l0 + a[i + c1] * l1 + a[i + c2] * l2 + a[i + c3] * l3;
      }
    }
    for (; k < j; k++) {
      const ck = k * lda;
      const ljk = a[j + ck];
      if (ljk === 0) continue;
      for (let i = j; i < n; i++) a[i + cj] -= a[i + ck] * ljk;
    }
    const pivot = a[j + cj];
    if (!(pivot > 0) || pivot === Infinity) return false;
    const d = Math.sqrt(pivot);
    a[j + cj] = d;
    const inv = 1 / d;
    for (let i = j + 1; i < n; i++) a[i + cj] *= inv;
  }
  // A non-finite L[i, k] (i > k) reaches pivot i as a[i, i] − L[i, k]² (NaN or −∞), so the
  // pivot test above also rejects NaN/±Infinity anywhere in the lower triangle.
  return true;
}

/**
 * Allocating variant of choleskyInPlace: returns L (n×n column-major, strict upper
 * triangle zero) or null when A is not positive definite. `a` is not modified.
 */
export function cholesky(a: Float64Array, n: number, lda: number = n): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let i = j; i < n; i++) l[i + j * n] = a[i + j * lda];
  }
  return choleskyInPlace(l, n) ? l : null;
}

/** Sets the strict upper triangle of an n×n column-major matrix to zero. */
export function zeroUpperTriangle(a: Float64Array, n: number, lda: number = n): void {
  for (let j = 1; j < n; j++) {
    const cj = j * lda;
    for (let i = 0; i < j; i++) a[i + cj] = 0;
  }
}

/** Solves L x = b in place (b becomes x); L lower triangular with nonzero diagonal. */
export function forwardSolveInPlace(l: Float64Array, n: number, b: Float64Array, lda: number = n): void {
  for (let j = 0; j < n; j++) {
    const cj = j * lda;
    const xj = b[j] / l[j + cj];
    b[j] = xj;
    if (xj === 0) continue;
    for (let i = j + 1; i < n; i++) b[i] -= l[i + cj] * xj;
  }
}

/** Solves Lᵀ x = b in place (b becomes x); L lower triangular with nonzero diagonal. */
export function backSolveTransposeInPlace(l: Float64Array, n: number, b: Float64Array, lda: number = n): void {
  for (let j = n - 1; j >= 0; j--) {
    const cj = j * lda;
    let s = b[j];
    for (let i = j + 1; i < n; i++) s -= l[i + cj] * b[i];
    b[j] = s / l[j + cj];
  }
}

/** Solves A x = b in place for A = L Lᵀ given its Cholesky factor L (b becomes x). */
export function choleskySolveInPlace(l: Float64Array, n: number, b: Float64Array, lda: number = n): void {
  forwardSolveInPlace(l, n, b, lda);
  backSolveTransposeInPlace(l, n, b, lda);
}

/**
 * Solves A X = B in place for `nrhs` right-hand sides (B is n×nrhs column-major with
 * leading dimension `ldb`, overwritten by X), given the Cholesky factor L of A.
 */
export function choleskySolveMatrixInPlace(
  l: Float64Array, n: number, B: Float64Array, nrhs: number, lda: number = n, ldb: number = n,
): void {
  for (let c = 0; c < nrhs; c++) {
    const off = c * ldb;
    // Forward then back substitution on column c, inlined to avoid subarray views.
    for (let j = 0; j < n; j++) {
      const cj = j * lda;
      const xj = B[off + j] / l[j + cj];
      B[off + j] = xj;
      if (xj === 0) continue;
      for (let i = j + 1; i < n; i++) B[off + i] -= l[i + cj] * xj;
    }
    for (let j = n - 1; j >= 0; j--) {
      const cj = j * lda;
      let s = B[off + j];
      for (let i = j + 1; i < n; i++) s -= l[i + cj] * B[off + i];
      B[off + j] = s / l[j + cj];
    }
  }
}

/** log|A| = 2 Σ log L_ii for A = L Lᵀ (natural logarithm). */
export function logDetFromCholesky(l: Float64Array, n: number, lda: number = n): number {
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.log(l[j + j * lda]);
  return 2 * s;
}

/**
 * A⁻¹ for A = L Lᵀ, written as a full symmetric n×n column-major matrix into `out`
 * (leading dimension n). `out` may be the same array as `l` when lda = n.
 */
export function choleskyInverseInto(l: Float64Array, n: number, out: Float64Array, lda: number = n): void {
  if (out !== l || lda !== n) {
    for (let j = 0; j < n; j++) {
      for (let i = j; i < n; i++) out[i + j * n] = l[i + j * lda];
    }
  }
  lowerTriangularInverseInPlace(out, n);
  // out (lower) holds M = L⁻¹; A⁻¹ = Mᵀ M, (i ≥ j): Σ_{k ≥ i} M[k,i] M[k,j].
  // Columns left to right, rows top-down: entries still needed are never overwritten early.
  for (let j = 0; j < n; j++) {
    const cj = j * n;
    for (let i = j; i < n; i++) {
      const ci = i * n;
      let s = 0;
      for (let k = i; k < n; k++) s += out[k + ci] * out[k + cj];
      out[i + cj] = s;
    }
  }
  for (let j = 1; j < n; j++) {
    for (let i = 0; i < j; i++) out[i + j * n] = out[j + i * n];
  }
}

/** Allocating variant of choleskyInverseInto. */
export function choleskyInverse(l: Float64Array, n: number, lda: number = n): Float64Array {
  const out = new Float64Array(n * n);
  choleskyInverseInto(l, n, out, lda);
  return out;
}

/**
 * out = A⁻¹ for a symmetric positive definite A (lower triangle read, leading dimension
 * `lda`), written as a full symmetric n×n column-major matrix (leading dimension n), and
 * returns log|A| (natural logarithm). Returns null when A is not positive definite; `out`
 * is then unusable. `out` may be the same array as `a` when lda = n. Allocates nothing.
 *
 * Example: `spdInverseInto(out, Float64Array.of(4, 2, 2, 3), 2)` → log 8, out = [3, −2, −2, 4]/8.
 */
export function spdInverseInto(out: Float64Array, a: Float64Array, n: number, lda: number = n): number | null {
  if (out !== a || lda !== n) {
    for (let j = 0; j < n; j++) {
      for (let i = j; i < n; i++) out[i + j * n] = a[i + j * lda];
    }
  }
  if (!choleskyInPlace(out, n)) return null;
  const logDet = logDetFromCholesky(out, n);
  choleskyInverseInto(out, n, out);
  return logDet;
}

/**
 * Allocating variant of spdInverseInto: A⁻¹ (full symmetric, column-major) and log|A| of a
 * symmetric positive definite A, or null when A is not positive definite. `a` is not modified.
 */
export function spdInverse(a: Float64Array, n: number, lda: number = n): { inverse: Float64Array; logDet: number } | null {
  const inverse = new Float64Array(n * n);
  const logDet = spdInverseInto(inverse, a, n, lda);
  return logDet === null ? null : { inverse, logDet };
}

/**
 * Replaces a lower triangular matrix by its inverse (lower triangle only), in place.
 * LAPACK dtrti2 order: columns right to left, each using the already inverted trailing block.
 */
export function lowerTriangularInverseInPlace(a: Float64Array, n: number, lda: number = n): void {
  for (let j = n - 1; j >= 0; j--) {
    const cj = j * lda;
    const ajj = 1 / a[j + cj];
    a[j + cj] = ajj;
    // x = a[j+1:n, j] := T · x with T = a[j+1:n, j+1:n] (already inverted), then scale by −ajj.
    for (let k = n - 1; k > j; k--) {
      const ck = k * lda;
      const t = a[k + cj];
      a[k + cj] = a[k + ck] * t;
      if (t === 0) continue;
      for (let i = k + 1; i < n; i++) a[i + cj] += a[i + ck] * t;
    }
    for (let i = j + 1; i < n; i++) a[i + cj] *= -ajj;
  }
}

/**
 * out = L z for a lower triangular L (e.g. to draw x ~ N(0, A) from z ~ N(0, I) with
 * A = L Lᵀ). `out` must not alias `z`.
 */
export function lowerTriangularMulVecInto(
  out: Float64Array, l: Float64Array, n: number, z: Float64Array, lda: number = n,
): void {
  for (let i = 0; i < n; i++) out[i] = 0;
  for (let j = 0; j < n; j++) {
    const cj = j * lda;
    const zj = z[j];
    if (zj === 0) continue;
    for (let i = j; i < n; i++) out[i] += l[i + cj] * zj;
  }
}
