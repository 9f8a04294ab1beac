/**
 * The worker threads of popkit (node:worker_threads), shared by every parallel job: where
 * the compiled worker entries are, and a pool that runs independent jobs (e.g. the fits of a
 * covariate search) on up to `size` workers. Jobs are queued and given to the first idle
 * worker; a worker that crashes fails only the job it was running and is replaced. The
 * synchronous subject pool of a fit (subject-pool.ts) starts its own workers, from the same
 * compiled entries.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PopkitError } from '../../errors.js';

/**
 * Whether the compiled worker entry `name` (e.g. 'subject-worker.js') is next to this
 * module, i.e. popkit runs from its compiled library (then workers run the very code of the
 * calling thread; from the TypeScript sources, e.g. under vitest, they would run dist/,
 * which may be older).
 */
export function compiledWorkerBeside(name: string): boolean {
  return existsSync(fileURLToPath(new URL(`./${name}`, import.meta.url)));
}

/**
 * URL of the compiled worker entry `name`: next to this module in dist/, or in dist/ when
 * running from src/. Throws PopkitError (saying to build, or to use one thread) when absent.
 */
export function compiledWorkerScript(name: string): URL {
  const here = new URL(`./${name}`, import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL(`../../../dist/io/threads/${name}`, import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new PopkitError(`the compiled worker script (dist/io/threads/${name}) is missing: run \`npm run build\`, or use one thread (workers 1)`);
}

/** A request sent to a pool worker (`id` pairs it with the reply). */
export interface PoolRequest<T> {
  readonly id: number;
  readonly job: T;
}

/** A pool worker's reply. */
export type PoolReply<R> =
  | { readonly id: number; readonly ok: true; readonly result: R }
  | { readonly id: number; readonly ok: false; readonly message: string };

interface Job<T, R> {
  readonly id: number;
  readonly job: T;
  resolve(result: R): void;
  reject(err: Error): void;
}

/**
 * Up to `size` worker threads running `script` (started with `workerData`), each answering
 * PoolRequest<T> messages with PoolReply<R>. Example:
 *   const pool = new WorkerPool<Model, ScmFit>(compiledWorkerScript('fit-worker.js'), setup, 2);
 *   try { await pool.run(model); } finally { await pool.close(); }
 */
export class WorkerPool<T, R> {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job<T, R>>();
  private readonly queue: Job<T, R>[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly script: URL, private readonly workerData: unknown, readonly size: number) {}

  /** Run `job` on the first idle worker; rejects with PopkitError when it fails or its worker dies. */
  run(job: T): Promise<R> {
    if (this.closed) return Promise.reject(new PopkitError('the worker pool is closed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject });
      this.dispatch();
    });
  }

  /** Stop every worker; pending jobs are rejected. Always call it (e.g. in `finally`). */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new PopkitError('the worker pool was closed before the job started'));
    const workers = [...this.idle, ...this.busy.keys()];
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private spawn(): Worker {
    const worker = new Worker(this.script, { workerData: this.workerData });
    worker.on('message', (reply: PoolReply<R>) => {
      const job = this.busy.get(worker);
      if (job === undefined || job.id !== reply.id) return;
      this.busy.delete(worker);
      this.idle.push(worker);
      if (reply.ok) job.resolve(reply.result);
      else job.reject(new PopkitError(reply.message));
      this.dispatch();
    });
    const lost = (why: string): void => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
      if (job !== undefined) job.reject(new PopkitError(`the worker thread stopped during the job: ${why}`));
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
      worker.postMessage({ id: job.id, job: job.job } satisfies PoolRequest<T>);
    }
  }
}

/**
 * Serve PoolRequest<T> messages on `port` in a pool worker: `handle` computes the result (a
 * thrown error is sent back as the job's failure message).
 */
export function servePoolRequests<T, R>(port: { on(event: 'message', f: (m: PoolRequest<T>) => void): unknown; postMessage(m: PoolReply<R>): void },
  handle: (job: T) => R): void {
  port.on('message', (request) => {
    let reply: PoolReply<R>;
    try {
      reply = { id: request.id, ok: true, result: handle(request.job) };
    } catch (err) {
      reply = { id: request.id, ok: false, message: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(reply);
  });
}
