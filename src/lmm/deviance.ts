/**
 * The profiled deviance of a linear mixed model (Bates, Mächler, Bolker, Walker 2015,
 * J Stat Softw 67(1), eqs. 34 and 41), evaluated in three visible steps as MixedModels.jl
 * does: `objective(updateL(setTheta(ws, θ)))`.
 *
 * With L the Cholesky factor of ΛᵀZᵀWZΛ + I (blocked, see structure.ts), R_X the factor of
 * the fixed effects' Schur complement and r² the penalized residual sum of squares, all
 * three from one factorization that includes [X y] as its last block:
 *   ML:   log|L|² + n (1 + log(2π r²/n)) − Σ log w_i
 *   REML: log|L|² + log|R_X|² + (n−p)(1 + log(2π r²/(n−p))) − Σ log w_i
 * σ is profiled out (σ̂² = r²/n or r²/(n−p)). With a known residual variance (σ = 1,
 * Var(e_i) = 1/w_i, as in a meta-analysis) nothing is profiled:
 *   ML:   log|L|² + r² + n log 2π − Σ log w_i
 *   REML: log|L|² + log|R_X|² + r² + (n−p) log 2π − Σ log w_i
 */
import { choleskyInPlace } from '../linalg/cholesky.js';
import type { LmmStructure } from './structure.js';
import { supernodalFactorInPlace, supernodalForwardSolveRows, supernodalLogDet } from '../linalg/supernodal.js';
import { lambdaBlockInto } from './theta.js';

/** How the residual scale enters the deviance. */
export type ResidualScale = 'profiled' | 'known';

/** Buffers of one model's deviance evaluations, allocated once. */
export interface LmmWorkspace {
  readonly structure: LmmStructure;
  readonly theta: Float64Array;
  /** Λ blocks of each term (blocked order), q×q column-major, at lambdaPtr[k]. */
  readonly lambda: Float64Array;
  readonly lambdaPtr: Int32Array;
  /** Cholesky factors of the first term's diagonal blocks (q1×q1 each, lower). */
  readonly l11: Float64Array;
  /** L21 values, same layout as structure.a21. */
  readonly l21: Float64Array;
  /** Crossed block: assembled, then its Cholesky factor (supernodal panels). */
  readonly l22: Float64Array;
  /** [X y] rows of L: first term (row-major (p+1)×Q1) and crossed block ((p+1)×m). */
  readonly lf1: Float64Array;
  readonly lf2: Float64Array;
  /** Cholesky factor of the [X y] Schur complement, (p+1)², column-major lower. */
  readonly lff: Float64Array;
  readonly small: Float64Array;
  /** False when the last updateL met a matrix that was not positive definite. */
  ok: boolean;
}

/** Allocates the workspace of a model structure. */
export function createWorkspace(structure: LmmStructure): LmmWorkspace {
  const { q1, nLevels1, Q1, m, p, terms } = structure;
  const lambdaPtr = new Int32Array(terms.length + 1);
  for (let k = 0; k < terms.length; k++) lambdaPtr[k + 1] = lambdaPtr[k] + terms[k].q * terms[k].q;
  const qMax = Math.max(...terms.map((t) => t.q));
  return {
    structure,
    theta: new Float64Array(structure.nTheta),
    lambda: new Float64Array(lambdaPtr[terms.length]),
    lambdaPtr,
    l11: new Float64Array(nLevels1 * q1 * q1),
    l21: new Float64Array(structure.a21.length),
    l22: new Float64Array(structure.sym.nValues),
    lf1: new Float64Array((p + 1) * Q1),
    lf2: new Float64Array((p + 1) * m),
    lff: new Float64Array((p + 1) * (p + 1)),
    small: new Float64Array(4 * qMax * Math.max(qMax, p + 1)),
    ok: false,
  };
}

/** Step 1: installs θ (blocked order) and the Λ blocks it defines. Returns ws. */
export function setTheta(ws: LmmWorkspace, theta: ArrayLike<number>): LmmWorkspace {
  const { structure, lambda, lambdaPtr } = ws;
  for (let i = 0; i < structure.nTheta; i++) ws.theta[i] = theta[i];
  for (let k = 0; k < structure.terms.length; k++) lambdaBlockInto(lambda, lambdaPtr[k], ws.theta, structure.theta[k]);
  return ws;
}

