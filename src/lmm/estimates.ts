/**
 * Estimates at the optimum, read off the blocked factor (Bates et al. 2015, section 3.6):
 * β̂ from R_X β̂ = r_Xy, σ̂² = r²/(n or n−p), the conditional modes u solving
 * Lᵀu = r_Zy − L_XZᵀ β̂, b = Λu, and the conditional covariances σ² Λ (LLᵀ)⁻¹ Λᵀ
 * (diagonal blocks, from a selected inverse of the crossed block).
 */
import type { LmmWorkspace } from './deviance.js';
import { supernodalBackSolve } from '../linalg/supernodal.js';
import { supernodalSelectedInverse } from '../linalg/supernodal-inverse.js';
import { supernodalPosition } from '../linalg/supernodal-symbolic.js';

/** β̂, its unscaled covariance (R_XᵀR_X)⁻¹ and r² from the factor. */
export function fixedEffectEstimates(ws: LmmWorkspace): { beta: Float64Array; unscaledVcov: Float64Array; pwrss: number } {
  const { p } = ws.structure;
  const pf = p + 1;
  const lff = ws.lff;
  // L_XX (lower) with L_XX L_XXᵀ = R_XᵀR_X; β̂ = L_XX⁻ᵀ l_yX.
  const beta = new Float64Array(p);
  for (let j = 0; j < p; j++) beta[j] = lff[p + j * pf];
  for (let j = p - 1; j >= 0; j--) {
    let s = beta[j];
    for (let i = j + 1; i < p; i++) s -= lff[i + j * pf] * beta[i];
    beta[j] = s / lff[j + j * pf];
  }
  // (L_XX L_XXᵀ)⁻¹ = L_XX⁻ᵀ L_XX⁻¹.
  const linv = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    linv[j + j * p] = 1 / lff[j + j * pf];
    for (let i = j + 1; i < p; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s += lff[i + k * pf] * linv[k + j * p];
      linv[i + j * p] = -s / lff[i + i * pf];
    }
  }
  const unscaledVcov = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    for (let i = 0; i < p; i++) {
      let s = 0;
      for (let k = Math.max(i, j); k < p; k++) s += linv[k + i * p] * linv[k + j * p];
      unscaledVcov[i + j * p] = s;
    }
  }
  const r = lff[p + p * pf];
  return { beta, unscaledVcov, pwrss: r * r };
}

/**
 * Spherical conditional modes u (first term's Q1 values, then the crossed block's m values
 * in elimination order) for the given β̂.
 */
export function sphericalModes(ws: LmmWorkspace, beta: Float64Array): { u1: Float64Array; u2: Float64Array } {
  const S = ws.structure;
  const { p, Q1, m, q1, nLevels1, entPtr, entBlock, entValPtr, blockOffset, blockTerm, terms } = S;
  // c = r_Zy − L_XZᵀ β: the y row of the [X y] rows minus β-weighted X rows.
  const u1 = new Float64Array(Q1);
  const u2 = new Float64Array(m);
  for (let k = 0; k < Q1; k++) {
    let s = ws.lf1[p * Q1 + k];
    for (let j = 0; j < p; j++) s -= beta[j] * ws.lf1[j * Q1 + k];
    u1[k] = s;
  }
  for (let k = 0; k < m; k++) {
    let s = ws.lf2[p * m + k];
    for (let j = 0; j < p; j++) s -= beta[j] * ws.lf2[j * m + k];
    u2[k] = s;
  }
  if (m > 0) supernodalBackSolve(S.sym, ws.l22, u2);
  const q1sq = q1 * q1;
  for (let l = 0; l < nLevels1; l++) {
    const base = l * q1;
    for (let e = entPtr[l]; e < entPtr[l + 1]; e++) {
      const b = entBlock[e];
      const qk = terms[blockTerm[b]].q;
      const v = entValPtr[e];
      for (let c = 0; c < q1; c++) {
        let s = 0;
        for (let i = 0; i < qk; i++) s += ws.l21[v + i * q1 + c] * u2[blockOffset[b] + i];
        u1[base + c] -= s;
      }
    }
    // L11ᵀ x = v.
    for (let c = q1 - 1; c >= 0; c--) {
      let s = u1[base + c];
      for (let i = c + 1; i < q1; i++) s -= ws.l11[l * q1sq + i + c * q1] * u1[base + i];
      u1[base + c] = s / ws.l11[l * q1sq + c + c * q1];
    }
  }
  return { u1, u2 };
}

