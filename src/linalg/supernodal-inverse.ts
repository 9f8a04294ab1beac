/**
 * Selected inversion: the entries of A⁻¹ on the structure of its Cholesky factor L, from L,
 * supernode by supernode in reverse order (Takahashi, Fagan, Chin 1973; supernodal form as
 * in Lin, Yang, Meza et al. 2011, "SelInv", ACM TOMS 37(4):40). With a supernode's panel
 * [D; B] (D its diagonal block, B the rows R below) and Z = A⁻¹:
 *   Z_RJ = −Z_RR B D⁻¹,   Z_JJ = D⁻ᵀD⁻¹ − (B D⁻¹)ᵀ Z_RJ,
 * where Z_RR is already known because the rows R belong to later supernodes and the
 * structure is closed. The work is of the order of one factorization; popkit uses it for
 * the conditional variances of random effects.
 */
import type { SupernodalSymbolic } from './supernodal-symbolic.js';

/**
 * Writes into `z` (same layout as `l`) the entries of A⁻¹ = (L Lᵀ)⁻¹ at the stored
 * positions of L (lower triangle). `l` is the factor from supernodalFactorInPlace.
 */
export function supernodalSelectedInverse(sym: SupernodalSymbolic, l: Float64Array, z: Float64Array): void {
  const { superFirst, superRowPtr, superRows, superValPtr, updPtr, updTarget, updRowStart, updRowEnd, updRelPtr, updRel } = sym;
  let maxRows = 0;
  let maxCols = 0;
  for (let s = 0; s < sym.nSuper; s++) {
    maxRows = Math.max(maxRows, superRowPtr[s + 1] - superRowPtr[s]);
    maxCols = Math.max(maxCols, superFirst[s + 1] - superFirst[s]);
  }
  const u = new Float64Array(maxRows * maxCols);
  const zrj = new Float64Array(maxRows * maxCols);
  const dinv = new Float64Array(maxCols * maxCols);

  for (let s = sym.nSuper - 1; s >= 0; s--) {
    const nc = superFirst[s + 1] - superFirst[s];
    const rowsOff = superRowPtr[s];
    const nr = superRowPtr[s + 1] - rowsOff;
    const nb = nr - nc;
    const off = superValPtr[s];
    // X = D⁻¹ (lower, row-major nc×nc), row by row: X[i,:] = (e_i − Σ_{k<i} D[i,k] X[k,:]) / D[i,i].
    dinv.fill(0, 0, nc * nc);
    for (let i = 0; i < nc; i++) {
      const xi = i * nc;
      const di = off + i * nc;
      dinv[xi + i] = 1;
      for (let k = 0; k < i; k++) {
        const coef = l[di + k];
        if (coef === 0) continue;
        const xk = k * nc;
        for (let j = 0; j <= k; j++) dinv[xi + j] -= coef * dinv[xk + j];
      }
      const inv = 1 / l[di + i];
      for (let j = 0; j <= i; j++) dinv[xi + j] *= inv;
    }
    // U = B D⁻¹ (nb × nc, row-major): U[a,:] = Σ_k B[a,k] X[k,:].
    u.fill(0, 0, nb * nc);
    for (let a = 0; a < nb; a++) {
      const br = off + (nc + a) * nc;
      const ua = a * nc;
      for (let k = 0; k < nc; k++) {
        const coef = l[br + k];
        if (coef === 0) continue;
        const xk = k * nc;
        for (let j = 0; j <= k; j++) u[ua + j] += coef * dinv[xk + j];
      }
    }
    // Z_RJ = −Z_RR U, reading Z_RR's lower triangle through the update plan.
    zrj.fill(0, 0, nb * nc);
    for (let g = updPtr[s]; g < updPtr[s + 1]; g++) {
      const t = updTarget[g];
      const tFirst = superFirst[t];
      const tNc = superFirst[t + 1] - tFirst;
      const tOff = superValPtr[t];
      const relOff = updRelPtr[g];
      const g0 = updRowStart[g];
      for (let ja = updRowStart[g]; ja < updRowEnd[g]; ja++) {
        const a = ja - nc; // column index within R
        const col = superRows[rowsOff + ja] - tFirst;
        for (let ib = ja; ib < nr; ib++) {
          const b = ib - nc;
          const zv = z[tOff + updRel[relOff + ib - g0] * tNc + col]; // Z(R_b, R_a), b ≥ a
          if (zv === 0) continue;
          for (let j = 0; j < nc; j++) zrj[b * nc + j] += zv * u[a * nc + j];
          if (b !== a) for (let j = 0; j < nc; j++) zrj[a * nc + j] += zv * u[b * nc + j];
        }
      }
    }
    for (let a = 0; a < nb; a++) {
      for (let j = 0; j < nc; j++) z[off + (nc + a) * nc + j] = -zrj[a * nc + j];
    }
    // Z_JJ = D⁻ᵀD⁻¹ + Uᵀ (Z_RR U) (lower triangle), accumulated row-wise:
    // Z[i, 0..i] += X[k,i] X[k, 0..i] for every row k ≥ i, and U[a,i] (Z_RR U)[a, 0..i].
    for (let i = 0; i < nc; i++) z.fill(0, off + i * nc, off + i * nc + i + 1);
    for (let k = 0; k < nc; k++) {
      const xk = k * nc;
      for (let i = 0; i <= k; i++) {
        const xki = dinv[xk + i];
        if (xki === 0) continue;
        const zi = off + i * nc;
        for (let j = 0; j <= i; j++) z[zi + j] += xki * dinv[xk + j];
      }
    }
    for (let a = 0; a < nb; a++) {
      const ua = a * nc;
      for (let i = 0; i < nc; i++) {
        const uai = u[ua + i];
        if (uai === 0) continue;
        const zi = off + i * nc;
        for (let j = 0; j <= i; j++) z[zi + j] += uai * zrj[ua + j];
      }
    }
  }
}
