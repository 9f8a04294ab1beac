import { readFileSync } from 'node:fs';
import { CholeskyDecomposition, inverse, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { GaussianMarginalKernel } from '../../src/estimation/gaussian-kernel.js';
import { uniformSymmetric as rng } from '../support/random.js';


interface Case { n: number; q: number; r: Float64Array; G: Float64Array; omega: Float64Array; R: Float64Array }

function randomCase(n: number, q: number, seed: number, omegaScale = 1): Case {
  const u = rng(seed);
  const r = new Float64Array(n).map(() => 3 * u());
  const G = new Float64Array(n * q).map(() => 2 * u());
  const B = new Float64Array(q * q).map(() => u());
  const omega = new Float64Array(q * q);
  for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) {
    let s = i === j ? 0.05 : 0;
    for (let k = 0; k < q; k++) s += B[i + k * q] * B[j + k * q];
    omega[i + j * q] = omegaScale * s;
  }
  const R = new Float64Array(n).map(() => 0.1 + Math.abs(u()));
  return { n, q, r, G, omega, R };
}

/** Direct dense reference with ml-matrix (an independent implementation): V, log|V|, rᵀV⁻¹r. */
function dense(c: Case) {
  const { n, q } = c;
  const G = new Matrix(n, q);
  for (let i = 0; i < n; i++) for (let k = 0; k < q; k++) G.set(i, k, c.G[i + k * n]);
  const Om = new Matrix(q, q);
  for (let i = 0; i < q; i++) for (let k = 0; k < q; k++) Om.set(i, k, c.omega[i + k * q]);
  const V = G.mmul(Om).mmul(G.transpose());
  for (let i = 0; i < n; i++) {
    V.set(i, i, V.get(i, i) + c.R[i]);
    for (let j = 0; j < i; j++) { const v = 0.5 * (V.get(i, j) + V.get(j, i)); V.set(i, j, v); V.set(j, i, v); }
  }
  const chol = new CholeskyDecomposition(V);
  const L = chol.lowerTriangularMatrix;
  let logDet = 0;
  for (let i = 0; i < n; i++) logDet += 2 * Math.log(L.get(i, i));
  const rv = Matrix.columnVector(Array.from(c.r));
  const vInvR = chol.solve(rv);
  const quad = rv.transpose().mmul(vInvR).get(0, 0);
  return { V, logDet, quad, vInvR, G, Om };
}

function maxAbs(m: Matrix): number {
  return Math.max(...m.to1DArray().map(Math.abs));
}

/** (M + Mᵀ)/2: ml-matrix's Cholesky insists on exact symmetry. */
function sym(m: Matrix): Matrix {
  return m.add(m.transpose()).mul(0.5);
}

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

