import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTable } from '../../src/io/data-files.js';
import { metaAnalysis } from '../../src/lmm/meta-analysis.js';
import { DATASETS } from '../support/lmm.js';

/** Log relative risks and their variances of the 13 BCG trials (metafor escalc, measure "RR"). */
function bcg(): { yi: number[]; vi: number[] } {
  const t = readTable(join(DATASETS, 'bcg.csv'));
  const col = (name: string): Float64Array => {
    const c = t.columns[t.names.indexOf(name)];
    if (c.kind !== 'numeric') throw new Error(name);
    return c.values;
  };
  const tp = col('tpos');
  const tn = col('tneg');
  const cp = col('cpos');
  const cn = col('cneg');
  const yi = Array.from(tp, (_, i) => Math.log((tp[i] / (tp[i] + tn[i])) / (cp[i] / (cp[i] + cn[i]))));
  const vi = Array.from(tp, (_, i) => 1 / tp[i] - 1 / (tp[i] + tn[i]) + 1 / cp[i] - 1 / (cp[i] + cn[i]));
  return { yi, vi };
}

describe('random-effects meta-analysis of the BCG trials (metafor dat.bcg)', () => {
  const { yi, vi } = bcg();
  // Sources: metafor's rma(yi, vi, data = dat) for dat.bcg, REML (the package's standard
  // example; Viechtbauer 2010, J Stat Softw 36(3), section 4): τ² = 0.3132, μ = −0.7145,
  // SE = 0.1798, z = −3.9744, CI [−1.0669, −0.3622], I² = 92.22%, H² = 12.86; Q(df = 12) =
  // 152.2330 (metafor tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r, also Stata
  // metan). Printed to 4 decimals: tolerance 5e-5 absolute (5e-3 for I², H²).
  it('REML', () => {
    const r = metaAnalysis({ yi, vi, method: 'REML' });
    expect(r.k).toBe(13);
    expect(Math.abs(r.tau2 - 0.3132)).toBeLessThan(5e-5);
    expect(Math.abs(r.mu - -0.7145)).toBeLessThan(5e-5);
    expect(Math.abs(r.se - 0.1798)).toBeLessThan(5e-5);
    expect(Math.abs(r.z - -3.9744)).toBeLessThan(5e-4);
    expect(Math.abs(r.ciLower - -1.0669)).toBeLessThan(5e-5);
    expect(Math.abs(r.ciUpper - -0.3622)).toBeLessThan(5e-5);
    expect(Math.abs(r.I2 - 92.22)).toBeLessThan(5e-3);
    expect(Math.abs(r.H2 - 12.86)).toBeLessThan(5e-3);
    expect(Math.abs(r.Q - 152.2330)).toBeLessThan(5e-5);
    expect(r.Qdf).toBe(12);
    expect(r.Qp).toBeLessThan(1e-20);
    expect(r.p).toBeLessThan(1e-4);
    expect(r.optimization.converged).toBe(true);
  });
  // Source: metafor tests/testthat/test_misc_fitstats.r, rma(yi, vi, method = "ML") on dat.bcg:
  // logLik −12.6651, AIC 29.3302, BIC 30.4601 (df 2); τ² = 0.2800. Tolerance 5e-5.
  // μ and its SE follow from τ² in closed form (GLS with weights 1/(v_i + τ²)), checked below.
  it('ML', () => {
    const r = metaAnalysis({ yi, vi, method: 'ML' });
    expect(Math.abs(r.tau2 - 0.2800)).toBeLessThan(5e-5);
    expect(Math.abs(r.logLik - -12.6651)).toBeLessThan(5e-5);
    expect(Math.abs(-2 * r.logLik + 2 * 2 - 29.3302)).toBeLessThan(1e-4);
    expect(Math.abs(-2 * r.logLik + 2 * Math.log(13) - 30.4601)).toBeLessThan(1e-4);
    const w = vi.map((v) => 1 / (v + r.tau2));
    const sw = w.reduce((a, b) => a + b, 0);
    expect(r.mu).toBeCloseTo(w.reduce((a, wi, i) => a + wi * yi[i], 0) / sw, 8);
    expect(r.se).toBeCloseTo(Math.sqrt(1 / sw), 8);
  });
  it('REML estimates satisfy the REML score equation for τ²', () => {
    // REML fixed point (Viechtbauer 2005, J Educ Behav Stat 30:261):
    // τ² = Σ w_i² [(y_i − μ̂)² − v_i] / Σ w_i² + 1 / Σ w_i with w_i = 1/(v_i + τ²).
    const r = metaAnalysis({ yi, vi });
    const w = vi.map((v) => 1 / (v + r.tau2));
    const sw = w.reduce((a, b) => a + b, 0);
    const sw2 = w.reduce((a, b) => a + b * b, 0);
    const next = w.reduce((a, wi, i) => a + wi * wi * ((yi[i] - r.mu) ** 2 - vi[i]), 0) / sw2 + 1 / sw;
    expect(Math.abs(next - r.tau2)).toBeLessThan(1e-6);
  });
  it('refuses non-positive variances and mismatched inputs', () => {
    expect(() => metaAnalysis({ yi: [1, 2], vi: [0.1, 0] })).toThrow(/variance of study 2/);
    expect(() => metaAnalysis({ yi: [1, 2, 3], vi: [0.1, 0.2] })).toThrow(/3 effect sizes but 2 variances/);
    expect(() => metaAnalysis({ yi: [1, 2, 3], vi: [0.1, 0.2, 0.3], labels: ['a', 'b'] })).toThrow(/3 effect sizes but 2 study labels/);
  });
});
