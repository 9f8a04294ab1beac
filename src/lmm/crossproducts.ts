/**
 * The weighted crossproducts ZᵀWZ, ZᵀW[X y] and [X y]ᵀW[X y] of a linear mixed model in
 * the blocked layout of structure.ts. They do not depend on θ and are computed once, in
 * one pass over the observations grouped by the first term's levels.
 */
import type { CrossedPattern } from './crossed-pattern.js';
import type { LmmFrame } from './frame-types.js';
import type { BlockedTerm } from './structure.js';

/** Where the crossproducts go (from the structure). */
export interface CrossproductLayout {
  readonly q1: number;
  readonly Q1: number;
  readonly m: number;
  readonly blockOffset: Int32Array;
  readonly blockSize: Int32Array;
  /** blockOf[k][level] = block position of blocked term k ≥ 1. */
  readonly blockOf: readonly Int32Array[];
  readonly entPtr: Int32Array;
  readonly entBlock: Int32Array;
  readonly entValPtr: Int32Array;
  /** Crossed pair t (pattern order) is stored as block (a22Row[t], a22Col[t]), row ≥ column. */
  readonly a22Row: Int32Array;
  readonly a22ValPtr: Int32Array;
}

/** The θ-independent crossproducts, part of every LmmStructure. */
export interface Crossproducts {
  /** ZᵀWZ diagonal blocks of the first term (nLevels1 × q1², column-major blocks). */
  readonly a11: Float64Array;
  /** Z_kᵀWZ_1 values for the entries (per entry q_block × q1, row-major). */
  readonly a21: Float64Array;
  /** Z_kᵀWZ_k' values of the crossed blocks (q_row × q_col, column-major per pair). */
  readonly a22: Float64Array;
  /** [X y]ᵀWZ_1, row-major (p+1) × Q1. */
  readonly af1: Float64Array;
  /** [X y]ᵀWZ_crossed, row-major (p+1) × m, columns in elimination order. */
  readonly af2: Float64Array;
  /** [X y]ᵀW[X y], (p+1)², symmetric. */
  readonly aff: Float64Array;
}

/** Computes the crossproducts of `frame` (kept fixed-effect columns only). */
export function crossproducts(
  frame: LmmFrame, terms: readonly BlockedTerm[], keptFixed: readonly number[],
  pattern: CrossedPattern, L: CrossproductLayout,
): Crossproducts {
  const { n, X, y } = frame;
  const w = frame.weights;
  const p = keptFixed.length;
  const pf = p + 1;
  const { q1, Q1, m, blockOffset, blockSize, blockOf, entPtr, entBlock, entValPtr } = L;
  const { levelPtr, obsByLevel, obsPair, nComb } = pattern;
  const nLevels1 = levelPtr.length - 1;
  const z1 = terms[0].term.z;
  const a11 = new Float64Array(nLevels1 * q1 * q1);
  const a21 = new Float64Array(entValPtr[entBlock.length]);
  const a22 = new Float64Array(L.a22ValPtr[L.a22Row.length]);
  const af1 = new Float64Array(pf * Q1);
  const af2 = new Float64Array(pf * m);
  const aff = new Float64Array(pf * pf);
  const f = new Float64Array(pf);
  const entryOf = new Int32Array(pattern.nb).fill(-1);

  for (let l = 0; l < nLevels1; l++) {
    for (let e = entPtr[l]; e < entPtr[l + 1]; e++) entryOf[entBlock[e]] = e;
    for (let a = levelPtr[l]; a < levelPtr[l + 1]; a++) {
      const i = obsByLevel[a];
      const wi = w ? w[i] : 1;
      for (let j = 0; j < p; j++) f[j] = X[i + keptFixed[j] * n];
      f[p] = y[i];
      for (let c = 0; c < q1; c++) {
        const zc = wi * z1[i + c * n];
        if (zc === 0) continue;
        for (let r = 0; r < q1; r++) a11[l * q1 * q1 + r + c * q1] += zc * z1[i + r * n];
        for (let r = 0; r < pf; r++) af1[r * Q1 + l * q1 + c] += zc * f[r];
      }
      for (let c = 0; c < pf; c++) for (let r = 0; r < pf; r++) aff[r + c * pf] += wi * f[r] * f[c];
      let comb = 0;
      for (let k = 1; k < terms.length; k++) {
        const tk = terms[k];
        const b = blockOf[k][tk.term.groupIndex[i]];
        const qk = tk.q;
        const zk = tk.term.z;
        const off = blockOffset[b];
        const ev = entValPtr[entryOf[b]];
        for (let r = 0; r < qk; r++) {
          const zr = wi * zk[i + r * n];
          if (zr === 0) continue;
          for (let c = 0; c < q1; c++) a21[ev + r * q1 + c] += zr * z1[i + c * n];
          for (let s = 0; s < pf; s++) af2[s * m + off + r] += zr * f[s];
        }
        for (let k2 = 1; k2 <= k; k2++) {
          const tk2 = terms[k2];
          const b2 = blockOf[k2][tk2.term.groupIndex[i]];
          const pair = obsPair[i * nComb + comb++];
          // The stored block has the later (larger-position) block as its rows.
          const rowTerm = b >= b2 ? tk : tk2;
          const colTerm = b >= b2 ? tk2 : tk;
          const qr = blockSize[b >= b2 ? b : b2];
          const qc = blockSize[b >= b2 ? b2 : b];
          const pv = L.a22ValPtr[pair];
          for (let c = 0; c < qc; c++) {
            const zc = wi * colTerm.term.z[i + c * n];
            if (zc === 0) continue;
            for (let r = 0; r < qr; r++) a22[pv + r + c * qr] += zc * rowTerm.term.z[i + r * n];
          }
        }
      }
    }
    for (let e = entPtr[l]; e < entPtr[l + 1]; e++) entryOf[entBlock[e]] = -1;
  }
  return { a11, a21, a22, af1, af2, aff };
}
