/**
 * Symbolic analysis for the supernodal Cholesky factor of the crossed random-effects block:
 * from an elimination order of row blocks (one per level of a grouping factor, of size q)
 * to supernodes — runs of consecutive columns sharing one row structure, stored as dense
 * panels — and the plan of which panel updates which (the "relative indices" of Ng & Peyton
 * 1993, SIAM J Sci Comput 14:1034; relaxed supernodes as in Ashcraft & Grimes 1989 and
 * CHOLMOD, Chen, Davis, Hager, Rajamanickam 2008, ACM TOMS 35(3):22).
 *
 * Everything here depends only on the sparsity pattern, so it is computed once per model.
 */
import type { EliminationOrder } from './min-degree.js';

/** The symbolic supernodal structure of an m×m lower-triangular factor. */
export interface SupernodalSymbolic {
  /** Matrix order (scalar columns). */
  readonly m: number;
  /** Number of supernodes. */
  readonly nSuper: number;
  /** First scalar column of each supernode; superFirst[nSuper] = m. */
  readonly superFirst: Int32Array;
  /** Row lists: rows of supernode s are superRows[superRowPtr[s] .. superRowPtr[s+1]). */
  readonly superRowPtr: Int32Array;
  readonly superRows: Int32Array;
  /** Offset of each supernode's panel (nrows × ncols, row-major) in the value array. */
  readonly superValPtr: Int32Array;
  /** Total number of stored values. */
  readonly nValues: number;
  /** Supernode owning each scalar column. */
  readonly colToSuper: Int32Array;
  /**
   * Update plan: for supernode s, groups updPtr[s] .. updPtr[s+1]; group g updates target
   * supernode updTarget[g] with panel rows updRowStart[g] .. updRowEnd[g] as columns and
   * all later rows; updRel[updRelPtr[g] + i] is the position in the target's row list of
   * panel row updRowStart[g] + i.
   */
  readonly updPtr: Int32Array;
  readonly updTarget: Int32Array;
  readonly updRowStart: Int32Array;
  readonly updRowEnd: Int32Array;
  readonly updRelPtr: Int32Array;
  readonly updRel: Int32Array;
  /** Floating-point work of one factorization (multiply–adds, approximately). */
  readonly flops: number;
}

/**
 * Relaxed amalgamation: a supernode of up to `cols[i]` columns may hold a fraction
 * `zeros[i]` of explicit zeros (checked in order; beyond the last size, `zeros` at the end).
 */
export interface RelaxedAmalgamation {
  readonly cols: readonly number[];
  readonly zeros: readonly number[];
}

/**
 * popkit's default: small panels merge freely, larger ones with fewer zeros, large ones only
 * without zeros (measured on InstEval: padding the large trailing panel costs more flops
 * than the dense kernel saves).
 */
export const DEFAULT_AMALGAMATION: RelaxedAmalgamation = { cols: [8, 32, 64], zeros: [1, 0.5, 0.2, 0] };

/**
 * Builds the supernodal structure from a block elimination order. `blockSize[k]` is the
 * size of the k-th eliminated block (blocks are laid out consecutively in elimination
 * order). A block joins the supernode of the next block when that block is its parent in
 * the elimination tree and its structure is contained in the next one's; a few explicit
 * zeros are accepted to form larger panels (relaxed amalgamation, limits in `relax`).
 */
