/**
 * Two fits of the same model in one process cannot interfere: no state outlives a call
 * except in what a fit owns (its objective's workspaces) or a binding owns (its subjects'
 * buffers and event loop, used by one prediction at a time). A fit run inside another's
 * iteration callback leaves both results bit-identical to the fits run alone.
 * Reference: the same fits run one after the other; tolerance 0.
 */
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../../src/data/dataset.js';
import { fitPopulation } from '../../src/estimation/fit.js';
import type { FitOptions, FitResult } from '../../src/estimation/types.js';
import { readTextFile } from '../../src/io/data-files.js';
import { loadModelFile, readModelDataset } from '../../src/io/model-file.js';
import { bindModel, modelBinder } from '../../src/subject/bind.js';

const options: FitOptions = { method: 'focei', covariance: 'rsr', npdeSamples: 20 };
const model = loadModelFile('models/pheno.pkm');
const data = readModelDataset(model);
/** pheno with every concentration 20% higher: another dataset for the same model. */
const higher = (() => {
  const lines = readTextFile(data.file).trim().split('\n');
  const header = lines[0]!.split(',');
  const dv = header.indexOf('DV');
  const mdv = header.indexOf('MDV');
  const out = lines.slice(1).map((l) => {
    const f = l.split(',');
    if (f[mdv] === '0') f[dv] = String(Number(f[dv]) * 1.2);
    return f.join(',');
  });
  return parseDataset([lines[0], ...out].join('\n'), 'pheno_higher.csv');
})();

const same = (a: FitResult, b: FitResult): void => {
  expect(a.ofv).toBe(b.ofv);
  expect(Array.from(a.theta)).toEqual(Array.from(b.theta));
  expect(Array.from(a.omega)).toEqual(Array.from(b.omega));
  expect(Array.from(a.sigma)).toEqual(Array.from(b.sigma));
  expect(a.covariance?.se).toEqual(b.covariance?.se);
  expect(a.subjects.map((s) => Array.from(s.eta))).toEqual(b.subjects.map((s) => Array.from(s.eta)));
  expect(a.iterations).toBe(b.iterations);
};

describe('interleaved fits of one model', () => {
  const aloneA = fitPopulation(bindModel(model, data), options);
  const aloneB = fitPopulation(bindModel(model, higher), options);

  it('a fit of another dataset inside an iteration callback changes neither fit', () => {
    expect(aloneB.ofv).not.toBe(aloneA.ofv);
    let inner: FitResult | undefined;
    const outer = fitPopulation(bindModel(model, data), {
      ...options, onIteration: (i) => { if (i === 2) inner = fitPopulation(bindModel(model, higher), options); },
    });
    same(outer, aloneA);
    same(inner!, aloneB);
  });

  it('bindings from one binder (one compiled model) and even one bound model shared by both fits', () => {
    const bind = modelBinder(model);
    const boundA = bind(data);
    let inner: FitResult | undefined;
    let sameBound: FitResult | undefined;
    const outer = fitPopulation(boundA, {
      ...options,
      onIteration: (i) => {
        if (i === 1) inner = fitPopulation(bind(higher), options);
        if (i === 3) sameBound = fitPopulation(boundA, options);
      },
    });
    same(outer, aloneA);
    same(inner!, aloneB);
    same(sameBound!, aloneA);
  });

  it('two fits started together from async code give the results of each alone', async () => {
    const run = async (ds: typeof data): Promise<FitResult> => { await Promise.resolve(); return fitPopulation(bindModel(model, ds), options); };
    const [a, b] = await Promise.all([run(data), run(higher)]);
    same(a, aloneA);
    same(b, aloneB);
  });
});
