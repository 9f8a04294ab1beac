import { describe, expect, it } from 'vitest';
import { fitLmm } from '../../src/lmm/fit.js';
import type { LmmFit } from '../../src/lmm/fit-types.js';
import { buildStructure } from '../../src/lmm/structure.js';
import { denseCholesky, denseZLambda, frameOf, relErr, syntheticCrossedFrame } from '../support/lmm.js';

/** Dense inverse of an SPD matrix (row-major). */
function denseInverse(a: Float64Array, n: number): Float64Array {
  const l = denseCholesky(a, n);
  const inv = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const x = new Float64Array(n);
    x[c] = 1;
    for (let i = 0; i < n; i++) { let s = x[i]; for (let k = 0; k < i; k++) s -= l[i * n + k] * x[k]; x[i] = s / l[i * n + i]; }
    for (let i = n - 1; i >= 0; i--) { let s = x[i]; for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k]; x[i] = s / l[i * n + i]; }
    for (let i = 0; i < n; i++) inv[i * n + c] = x[i];
  }
  return inv;
}

/**
 * Dense BLUPs b = Λ M⁻¹ ΛᵀZᵀW(y − Xβ̂) and conditional covariances σ² Λ M⁻¹ Λᵀ with
 * M = ΛᵀZᵀWZΛ + I, at the fit's θ̂ (Henderson's mixed-model equations; Bates et al. 2015,
 * eq. 13). Returns them in the column order of denseZLambda (blocked terms, level-major).
 */
function denseModes(fit: LmmFit): { b: Float64Array; cov: Float64Array; Q: number } {
  const frame = fit.frame;
  const n = frame.n;
  const theta = fit.optimization.thetaEnd;
  const { zl, Q } = denseZLambda(frame, theta);
  const w = frame.weights;
  const M = new Float64Array(Q * Q);
  const rhs = new Float64Array(Q);
  for (let i = 0; i < n; i++) {
    const wi = w ? w[i] : 1;
    let r = frame.y[i];
    fit.fixef.forEach((f, j) => { r -= frame.X[i + j * n] * f.estimate; });
    for (let a = 0; a < Q; a++) {
      const za = zl[i * Q + a];
      if (za === 0) continue;
      rhs[a] += wi * za * r;
      for (let c = 0; c < Q; c++) M[a * Q + c] += wi * za * zl[i * Q + c];
    }
  }
  for (let a = 0; a < Q; a++) M[a * Q + a] += 1;
  const Minv = denseInverse(M, Q);
  const u = new Float64Array(Q);
  for (let a = 0; a < Q; a++) for (let c = 0; c < Q; c++) u[a] += Minv[a * Q + c] * rhs[c];
  // Λ as the map u → b: b = Λu, with Λ block diagonal; recover it from ZΛ = Z·Λ per term.
  const S = buildStructure(frame);
  const b = new Float64Array(Q);
  const lam = new Float64Array(Q * Q);
  let col0 = 0;
  S.terms.forEach((t, k) => {
    const q = t.q;
    const layout = S.theta[k];
    const block = new Float64Array(q * q);
    let idx = layout.offset;
    if (layout.correlated) { for (let j = 0; j < q; j++) for (let i = j; i < q; i++) block[i + j * q] = theta[idx++]; }
    else for (let i = 0; i < q; i++) block[i + i * q] = theta[idx++];
    for (let l = 0; l < t.nLevels; l++) {
      for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) lam[(col0 + l * q + i) * Q + col0 + l * q + j] = block[i + j * q];
    }
    col0 += q * t.nLevels;
  });
  for (let a = 0; a < Q; a++) for (let c = 0; c < Q; c++) b[a] += lam[a * Q + c] * u[c];
  const s2 = fit.sigma ** 2;
  const cov = new Float64Array(Q * Q);
  const tmp = new Float64Array(Q * Q);
  for (let a = 0; a < Q; a++) for (let c = 0; c < Q; c++) { let s = 0; for (let k = 0; k < Q; k++) s += lam[a * Q + k] * Minv[k * Q + c]; tmp[a * Q + c] = s; }
  for (let a = 0; a < Q; a++) for (let c = 0; c < Q; c++) { let s = 0; for (let k = 0; k < Q; k++) s += tmp[a * Q + k] * lam[c * Q + k]; cov[a * Q + c] = s2 * s; }
  return { b, cov, Q };
}

