/**
 * A fitter that runs fits in parallel worker threads (node:worker_threads). Each worker reads
 * the dataset once and fits the models it is sent (dist/io/threads/fit-worker.js, so the compiled
 * library must exist: `npm install` builds it). Fits are queued and given to the first idle
 * worker; a worker that crashes fails only the fit it was running and is replaced.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PopkitError } from '../../errors.js';
import type { DatasetOptions } from '../../data/types.js';
import type { Model } from '../../model/types.js';
import type { ScmFit, ScmFitOptions, ScmFitter } from '../../tools/scm-fit.js';

/** What each worker is started with. */
export interface WorkerData {
  readonly dataFile: string;
  readonly datasetOptions?: DatasetOptions;
  readonly fit?: ScmFitOptions;
}

/** A fit request sent to a worker. */
export interface WorkerRequest {
  readonly id: number;
  readonly model: Model;
}

/** A worker's answer. */
export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly fit: ScmFit }
  | { readonly id: number; readonly ok: false; readonly message: string };

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

interface Job {
  readonly id: number;
  readonly model: Model;
  resolve(fit: ScmFit): void;
  reject(err: Error): void;
}

/** Path of the compiled worker script: next to this module in dist/, or dist/ when running from src/. */
function workerScript(): URL {
  const here = new URL('./fit-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../../dist/io/threads/fit-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new PopkitError('the compiled worker script (dist/io/threads/fit-worker.js) is missing: run `npm run build`, or fit in one thread (--workers 1)');
}

class Pool {
  private readonly script = workerScript();
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly data: WorkerData, readonly size: number) {}

  fit(model: Model): Promise<ScmFit> {
    if (this.closed) return Promise.reject(new PopkitError('the worker pool is closed'));
    return new Promise<ScmFit>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, model, resolve, reject });
      this.dispatch();
    });
  }

  private spawn(): Worker {
    const worker = new Worker(this.script, { workerData: this.data });
    worker.on('message', (reply: WorkerReply) => {
      const job = this.busy.get(worker);
      if (job === undefined || job.id !== reply.id) return;
      this.busy.delete(worker);
      this.idle.push(worker);
      if (reply.ok) job.resolve(reply.fit);
      else job.reject(new PopkitError(reply.message));
      this.dispatch();
    });
    const lost = (why: string): void => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
      if (job !== undefined) job.reject(new PopkitError(`the worker thread stopped during the fit: ${why}`));
      if (!this.closed) this.dispatch();
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    return worker;
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      let worker = this.idle.pop();
      if (worker === undefined) {
        if (this.busy.size + this.idle.length >= this.size) return;
        worker = this.spawn();
      }
      const job = this.queue.shift()!;
      this.busy.set(worker, job);
      worker.postMessage({ id: job.id, model: job.model } satisfies WorkerRequest);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new PopkitError('the worker pool was closed before the fit started'));
    const workers = [...this.idle, ...this.busy.keys()];
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  }
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
  const pool = new Pool({ dataFile: options.dataFile, datasetOptions: options.datasetOptions, fit: options.fit }, size);
  return { fitter: (model) => pool.fit(model), workers: size, close: () => pool.close() };
}