/**
 * out (r×c, column-major) = Λ_aᵀ · A · Λ_b for A r×c at `a[aOff]`, Λ_a r×r, Λ_b c×c
 * (lower triangular, column-major). `tmp` needs r·c values.
 */
function lambdaSandwich(
  out: Float64Array, outOff: number, a: Float64Array, aOff: number, r: number, c: number,
  lam: Float64Array, la: number, lb: number, tmp: Float64Array,
): void {
  // tmp = A Λ_b
  for (let j = 0; j < c; j++) {
    for (let i = 0; i < r; i++) {
      let s = 0;
      for (let k = j; k < c; k++) s += a[aOff + i + k * r] * lam[lb + k + j * c];
      tmp[i + j * r] = s;
    }
  }
  // out = Λ_aᵀ tmp
  for (let j = 0; j < c; j++) {
    for (let i = 0; i < r; i++) {
      let s = 0;
      for (let k = i; k < r; k++) s += lam[la + k + i * r] * tmp[k + j * r];
      out[outOff + i + j * r] = s;
    }
  }
}

/**
 * Step 2: the blocked Cholesky factorization at the current θ. Sets `ws.ok` (false when a
 * block is not positive definite, which only rounding can cause). Returns ws.
 */
export function updateL(ws: LmmWorkspace): LmmWorkspace {
  const S = ws.structure;
  const { q1, nLevels1, Q1, m, p, terms, blockTerm, blockOffset, entPtr, entBlock, entValPtr } = S;
  const pf = p + 1;
  const { lambda, lambdaPtr, l11, l21, l22, lf1, lf2, lff, small } = ws;
  const q1sq = q1 * q1;
  const lam1 = lambdaPtr[0];
  ws.ok = false;

  // L11: Λ1ᵀ A11 Λ1 + I per level, factored.
  for (let l = 0; l < nLevels1; l++) {
    const off = l * q1sq;
    lambdaSandwich(l11, off, S.a11, off, q1, q1, lambda, lam1, lam1, small);
    for (let i = 0; i < q1; i++) l11[off + i + i * q1] += 1;
    if (!smallCholeskyAt(l11, off, q1)) return ws;
  }

  // L21 = Λ_kᵀ A21 Λ1 L11⁻ᵀ, entry by entry (entries row-major, qk × q1).
  for (let l = 0; l < nLevels1; l++) {
    const loff = l * q1sq;
    for (let e = entPtr[l]; e < entPtr[l + 1]; e++) {
      const b = entBlock[e];
      const k = blockTerm[b];
      const qk = terms[k].q;
      const v = entValPtr[e];
      if (qk === 1 && q1 === 1) {
        l21[v] = (lambda[lambdaPtr[k]] * S.a21[v] * lambda[lam1]) / l11[loff];
        continue;
      }
      // small = Λ_kᵀ A (row-major qk × q1), then · Λ1, then right-solve with L11ᵀ.
      const lk = lambdaPtr[k];
      for (let r = 0; r < qk; r++) {
        for (let c = 0; c < q1; c++) {
          let s = 0;
          for (let t = r; t < qk; t++) s += lambda[lk + t + r * qk] * S.a21[v + t * q1 + c];
          small[r * q1 + c] = s;
        }
      }
      for (let r = 0; r < qk; r++) {
        for (let c = 0; c < q1; c++) {
          let s = 0;
          for (let t = c; t < q1; t++) s += small[r * q1 + t] * lambda[lam1 + t + c * q1];
          // Right-solve X L11ᵀ = V: x_c = (v_c − Σ_{t<c} x_t L11[c,t]) / L11[c,c].
          for (let t = 0; t < c; t++) s -= l11[loff + c + t * q1] * l21[v + r * q1 + t];
          l21[v + r * q1 + c] = s / l11[loff + c + c * q1];
        }
      }
    }
  }

  // L22: Λᵀ A22 Λ + I − L21 L21ᵀ, then its Cholesky factor.
  if (m > 0) {
    l22.fill(0);
    const { a22Row, a22Col, a22ValPtr, a22PosPtr, a22Pos } = S;
    for (let t = 0; t < a22Row.length; t++) {
      const r = a22Row[t];
      const c = a22Col[t];
      const kr = blockTerm[r];
      const kc = blockTerm[c];
      const qr = terms[kr].q;
      const qc = terms[kc].q;
      const pp = a22PosPtr[t];
      if (qr === 1 && qc === 1) {
        l22[a22Pos[pp]] += lambda[lambdaPtr[kr]] * S.a22[a22ValPtr[t]] * lambda[lambdaPtr[kc]];
        continue;
      }
      const out = 2 * qr * qc;
      lambdaSandwich(small, out, S.a22, a22ValPtr[t], qr, qc, lambda, lambdaPtr[kr], lambdaPtr[kc], small);
      for (let i = 0; i < qr * qc; i++) if (a22Pos[pp + i] >= 0) l22[a22Pos[pp + i]] += small[out + i];
    }
    for (let c = 0; c < m; c++) l22[S.diagPos[c]] += 1;
    // − L21 L21ᵀ, gathered by target position (sequential writes).
    const { gatherPos, gatherPtr, gatherA, gatherB } = S;
    if (q1 === 1) {
      for (let t = 0; t < gatherPos.length; t++) {
        let s = 0;
        for (let p2 = gatherPtr[t]; p2 < gatherPtr[t + 1]; p2++) s += l21[gatherA[p2]] * l21[gatherB[p2]];
        l22[gatherPos[t]] -= s;
      }
    } else {
      for (let t = 0; t < gatherPos.length; t++) {
        let s = 0;
        for (let p2 = gatherPtr[t]; p2 < gatherPtr[t + 1]; p2++) {
          const a = gatherA[p2];
          const b = gatherB[p2];
          for (let c = 0; c < q1; c++) s += l21[a + c] * l21[b + c];
        }
        l22[gatherPos[t]] -= s;
      }
    }
    if (!supernodalFactorInPlace(S.sym, l22)) return ws;
  }

  // LF1 = [X y]ᵀ W Z1 Λ1 L11⁻ᵀ, per level (rows of (p+1) × q1).
  for (let l = 0; l < nLevels1; l++) {
    const loff = l * q1sq;
    for (let r = 0; r < pf; r++) {
      const base = r * Q1 + l * q1;
      // row · Λ1
      for (let c = 0; c < q1; c++) {
        let s = 0;
        for (let k = c; k < q1; k++) s += S.af1[base + k] * lambda[lam1 + k + c * q1];
        small[c] = s;
      }
      // · L11⁻ᵀ: solve x L11ᵀ = row, i.e. L11 xᵀ = rowᵀ.
      for (let c = 0; c < q1; c++) {
        let s = small[c];
        for (let t = 0; t < c; t++) s -= l11[loff + c + t * q1] * lf1[base + t];
        lf1[base + c] = s / l11[loff + c + c * q1];
      }
    }
  }

  // LF2 = ([X y]ᵀ W Z2 Λ2 − LF1 L21ᵀ) L22⁻ᵀ.
  if (m > 0) {
    for (let b = 0; b < S.nBlocks; b++) {
      const k = blockTerm[b];
      const qk = terms[k].q;
      const lk = lambdaPtr[k];
      const off = blockOffset[b];
      for (let r = 0; r < pf; r++) {
        const base = r * m + off;
        for (let c = 0; c < qk; c++) {
          let s = 0;
          for (let t = c; t < qk; t++) s += S.af2[base + t] * lambda[lk + t + c * qk];
          lf2[base + c] = s;
        }
      }
    }
    for (let l = 0; l < nLevels1; l++) {
      for (let e = entPtr[l]; e < entPtr[l + 1]; e++) {
        const b = entBlock[e];
        const qk = terms[blockTerm[b]].q;
        const v = entValPtr[e];
        const off = blockOffset[b];
        for (let r = 0; r < pf; r++) {
          const src = r * Q1 + l * q1;
          for (let i = 0; i < qk; i++) {
            let s = 0;
            for (let c = 0; c < q1; c++) s += lf1[src + c] * l21[v + i * q1 + c];
            lf2[r * m + off + i] -= s;
          }
        }
      }
    }
    supernodalForwardSolveRows(S.sym, l22, lf2, pf, m);
  }

  // LFF = AFF − LF1 LF1ᵀ − LF2 LF2ᵀ, factored.
  for (let c = 0; c < pf; c++) {
    for (let r = c; r < pf; r++) {
      let s = S.aff[r + c * pf];
      const ar = r * Q1;
      const ac = c * Q1;
      for (let k = 0; k < Q1; k++) s -= lf1[ar + k] * lf1[ac + k];
      const br = r * m;
      const bc = c * m;
      for (let k = 0; k < m; k++) s -= lf2[br + k] * lf2[bc + k];
      lff[r + c * pf] = s;
    }
  }
  // The last pivot is r², which is 0 for a perfect fit: accept it (objective −∞ is refused later).
  ws.ok = factorWithLastPivot(lff, pf);
  return ws;
}

