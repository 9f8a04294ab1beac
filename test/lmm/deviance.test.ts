import { describe, expect, it } from 'vitest';
import { createWorkspace, devianceFunction } from '../../src/lmm/deviance.js';
import type { LmmFrame } from '../../src/lmm/frame-types.js';
import { buildStructure } from '../../src/lmm/structure.js';
import { denseProfiledDeviance, denseZLambda, frameOf, lme4Reference, syntheticCrossedFrame } from '../support/lmm.js';

function keptX(frame: LmmFrame): { X: Float64Array; p: number } {
  return { X: frame.X, p: frame.fixedNames.length };
}

describe('profiled deviance: blocked factorization equals the dense definition', () => {
  // Source: the definition of the profiled (RE)ML deviance (Bates et al. 2015, J Stat Softw
  // 67(1), eqs. 34 and 41) evaluated with an explicit n×n marginal covariance. Tolerance 1e-9 relative.
  const sleep = frameOf('sleepstudy.csv', 'Reaction ~ Days + (Days | Subject)');
  for (const reml of [true, false]) {
    for (const theta of [[1, 0, 1], [0.9667, 0.0152, 0.2309], [0.5, -0.3, 0.1], [2, 1, 0]]) {
      it(`sleepstudy ${reml ? 'REML' : 'ML'} at θ = [${theta}]`, () => {
        const dev = devianceFunction(createWorkspace(buildStructure(sleep)), reml)(theta);
        const { zl, Q } = denseZLambda(sleep, theta);
        const { X, p } = keptX(sleep);
        const ref = denseProfiledDeviance(sleep.y, X, p, zl, Q, reml);
        expect(Math.abs(dev - ref) / Math.abs(ref)).toBeLessThan(1e-9);
      });
    }
  }

  const crossed = syntheticCrossedFrame();
  const S = buildStructure(crossed);
  it('the synthetic crossed model uses a sparse supernodal factor', () => {
    expect(S.sym.nSuper).toBeGreaterThan(5);
    expect(S.m).toBe(40 * 2 + 25 * 2);
  });
  for (const reml of [true, false]) {
    for (const theta of [[1, 1, 0, 1, 1, 1], [0.7, 1.3, -0.4, 0.6, 0.2, 0.9], [0.3, 0.5, 0.8, 0, 1.5, 0]]) {
      it(`crossed weighted model with random slopes, ${reml ? 'REML' : 'ML'}, θ = [${theta}]`, () => {
        const dev = devianceFunction(createWorkspace(S), reml)(theta);
        const { zl, Q } = denseZLambda(crossed, theta);
        const ref = denseProfiledDeviance(crossed.y, crossed.X, 3, zl, Q, reml, crossed.weights);
        expect(Math.abs(dev - ref) / Math.abs(ref)).toBeLessThan(1e-9);
      });
    }
  }
});

describe('nearly collinear fixed effects', () => {
  // x2 = x + 1e-5·cos(3i): the part of x2 orthogonal to [1, x] is ~1e-6 of its norm, above
  // lme4's rank tolerance (R qr(X, tol = 1e-7)), so lme4 keeps it; the frame builder keeps
  // it and the structure must not drop it by a second rule. Source of the deviance: the dense
  // definition (Bates et al. 2015, eq. 34). Tolerance 1e-6 relative: κ(XᵀX) ≈ 1e11 costs
  // both computations digits (they differ by ~4e-8).
  const n = 40;
  const x = Float64Array.from({ length: n }, (_, i) => i / 10);
  const X = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    X[i] = 1;
    X[i + n] = x[i];
    X[i + 2 * n] = x[i] + 1e-5 * Math.cos(3 * i);
  }
  const frame: LmmFrame = {
    n, responseName: 'y', y: Float64Array.from(x, (v, i) => Math.sin(i) + v), X, fixedNames: ['(Intercept)', 'x', 'x2'],
    rows: Int32Array.from({ length: n }, (_, i) => i + 2),
    terms: [{
      group: 'g', levels: ['a', 'b', 'c', 'd', 'e'], groupIndex: Int32Array.from({ length: n }, (_, i) => i % 5),
      columnNames: ['(Intercept)'], z: new Float64Array(n).fill(1), correlated: true,
    }],
  };
  it('keeps the column and the ML deviance equals the dense definition', () => {
    const S = buildStructure(frame);
    expect(S.fixedNames).toEqual(['(Intercept)', 'x', 'x2']);
    const dev = devianceFunction(createWorkspace(S), false)([0.5]);
    const { zl, Q } = denseZLambda(frame, [0.5]);
    const ref = denseProfiledDeviance(frame.y, X, 3, zl, Q, false);
    expect(Math.abs(dev - ref) / Math.abs(ref)).toBeLessThan(1e-6);
  });
});

