/**
 * Dense kernels on the row-major panels of the supernodal factor (supernodal.ts): a panel
 * of supernode s holds its rows (its own columns first, then the rows below) by its nc
 * columns, each row contiguous. In this layout every inner product the Cholesky needs is a
 * dot product of two contiguous row prefixes. The kernels compute them in register blocks
 * (4 rows × 2 columns: each loaded value is used 2 or 4 times), which is what makes the
 * large trailing panel of a crossed model (InstEval: ~550 columns) fast in JavaScript.
 */

/**
 * Cholesky factorization of a panel in place (row-major, nr × nc, the first nc rows the
 * diagonal block): the diagonal block becomes L_D (lower), the rows below become
 * B L_D⁻ᵀ. Row-oriented (up-looking) Cholesky: row i, column j < i:
 * L_ij = (A_ij − Σ_{k<j} L_ik L_jk) / L_jj; L_ii = √(A_ii − Σ_{k<i} L_ik²).
 * Returns false when a pivot is not positive (the panel is then partly overwritten).
 */
export function panelCholesky(v: Float64Array, off: number, nr: number, nc: number): boolean {
  for (let i0 = 0; i0 < nr; i0 += 4) {
    const rows = Math.min(4, nr - i0);
    const jLim = Math.min(i0, nc);
    if (rows === 4) blockBelow4(v, off, nc, i0, jLim);
    else {
      for (let r = 0; r < rows; r++) {
        const ri = off + (i0 + r) * nc;
        for (let j = 0; j < jLim; j++) {
          const rj = off + j * nc;
          let s = v[ri + j];
          for (let k = 0; k < j; k++) s -= v[ri + k] * v[rj + k];
          v[ri + j] = s / v[rj + j];
        }
      }
    }
    // Columns inside the block's diagonal band: j ∈ [i0, min(i0 + rows, nc)), rows i ≥ j.
    const jEnd = Math.min(i0 + rows, nc);
    for (let j = i0; j < jEnd; j++) {
      const rj = off + j * nc;
      let d = v[rj + j];
      for (let k = 0; k < j; k++) d -= v[rj + k] * v[rj + k];
      if (!(d > 0) || d === Infinity) return false;
      const djj = Math.sqrt(d);
      v[rj + j] = djj;
      for (let i = j + 1; i < i0 + rows; i++) {
        const ri = off + i * nc;
        let s = v[ri + j];
        for (let k = 0; k < j; k++) s -= v[ri + k] * v[rj + k];
        v[ri + j] = s / djj;
      }
    }
  }
  return true;
}

/** Rows i0..i0+3 of a panel, columns j < jLim (all strictly below the diagonal). */
function blockBelow4(v: Float64Array, off: number, nc: number, i0: number, jLim: number): void {
  const r0 = off + i0 * nc;
  const r1 = r0 + nc;
  const r2 = r1 + nc;
  const r3 = r2 + nc;
  let j = 0;
  for (; j + 1 < jLim; j += 2) {
    const c0 = off + j * nc;
    const c1 = c0 + nc;
    let s00 = v[r0 + j], s01 = v[r0 + j + 1];
    let s10 = v[r1 + j], s11 = v[r1 + j + 1];
    let s20 = v[r2 + j], s21 = v[r2 + j + 1];
    let s30 = v[r3 + j], s31 = v[r3 + j + 1];
    for (let k = 0; k < j; k++) {
      const a = v[c0 + k];
      const b = v[c1 + k];
      const x0 = v[r0 + k];
      const x1 = v[r1 + k];
      const x2 = v[r2 + k];
      const x3 = v[r3 + k];
      s00 -= x0 * a; s01 -= x0 * b;
      s10 -= x1 * a; s11 -= x1 * b;
      s20 -= x2 * a; s21 -= x2 * b;
      s30 -= x3 * a; s31 -= x3 * b;
    }
    const d0 = v[c0 + j];
    const l10 = v[c1 + j];
    const d1 = v[c1 + j + 1];
    s00 /= d0; s10 /= d0; s20 /= d0; s30 /= d0;
    v[r0 + j] = s00; v[r1 + j] = s10; v[r2 + j] = s20; v[r3 + j] = s30;
    v[r0 + j + 1] = (s01 - s00 * l10) / d1;
    v[r1 + j + 1] = (s11 - s10 * l10) / d1;
    v[r2 + j + 1] = (s21 - s20 * l10) / d1;
    v[r3 + j + 1] = (s31 - s30 * l10) / d1;
  }
  if (j < jLim) {
    const c0 = off + j * nc;
    let s0 = v[r0 + j], s1 = v[r1 + j], s2 = v[r2 + j], s3 = v[r3 + j];
    for (let k = 0; k < j; k++) {
      const a = v[c0 + k];
      s0 -= v[r0 + k] * a; s1 -= v[r1 + k] * a; s2 -= v[r2 + k] * a; s3 -= v[r3 + k] * a;
    }
    const d0 = v[c0 + j];
    v[r0 + j] = s0 / d0; v[r1 + j] = s1 / d0; v[r2 + j] = s2 / d0; v[r3 + j] = s3 / d0;
  }
}

