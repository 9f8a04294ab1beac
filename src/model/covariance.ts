/**
 * Omega and sigma as written in a model (blocks of lower triangles) and as the bound model
 * hands them on (a full n×n matrix with its block structure, see CovarianceSpec).
 */
import type { CovarianceSpec } from './parameter-spec.js';
import type { VarianceBlock } from './types.js';

/**
 * Try the Cholesky factorization of the symmetric matrix given by its lower triangle
 * (row-wise, length n(n+1)/2). Returns -1 when it is positive definite, else the index of
 * the pivot that failed.
 */
export function choleskyLowerTriangle(lower: readonly number[], n: number): number {
  const a = new Float64Array(n * n);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = lower[k++]!;
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let p = 0; p < j; p++) d -= a[j * n + p]! * a[j * n + p]!;
    if (!(d > 0) || !Number.isFinite(d)) return j;
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let p = 0; p < j; p++) s -= a[i * n + p]! * a[j * n + p]!;
      a[i * n + j] = s / l;
    }
  }
  return -1;
}

/** The full covariance (row-major, symmetric) and block structure of a list of blocks. */
export function covarianceSpec(blocks: readonly VarianceBlock[]): CovarianceSpec {
  const names = blocks.flatMap((b) => b.names);
  const n = names.length;
  const init = new Float64Array(n * n);
  const specBlocks: { indices: number[]; fixed: boolean }[] = [];
  let start = 0;
  for (const b of blocks) {
    const m = b.names.length;
    let k = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j <= i; j++) {
        const v = b.lower[k++]!;
        init[(start + i) * n + start + j] = v;
        init[(start + j) * n + start + i] = v;
      }
    }
    specBlocks.push({ indices: b.names.map((_, i) => start + i), fixed: b.fixed });
    start += m;
  }
  return { names, init, blocks: specBlocks };
}
