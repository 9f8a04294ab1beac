/**
 * The θ-independent structure of a linear mixed model, computed once per fit: the blocked
 * layout of the Cholesky factor of
 *
 *   [ ΛᵀZᵀWZΛ + I   ΛᵀZᵀW[X y] ]
 *   [ [X y]ᵀWZΛ     [X y]ᵀW[X y] ]
 *
 * after MixedModels.jl (Bates et al., blocked Cholesky in `updateL!`): random-effects
 * terms are ordered by decreasing number of levels. The first term's block is block
 * diagonal (one q1×q1 block per level); all later terms form one "crossed" block whose
 * Schur complement is factored by a supernodal Cholesky after a minimum degree ordering
 * of its levels; [X y] comes last, so that r² and R_X come out of the same factorization.
 * Here live the patterns, the positions at which every contribution lands, and the
 * crossproducts ZᵀWZ, ZᵀW[X y], [X y]ᵀW[X y] that do not depend on θ.
 */
import { PopkitError } from '../errors.js';
import { crossedPattern, type CrossedPattern } from './crossed-pattern.js';
import { crossproducts, type Crossproducts } from './crossproducts.js';
import { estimableColumns, checkFrame } from './frame-check.js';
import type { LmmFrame, RandomEffectsTerm } from './frame-types.js';
import { minimumDegreeOrder } from '../linalg/min-degree.js';
import { analyzeSupernodal, supernodalPosition, type SupernodalSymbolic } from '../linalg/supernodal-symbolic.js';
import { thetaLayout, type ThetaTermLayout } from './theta.js';

/** A random-effects term in blocked order. */
export interface BlockedTerm {
  /** Index of the term in `frame.terms`. */
  readonly original: number;
  readonly term: RandomEffectsTerm;
  readonly q: number;
  readonly nLevels: number;
}

/** Largest crossed block the dense/supernodal factor may store (values). */
const MAX_FACTOR_VALUES = 2e8;

export interface LmmStructure extends Crossproducts {
  readonly n: number;
  /** Number of estimable fixed effects (columns of X kept). */
  readonly p: number;
  /** Indices into frame.fixedNames of the kept columns. */
  readonly keptFixed: readonly number[];
  readonly fixedNames: readonly string[];
  /** Fixed-effect names dropped because the design is rank deficient. */
  readonly droppedFixed: readonly string[];
  /** Terms in blocked order (decreasing number of levels; ties keep formula order). */
  readonly terms: readonly BlockedTerm[];
  /** θ layout in blocked order (lme4 orders its terms the same way). */
  readonly theta: readonly ThetaTermLayout[];
  readonly nTheta: number;
  /** First term: q1 columns, nLevels1 levels, Q1 = q1·nLevels1 random effects. */
  readonly q1: number;
  readonly nLevels1: number;
  readonly Q1: number;
  /** Crossed block: blocks (term, level) in elimination order. */
  readonly nBlocks: number;
  /** Blocked-term index (≥ 1) of each block. */
  readonly blockTerm: Int32Array;
  readonly blockLevel: Int32Array;
  /** Scalar offset of each block (length nBlocks + 1); m = blockOffset[nBlocks]. */
  readonly blockOffset: Int32Array;
  readonly m: number;
  /** For blocked term k ≥ 1: level → block position. Index 0 is empty. */
  readonly blockOf: readonly Int32Array[];
  readonly sym: SupernodalSymbolic;
  /** Position of each diagonal element (c, c) of the crossed factor. */
  readonly diagPos: Int32Array;
  /** First-term level l has entries entPtr[l] .. entPtr[l+1] (crossed blocks it meets, ascending). */
  readonly entPtr: Int32Array;
  readonly entBlock: Int32Array;
  /** Values of entry e: (q_block × q1, row-major: each crossed scalar row contiguous) at entValPtr[e]. */
  readonly entValPtr: Int32Array;
  /**
   * Positions of the lower triangle of the outer product of a level's entries: pairs of the
   * level's crossed scalar rows (a, b), a ≥ b, enumerated with b outer and a inner.
   */
  readonly pairPtr: Int32Array;
  readonly pairPos: Int32Array;
  /**
   * The same products grouped by target (for a cache-friendly assembly of L21 L21ᵀ):
   * target gatherPos[t] receives Σ_p ⟨row gatherA[p], row gatherB[p]⟩ of L21 (row offsets,
   * q1 values each) for p in gatherPtr[t] .. gatherPtr[t+1].
   */
  readonly gatherPos: Int32Array;
  readonly gatherPtr: Int32Array;
  readonly gatherA: Int32Array;
  readonly gatherB: Int32Array;
  /** Most scalar rows among the entries of one first-term level. */
  readonly maxLevelRows: number;
  /** Crossed × crossed crossproduct blocks: row block ≥ column block (positions). */
  readonly a22Row: Int32Array;
  readonly a22Col: Int32Array;
  readonly a22ValPtr: Int32Array;
  readonly a22PosPtr: Int32Array;
  readonly a22Pos: Int32Array;
  /** Σ log w_i (0 without weights). */
  readonly sumLogWeights: number;
}

