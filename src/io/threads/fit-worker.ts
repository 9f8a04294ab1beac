/**
 * Worker-thread entry of the covariate search's parallel fitter (see scm-workers.ts). Reads
 * the dataset once, then fits each model it is sent and posts back the fit summary or the
 * error message. Runs from the compiled library (dist/io/threads/fit-worker.js).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readDataset } from '../data-files.js';
import type { Dataset } from '../../data/types.js';
import type { Model } from '../../model/types.js';
import { fitForSearch } from '../../tools/scm-fit.js';
import type { WorkerData, WorkerReply, WorkerRequest } from './fit-pool.js';

const setup = workerData as WorkerData;
let dataset: Dataset | undefined;
let dataError: string | undefined;
try {
  dataset = readDataset(setup.dataFile, setup.datasetOptions ?? {});
} catch (err) {
  dataError = err instanceof Error ? err.message : String(err);
}

parentPort!.on('message', (request: WorkerRequest) => {
  let reply: WorkerReply;
  if (dataset === undefined) {
    reply = { id: request.id, ok: false, message: `cannot read the dataset ${setup.dataFile}: ${dataError}` };
  } else {
    try {
      reply = { id: request.id, ok: true, fit: fitForSearch(request.model as Model, dataset, setup.fit ?? {}) };
    } catch (err) {
      reply = { id: request.id, ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  }
  parentPort!.postMessage(reply);
});