describe('objective at lme4 1.1.31 estimates equals lme4 deviance', () => {
  // θ recovered from lme4's variance components (Σ_k/σ² = Λ_kΛ_kᵀ); the objective there must
  // be lme4's −2 logLik (REML criterion for REML fits). Tolerance 1e-6 absolute.
  const chol2 = (v11: number, c: number, v22: number, s2: number): number[] => {
    const l11 = Math.sqrt(v11 / s2);
    const l21 = c / s2 / l11;
    return [l11, l21, Math.sqrt(v22 / s2 - l21 * l21)];
  };
  it('sleepstudy (Days | Subject), REML and ML', () => {
    for (const key of ['lmm_sleepstudy_reml', 'lmm_sleepstudy_ml']) {
      const ref = lme4Reference(key);
      const v = ref.varcomp;
      const s2 = ref.sigma ** 2;
      const theta = chol2(v['Subject:(Intercept):'], v['Subject:(Intercept):Days'], v['Subject:Days:'], s2);
      const frame = frameOf('sleepstudy.csv', ref.formula);
      const dev = devianceFunction(createWorkspace(buildStructure(frame)), ref.REML)(theta);
      expect(Math.abs(dev - ref.deviance)).toBeLessThan(1e-6);
    }
  });
  it('sleepstudy (1 | Subject) + (0 + Days | Subject), REML', () => {
    const ref = lme4Reference('lmm_sleepstudy_uncorr_reml');
    const s2 = ref.sigma ** 2;
    const theta = [Math.sqrt(ref.varcomp['Subject:(Intercept):'] / s2), Math.sqrt(ref.varcomp['Subject.1:Days:'] / s2)];
    const frame = frameOf('sleepstudy.csv', ref.formula);
    const dev = devianceFunction(createWorkspace(buildStructure(frame)), true)(theta);
    expect(Math.abs(dev - ref.deviance)).toBeLessThan(1e-6);
  });
  it('penicillin (1 | plate) + (1 | sample), REML (θ in blocked order: plate, sample)', () => {
    const ref = lme4Reference('lmm_penicillin_crossed_reml');
    const s2 = ref.sigma ** 2;
    const theta = [Math.sqrt(ref.varcomp['plate:(Intercept):'] / s2), Math.sqrt(ref.varcomp['sample:(Intercept):'] / s2)];
    const frame = frameOf('penicillin.csv', ref.formula);
    const dev = devianceFunction(createWorkspace(buildStructure(frame)), true)(theta);
    expect(Math.abs(dev - ref.deviance)).toBeLessThan(1e-6);
  });
  it('orthodont age * Sex + (age | Subject), ML', () => {
    const ref = lme4Reference('lmm_orthodont_ml');
    const v = ref.varcomp;
    const theta = chol2(v['Subject:(Intercept):'], v['Subject:(Intercept):age'], v['Subject:age:'], ref.sigma ** 2);
    const frame = frameOf('orthodont.csv', ref.formula);
    const dev = devianceFunction(createWorkspace(buildStructure(frame)), false)(theta);
    expect(Math.abs(dev - ref.deviance)).toBeLessThan(1e-6);
  });
});
