import { describe, expect, it } from 'vitest';
import { minimumDegreeOrder } from '../../src/linalg/min-degree.js';
import { panelCholesky } from '../../src/linalg/panel-kernels.js';
import { supernodalBackSolve, supernodalFactorInPlace, supernodalForwardSolve, supernodalLogDet } from '../../src/linalg/supernodal.js';
import { supernodalSelectedInverse } from '../../src/linalg/supernodal-inverse.js';
import { analyzeSupernodal, supernodalPosition } from '../../src/linalg/supernodal-symbolic.js';
import { denseCholesky, seededUniform } from '../support/lmm.js';

// Source: dense Cholesky factorization and inversion of the same matrices (definitions);
// tolerance 1e-10 relative to the largest entry.

/** A random sparse symmetric positive definite matrix (dense row-major copy and its edges). */
function randomSparseSpd(n: number, density: number, seed: number): { a: Float64Array; edges: Int32Array } {
  const rnd = seededUniform(seed);
  const a = new Float64Array(n * n);
  const edges: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (rnd() < density) {
        const v = rnd() - 0.5;
        a[i * n + j] = v;
        a[j * n + i] = v;
        edges.push(i, j);
      }
    }
  }
  for (let i = 0; i < n; i++) {
    let s = 1;
    for (let j = 0; j < n; j++) if (j !== i) s += Math.abs(a[i * n + j]);
    a[i * n + i] = s;
  }
  return { a, edges: Int32Array.from(edges) };
}

/** The supernodal factor of `a` (nodes permuted by the elimination order). */
function factorSparse(a: Float64Array, n: number, edges: Int32Array, natural = false) {
  const order = minimumDegreeOrder(n, edges, undefined, natural);
  const sym = analyzeSupernodal(order, new Int32Array(n).fill(1));
  const v = new Float64Array(sym.nValues);
  for (let c = 0; c < n; c++) {
    for (let r = c; r < n; r++) {
      const val = a[order.order[r] * n + order.order[c]];
      if (val === 0) continue;
      const pos = supernodalPosition(sym, r, c);
      expect(pos).toBeGreaterThanOrEqual(0); // every nonzero of A lies in the structure
      v[pos] = val;
    }
  }
  return { order, sym, v };
}

