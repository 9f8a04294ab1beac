/**
 * Numeric supernodal Cholesky factorization A = L Lᵀ on a fixed symbolic structure
 * (supernodal-symbolic.ts), right-looking over supernodes: factor a panel, then subtract
 * its contribution from every later panel it touches (Ng & Peyton 1993; Rothberg & Gupta
 * 1991). Used for the crossed random-effects block of the LMM factor, which is refactored
 * with new values at every evaluation of the deviance, so all buffers live in the caller's
 * workspace and nothing is allocated here.
 */
import { panelCholesky, panelUpdate } from './panel-kernels.js';
import type { SupernodalSymbolic } from './supernodal-symbolic.js';

/**
 * Factors in place: `v` holds the lower triangle of A in the panel layout of `sym` on entry
 * and L on return. Returns false when A is not positive definite.
 */
export function supernodalFactorInPlace(sym: SupernodalSymbolic, v: Float64Array): boolean {
  const { superFirst, superRowPtr, superRows, superValPtr, updPtr, updTarget, updRowStart, updRowEnd, updRelPtr, updRel } = sym;
  for (let s = 0; s < sym.nSuper; s++) {
    const nc = superFirst[s + 1] - superFirst[s];
    const rowsOff = superRowPtr[s];
    const nr = superRowPtr[s + 1] - rowsOff;
    const off = superValPtr[s];
    if (!panelCholesky(v, off, nr, nc)) return false;
    for (let g = updPtr[s]; g < updPtr[s + 1]; g++) {
      const t = updTarget[g];
      panelUpdate(
        v, off, nr, nc, updRowStart[g], updRowEnd[g], superRows, rowsOff, superFirst[t],
        superValPtr[t], superFirst[t + 1] - superFirst[t], updRel, updRelPtr[g],
      );
    }
  }
  return true;
}

/** log|A| = 2 Σ log L_ii for the factor in `v`. */
export function supernodalLogDet(sym: SupernodalSymbolic, v: Float64Array): number {
  let s2 = 0;
  for (let s = 0; s < sym.nSuper; s++) {
    const nc = sym.superFirst[s + 1] - sym.superFirst[s];
    const off = sym.superValPtr[s];
    for (let j = 0; j < nc; j++) s2 += Math.log(v[off + j * nc + j]);
  }
  return 2 * s2;
}

/** Solves L x = b in place (b, length m, becomes x): the one-right-hand-side case of `supernodalForwardSolveRows`. */
export function supernodalForwardSolve(sym: SupernodalSymbolic, v: Float64Array, b: Float64Array, bOff = 0): void {
  supernodalForwardSolveRows(sym, v, bOff === 0 ? b : b.subarray(bOff), 1, 0);
}

/**
 * Solves L X = B in place for `nrhs` right-hand sides stored as rows of B (row r at offset
 * r·stride), reading each panel once for all of them.
 */
export function supernodalForwardSolveRows(sym: SupernodalSymbolic, v: Float64Array, b: Float64Array, nrhs: number, stride: number): void {
  const { superFirst, superRowPtr, superRows, superValPtr } = sym;
  for (let s = 0; s < sym.nSuper; s++) {
    const first = superFirst[s];
    const nc = superFirst[s + 1] - first;
    const rowsOff = superRowPtr[s];
    const nr = superRowPtr[s + 1] - rowsOff;
    const off = superValPtr[s];
    for (let j = 0; j < nc; j++) {
      const rj = off + j * nc;
      const d = v[rj + j];
      for (let r = 0; r < nrhs; r++) {
        const base = r * stride + first;
        let x = b[base + j];
        for (let k = 0; k < j; k++) x -= v[rj + k] * b[base + k];
        b[base + j] = x / d;
      }
    }
    for (let i = nc; i < nr; i++) {
      const ri = off + i * nc;
      const row = superRows[rowsOff + i];
      for (let r = 0; r < nrhs; r++) {
        const base = r * stride + first;
        let t = 0;
        for (let k = 0; k < nc; k++) t += v[ri + k] * b[base + k];
        b[r * stride + row] -= t;
      }
    }
  }
}

/** Solves Lᵀ x = b in place (b, length m, becomes x). */
export function supernodalBackSolve(sym: SupernodalSymbolic, v: Float64Array, b: Float64Array, bOff = 0): void {
  const { superFirst, superRowPtr, superRows, superValPtr } = sym;
  for (let s = sym.nSuper - 1; s >= 0; s--) {
    const first = superFirst[s];
    const nc = superFirst[s + 1] - first;
    const rowsOff = superRowPtr[s];
    const nr = superRowPtr[s + 1] - rowsOff;
    const off = superValPtr[s];
    for (let j = nc - 1; j >= 0; j--) {
      let x = b[bOff + first + j];
      for (let i = j + 1; i < nc; i++) x -= v[off + i * nc + j] * b[bOff + first + i];
      for (let i = nc; i < nr; i++) x -= v[off + i * nc + j] * b[bOff + superRows[rowsOff + i]];
      b[bOff + first + j] = x / v[off + j * nc + j];
    }
  }
}
