/**
 * Which random-effects levels meet in the data: the sparsity pattern of ZᵀZ in the blocked
 * layout of structure.ts. The first term (most levels) is block diagonal; the levels of all
 * later ("crossed") terms are blocks numbered id = restStart[k] + level. Two patterns
 * matter: the crossed blocks each first-term level meets (the columns of L21), and the
 * pairs of crossed blocks that share an observation (ZᵀZ between crossed terms).
 */

/** The θ-independent pattern of a model's crossed blocks. */
export interface CrossedPattern {
  /** Number of crossed blocks. */
  readonly nb: number;
  /** First block id of blocked term k (k ≥ 1); restStart[terms] = nb. */
  readonly restStart: Int32Array;
  /** Observations grouped by first-term level: obsByLevel[levelPtr[l] .. levelPtr[l+1]). */
  readonly levelPtr: Int32Array;
  readonly obsByLevel: Int32Array;
  /** Crossed block ids met by first-term level l (first-seen order). */
  readonly levelBlockPtr: Int32Array;
  readonly levelBlocks: Int32Array;
  /** Distinct pairs of crossed block ids sharing an observation (lo ≤ hi). */
  readonly pairLo: Int32Array;
  readonly pairHi: Int32Array;
  /**
   * Pair index of each observation's block combinations: for observation i and crossed
   * terms k ≥ k2 (both ≥ 1, enumerated k = 1.., k2 = 1..k), obsPair[i·nComb + c].
   */
  readonly obsPair: Int32Array;
  readonly nComb: number;
}

/** Group codes and level counts of the terms in blocked order. */
export interface PatternTerm {
  readonly groupIndex: Int32Array;
  readonly nLevels: number;
}

/** Computes the pattern of the crossed blocks for `n` observations. */
export function crossedPattern(terms: readonly PatternTerm[], n: number): CrossedPattern {
  const nTerms = terms.length;
  const restStart = new Int32Array(nTerms + 1);
  for (let k = 1; k < nTerms; k++) restStart[k + 1] = restStart[k] + terms[k].nLevels;
  const nb = nTerms > 1 ? restStart[nTerms] : 0;

  const g1 = terms[0].groupIndex;
  const nLevels1 = terms[0].nLevels;
  const levelPtr = new Int32Array(nLevels1 + 1);
  for (let i = 0; i < n; i++) levelPtr[g1[i] + 1]++;
  for (let l = 0; l < nLevels1; l++) levelPtr[l + 1] += levelPtr[l];
  const obsByLevel = new Int32Array(n);
  const fill = levelPtr.slice(0, nLevels1);
  for (let i = 0; i < n; i++) obsByLevel[fill[g1[i]]++] = i;

  // Blocks met by each first-term level (deduplicated with a stamp per level).
  const stamp = new Int32Array(nb).fill(-1);
  const levelBlockPtr = new Int32Array(nLevels1 + 1);
  const buffer = new Int32Array(n * Math.max(0, nTerms - 1));
  let cnt = 0;
  for (let l = 0; l < nLevels1; l++) {
    for (let a = levelPtr[l]; a < levelPtr[l + 1]; a++) {
      const i = obsByLevel[a];
      for (let k = 1; k < nTerms; k++) {
        const b = restStart[k] + terms[k].groupIndex[i];
        if (stamp[b] !== l) { stamp[b] = l; buffer[cnt++] = b; }
      }
    }
    levelBlockPtr[l + 1] = cnt;
  }
  const levelBlocks = buffer.slice(0, cnt);

  // Pairs of crossed blocks per observation: sort keys lo·nb + hi, deduplicate, index.
  const nComb = ((nTerms - 1) * nTerms) / 2;
  const keys = new Float64Array(n * nComb);
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let k = 1; k < nTerms; k++) {
      const bk = restStart[k] + terms[k].groupIndex[i];
      for (let k2 = 1; k2 <= k; k2++) {
        const bk2 = restStart[k2] + terms[k2].groupIndex[i];
        keys[i * nComb + c++] = Math.min(bk, bk2) * nb + Math.max(bk, bk2);
      }
    }
  }
  const sorted = Float64Array.from(keys).sort();
  let distinct = 0;
  for (let t = 0; t < sorted.length; t++) if (t === 0 || sorted[t] !== sorted[t - 1]) sorted[distinct++] = sorted[t];
  const unique = sorted.subarray(0, distinct);
  const pairLo = new Int32Array(distinct);
  const pairHi = new Int32Array(distinct);
  for (let t = 0; t < distinct; t++) {
    pairLo[t] = Math.floor(unique[t] / nb);
    pairHi[t] = unique[t] - pairLo[t] * nb;
  }
  const obsPair = new Int32Array(keys.length);
  for (let t = 0; t < keys.length; t++) {
    let lo = 0;
    let hi = distinct - 1;
    const key = keys[t];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (unique[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    obsPair[t] = lo;
  }
  return { nb, restStart, levelPtr, obsByLevel, levelBlockPtr, levelBlocks, pairLo, pairHi, obsPair, nComb };
}