/**
 * Subtracts the update of a factored panel from a target panel:
 * for panel rows j in [j0, j1) (columns of the target) and i ≥ j (rows of the target),
 * T[rel[i − j0], col(j)] −= Σ_k P_ik P_jk, with col(j) = rows[j] − targetFirst.
 * `srcOff`/`nc` locate the source panel, `rows` its row list (from `rowsOff`),
 * `dstOff`/`dstNc` the target panel, `rel` the relative row positions (from `relOff`).
 * Rows of the target are written in turn (the target is row-major), columns within a row.
 */
export function panelUpdate(
  v: Float64Array, srcOff: number, nr: number, nc: number, j0: number, j1: number,
  rows: Int32Array, rowsOff: number, targetFirst: number,
  dstOff: number, dstNc: number, rel: Int32Array, relOff: number,
): void {
  if (nc === 1) {
    // A single column: a rank-one update, one multiply per target entry.
    for (let i = j0; i < nr; i++) {
      const wi = v[srcOff + i];
      const t0 = dstOff + rel[relOff + i - j0] * dstNc - targetFirst;
      const jEnd = Math.min(i + 1, j1);
      for (let j = j0; j < jEnd; j++) v[t0 + rows[rowsOff + j]] -= wi * v[srcOff + j];
    }
    return;
  }
  let i = j0;
  for (; i + 1 < nr; i += 2) {
    const ri = srcOff + i * nc;
    const ri1 = ri + nc;
    const t0 = dstOff + rel[relOff + i - j0] * dstNc - targetFirst;
    const t1 = dstOff + rel[relOff + i + 1 - j0] * dstNc - targetFirst;
    const jEnd = Math.min(i + 1, j1); // row i: columns j ≤ i; row i+1: j ≤ i+1
    let j = j0;
    for (; j + 1 < jEnd; j += 2) {
      const rj = srcOff + j * nc;
      const rj1 = rj + nc;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let k = 0; k < nc; k++) {
        const a = v[ri + k];
        const b = v[ri1 + k];
        const c = v[rj + k];
        const d = v[rj1 + k];
        s00 += a * c; s01 += a * d;
        s10 += b * c; s11 += b * d;
      }
      const c0 = rows[rowsOff + j];
      const c1 = rows[rowsOff + j + 1];
      v[t0 + c0] -= s00; v[t0 + c1] -= s01;
      v[t1 + c0] -= s10; v[t1 + c1] -= s11;
    }
    for (; j < jEnd; j++) {
      const rj = srcOff + j * nc;
      let s0 = 0, s1 = 0;
      for (let k = 0; k < nc; k++) {
        const c = v[rj + k];
        s0 += v[ri + k] * c;
        s1 += v[ri1 + k] * c;
      }
      const c0 = rows[rowsOff + j];
      v[t0 + c0] -= s0;
      v[t1 + c0] -= s1;
    }
    // Row i+1, column i+1 (when it is one of the update's columns).
    if (i + 1 < j1) {
      let s = 0;
      for (let k = 0; k < nc; k++) s += v[ri1 + k] * v[ri1 + k];
      v[t1 + rows[rowsOff + i + 1]] -= s;
    }
  }
  if (i < nr) {
    const ri = srcOff + i * nc;
    const t0 = dstOff + rel[relOff + i - j0] * dstNc - targetFirst;
    const jEnd = Math.min(i + 1, j1);
    for (let j = j0; j < jEnd; j++) {
      const rj = srcOff + j * nc;
      let s = 0;
      for (let k = 0; k < nc; k++) s += v[ri + k] * v[rj + k];
      v[t0 + rows[rowsOff + j]] -= s;
    }
  }
}
