/**
 * Shared helpers of the LMM tests: reference values (lme4 1.1.31, from
 * reference/reference_values.json), datasets, and dense reference computations
 * that follow the definitions directly (no blocking, no sparsity) for property tests.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readTable } from '../../src/io/data-files.js';
import { buildFrame, type BuildFrameOptions } from '../../src/lmm/frame.js';
import type { LmmFrame } from '../../src/lmm/frame-types.js';
import { buildStructure } from '../../src/lmm/structure.js';
import { lambdaBlockInto } from '../../src/lmm/theta.js';

const here = dirname(fileURLToPath(import.meta.url));
export const DATASETS = join(here, '..', '..', 'datasets');
const REFERENCE = join(here, '..', '..', 'reference', 'reference_values.json');

/** One lme4 fit from reference_values.json. */
export interface Lme4Reference {
  name: string;
  formula: string;
  REML: boolean;
  fixef: Record<string, number>;
  se: Record<string, number>;
  varcomp: Record<string, number>;
  sigma: number;
  logLik: number;
  deviance: number;
  AIC: number;
  BIC: number;
  nobs: number;
  blup_subject_308?: Record<string, number>;
  source: string;
}

/** The lme4 reference fit stored under `key` (e.g. "lmm_sleepstudy_reml"). */
export function lme4Reference(key: string): Lme4Reference {
  return JSON.parse(readFileSync(REFERENCE, 'utf8'))[key] as Lme4Reference;
}

/** The frame of `formula` on datasets/<file>. */
export function frameOf(file: string, formula: string, options?: BuildFrameOptions): LmmFrame {
  return buildFrame(formula, readTable(join(DATASETS, file)), options);
}

/** |a − b| / |b|. */
export function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

/** Lower Cholesky factor of a dense symmetric n×n matrix (row-major), throws if not PD. */
export function denseCholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] ** 2;
    if (!(d > 0)) throw new Error('denseCholesky: not positive definite');
    l[j * n + j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / l[j * n + j];
    }
  }
  return l;
}

/** Solves L x = b (L lower, row-major) in place. */
function forward(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * b[k];
    b[i] = s / l[i * n + i];
  }
}

/**
 * −2 log-likelihood maximised over β and σ, computed densely from its definition:
 * y ~ N(Xβ, σ²(ZΛΛᵀZᵀ + W⁻¹)) with V = ZΛΛᵀZᵀ + W⁻¹ formed explicitly (n×n), β̂ the GLS
 * estimate, σ̂² = r'V⁻¹r / n (ML) or / (n − p) (REML), and
 * −2 log L = n log(2πσ̂²) + log|V| + n (ML), + log|XᵀV⁻¹X/σ̂²| − p log 2π for REML.
 * `zl` is the n×Q matrix ZΛ (row-major).
 */
export function denseProfiledDeviance(
  y: Float64Array, X: Float64Array, p: number, zl: Float64Array, Q: number, reml: boolean, w?: Float64Array,
): number {
  const n = y.length;
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < Q; k++) s += zl[i * Q + k] * zl[j * Q + k];
      V[i * n + j] = s;
      V[j * n + i] = s;
    }
    V[i * n + i] += w ? 1 / w[i] : 1;
  }
  const L = denseCholesky(V, n);
  let logDetV = 0;
  for (let i = 0; i < n; i++) logDetV += 2 * Math.log(L[i * n + i]);
  // Whitened X and y: L⁻¹X, L⁻¹y (X column-major n×p).
  const wx: Float64Array[] = [];
  for (let j = 0; j < p; j++) {
    const col = X.slice(j * n, (j + 1) * n);
    forward(L, n, col);
    wx.push(col);
  }
  const wy = Float64Array.from(y);
  forward(L, n, wy);
  const xtx = new Float64Array(p * p);
  const xty = new Float64Array(p);
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < p; b++) for (let i = 0; i < n; i++) xtx[a * p + b] += wx[a][i] * wx[b][i];
    for (let i = 0; i < n; i++) xty[a] += wx[a][i] * wy[i];
  }
  const lx = p > 0 ? denseCholesky(xtx, p) : new Float64Array(0);
  let logDetXtVX = 0;
  for (let a = 0; a < p; a++) logDetXtVX += 2 * Math.log(lx[a * p + a]);
  const beta = Float64Array.from(xty);
  forward(lx, p, beta);
  for (let a = p - 1; a >= 0; a--) {
    let s = beta[a];
    for (let k = a + 1; k < p; k++) s -= lx[k * p + a] * beta[k];
    beta[a] = s / lx[a * p + a];
  }
  let r2 = 0;
  for (let i = 0; i < n; i++) {
    let ri = wy[i];
    for (let a = 0; a < p; a++) ri -= wx[a][i] * beta[a];
    r2 += ri * ri;
  }
  const nu = reml ? n - p : n;
  const s2 = r2 / nu;
  let dev = n * Math.log(2 * Math.PI * s2) + logDetV + r2 / s2;
  if (reml) dev += logDetXtVX - p * Math.log(s2) - p * Math.log(2 * Math.PI);
  return dev;
}