/** In-place Cholesky of the n×n column-major block of `a` at `off` (lower triangle). */
function smallCholeskyAt(a: Float64Array, off: number, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[off + j + j * n];
    for (let k = 0; k < j; k++) d -= a[off + j + k * n] * a[off + j + k * n];
    if (!(d > 0) || d === Infinity) return false;
    const djj = Math.sqrt(d);
    a[off + j + j * n] = djj;
    for (let i = j + 1; i < n; i++) {
      let s = a[off + i + j * n];
      for (let k = 0; k < j; k++) s -= a[off + i + k * n] * a[off + j + k * n];
      a[off + i + j * n] = s / djj;
    }
  }
  return true;
}

/** Cholesky of the (p+1)² block; the last pivot may be 0 (r² = 0). */
function factorWithLastPivot(a: Float64Array, n: number): boolean {
  if (n > 1 && !choleskyInPlace(a, n - 1, n)) return false;
  let s = a[n - 1 + (n - 1) * n];
  for (let k = 0; k < n - 1; k++) {
    let v = a[n - 1 + k * n];
    for (let t = 0; t < k; t++) v -= a[n - 1 + t * n] * a[k + t * n];
    v /= a[k + k * n];
    a[n - 1 + k * n] = v;
    s -= v * v;
  }
  if (!(s >= 0) || !Number.isFinite(s)) return false;
  a[n - 1 + (n - 1) * n] = Math.sqrt(s);
  return true;
}