/**
 * Builds the structure of `frame`. Throws ModelError for an inconsistent frame and
 * PopkitError when the crossed block would be too large to factor.
 */
export function buildStructure(frame: LmmFrame): LmmStructure {
  checkFrame(frame);
  const n = frame.n;
  const keptFixed = estimableColumns(frame);
  const p = keptFixed.length;
  const fixedNames = keptFixed.map((j) => frame.fixedNames[j]);
  const droppedFixed = frame.fixedNames.filter((_, j) => !keptFixed.includes(j));
  const w = frame.weights;

  const terms: BlockedTerm[] = frame.terms
    .map((term, original) => ({ original, term, q: term.columnNames.length, nLevels: term.levels.length }))
    .sort((a, b) => b.nLevels - a.nLevels || a.original - b.original);
  const theta = thetaLayout(terms.map((t) => ({ q: t.q, correlated: t.term.correlated })));
  const nTheta = theta.reduce((s, t) => s + t.count, 0);
  const q1 = terms[0].q;
  const nLevels1 = terms[0].nLevels;
  const Q1 = q1 * nLevels1;

  // Pattern of the crossed blocks, their elimination order and the supernodal structure.
  const pattern = crossedPattern(terms.map((t) => ({ groupIndex: t.term.groupIndex, nLevels: t.nLevels })), n);
  const { nb, restStart, pairLo, pairHi } = pattern;
  const offDiagonal: number[] = [];
  for (let t = 0; t < pairLo.length; t++) if (pairLo[t] !== pairHi[t]) offDiagonal.push(pairLo[t], pairHi[t]);
  const elim = minimumDegreeOrder(nb, Int32Array.from(offDiagonal), { ptr: pattern.levelBlockPtr, nodes: pattern.levelBlocks });
  const blockTerm = new Int32Array(nb);
  const blockLevel = new Int32Array(nb);
  const blockSize = new Int32Array(nb);
  for (let pos = 0; pos < nb; pos++) {
    const id = elim.order[pos];
    let k = 1;
    while (restStart[k + 1] <= id) k++;
    blockTerm[pos] = k;
    blockLevel[pos] = id - restStart[k];
    blockSize[pos] = terms[k].q;
  }
  const blockOffset = new Int32Array(nb + 1);
  for (let pos = 0; pos < nb; pos++) blockOffset[pos + 1] = blockOffset[pos] + blockSize[pos];
  const m = blockOffset[nb];
  const blockOf: Int32Array[] = [new Int32Array(0)];
  for (let k = 1; k < terms.length; k++) {
    blockOf.push(Int32Array.from({ length: terms[k].nLevels }, (_, l) => elim.position[restStart[k] + l]));
  }
  const sym = analyzeSupernodal(elim, blockSize);
  if (sym.nValues > MAX_FACTOR_VALUES) {
    throw new PopkitError(
      `the crossed random effects (${terms.slice(1).map((t) => t.term.group).join(', ')}) need a Cholesky factor of ` +
      `${(sym.nValues * 8 / 1e9).toFixed(1)} GB; popkit's LMM core supports at most ${(MAX_FACTOR_VALUES * 8 / 1e9).toFixed(1)} GB`,
    );
  }
  const diagPos = Int32Array.from({ length: m }, (_, c) => position(sym, c, c));

  const levels = levelEntries(pattern, elim.position, blockOffset, blockSize, q1, sym);
  const a22 = crossedPairPositions(pairLo, pairHi, elim.position, blockOffset, blockSize, sym);
  const values = crossproducts(frame, terms, keptFixed, pattern, {
    q1, Q1, m, blockOffset, blockSize, blockOf, entPtr: levels.entPtr, entBlock: levels.entBlock,
    entValPtr: levels.entValPtr, a22Row: a22.a22Row, a22ValPtr: a22.a22ValPtr,
  });
  let sumLogWeights = 0;
  if (w) for (let i = 0; i < n; i++) sumLogWeights += Math.log(w[i]);

  return {
    n, p, keptFixed, fixedNames, droppedFixed, terms, theta, nTheta, q1, nLevels1, Q1,
    nBlocks: nb, blockTerm, blockLevel, blockOffset, m, blockOf, sym, diagPos,
    ...levels, ...a22, ...values, sumLogWeights,
  };
}