describe('GaussianMarginalKernel vs a direct dense computation (ml-matrix 6.x, Cholesky of V)', () => {
  const kernel = new GaussianMarginalKernel(40, 5);

  it('−2LL = log|V| + rᵀV⁻¹r to 1e-10 relative for random cases (n = 1..40, q = 1..5)', () => {
    let seed = 1;
    for (const n of [1, 2, 5, 12, 40]) for (const q of [1, 2, 3, 5]) {
      const c = randomCase(n, q, seed++);
      const d = dense(c);
      const m2ll = kernel.evaluate(c.r, c.G, c.omega, c.R, n, q);
      expect(kernel.status).toBe('ok');
      expect(rel(kernel.logDetV, d.logDet)).toBeLessThan(1e-10);
      expect(rel(kernel.quadraticForm, d.quad)).toBeLessThan(1e-10);
      expect(rel(m2ll, d.logDet + d.quad)).toBeLessThan(1e-10);
      for (let j = 0; j < n; j++) expect(Math.abs(kernel.vInvR[j] - d.vInvR.get(j, 0))).toBeLessThan(1e-10 * maxAbs(d.vInvR));
    }
  });

  it('matrix-determinant lemma pieces: log|V| = log|R| + log|Ω| + log|Ω⁻¹ + GᵀR⁻¹G|', () => {
    const c = randomCase(8, 3, 99);
    kernel.evaluate(c.r, c.G, c.omega, c.R, 8, 3);
    const d = dense(c);
    const W = Matrix.diag(Array.from(c.R).map((v) => 1 / v));
    const P = sym(inverse(d.Om).add(d.G.transpose().mmul(W).mmul(d.G)));
    const logDetP = Math.log(new CholeskyDecomposition(P).lowerTriangularMatrix.diag().reduce((a, v) => a * v * v, 1));
    expect(rel(kernel.logDetPrecision, logDetP)).toBeLessThan(1e-10);
    expect(rel(kernel.logDetR + kernel.logDetOmega + kernel.logDetPrecision, d.logDet)).toBeLessThan(1e-10);
  });

  it('posterior mean Ω Gᵀ V⁻¹ r, posterior covariance (Ω⁻¹ + GᵀR⁻¹G)⁻¹, V⁻¹ x and V⁻¹ (1e-10)', () => {
    const n = 9;
    const q = 3;
    const c = randomCase(n, q, 7);
    kernel.evaluate(c.r, c.G, c.omega, c.R, n, q);
    const d = dense(c);
    const mean = new Float64Array(q);
    kernel.posteriorMeanInto(mean);
    const meanRef = d.Om.mmul(d.G.transpose()).mmul(d.vInvR);
    for (let k = 0; k < q; k++) expect(Math.abs(mean[k] - meanRef.get(k, 0))).toBeLessThan(1e-10 * maxAbs(meanRef));
    const cov = new Float64Array(q * q);
    kernel.posteriorCovarianceInto(cov);
    const W = Matrix.diag(Array.from(c.R).map((v) => 1 / v));
    const covRef = inverse(inverse(d.Om).add(d.G.transpose().mmul(W).mmul(d.G)));
    for (let i = 0; i < q; i++) for (let k = 0; k < q; k++) {
      expect(Math.abs(cov[i + k * q] - covRef.get(i, k))).toBeLessThan(1e-10 * maxAbs(covRef));
    }
    const Vinv = inverse(d.V);
    const full = new Float64Array(n * n);
    kernel.vInverseInto(full);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      expect(Math.abs(full[i + j * n] - Vinv.get(i, j))).toBeLessThan(1e-10 * maxAbs(Vinv));
    }
    const x = new Float64Array(n).map((_, i) => Math.cos(i));
    const out = new Float64Array(n);
    kernel.solveInto(out, x);
    const ref = Vinv.mmul(Matrix.columnVector(Array.from(x)));
    for (let i = 0; i < n; i++) expect(Math.abs(out[i] - ref.get(i, 0))).toBeLessThan(1e-10 * maxAbs(ref));
  });

  it('stays accurate for a nearly singular Ω (ω² = 1e-10) and a strongly correlated Ω (ρ = 0.999999)', () => {
    const c = randomCase(10, 2, 5);
    c.omega.set([1e-10, 0, 0, 0.3]);
    let d = dense(c);
    kernel.evaluate(c.r, c.G, c.omega, c.R, 10, 2);
    expect(rel(kernel.logDetV + kernel.quadraticForm, d.logDet + d.quad)).toBeLessThan(1e-10);
    const rho = 0.999999;
    c.omega.set([0.2, rho * Math.sqrt(0.2 * 0.5), rho * Math.sqrt(0.2 * 0.5), 0.5]);
    d = dense(c);
    kernel.evaluate(c.r, c.G, c.omega, c.R, 10, 2);
    expect(kernel.status).toBe('ok');
    expect(rel(kernel.logDetV + kernel.quadraticForm, d.logDet + d.quad)).toBeLessThan(1e-10);
  });

  it('without random effects (q = 0): Σ log R_j + r_j²/R_j', () => {
    const c = randomCase(6, 0, 3);
    let ref = 0;
    for (let j = 0; j < 6; j++) ref += Math.log(c.R[j]) + c.r[j] ** 2 / c.R[j];
    expect(rel(kernel.evaluate(c.r, c.G, c.omega, c.R, 6, 0), ref)).toBeLessThan(1e-14);
  });

  it('evaluateOffset uses r = y − f + G η̂', () => {
    const c = randomCase(7, 2, 11);
    const f = new Float64Array(7).map((_, j) => Math.sin(j));
    const eta = Float64Array.of(0.3, -0.2);
    const y = new Float64Array(7);
    const r = new Float64Array(7);
    for (let j = 0; j < 7; j++) {
      y[j] = c.r[j] + 2;
      r[j] = y[j] - f[j] + c.G[j] * eta[0] + c.G[j + 7] * eta[1];
    }
    const a = kernel.evaluateOffset(y, f, c.G, eta, c.omega, c.R, 7, 2);
    const b = new GaussianMarginalKernel(7, 2).evaluate(r, c.G, c.omega, c.R, 7, 2);
    expect(rel(a, b)).toBeLessThan(1e-14);
  });

  it('reports failure as +Infinity with a status, never NaN', () => {
    const c = randomCase(4, 2, 13);
    expect(kernel.evaluate(c.r, c.G, Float64Array.of(1, 2, 2, 1), c.R, 4, 2)).toBe(Infinity);
    expect(kernel.status).toBe('omega-not-positive-definite');
    expect(kernel.evaluate(c.r, c.G, Float64Array.of(0, 0, 0, 1), c.R, 4, 2)).toBe(Infinity); // singular Ω
    expect(kernel.status).toBe('omega-not-positive-definite');
    expect(kernel.evaluate(c.r, c.G, c.omega, Float64Array.of(1, 0, 1, 1), 4, 2)).toBe(Infinity);
    expect(kernel.status).toBe('residual-variance-not-positive');
    expect(kernel.evaluate(c.r, c.G, c.omega, Float64Array.of(1, NaN, 1, 1), 4, 2)).toBe(Infinity);
    expect(kernel.status).toBe('residual-variance-not-positive');
    expect(kernel.evaluate(Float64Array.of(1, NaN, 0, 0), c.G, c.omega, c.R, 4, 2)).toBe(Infinity);
    expect(kernel.status).toBe('not-finite');
    const G = c.G.slice();
    G[2] = Infinity;
    expect(kernel.evaluate(c.r, G, c.omega, c.R, 4, 2)).toBe(Infinity);
    expect(kernel.status).toBe('not-finite');
    expect(() => kernel.evaluate(c.r, c.G, c.omega, c.R, 41, 2)).toThrow(RangeError);
    // A later good evaluation resets the status.
    kernel.evaluate(c.r, c.G, c.omega, c.R, 4, 2);
    expect(kernel.status).toBe('ok');
  });
});

