/**
 * Worker-thread entry of the parallel fitter (fit-pool.ts). Reads the dataset once, then
 * fits each model it is sent and posts back the fit summary or the error message. Runs
 * from the compiled library (dist/io/threads/fit-worker.js).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Dataset } from '../../data/types.js';
import type { Model } from '../../model/types.js';
import { fitForSearch, type ScmFit } from '../../tools/scm-fit.js';
import { readDataset } from '../data-files.js';
import type { WorkerData } from './fit-pool.js';
import { servePoolRequests } from './worker-pool.js';

const setup = workerData as WorkerData;
let dataset: Dataset | undefined;
let dataError: string | undefined;
try {
  dataset = readDataset(setup.dataFile, setup.datasetOptions ?? {});
} catch (err) {
  dataError = err instanceof Error ? err.message : String(err);
}

servePoolRequests<Model, ScmFit>(parentPort!, (model) => {
  if (dataset === undefined) throw new Error(`cannot read the dataset ${setup.dataFile}: ${dataError}`);
  return fitForSearch(model, dataset, setup.fit ?? {});
});
