/**
 * LU factorization with partial pivoting of the small dense matrices of the stiff ODE method
 * (one row per compartment), on flat row-major Float64Arrays, in place and allocation-free
 * (Golub & Van Loan, Matrix Computations, 4th ed., Algorithm 3.4.1).
 */

/**
 * Factors the n×n row-major matrix `m` in place as P·m = L·U (unit lower L below the
 * diagonal, U on and above it); `pivots[k]` is the row swapped with row k. Returns false
 * (leaving `m` partly factored) when a pivot is zero or not finite.
 *
 * @example
 * const m = Float64Array.of(0, 1, 2, 3); const piv = new Int32Array(2);
 * luFactorInto(m, 2, piv); // true; solve with luSolveInto(m, 2, piv, b)
 */
export function luFactorInto(m: Float64Array, n: number, pivots: Int32Array): boolean {
  for (let k = 0; k < n; k++) {
    let p = k;
    let largest = Math.abs(m[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(m[i * n + k]);
      if (v > largest) { largest = v; p = i; }
    }
    if (!(largest > 0 && largest < Infinity)) return false;
    pivots[k] = p;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const x = m[k * n + j];
        m[k * n + j] = m[p * n + j];
        m[p * n + j] = x;
      }
    }
    const inverse = 1 / m[k * n + k];
    for (let i = k + 1; i < n; i++) {
      const l = m[i * n + k] * inverse;
      m[i * n + k] = l;
      if (l === 0) continue;
      for (let j = k + 1; j < n; j++) m[i * n + j] -= l * m[k * n + j];
    }
  }
  return true;
}

/** Solves m·x = b in place (b becomes x) with the factors from {@link luFactorInto}. */
export function luSolveInto(m: Float64Array, n: number, pivots: Int32Array, b: Float64Array): void {
  for (let k = 0; k < n; k++) {
    const p = pivots[k];
    if (p !== k) { const x = b[k]; b[k] = b[p]; b[p] = x; }
  }
  for (let i = 1; i < n; i++) {
    let s = b[i];
    for (let j = 0; j < i; j++) s -= m[i * n + j] * b[j];
    b[i] = s;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let j = i + 1; j < n; j++) s -= m[i * n + j] * b[j];
    b[i] = s / m[i * n + i];
  }
}