/** Position of L(r, c) in the crossed factor; the structure must contain it. */
function position(sym: SupernodalSymbolic, r: number, c: number): number {
  const pos = supernodalPosition(sym, r, c);
  if (pos < 0) throw new Error(`LMM structure: (${r}, ${c}) missing from the crossed factor`);
  return pos;
}

/**
 * First term × crossed entries of each level (blocks ascending in position), the positions
 * of the lower triangle of each level's outer product (pairs (a, b), b ≤ a, b outer), and
 * the same products grouped by target.
 */
function levelEntries(
  pattern: CrossedPattern, blockPosition: Int32Array, blockOffset: Int32Array, blockSize: Int32Array,
  q1: number, sym: SupernodalSymbolic,
): Pick<LmmStructure, 'entPtr' | 'entBlock' | 'entValPtr' | 'pairPtr' | 'pairPos' | 'maxLevelRows' | 'gatherPos' | 'gatherPtr' | 'gatherA' | 'gatherB'> {
  const { levelBlockPtr, levelBlocks } = pattern;
  const nLevels1 = levelBlockPtr.length - 1;
  const entPtr = levelBlockPtr.slice();
  const entBlock = new Int32Array(levelBlocks.length);
  const entValPtr = new Int32Array(levelBlocks.length + 1);
  let nPairs = 0;
  let maxLevelRows = 0;
  for (let l = 0; l < nLevels1; l++) {
    const seg = entBlock.subarray(entPtr[l], entPtr[l + 1]);
    for (let e = entPtr[l]; e < entPtr[l + 1]; e++) entBlock[e] = blockPosition[levelBlocks[e]];
    seg.sort();
    let rows = 0;
    for (let e = entPtr[l]; e < entPtr[l + 1]; e++) {
      rows += blockSize[entBlock[e]];
      entValPtr[e + 1] = entValPtr[e] + blockSize[entBlock[e]] * q1;
    }
    nPairs += (rows * (rows + 1)) / 2;
    maxLevelRows = Math.max(maxLevelRows, rows);
  }
  const pairPtr = new Int32Array(nLevels1 + 1);
  const pairPos = new Int32Array(nPairs);
  const pairA = new Int32Array(nPairs);
  const pairB = new Int32Array(nPairs);
  const scal = new Int32Array(maxLevelRows);
  const rowOff = new Int32Array(maxLevelRows);
  const { superFirst, superRowPtr, superRows, superValPtr, colToSuper } = sym;
  // For each supernode s, the row position of every scalar r ≥ first(s) in its panel (−1 if absent).
  const rowLookupPtr = new Int32Array(sym.nSuper + 1);
  for (let s = 0; s < sym.nSuper; s++) rowLookupPtr[s + 1] = rowLookupPtr[s] + (sym.m - superFirst[s]);
  // (Bounded memory: beyond 3·10⁷ entries the positions come from binary searches instead.)
  const useLookup = rowLookupPtr[sym.nSuper] <= 3e7;
  const rowLookup = new Int32Array(useLookup ? rowLookupPtr[sym.nSuper] : 0).fill(-1);
  for (let s = 0; s < sym.nSuper && useLookup; s++) {
    for (let r = superRowPtr[s]; r < superRowPtr[s + 1]; r++) rowLookup[rowLookupPtr[s] + superRows[r] - superFirst[s]] = r - superRowPtr[s];
  }
  let pp = 0;
  for (let l = 0; l < nLevels1; l++) {
    let rows = 0;
    for (let e = entPtr[l]; e < entPtr[l + 1]; e++) {
      const b = entBlock[e];
      for (let c = 0; c < blockSize[b]; c++) {
        scal[rows] = blockOffset[b] + c;
        rowOff[rows] = entValPtr[e] + c * q1;
        rows++;
      }
    }
    // Column b (scalar scal[b]), rows a ≥ b: positions from the supernode's row lookup.
    for (let b = 0; b < rows; b++) {
      const c = scal[b];
      const s = colToSuper[c];
      const nc = superFirst[s + 1] - superFirst[s];
      const base = superValPtr[s] + (c - superFirst[s]);
      const look = rowLookupPtr[s] - superFirst[s];
      for (let a = b; a < rows; a++) {
        if (useLookup) {
          const r = rowLookup[look + scal[a]];
          if (r < 0) throw new Error(`LMM structure: (${scal[a]}, ${c}) missing from the crossed factor`);
          pairPos[pp] = base + r * nc;
        } else {
          pairPos[pp] = position(sym, scal[a], c);
        }
        pairA[pp] = rowOff[a];
        pairB[pp] = rowOff[b];
        pp++;
      }
    }
    pairPtr[l + 1] = pp;
  }
  return { entPtr, entBlock, entValPtr, pairPtr, pairPos, maxLevelRows, ...groupByTarget(pairPos, pairA, pairB, sym.nValues) };
}

