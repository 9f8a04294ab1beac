/**
 * VPC on the pheno design. Exact checks: binning by count worked by hand; with Ω = 0 and
 * Σ = 0 every replicate equals the population prediction, so each simulated percentile is the
 * type-7 quantile of PRED in its bin (and, prediction-corrected, the bin's median PRED —
 * Bergstrand et al. 2011, AAPS J 13:143); observed percentiles are quantiles of DV (or of
 * DV·PRED_bin/PRED) computed independently here.
 */
import { describe, expect, test } from 'vitest';
import { bindModel } from '../../src/subject/bind.js';
import { loadModelFile, readModelDataset } from '../../src/io/model-file.js';
import { initialValues, valuesForModel } from '../../src/simulation/fitted-model.js';
import { quantileSorted } from '../../src/simulation/summary.js';
import { binEdges, vpc } from '../../src/simulation/vpc.js';
import { niceTicks, vpcBinsCsv, vpcSvg } from '../../src/report/vpc-tables.js';

const model = loadModelFile(new URL('../../models/pheno.pkm', import.meta.url).pathname);
const dataset = readModelDataset(model);
const bound = bindModel(model, dataset);
const values = valuesForModel(model, initialValues(model));
const zeroVar = { theta: values.theta, omega: new Float64Array(4), sigma: new Float64Array(1) };
const q = (xs: number[], p: number): number => quantileSorted(Float64Array.from(xs).sort(), p);

describe('binning', () => {
  test('by count, never splitting a time', () => {
    expect(binEdges([1, 1, 2, 3, 3, 4], { kind: 'count', count: 2 })).toEqual([1, 2.5, 4]);
    expect(binEdges([0, 0, 0, 0, 1, 2], { kind: 'count', count: 3 })).toEqual([0, 0.5, 1.5, 2]);
    expect(binEdges([5, 5, 5], { kind: 'count', count: 4 })).toEqual([5, 6]);
    expect(binEdges([1, 2], { kind: 'edges', edges: [0, 10, 20] })).toEqual([0, 10, 20]);
    expect(() => binEdges([1], { kind: 'edges', edges: [0, 0] })).toThrow(/must increase/);
  });
  test('axis ticks', () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(3, 47)).toEqual([10, 20, 30, 40]);
  });
});

describe('VPC with Ω = 0 and Σ = 0', () => {
  const result = vpc(bound, dataset, zeroVar, { seed: 1, replicates: 5, binning: { kind: 'count', count: 6 } });
  test('observed percentiles are the DV quantiles of each bin; simulated ones the PRED quantiles', () => {
    expect(result.observations.length).toBe(155);
    expect(result.bins.reduce((s, b) => s + b.nObs, 0)).toBe(155);
    result.bins.forEach((b, i) => {
      const inBin = result.observations.filter((o) => o.bin === i);
      const dv = inBin.map((o) => o.dv), pred = inBin.map((o) => o.pred);
      [0.05, 0.5, 0.95].forEach((p, k) => {
        expect(b.observed[k]).toBeCloseTo(q(dv, p), 12);
        for (const s of b.simulated[k]!) expect(s).toBeCloseTo(q(pred, p), 10);
      });
    });
  });
  test('prediction correction: simulated percentiles collapse to the median PRED of the bin', () => {
    const pc = vpc(bound, dataset, zeroVar, { seed: 1, replicates: 5, binning: { kind: 'count', count: 6 }, predictionCorrected: true });
    pc.bins.forEach((b, i) => {
      const inBin = pc.observations.filter((o) => o.bin === i);
      const predBin = q(inBin.map((o) => o.pred), 0.5);
      for (const s of b.simulated) for (const v of s) expect(v).toBeCloseTo(predBin, 10);
      for (const o of inBin) expect(o.value).toBeCloseTo((o.dv * predBin) / o.pred, 12);
      expect(b.observed[1]).toBeCloseTo(q(inBin.map((o) => o.value), 0.5), 12);
    });
  });
});

describe('VPC with the model\'s variability', () => {
  const run = (seed: number) => vpc(bound, dataset, values, { seed, replicates: 100, binning: { kind: 'edges', edges: [0, 24, 96, 400] }, stratify: 'APGR' });
  test('same seed, same result; another seed differs', () => {
    expect(vpcBinsCsv(run(4))).toBe(vpcBinsCsv(run(4)));
    expect(vpcBinsCsv(run(5))).not.toBe(vpcBinsCsv(run(4)));
  });
  test('strata, ordered prediction intervals, and an SVG with one panel per stratum', () => {
    const r = run(4);
    expect(r.strata).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(r.bins.reduce((s, b) => s + b.nObs, 0)).toBe(155);
    for (const b of r.bins) {
      if (b.nObs === 0) continue;
      for (const [lo, med, hi] of b.simulated) expect(lo <= med && med <= hi).toBe(true);
    }
    const svg = vpcSvg(r);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/APGR = /g)!.length).toBe(10);
    expect(svg).not.toMatch(/NaN/);
  });
});