/** The pieces of the deviance at the current factorization. */
export interface DeviancePieces {
  /** log|L|² of the random-effects factor. */
  readonly logDetL: number;
  /** log|R_X|² (fixed effects). */
  readonly logDetRX: number;
  /** Penalized residual sum of squares r² (weighted). */
  readonly pwrss: number;
}

/** log|L|², log|R_X|² and r² from the factor in `ws` (after updateL with ws.ok). */
export function deviancePieces(ws: LmmWorkspace): DeviancePieces {
  const S = ws.structure;
  const { q1, nLevels1, p } = S;
  const pf = p + 1;
  let logDetL = 0;
  for (let l = 0; l < nLevels1; l++) {
    for (let i = 0; i < q1; i++) logDetL += Math.log(ws.l11[l * q1 * q1 + i + i * q1]);
  }
  logDetL = 2 * logDetL + (S.m > 0 ? supernodalLogDet(S.sym, ws.l22) : 0);
  let logDetRX = 0;
  for (let i = 0; i < p; i++) logDetRX += Math.log(ws.lff[i + i * pf]);
  const r = ws.lff[p + p * pf];
  return { logDetL, logDetRX: 2 * logDetRX, pwrss: r * r };
}

/**
 * Step 3: the objective (−2 log-likelihood, or the REML criterion) at the current
 * factorization; +Infinity when updateL failed or r² = 0 with a profiled σ.
 */
export function objective(ws: LmmWorkspace, reml: boolean, scale: ResidualScale = 'profiled'): number {
  if (!ws.ok) return Infinity;
  const S = ws.structure;
  const { logDetL, logDetRX, pwrss } = deviancePieces(ws);
  const nu = reml ? S.n - S.p : S.n;
  const LOG2PI = Math.log(2 * Math.PI);
  let dev: number;
  if (scale === 'known') dev = logDetL + pwrss + nu * LOG2PI;
  else {
    if (!(pwrss > 0)) return Infinity;
    dev = logDetL + nu * (1 + Math.log((2 * Math.PI * pwrss) / nu));
  }
  if (reml) dev += logDetRX;
  return dev - S.sumLogWeights;
}

/** The deviance as a function of θ alone: `θ ↦ objective(updateL(setTheta(ws, θ)))`. */
export function devianceFunction(ws: LmmWorkspace, reml: boolean, scale: ResidualScale = 'profiled'): (theta: ArrayLike<number>) => number {
  return (theta) => objective(updateL(setTheta(ws, theta)), reml, scale);
}
