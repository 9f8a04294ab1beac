/**
 * Warnings of a finished fit (src/estimation/fit-checks.ts). The rules are Pharmpy's
 * check_parameters_near_bounds defaults (0.001 from a bound at 0; equal to 2 significant digits
 * otherwise) and check_high_correlations' limit 0.9; cases worked by hand, and a pheno fit whose
 * THETA(3) is pushed onto an upper bound.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fitWarnings, nearBound } from '../../src/estimation/fit-checks.js';
import { fitPopulation } from '../../src/estimation/fit.js';
import type { FitResult } from '../../src/estimation/types.js';
import type { ParameterSpec } from '../../src/subject/bound.js';
import { bindModel } from '../../src/subject/bind.js';
import { readModelDataset } from '../../src/io/model-file.js';
import { parseModel } from '../../src/model/parse.js';

describe('near a bound', () => {
  it('a bound at 0: closer than 0.001', () => {
    expect(nearBound(0.0009, 0)).toBe(true);
    expect(nearBound(-0.0009, 0)).toBe(true);
    expect(nearBound(0.0011, 0)).toBe(false);
  });
  it('another bound: equal to 2 significant digits', () => {
    expect(nearBound(-0.9851, -0.99)).toBe(true);
    expect(nearBound(-0.9849, -0.99)).toBe(false);
    expect(nearBound(1004, 1000)).toBe(true);
    expect(nearBound(1060, 1000)).toBe(false);
  });
});

describe('fit warnings', () => {
  const spec: ParameterSpec = {
    theta: [
      { name: 'CL', init: 1, lower: 0, upper: Infinity, fixed: false },
      { name: 'F', init: 0.5, lower: 0, upper: 1, fixed: false },
      { name: 'FIXED', init: 0, lower: 0, upper: 1, fixed: true },
    ],
    omega: { names: ['eta_CL', 'eta_V'], init: Float64Array.of(0.1, 0.05, 0.05, 0.1), blocks: [{ indices: [0, 1], fixed: false }] },
    sigma: { names: ['eps'], init: Float64Array.of(0.01), blocks: [{ indices: [0], fixed: false }] },
  };
  const fit = {
    theta: Float64Array.of(2.5, 0.996, 0),
    omegaNames: ['eta_CL', 'eta_V'], omega: Float64Array.of(0.09, 0.0446, 0.0446, 0.0222),
    sigmaNames: ['eps'], sigma: Float64Array.of(0.0004),
    covariance: {
      status: 'ok', parameters: [{ label: 'THETA(1)' }, { label: 'THETA(2)' }, { label: 'OMEGA(1,1)' }],
      correlation: Float64Array.of(1, 0.95, 0.1, 0.95, 1, -0.2, 0.1, -0.2, 1),
    },
  } as unknown as FitResult;

  it('θ on a bound, a variance near 0, random effects correlated ±1, estimates correlated beyond 0.9', () => {
    expect(fitWarnings(fit, spec)).toEqual([
      'THETA(2) F = 0.99600 is near its upper bound 1',
      'OMEGA(2,1): the correlation of eta_V and eta_CL is 0.9978, near +1',
      'SIGMA(1,1) of eps = 0.000400 is near 0',
      'the estimates of THETA(1) and THETA(2) are correlated 0.950 (|r| ≥ 0.9)',
    ]);
  });

  it('pheno with THETA(3) bounded above at 0.1 (estimate 0.159 unbounded) reports it on the bound', () => {
    const file = new URL('../../models/pheno.pkm', import.meta.url).pathname;
    const text = readFileSync(file, 'utf8').replace('APGR_V = 0.1 (-0.99, )', 'APGR_V = 0.05 (-0.99, 0.1)');
    const model = parseModel(text, file);
    const result = fitPopulation(bindModel(model, readModelDataset(model)), { method: 'focei', covariance: 'none', npdeSamples: 0 });
    expect(result.theta[2]).toBeGreaterThan(0.099);
    expect(result.warnings).toContain(`THETA(3) APGR_V = ${result.theta[2]!.toPrecision(5)} is near its upper bound 0.1`);
  });
});