/**
 * Diagonal blocks of (LLᵀ)⁻¹ for every random-effects level: first term (nLevels1 × q1²)
 * and crossed blocks (by position, q_b² each at offsets cOff).
 */
export function conditionalCovarianceBlocks(ws: LmmWorkspace): { c1: Float64Array; c2: Float64Array; c2Ptr: Int32Array } {
  const S = ws.structure;
  const { q1, nLevels1, m, nBlocks, blockOffset, blockTerm, terms, entPtr, entBlock, entValPtr, pairPtr, pairPos } = S;
  const zinv = new Float64Array(S.sym.nValues);
  if (m > 0) supernodalSelectedInverse(S.sym, ws.l22, zinv);
  const c2Ptr = new Int32Array(nBlocks + 1);
  for (let b = 0; b < nBlocks; b++) c2Ptr[b + 1] = c2Ptr[b] + terms[blockTerm[b]].q ** 2;
  const c2 = new Float64Array(c2Ptr[nBlocks]);
  for (let b = 0; b < nBlocks; b++) {
    const q = terms[blockTerm[b]].q;
    const o = blockOffset[b];
    for (let j = 0; j < q; j++) {
      for (let i = j; i < q; i++) {
        const v = zinv[supernodalPosition(S.sym, o + i, o + j)];
        c2[c2Ptr[b] + i + j * q] = v;
        c2[c2Ptr[b] + j + i * q] = v;
      }
    }
  }
  // First term: L11⁻ᵀ (I + L21ᵀ S⁻¹ L21) L11⁻¹ per level, with S⁻¹ read at the pair positions.
  const q1sq = q1 * q1;
  const c1 = new Float64Array(nLevels1 * q1sq);
  const mid = new Float64Array(q1sq);
  const linv = new Float64Array(q1sq);
  const stack = new Float64Array(Math.max(1, S.maxLevelRows * q1));
  for (let l = 0; l < nLevels1; l++) {
    let rows = 0;
    for (let e = entPtr[l]; e < entPtr[l + 1]; e++) rows += terms[blockTerm[entBlock[e]]].q;
    let r0 = 0;
    for (let e = entPtr[l]; e < entPtr[l + 1]; e++) {
      const qk = terms[blockTerm[entBlock[e]]].q;
      const v = entValPtr[e];
      for (let c = 0; c < q1; c++) for (let r = 0; r < qk; r++) stack[r0 + r + c * rows] = ws.l21[v + r * q1 + c];
      r0 += qk;
    }
    mid.fill(0);
    for (let i = 0; i < q1; i++) mid[i + i * q1] = 1;
    let pp = pairPtr[l];
    for (let b = 0; b < rows; b++) {
      for (let a = b; a < rows; a++) {
        const sv = zinv[pairPos[pp++]];
        for (let i = 0; i < q1; i++) {
          for (let j = 0; j < q1; j++) {
            mid[i + j * q1] += stack[a + i * rows] * sv * stack[b + j * rows] + (a !== b ? stack[b + i * rows] * sv * stack[a + j * rows] : 0);
          }
        }
      }
    }
    // linv = L11⁻¹ (lower).
    const lo = l * q1sq;
    linv.fill(0);
    for (let j = 0; j < q1; j++) {
      linv[j + j * q1] = 1 / ws.l11[lo + j + j * q1];
      for (let i = j + 1; i < q1; i++) {
        let s = 0;
        for (let k = j; k < i; k++) s += ws.l11[lo + i + k * q1] * linv[k + j * q1];
        linv[i + j * q1] = -s / ws.l11[lo + i + i * q1];
      }
    }
    // c1 = linvᵀ mid linv.
    for (let j = 0; j < q1; j++) {
      for (let i = 0; i < q1; i++) {
        let s = 0;
        for (let a = 0; a < q1; a++) {
          for (let b = 0; b < q1; b++) s += linv[a + i * q1] * mid[a + b * q1] * linv[b + j * q1];
        }
        c1[lo + i + j * q1] = s;
      }
    }
  }
  return { c1, c2, c2Ptr };
}