export function analyzeSupernodal(
  order: EliminationOrder, blockSize: Int32Array, relax: RelaxedAmalgamation = DEFAULT_AMALGAMATION,
): SupernodalSymbolic {
  const nb = blockSize.length;
  const blockOffset = new Int32Array(nb + 1);
  for (let k = 0; k < nb; k++) blockOffset[k + 1] = blockOffset[k] + blockSize[k];
  const m = blockOffset[nb];

  // Structure (in blocks, ascending) of the first column of the supernode starting at each
  // block, built from the back: block k joins the supernode of block k+1 when
  // struct(k) \ {k+1} ⊆ struct(k+1) and the padding stays small.
  const mergedWithNext = new Uint8Array(nb);
  const padded: Int32Array[] = new Array(nb);
  let curCols = 0;
  let curZeros = 0;
  for (let k = nb - 1; k >= 0; k--) {
    const sk = order.structure[k];
    if (k === nb - 1) {
      padded[k] = sk;
      curCols = blockSize[k];
      curZeros = 0;
      continue;
    }
    const next = padded[k + 1];
    const merged = new Int32Array(next.length + 1);
    merged[0] = k + 1;
    merged.set(next, 1);
    // Block k may join only its parent in the elimination tree (the first block of its
    // structure), as in relaxed amalgamation; independent columns never merge.
    const contained = sk.length > 0 && sk[0] === k + 1 && isSubset(sk, merged);
    let extra = 0;
    if (contained) {
      for (let i = 0; i < merged.length; i++) extra += blockSize[merged[i]];
      for (let i = 0; i < sk.length; i++) extra -= blockSize[sk[i]];
      extra *= blockSize[k];
    }
    const cols = curCols + blockSize[k];
    // Rows below the supernode: next lists the supernode's later columns, then those rows.
    let rowsBelow = -(curCols - blockSize[k + 1]);
    for (let i = 0; i < next.length; i++) rowsBelow += blockSize[next[i]];
    const entries = (cols * (cols + 1)) / 2 + cols * rowsBelow;
    const zerosFraction = (curZeros + extra) / entries;
    let limit = relax.zeros[relax.zeros.length - 1];
    for (let i = 0; i < relax.cols.length; i++) if (cols <= relax.cols[i]) { limit = relax.zeros[i]; break; }
    const accept = contained && (extra === 0 || zerosFraction <= limit);
    if (accept) {
      mergedWithNext[k] = 1;
      padded[k] = merged;
      curCols = cols;
      curZeros += extra;
    } else {
      padded[k] = sk;
      curCols = blockSize[k];
      curZeros = 0;
    }
  }

  const firsts: number[] = [];
  for (let k = 0; k < nb; k++) if (k === 0 || !mergedWithNext[k - 1]) firsts.push(k);
  const nSuper = firsts.length;
  const superFirst = new Int32Array(nSuper + 1);
  const colToSuper = new Int32Array(m);
  const superRowPtr = new Int32Array(nSuper + 1);
  const rowLists: Int32Array[] = [];
  for (let s = 0; s < nSuper; s++) {
    const kFirst = firsts[s];
    const kEnd = s + 1 < nSuper ? firsts[s + 1] : nb;
    const c0 = blockOffset[kFirst];
    const c1 = blockOffset[kEnd];
    superFirst[s] = c0;
    for (let c = c0; c < c1; c++) colToSuper[c] = s;
    // Rows: the supernode's own columns, then the scalar rows of the blocks below the last
    // block that are not in the supernode (the padded structure of its first block).
    const below = padded[kFirst];
    const rows: number[] = [];
    for (let c = c0; c < c1; c++) rows.push(c);
    for (let i = 0; i < below.length; i++) {
      const b = below[i];
      if (b < kEnd) continue;
      for (let c = blockOffset[b]; c < blockOffset[b + 1]; c++) rows.push(c);
    }
    rowLists.push(Int32Array.from(rows));
    superRowPtr[s + 1] = superRowPtr[s] + rows.length;
  }
  superFirst[nSuper] = m;
  const superRows = new Int32Array(superRowPtr[nSuper]);
  const superValPtr = new Int32Array(nSuper + 1);
  let flops = 0;
  for (let s = 0; s < nSuper; s++) {
    superRows.set(rowLists[s], superRowPtr[s]);
    const nc = superFirst[s + 1] - superFirst[s];
    const nr = rowLists[s].length;
    superValPtr[s + 1] = superValPtr[s] + nr * nc;
    for (let j = 0; j < nc; j++) flops += (nr - j) * (nr - j);
  }
  flops /= 2;

  // Update plan: below rows of s grouped by the supernode owning them as columns.
  const updPtr = new Int32Array(nSuper + 1);
  const target: number[] = [];
  const rowStart: number[] = [];
  const rowEnd: number[] = [];
  const relPtr: number[] = [0];
  const rel: number[] = [];
  const posInTarget = new Int32Array(m).fill(-1);
  for (let s = 0; s < nSuper; s++) {
    const rows = rowLists[s];
    const nc = superFirst[s + 1] - superFirst[s];
    let i = nc;
    while (i < rows.length) {
      const t = colToSuper[rows[i]];
      let e = i;
      while (e < rows.length && colToSuper[rows[e]] === t) e++;
      const tRows = rowLists[t];
      for (let r = 0; r < tRows.length; r++) posInTarget[tRows[r]] = r;
      for (let r = i; r < rows.length; r++) {
        const p = posInTarget[rows[r]];
        if (p < 0) throw new Error(`supernodal analysis: row ${rows[r]} missing from supernode ${t}`);
        rel.push(p);
      }
      for (let r = 0; r < tRows.length; r++) posInTarget[tRows[r]] = -1;
      target.push(t);
      rowStart.push(i);
      rowEnd.push(e);
      relPtr.push(rel.length);
      i = e;
    }
    updPtr[s + 1] = target.length;
  }

  return {
    m, nSuper, superFirst, superRowPtr, superRows, superValPtr, nValues: superValPtr[nSuper], colToSuper,
    updPtr, updTarget: Int32Array.from(target), updRowStart: Int32Array.from(rowStart),
    updRowEnd: Int32Array.from(rowEnd), updRelPtr: Int32Array.from(relPtr), updRel: Int32Array.from(rel),
    flops,
  };
}

/** True when every element of sorted `a` is in sorted `b`. */
function isSubset(a: Int32Array, b: Int32Array): boolean {
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    while (j < b.length && b[j] < a[i]) j++;
    if (j === b.length || b[j] !== a[i]) return false;
  }
  return true;
}

/**
 * Index in the value array of L(r, c), r ≥ c, or −1 when (r, c) is not in the structure.
 */
export function supernodalPosition(sym: SupernodalSymbolic, r: number, c: number): number {
  const s = sym.colToSuper[c];
  const first = sym.superFirst[s];
  const nc = sym.superFirst[s + 1] - first;
  let lo = sym.superRowPtr[s];
  let hi = sym.superRowPtr[s + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sym.superRows[mid];
    if (v === r) return sym.superValPtr[s] + (mid - sym.superRowPtr[s]) * nc + (c - first);
    if (v < r) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