/** Crossed × crossed blocks as (row ≥ column) positions, with their element positions. */
function crossedPairPositions(
  pairLo: Int32Array, pairHi: Int32Array, blockPosition: Int32Array, blockOffset: Int32Array,
  blockSize: Int32Array, sym: SupernodalSymbolic,
): Pick<LmmStructure, 'a22Row' | 'a22Col' | 'a22ValPtr' | 'a22PosPtr' | 'a22Pos'> {
  const nPairs = pairLo.length;
  const a22Row = new Int32Array(nPairs);
  const a22Col = new Int32Array(nPairs);
  const a22ValPtr = new Int32Array(nPairs + 1);
  for (let k = 0; k < nPairs; k++) {
    const pa = blockPosition[pairLo[k]];
    const pb = blockPosition[pairHi[k]];
    a22Row[k] = Math.max(pa, pb);
    a22Col[k] = Math.min(pa, pb);
    a22ValPtr[k + 1] = a22ValPtr[k] + blockSize[a22Row[k]] * blockSize[a22Col[k]];
  }
  const a22PosPtr = a22ValPtr.slice();
  const a22Pos = new Int32Array(a22ValPtr[nPairs]);
  for (let k = 0; k < nPairs; k++) {
    const r = a22Row[k];
    const c = a22Col[k];
    let t = a22PosPtr[k];
    // Elements (i, j) column-major; a diagonal block stores its lower triangle only (−1).
    for (let j = 0; j < blockSize[c]; j++) {
      for (let i = 0; i < blockSize[r]; i++) {
        a22Pos[t++] = r === c && i < j ? -1 : position(sym, blockOffset[r] + i, blockOffset[c] + j);
      }
    }
  }
  return { a22Row, a22Col, a22ValPtr, a22PosPtr, a22Pos };
}

/** Counting sort of the outer-product pairs by target position (stable). */
function groupByTarget(
  pos: Int32Array, rowA: Int32Array, rowB: Int32Array, nValues: number,
): Pick<LmmStructure, 'gatherPos' | 'gatherPtr' | 'gatherA' | 'gatherB'> {
  const count = new Int32Array(nValues + 1);
  for (let k = 0; k < pos.length; k++) count[pos[k] + 1]++;
  let distinct = 0;
  for (let t = 0; t < nValues; t++) if (count[t + 1] > 0) distinct++;
  for (let t = 0; t < nValues; t++) count[t + 1] += count[t];
  const gatherA = new Int32Array(pos.length);
  const gatherB = new Int32Array(pos.length);
  const next = count.slice(0, nValues);
  for (let k = 0; k < pos.length; k++) {
    const d = next[pos[k]]++;
    gatherA[d] = rowA[k];
    gatherB[d] = rowB[k];
  }
  const gatherPos = new Int32Array(distinct);
  const gatherPtr = new Int32Array(distinct + 1);
  let g = 0;
  for (let t = 0; t < nValues; t++) {
    if (count[t + 1] === count[t]) continue;
    gatherPos[g] = t;
    gatherPtr[g + 1] = count[t + 1];
    g++;
  }
  return { gatherPos, gatherPtr, gatherA, gatherB };
}
