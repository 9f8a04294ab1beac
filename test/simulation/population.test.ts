/**
 * Virtual populations: the text form, draws from distributions (Monte-Carlo checks at a fixed
 * seed, 4 standard errors), resampling whole covariate vectors from a dataset, seeds.
 */
import { describe, expect, test } from 'vitest';
import { readTable } from '../../src/io/data-files.js';
import { DataError } from '../../src/errors.js';
import { drawPopulation, mergePopulations, resamplePopulation } from '../../src/simulation/population.js';
import { parsePopulation } from '../../src/simulation/population-parse.js';
import { SpecError } from '../../src/simulation/spec-text.js';
import { parseTimes } from '../../src/simulation/times.js';
import { meanVariance } from '../support/simulation.js';
import { datasetPath } from '../support/estimation-models.js';

function caretOf(f: () => unknown): { start: number; length: number; message: string } {
  try { f(); } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    const e = err as SpecError;
    return { start: e.start, length: e.length, message: e.message };
  }
  throw new Error('expected a SpecError');
}

describe('population text', () => {
  test('distributions, truncation, categories, constants', () => {
    const specs = parsePopulation('WT~lognormal(70,0.2) trunc(40,150); AGE~uniform(18,80); CYP2C9=EM:0.6,IM:0.3,PM:0.1; SEX=0:50%,1:50%; DVID=1; HT~normal(170, 10)');
    expect(specs.map((s) => s.name)).toEqual(['WT', 'AGE', 'CYP2C9', 'SEX', 'DVID', 'HT']);
    expect(specs[0]!.distribution).toEqual({ kind: 'lognormal', median: 70, sdLog: 0.2, lower: 40, upper: 150 });
    expect(specs[1]!.distribution).toEqual({ kind: 'uniform', lower: 18, upper: 80 });
    expect(specs[2]!.distribution).toEqual({ kind: 'categorical', values: ['EM', 'IM', 'PM'], probabilities: [0.6, 0.3, 0.1] });
    expect(specs[3]!.distribution).toEqual({ kind: 'categorical', values: [0, 1], probabilities: [0.5, 0.5] });
    expect(specs[4]!.distribution).toEqual({ kind: 'constant', value: 1 });
    expect(specs[5]!.distribution).toEqual({ kind: 'normal', mean: 170, sd: 10 });
  });
  test('errors point at the word', () => {
    const t1 = 'WT~lognorm(70,0.2)';
    expect(caretOf(() => parsePopulation(t1))).toMatchObject({ start: 3, length: 'lognorm'.length });
    const t2 = 'CYP=EM:0.6,IM:0.3,PM:0.2';
    const e2 = caretOf(() => parsePopulation(t2));
    expect(e2.message).toMatch(/add up to 1.1, not 1/);
    expect(e2.start).toBe(4);
    const t3 = 'WT~normal(70 10)';
    expect(caretOf(() => parsePopulation(t3)).start).toBe(t3.indexOf('10'));
    const t4 = 'WT~normal(70,1) trunc(200,300)';
    expect(caretOf(() => parsePopulation(t4)).message).toMatch(/keeps 0(\.0)?% of the distribution/);
    const t5 = 'WT~normal(70,10); WT=3';
    expect(caretOf(() => parsePopulation(t5)).start).toBe(t5.lastIndexOf('WT'));
  });
  test('times text', () => {
    expect(Array.from(parseTimes('0-2 by 0.5, 4, 1'))).toEqual([0, 0.5, 1, 1.5, 2, 4]);
    expect(Array.from(parseTimes('0-1 d by 12 h'))).toEqual([0, 12, 24]);
    expect(Array.from(parseTimes('0-1 by 0.3'))).toEqual([0, 0.3, 0.6, 0.8999999999999999]);
    expect(() => parseTimes('0-24')).toThrow(/needs a step/);
    expect(() => parseTimes('24-0 by 1')).toThrow(/before it starts/);
  });
});

