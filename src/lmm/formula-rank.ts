/**
 * Which columns of a fixed-effects design to keep when it is rank deficient, by the rule
 * lme4 uses (`chkRank.drop.cols`: R's `qr(X, tol = 1e-7)`, LINPACK dqrdc2 with limited
 * column pivoting): columns are taken left to right and a column is dropped when the part of
 * it orthogonal to the columns already kept has norm below `tol` times its own norm (an
 * all-zero column is always dropped). Here the orthogonalization is Gram–Schmidt applied
 * twice ("twice is enough", Giraud, Langou, Rozložník 2005), which equals the Householder
 * result of dqrdc2 to rounding.
 */

/** lme4's tolerance for rank deficiency of the fixed-effects design. */
export const RANK_TOLERANCE = 1e-7;

/**
 * Indices of the columns of the n×p column-major matrix `x` to keep (ascending), dropping
 * each column that is, to relative tolerance `tol`, a linear combination of the kept
 * columns before it. Example: for columns [1, a, 2a] it keeps [0, 1].
 */
export function independentColumns(x: Float64Array, n: number, p: number, tol = RANK_TOLERANCE): number[] {
  const kept: number[] = [];
  const basis: Float64Array[] = [];
  const r = new Float64Array(n);
  for (let j = 0; j < p; j++) {
    r.set(x.subarray(j * n, (j + 1) * n));
    const norm0 = norm(r);
    if (norm0 === 0) continue;
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        let d = 0;
        for (let i = 0; i < n; i++) d += q[i] * r[i];
        for (let i = 0; i < n; i++) r[i] -= d * q[i];
      }
    }
    const rest = norm(r);
    if (rest < tol * norm0) continue;
    const q = new Float64Array(n);
    for (let i = 0; i < n; i++) q[i] = r[i] / rest;
    basis.push(q);
    kept.push(j);
  }
  return kept;
}

function norm(v: Float64Array): number {
  let scale = 0;
  for (let i = 0; i < v.length; i++) scale = Math.max(scale, Math.abs(v[i]));
  if (scale === 0) return 0;
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    const t = v[i] / scale;
    s += t * t;
  }
  return scale * Math.sqrt(s);
}