describe('supernodal Cholesky on a fixed structure', () => {
  for (const [n, density, seed] of [[60, 0.05, 1], [120, 0.03, 2], [80, 0.3, 3], [30, 1, 4]] as const) {
    it(`n = ${n}, density ${density}: factor, log-determinant and solves match the dense factor`, () => {
      const { a, edges } = randomSparseSpd(n, density, seed);
      const { order, sym, v } = factorSparse(a, n, edges);
      expect(supernodalFactorInPlace(sym, v)).toBe(true);
      // Dense factor of the permuted matrix.
      const pa = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) pa[i * n + j] = a[order.order[i] * n + order.order[j]];
      const l = denseCholesky(pa, n);
      let logDet = 0;
      for (let i = 0; i < n; i++) logDet += 2 * Math.log(l[i * n + i]);
      expect(Math.abs(supernodalLogDet(sym, v) - logDet)).toBeLessThan(1e-10 * Math.abs(logDet) + 1e-12);
      for (let c = 0; c < n; c++) {
        for (let r = c; r < n; r++) {
          const pos = supernodalPosition(sym, r, c);
          const dense = l[r * n + c];
          if (pos < 0) expect(Math.abs(dense)).toBeLessThan(1e-12);
          else expect(Math.abs(v[pos] - dense)).toBeLessThan(1e-10);
        }
      }
      // Solve A x = b through L and Lᵀ; check the residual.
      const rnd = seededUniform(seed + 100);
      const b = Float64Array.from({ length: n }, () => rnd() - 0.5);
      const x = Float64Array.from(b);
      supernodalForwardSolve(sym, v, x);
      supernodalBackSolve(sym, v, x);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += pa[i * n + j] * x[j];
        expect(Math.abs(s - b[i])).toBeLessThan(1e-10);
      }
    });
    it(`n = ${n}, density ${density}: the selected inverse equals the dense inverse on the structure`, () => {
      const { a, edges } = randomSparseSpd(n, density, seed);
      const { order, sym, v } = factorSparse(a, n, edges);
      supernodalFactorInPlace(sym, v);
      const z = new Float64Array(sym.nValues);
      supernodalSelectedInverse(sym, v, z);
      // Dense inverse of the permuted matrix, column by column through the factor.
      for (let c = 0; c < n; c++) {
        const col = new Float64Array(n);
        col[c] = 1;
        supernodalForwardSolve(sym, v, col);
        supernodalBackSolve(sym, v, col);
        for (let r = c; r < n; r++) {
          const pos = supernodalPosition(sym, r, c);
          if (pos >= 0) expect(Math.abs(z[pos] - col[r])).toBeLessThan(1e-10);
        }
      }
      expect(order.order.length).toBe(n);
    });
  }
  it('the natural order gives the same log-determinant', () => {
    const { a, edges } = randomSparseSpd(50, 0.1, 7);
    const md = factorSparse(a, 50, edges);
    const nat = factorSparse(a, 50, edges, true);
    supernodalFactorInPlace(md.sym, md.v);
    supernodalFactorInPlace(nat.sym, nat.v);
    expect(supernodalLogDet(md.sym, md.v)).toBeCloseTo(supernodalLogDet(nat.sym, nat.v), 9);
    expect(md.sym.flops).toBeLessThanOrEqual(nat.sym.flops);
  });
  it('reports a matrix that is not positive definite', () => {
    const { a, edges } = randomSparseSpd(20, 0.2, 9);
    a[5 * 20 + 5] = -1;
    const { sym, v } = factorSparse(a, 20, edges);
    expect(supernodalFactorInPlace(sym, v)).toBe(false);
  });
});

describe('minimum degree order', () => {
  it('eliminates the leaves of a star before its centre and creates no fill', () => {
    const edges = Int32Array.from([0, 1, 0, 2, 0, 3, 0, 4]);
    const o = minimumDegreeOrder(5, edges);
    expect(o.order[4]).toBe(0);
    for (let k = 0; k < 4; k++) expect(Array.from(o.structure[k])).toEqual([4]);
  });
  it('is a permutation with structures pointing to later positions', () => {
    const { edges } = randomSparseSpd(100, 0.05, 11);
    const o = minimumDegreeOrder(100, edges);
    expect(Array.from(o.order).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    o.structure.forEach((s, k) => s.forEach((p) => expect(p).toBeGreaterThan(k)));
  });
});

describe('dense panel kernel', () => {
  it('factors a row-major panel with rows below the diagonal block (B L⁻ᵀ)', () => {
    const rnd = seededUniform(5);
    const nc = 13;
    const nr = 22;
    const m = new Float64Array(nr * nr);
    const g = Float64Array.from({ length: nr * nr }, () => rnd() - 0.5);
    for (let i = 0; i < nr; i++) for (let j = 0; j < nr; j++) {
      let s = i === j ? nr : 0;
      for (let k = 0; k < nr; k++) s += g[i * nr + k] * g[j * nr + k];
      m[i * nr + j] = s;
    }
    const l = denseCholesky(m, nr);
    const panel = new Float64Array(nr * nc);
    for (let i = 0; i < nr; i++) for (let j = 0; j < nc; j++) panel[i * nc + j] = i >= j ? m[i * nr + j] : 0;
    expect(panelCholesky(panel, 0, nr, nc)).toBe(true);
    for (let i = 0; i < nr; i++) for (let j = 0; j <= Math.min(i, nc - 1); j++) expect(panel[i * nc + j]).toBeCloseTo(l[i * nr + j], 10);
  });
});