describe('draws', () => {
  const n = 20000;
  const pop = drawPopulation(parsePopulation('WT~lognormal(70,0.2) trunc(40,150); CYP=EM:0.6,IM:0.3,PM:0.1; AGE~normal(40,10)'), n, 99);
  test('truncated log-normal stays in its bounds; its log median is near log 70', () => {
    const wt = pop.columns[0] as Float64Array;
    let lo = Infinity, hi = -Infinity;
    for (const w of wt) { lo = Math.min(lo, w); hi = Math.max(hi, w); }
    expect(lo).toBeGreaterThanOrEqual(40);
    expect(hi).toBeLessThanOrEqual(150);
    const logs = Float64Array.from(wt, Math.log).sort();
    // Median of log WT: SE ≈ 1.2533·0.2/√n (truncation at ±2.8 SD and ±3.8 SD barely moves it).
    expect(Math.abs(logs[n / 2]! - Math.log(70))).toBeLessThan(4 * 1.2533 * 0.2 / Math.sqrt(n));
  });
  test('categorical frequencies', () => {
    const cyp = pop.columns[1] as string[];
    for (const [v, p] of [['EM', 0.6], ['IM', 0.3], ['PM', 0.1]] as const) {
      const f = cyp.filter((x) => x === v).length / n;
      expect(Math.abs(f - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    }
  });
  test('normal mean and variance', () => {
    const mv = meanVariance(pop.columns[2] as Float64Array);
    expect(Math.abs(mv.mean - 40)).toBeLessThan(4 * 10 / Math.sqrt(n));
    expect(Math.abs(mv.variance - 100)).toBeLessThan(4 * 100 * Math.sqrt(2 / (n - 1)));
  });
  test('same seed, same population; the first subjects do not depend on n', () => {
    const specs = parsePopulation('WT~normal(70,10); CYP=EM:0.6,IM:0.3,PM:0.1');
    const a = drawPopulation(specs, 50, 5), b = drawPopulation(specs, 50, 5), c = drawPopulation(specs, 20, 5);
    expect(Array.from(a.columns[0] as Float64Array)).toEqual(Array.from(b.columns[0] as Float64Array));
    expect(Array.from((a.columns[0] as Float64Array).subarray(0, 20))).toEqual(Array.from(c.columns[0] as Float64Array));
    expect((a.columns[1] as string[]).slice(0, 20)).toEqual(c.columns[1]);
    expect(Array.from(drawPopulation(specs, 50, 6).columns[0] as Float64Array)).not.toEqual(Array.from(a.columns[0] as Float64Array));
  });
});

describe('resampling from a dataset keeps covariate vectors together', () => {
  const table = readTable(datasetPath('pheno_sd.csv'));
  test('each simulated subject carries one source subject\'s WT and APGR', () => {
    const pop = resamplePopulation(table, 500, 3, ['WT', 'APGR']);
    const byId = new Map<string, [number, number]>();
    const id = table.columns[0]!.values as Float64Array;
    const wt = table.columns[3]!.values as Float64Array;
    const apgr = table.columns[4]!.values as Float64Array;
    for (let r = 0; r < table.nRows; r++) if (!byId.has(String(id[r]))) byId.set(String(id[r]), [wt[r]!, apgr[r]!]);
    for (let i = 0; i < pop.n; i++) {
      const [w, a] = byId.get(pop.sourceIds![i]!)!;
      expect((pop.columns[0] as Float64Array)[i]).toBe(w);
      expect((pop.columns[1] as Float64Array)[i]).toBe(a);
    }
    expect(new Set(pop.sourceIds).size).toBeGreaterThan(40);
    expect(Array.from(resamplePopulation(table, 500, 3, ['WT', 'APGR']).columns[0] as Float64Array))
      .toEqual(Array.from(pop.columns[0] as Float64Array));
  });
  test('default covariates are the non-standard columns; a drawn covariate can be added', () => {
    const pop = resamplePopulation(table, 10, 1);
    expect(pop.names).toEqual(['WT', 'APGR']);
    const merged = mergePopulations(pop, drawPopulation(parsePopulation('CYP=EM:1'), 10, 1));
    expect(merged.names).toEqual(['WT', 'APGR', 'CYP']);
  });
  test('a missing covariate value is reported with its line', () => {
    const t = readTable(datasetPath('pheno_sd.csv'));
    const col = t.columns[3]!.values as Float64Array;
    const copy = { ...t, columns: t.columns.map((c, j) => (j === 3 ? { ...c, values: Float64Array.from(col, (x, r) => (r === 0 ? NaN : x)) } : c)) } as typeof t;
    expect(() => resamplePopulation(copy, 5, 1, ['WT'])).toThrow(DataError);
    expect(() => resamplePopulation(copy, 5, 1, ['WT'])).toThrow(/pheno_sd.csv:2: column WT/);
  });
});
