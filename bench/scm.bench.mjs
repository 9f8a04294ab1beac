// Covariate search (src/tools): the first forward step on pheno (base fit + 6 candidate fits,
// FOCE-I, WT linear/hockey-stick and APGR categorical on CL and V) in one thread and in two
// worker threads, and the χ² p-value.
import { performance } from 'node:perf_hooks';
import { modeling, stats, tools } from '../dist/index.js';

const { loadModelFile, readModelDataset } = modeling;
const { createWorkerFitter, inProcessFitter, scmCandidates, stepwiseCovariateSearch } = tools;
const { chiSquarePValue } = stats;

async function firstStep(fitter) {
  const model = loadModelFile('models/pheno_base.pkm');
  const data = readModelDataset(model);
  const { relations } = scmCandidates(model, data, { parameters: ['CL', 'V'], covariates: ['WT', 'APGR'], categorical: ['APGR'] });
  const t0 = performance.now();
  await stepwiseCovariateSearch({ model, relations, fitter: fitter(model, data), maxForwardSteps: 1, backward: false });
  return (performance.now() - t0) / 1000;
}

export default async function run() {
  const one = await firstStep((_m, data) => inProcessFitter(data, { method: 'focei' }));
  let pool;
  const two = await firstStep((model, data) => {
    pool = createWorkerFitter({ dataFile: data.file, datasetOptions: { columns: model.dataColumns }, workers: 2, fit: { method: 'focei' } });
    return pool.fitter;
  }).finally(() => pool?.close());
  const n = 200000;
  let s = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) s += chiSquarePValue((i % 400) * 0.05, 1 + (i % 9));
  const perCall = ((performance.now() - t0) * 1000) / n;
  if (!Number.isFinite(s)) throw new Error('p-value sum is not finite');
  return [
    { what: 'scm pheno, base + first forward step (7 FOCE-I fits), 1 thread', how: 'one run, wall clock', figure: `${one.toFixed(1)} s` },
    { what: 'scm pheno, base + first forward step (7 FOCE-I fits), 2 worker threads', how: 'one run, wall clock (includes worker start-up)', figure: `${two.toFixed(1)} s` },
    { what: 'chiSquarePValue (drops 0–20, df 1–9)', how: `mean of ${n} calls, wall clock`, figure: `${perCall.toFixed(2)} µs` },
  ];
}
