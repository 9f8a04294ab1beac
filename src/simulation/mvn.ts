/**
 * Multivariate normal draws x = L z with z ~ N(0, I) and L Lᵀ = C, for covariance matrices
 * that may be only semi-definite (an Ω or Σ element fixed to 0, a degenerate block):
 * a Cholesky factorization that leaves a column at zero when its pivot is zero to rounding.
 */
import { PopkitError } from '../errors.js';

/**
 * Lower Cholesky factor (n×n, row-major) of the symmetric positive semi-definite matrix `c`
 * (n×n, row-major; read only). A pivot below `1e-12 × max diagonal` gives a zero column.
 * Throws PopkitError naming `what` when `c` is not symmetric or not positive semi-definite.
 * Example: `semidefiniteCholesky(Float64Array.of(4, 0, 0, 0), 2, 'OMEGA')` → [2, 0, 0, 0].
 */
export function semidefiniteCholesky(c: Float64Array, n: number, what: string, names?: readonly string[]): Float64Array {
  const l = new Float64Array(n * n);
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(c[i * n + i]!));
  const tol = 1e-12 * (scale > 0 ? scale : 1);
  const name = (i: number): string => names?.[i] ?? String(i + 1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const a = c[i * n + j]!, b = c[j * n + i]!;
      if (!(Math.abs(a - b) <= 1e-10 * Math.max(1, Math.abs(a), Math.abs(b)))) {
        throw new PopkitError(`${what} is not symmetric: element (${name(i)}, ${name(j)}) is ${a}, (${name(j)}, ${name(i)}) is ${b}`);
      }
    }
  }
  for (let j = 0; j < n; j++) {
    let d = c[j * n + j]!;
    if (!Number.isFinite(d) || d < 0) throw new PopkitError(`${what}: the variance of ${name(j)} is ${d}; it must be ≥ 0`);
    for (let k = 0; k < j; k++) d -= l[j * n + k]! * l[j * n + k]!;
    if (d < -tol) throw new PopkitError(`${what} is not positive semi-definite (at ${name(j)})`);
    if (d <= tol) {
      // Zero pivot: the remaining entries of this column must vanish too.
      for (let i = j + 1; i < n; i++) {
        let s = c[i * n + j]!;
        for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
        if (Math.abs(s) > Math.sqrt(tol) * Math.sqrt(Math.max(tol, c[i * n + i]!))) {
          throw new PopkitError(`${what} is not positive semi-definite: ${name(j)} has no variance left but covaries with ${name(i)}`);
        }
      }
      continue;
    }
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = c[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** out = L z for lower-triangular L (n×n, row-major). `out` and `z` must not alias. */
export function lowerTimesInto(out: Float64Array, l: Float64Array, z: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k <= i; k++) s += l[i * n + k]! * z[k]!;
    out[i] = s;
  }
}