describe('conditional modes and conditional variances', () => {
  // Source: Henderson's mixed-model equations solved densely (definition); tolerance 1e-9.
  it('match the dense mixed-model equations on a crossed, weighted model with random slopes', () => {
    const frame = syntheticCrossedFrame();
    const fit = fitLmm(frame, { reml: true });
    const { b, cov, Q } = denseModes(fit);
    const S = buildStructure(frame);
    let col0 = 0;
    S.terms.forEach((t) => {
      const re = fit.ranef[t.original];
      const q = t.q;
      for (let l = 0; l < t.nLevels; l++) {
        for (let i = 0; i < q; i++) {
          expect(Math.abs(re.values[l * q + i] - b[col0 + l * q + i])).toBeLessThan(1e-9);
          for (let j = 0; j < q; j++) {
            expect(Math.abs(re.condVar![l * q * q + i + j * q] - cov[(col0 + l * q + i) * Q + col0 + l * q + j])).toBeLessThan(1e-9);
          }
        }
      }
      col0 += q * t.nLevels;
    });
  });
  it('match the dense equations for sleepstudy (Days | Subject)', () => {
    const fit = fitLmm(frameOf('sleepstudy.csv', 'Reaction ~ Days + (Days | Subject)'));
    const { b, cov, Q } = denseModes(fit);
    const re = fit.ranef[0];
    for (let k = 0; k < Q; k++) expect(Math.abs(re.values[k] - b[k])).toBeLessThan(1e-8);
    for (let l = 0; l < 18; l++) {
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
        expect(relErr(re.condVar![l * 4 + i + j * 2], cov[(2 * l + i) * Q + 2 * l + j])).toBeLessThan(1e-9);
      }
    }
  });
  it('can be skipped', () => {
    const fit = fitLmm(frameOf('sleepstudy.csv', 'Reaction ~ Days + (Days | Subject)'), { conditionalVariances: false });
    expect(fit.ranef[0].condVar).toBeNull();
  });
});

describe('nested random effects: Pastes', () => {
  // Source: Bates, "lme4: Mixed-effects modeling with R" (2010), chapter 2, model fm04 for the
  // Pastes data (strength ~ 1 + (1 | sample) + (1 | batch), REML): REML criterion 247.0,
  // variances sample 8.434, batch 1.657, residual 0.678; (Intercept) 60.0533, SE 0.6769.
  // Tolerance: the printed digits (relative 1e-3).
  const nested = fitLmm(frameOf('pastes.csv', 'strength ~ 1 + (1 | batch/cask)'));
  const explicit = fitLmm(frameOf('pastes.csv', 'strength ~ 1 + (1 | batch) + (1 | sample)'));
  it('(1 | batch/cask) equals (1 | batch) + (1 | sample) with sample = batch:cask', () => {
    expect(nested.deviance).toBeCloseTo(explicit.deviance, 6);
    expect(nested.fixef[0].estimate).toBeCloseTo(explicit.fixef[0].estimate, 6);
    const v = (fit: LmmFit, g: string): number => fit.varcomp.find((x) => x.group === g)!.variance;
    expect(relErr(v(nested, 'cask:batch'), v(explicit, 'sample'))).toBeLessThan(1e-4);
    expect(relErr(v(nested, 'batch'), v(explicit, 'batch'))).toBeLessThan(1e-4);
  });
  it('matches the published fit', () => {
    const v = (g: string): number => nested.varcomp.find((x) => x.group === g)!.variance;
    expect(nested.deviance).toBeCloseTo(247.0, 1);
    expect(relErr(v('cask:batch'), 8.434)).toBeLessThan(1e-3);
    expect(relErr(v('batch'), 1.657)).toBeLessThan(1e-3);
    expect(relErr(nested.sigma ** 2, 0.678)).toBeLessThan(1e-3);
    expect(relErr(nested.fixef[0].estimate, 60.0533)).toBeLessThan(1e-5);
    expect(relErr(nested.fixef[0].se, 0.6769)).toBeLessThan(1e-3);
  });
  it('keeps the nested term block diagonal (no fill between batches)', () => {
    const S = buildStructure(frameOf('pastes.csv', 'strength ~ 1 + (1 | batch/cask)'));
    expect(S.terms[0].term.group).toBe('cask:batch');
    expect(S.m).toBe(10);
    expect(S.sym.nValues).toBe(10); // ten 1×1 supernodes: diagonal Schur complement
  });
});