// Wang Y. (2007) J Pharmacokinet Pharmacodyn 34:575, Table 2: NONMEM objective values at
// fixed parameters for a one-compartment bolus model (see /work/reference/
// reference_values.json, entry wang2007_objective_at_initial_estimates):
// ipred = 10·exp(−k t), k = 0.5·exp(η), ω² = 0.04, σ² = 0.1, additive or proportional error.
describe('GaussianMarginalKernel reproduces Wang 2007 (NONMEM) FO and FOCE objectives', () => {
  const text = readFileSync(new URL('../../datasets/wang2007.csv', import.meta.url), 'utf8').trim().split('\n').slice(1);
  const rows = text.map((l) => l.split(',').map(Number));
  const ids = [...new Set(rows.map((r) => r[0]))];
  const subjects = ids.map((id) => {
    const rs = rows.filter((r) => r[0] === id);
    return { t: rs.map((r) => r[1]), y: Float64Array.from(rs.map((r) => r[2])) };
  });
  const omega2 = 0.04;
  const sigma2 = 0.1;

  /** Predictions f (n) and G = ∂f/∂η (n×1) at η. */
  function predict(t: number[], eta: number, f: Float64Array, G: Float64Array): void {
    const k = 0.5 * Math.exp(eta);
    for (let j = 0; j < t.length; j++) {
      f[j] = 10 * Math.exp(-k * t[j]);
      G[j] = -k * t[j] * f[j];
    }
  }

  /** Residual variances, evaluated at η = 0 (FO and FOCE without interaction). */
  function residualVariance(t: number[], error: 'additive' | 'proportional', R: Float64Array): void {
    const f = new Float64Array(t.length);
    predict(t, 0, f, new Float64Array(t.length));
    for (let j = 0; j < t.length; j++) R[j] = error === 'additive' ? sigma2 : sigma2 * f[j] ** 2;
  }

  /** Newton's method in one dimension (exact Hessian) to |g| < 1e-12; true when it converged. */
  function newtonMode(gh: (e: Float64Array, g: Float64Array, H: Float64Array) => number, eta: Float64Array): boolean {
    const g = new Float64Array(1);
    const H = new Float64Array(1);
    for (let iter = 0; iter < 100; iter++) {
      gh(eta, g, H);
      if (Math.abs(g[0]) < 1e-12) return true;
      if (!(H[0] > 0)) return false;
      eta[0] -= g[0] / H[0];
    }
    return false;
  }

  function objective(method: 'FO' | 'FOCE', error: 'additive' | 'proportional') {
    const kernel = new GaussianMarginalKernel(2, 1);
    const omega = Float64Array.of(omega2);
    let total = 0;
    let methodsForm = 0;
    for (const s of subjects) {
      const n = s.t.length;
      const f = new Float64Array(n);
      const G = new Float64Array(n);
      const R = new Float64Array(n);
      residualVariance(s.t, error, R);
      // l(η) = Σ (y − f)²/R + η²/ω² and its derivatives (R fixed at η = 0).
      const l = (e: Float64Array) => {
        predict(s.t, e[0], f, G);
        let v = e[0] ** 2 / omega2;
        for (let j = 0; j < n; j++) v += (s.y[j] - f[j]) ** 2 / R[j];
        return v;
      };
      const gh = (e: Float64Array, g: Float64Array, H: Float64Array) => {
        const v = l(e);
        const k = 0.5 * Math.exp(e[0]);
        g[0] = (2 * e[0]) / omega2;
        H[0] = 2 / omega2;
        for (let j = 0; j < n; j++) {
          const d2 = f[j] * (k * k * s.t[j] ** 2 - k * s.t[j]); // ∂²f/∂η²
          g[0] -= (2 * (s.y[j] - f[j]) * G[j]) / R[j];
          H[0] += (2 * (G[j] ** 2 - (s.y[j] - f[j]) * d2)) / R[j];
        }
        return v;
      };
      const eta = Float64Array.of(0);
      if (method === 'FOCE') {
        expect(newtonMode(gh, eta)).toBe(true);
      }
      const lHat = l(eta); // also sets f, G at η̂
      total += kernel.evaluateOffset(s.y, f, G, eta, omega, R, n, 1);
      expect(kernel.status).toBe('ok');
      // METHODS.md form: l(η̂) + Σ log R + log|Ω| + log|Ω⁻¹ + GᵀR⁻¹G|.
      let h = 1 / omega2;
      let logR = 0;
      for (let j = 0; j < n; j++) { h += G[j] ** 2 / R[j]; logR += Math.log(R[j]); }
      methodsForm += lHat + logR + Math.log(omega2) + Math.log(h);
    }
    return { total, methodsForm };
  }

  it('proportional error: FO 39.213, FOCE 39.207 (NONMEM, 3 decimals: tolerance 1e-3)', () => {
    expect(Math.abs(objective('FO', 'proportional').total - 39.213)).toBeLessThan(1e-3);
    expect(Math.abs(objective('FOCE', 'proportional').total - 39.207)).toBeLessThan(1e-3);
  });

  it('additive error: FO 0.02577 (hand derivation in the reference file, 1e-5), FOCE −2.059 (1e-3)', () => {
    expect(Math.abs(objective('FO', 'additive').total - 0.02577)).toBeLessThan(1e-5);
    expect(Math.abs(objective('FOCE', 'additive').total - -2.059)).toBeLessThan(1e-3);
  });

  it('at the exact mode η̂ the linearized form equals the METHODS.md form (1e-10 relative)', () => {
    for (const error of ['additive', 'proportional'] as const) {
      const { total, methodsForm } = objective('FOCE', error);
      expect(Math.abs(total - methodsForm)).toBeLessThan(1e-10 * Math.max(1, Math.abs(methodsForm)));
    }
  });
});