/** A small deterministic pseudo-random generator (Park–Miller), uniform on (0, 1). */
export function seededUniform(seed: number): () => number {
  let s = seed % 2147483647;
  if (s <= 0) s += 2147483646;
  return () => {
    s = (s * 16807) % 2147483647;
    return (s - 1) / 2147483646;
  };
}

/** ZΛ (n×Q row-major) for θ in the blocked order of the structure. */
export function denseZLambda(frame: LmmFrame, theta: ArrayLike<number>): { zl: Float64Array; Q: number } {
  const S = buildStructure(frame);
  const { n } = frame;
  const Q = S.terms.reduce((s, t) => s + t.q * t.nLevels, 0);
  const zl = new Float64Array(n * Q);
  let col0 = 0;
  S.terms.forEach((t, k) => {
    const q = t.q;
    const lam = new Float64Array(q * q);
    lambdaBlockInto(lam, 0, theta, S.theta[k]);
    for (let i = 0; i < n; i++) {
      const g = t.term.groupIndex[i];
      for (let c = 0; c < q; c++) {
        let s = 0;
        for (let a = c; a < q; a++) s += t.term.z[i + a * n] * lam[a + c * q];
        zl[i * Q + col0 + g * q + c] = s;
      }
    }
    col0 += q * t.nLevels;
  });
  return { zl, Q };
}

/** A crossed, weighted model with random slopes in the crossed block (seeded). */
export function syntheticCrossedFrame(): LmmFrame {
  const rnd = seededUniform(20240611);
  const n = 150;
  const nA = 60;
  const nB = 40;
  const nC = 25;
  const A = Int32Array.from({ length: n }, () => Math.floor(rnd() * nA));
  const B = Int32Array.from({ length: n }, () => Math.floor(rnd() * nB));
  const C = Int32Array.from({ length: n }, () => Math.floor(rnd() * nC));
  // Every level must occur: assign the first levels explicitly.
  for (let l = 0; l < nA; l++) A[l] = l;
  for (let l = 0; l < nB; l++) B[60 + l] = l;
  for (let l = 0; l < nC; l++) C[100 + l] = l;
  const x = Float64Array.from({ length: n }, () => rnd() * 4 - 2);
  const x2 = Float64Array.from({ length: n }, () => rnd() * 2);
  const y = Float64Array.from({ length: n }, (_, i) => 1 + x[i] + 3 * (rnd() - 0.5) + Math.sin(A[i]) + Math.cos(B[i]) * (1 + x[i]) + 0.3 * C[i] / nC);
  const X = new Float64Array(3 * n);
  const zB = new Float64Array(2 * n);
  const zC = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    X[i] = 1; X[n + i] = x[i]; X[2 * n + i] = x2[i];
    zB[i] = 1; zB[n + i] = x[i];
    zC[i] = 1; zC[n + i] = x2[i];
  }
  const labels = (k: number): string[] => Array.from({ length: k }, (_, i) => `L${i}`);
  return {
    n, responseName: 'y', y, X, fixedNames: ['(Intercept)', 'x', 'x2'], rows: Int32Array.from({ length: n }, (_, i) => i + 2),
    weights: Float64Array.from({ length: n }, () => 0.5 + 1.5 * rnd()),
    terms: [
      { group: 'A', levels: labels(nA), groupIndex: A, columnNames: ['(Intercept)'], z: new Float64Array(n).fill(1), correlated: true },
      { group: 'B', levels: labels(nB), groupIndex: B, columnNames: ['(Intercept)', 'x'], z: zB, correlated: true },
      { group: 'C', levels: labels(nC), groupIndex: C, columnNames: ['(Intercept)', 'x2'], z: zC, correlated: false },
    ],
  };
}

