/**
 * A fitter that runs fits in parallel worker threads (worker-pool.ts). Each worker reads
 * the dataset once and fits the models it is sent (dist/io/threads/fit-worker.js, so the
 * compiled library must exist: `npm install` builds it). A worker that crashes fails only
 * the fit it was running and is replaced.
 */
import { availableParallelism } from 'node:os';
import type { DatasetOptions } from '../../data/types.js';
import type { Model } from '../../model/types.js';
import type { ScmFit, ScmFitOptions, ScmFitter } from '../../tools/scm-fit.js';
import { compiledWorkerScript, WorkerPool } from './worker-pool.js';

/** What each worker is started with. */
export interface WorkerData {
  readonly dataFile: string;
  readonly datasetOptions?: DatasetOptions;
  readonly fit?: ScmFitOptions;
}

export interface WorkerFitterOptions extends WorkerData {
  /** Number of worker threads; default: the available parallelism (at least 1). */
  readonly workers?: number;
}

/** A parallel fitter and the means to stop its threads. */
export interface WorkerFitter {
  readonly fitter: ScmFitter;
  readonly workers: number;
  /** Stop every worker; pending fits are rejected. Always call it (e.g. in `finally`). */
  close(): Promise<void>;
}

/**
 * A fitter running up to `workers` fits at once in worker threads, each reading `dataFile`
 * (with `datasetOptions`, e.g. the model's column mapping) once.
 * Example:
 *   const pool = createWorkerFitter({ dataFile: 'datasets/pheno_sd.csv', workers: 2, fit: { method: 'focei' } });
 *   try { await stepwiseCovariateSearch({ model, relations, fitter: pool.fitter }); } finally { await pool.close(); }
 */
export function createWorkerFitter(options: WorkerFitterOptions): WorkerFitter {
  const size = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
  const data: WorkerData = { dataFile: options.dataFile, datasetOptions: options.datasetOptions, fit: options.fit };
  const pool = new WorkerPool<Model, ScmFit>(compiledWorkerScript('fit-worker.js'), data, size);
  return { fitter: (model) => pool.run(model), workers: size, close: () => pool.close() };
}
