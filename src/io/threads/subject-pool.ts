/**
 * Subjects evaluated in parallel threads (node:worker_threads) for the population objective.
 * The calling thread and nThreads − 1 worker threads each own a fixed contiguous block of
 * subjects. A worker rebuilds the bound model itself (from the Model, the dataset's table and
 * the bind options: exact for datasets read from files, parsed from text or built from
 * columns; checked bit for bit against the calling thread's subjects) and works on the
 * objective's state in SharedArrayBuffers (src/estimation/subject-worker-state.ts). The
 * calling thread stays synchronous: it writes a command into a shared control block,
 * evaluates its own block, then blocks in Atomics.wait until every worker has finished
 * (worker start-up does not need the main event loop), and the objective sums the subjects'
 * contributions in subject order, so the OFV is bit-identical to the serial one. A worker
 * that fails reports its error; one that dies silently (e.g. out of memory) is detected when
 * it finishes no subject for `stallSeconds`.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { NumericalError, PopkitError } from '../../errors.js';
import type { EvaluationContext, InnerSettings } from '../../estimation/subject-objective.js';
import type { SubjectPool, SubjectPoolRequest, SubjectThreads } from '../../estimation/subject-threads.js';
import { restoreSubject, SubjectBlock, type ImproveOutcome } from '../../estimation/subject-worker-block.js';
import {
  blocksByObservations, subjectCheck,
  type BindingRecipe, type SensitivityMessage, type SubjectCheck, type WorkerFailure,
} from '../../estimation/subject-worker-setup.js';
import {
  allocateControl, COMMAND, CONTROL, WORKER_SLOT, WORKER_STATE, workerSlotBase,
  type SensitivityBuffers, type SubjectState, type SubjectStateShape,
} from '../../estimation/subject-worker-state.js';
import type { EstimationMethod } from '../../estimation/types.js';
import { compiledWorkerBeside, compiledWorkerScript } from './worker-pool.js';

/** What each worker is started with (structured-cloned; the buffers are shared). */
export interface SubjectWorkerData {
  readonly worker: number;
  readonly first: number;
  readonly end: number;
  readonly control: Int32Array;
  readonly port: MessagePort;
  readonly shape: SubjectStateShape;
  readonly stateBuffer: SharedArrayBuffer;
  readonly flagBuffer: SharedArrayBuffer;
  readonly method: EstimationMethod;
  readonly settings: InnerSettings;
  readonly fdStep: number;
  readonly maxObs: number;
  readonly recipe: BindingRecipe;
  /** The block's subjects as the main thread sees them, to check the rebuilt ones against. */
  readonly check: SubjectCheck;
}

interface WorkerHandle {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly first: number;
  readonly end: number;
  /** Set by the 'error' and 'exit' events (seen whenever the main event loop runs). */
  lost?: string;
}

/** Milliseconds of one Atomics.wait slice between checks of the workers' health. */
const WAIT_SLICE_MS = 200;
/** A worker not ready this long after it was started is taken as dead (ms; start-up takes ~1 s). */
const START_TIMEOUT_MS = 120_000;

/**
 * The calling thread and nThreads − 1 worker threads evaluating the subjects of one
 * objective, each a contiguous block (see the file comment).
 */
export class SubjectWorkerPool implements SubjectPool {
  private readonly control: Int32Array;
  private readonly handles: WorkerHandle[] = [];
  private readonly local: SubjectBlock;
  private readonly stallMs: number;
  private readonly startMs: number;
  private readonly started = performance.now();
  private ready = false;
  private closed = false;

  /**
   * Start nThreads − 1 workers on contiguous blocks of subjects with about equal numbers of
   * observations (the calling thread keeps the first block). With `wait`, block until each
   * has rebuilt the model and checked its subjects; otherwise see isReady(). Throws
   * PopkitError when a worker cannot start (the started ones are stopped).
   */
  readonly state: SubjectState;

  constructor(request: SubjectPoolRequest) {
    const { bound, recipe, state, nThreads, setup, options, wait } = request;
    this.state = state;
    this.stallMs = 1000 * (options.stallSeconds ?? 600);
    this.startMs = START_TIMEOUT_MS;
    const script = options.workerScript ?? compiledWorkerScript('subject-worker.js');
    const blocks = blocksByObservations(bound, nThreads);
    const [localFirst, localEnd] = blocks[0]!;
    this.local = new SubjectBlock(localFirst, setup.workspaces.slice(localFirst, localEnd), state, setup.method, setup.settings, setup.scratch);
    this.control = allocateControl(blocks.length - 1);
    const maxObs = bound.subjects.reduce((m, s) => Math.max(m, s.nObs), 0);
    const theta = Float64Array.from(bound.parameters.theta, (t) => t.init);
    try {
      blocks.slice(1).forEach(([first, end], w) => {
        const { port1, port2 } = new MessageChannel();
        const data: SubjectWorkerData = {
          worker: w, first, end, control: this.control, port: port2, shape: state.shape,
          stateBuffer: state.buffer as SharedArrayBuffer, flagBuffer: state.flagBuffer as SharedArrayBuffer,
          method: setup.method, settings: setup.settings, fdStep: setup.fdStep, maxObs,
          recipe: { ...recipe, subjectIndices: recipe.subjectIndices.slice(first, end) },
          check: subjectCheck(bound, first, end, theta),
        };
        const worker = new Worker(script, { workerData: data, transferList: [port2] });
        const handle: WorkerHandle = { worker, port: port1, first, end };
        worker.on('error', (err) => { handle.lost ??= err.message; });
        worker.on('exit', (code) => { handle.lost ??= `it exited with code ${code}`; });
        worker.unref();
        this.handles.push(handle);
      });
      if (wait) for (let w = 0; w < this.handles.length; w++) this.waitUntilReady(w);
    } catch (err) {
      this.close();
      if (err instanceof PopkitError) throw err;
      throw new PopkitError(`cannot start the worker threads: ${err instanceof Error ? err.message : String(err)}; use workers 1`);
    }
  }

  /** Threads evaluating the subjects, the calling thread included. */
  get size(): number {
    return this.handles.length + 1;
  }

  /**
   * Whether every worker has started (without waiting). Throws PopkitError when one failed
   * to start or has not started in time (the pool is then closed).
   */
  isReady(): boolean {
    if (this.ready) return true;
    for (let w = 0; w < this.handles.length; w++) {
      const state = Atomics.load(this.control, workerSlotBase(w) + WORKER_SLOT.state);
      if (state !== WORKER_STATE.starting) this.checkState(w);
      else if (performance.now() - this.started > this.startMs) this.fail(`worker thread ${w + 1} did not start within ${Math.round(this.startMs / 1000)} s`);
      else return false;
    }
    this.ready = true;
    return true;
  }

  /** Give the workers new sensitivity buffers (shared), used from the next command on. */
  shareSensitivities(sensitivities: SensitivityBuffers): void {
    const message: SensitivityMessage = { kind: 'sensitivities', buffer: sensitivities.buffer as SharedArrayBuffer, nx: sensitivities.nx };
    for (const h of this.handles) h.port.postMessage(message);
  }

  /**
   * Evaluate every subject at `ctx` (see SubjectBlock.evaluate). Returns the first subject
   * with no finite value, or −1; the state is then exactly what a serial evaluation leaves
   * (the later subjects restored from their backups).
   */
  evaluate(ctx: EvaluationContext, sensitivities: SensitivityBuffers | undefined, coordinate: number): number {
    this.writeContext(ctx);
    Atomics.store(this.control, CONTROL.coordinate, coordinate);
    Atomics.store(this.control, CONTROL.hasDx, sensitivities !== undefined ? 1 : 0);
    const sequence = this.post(COMMAND.evaluate);
    let localFailedAt: number;
    try {
      // The calling thread's block comes first, so it is never restored: no backup needed.
      localFailedAt = this.local.evaluate(ctx, sensitivities, coordinate, false);
    } finally {
      this.waitForAll(sequence);
    }
    let failedAt = localFailedAt;
    const blockFailedAt = this.handles.map((_, w) => Atomics.load(this.control, workerSlotBase(w) + WORKER_SLOT.failedAt));
    for (const f of blockFailedAt) if (f >= 0 && (failedAt < 0 || f < failedAt)) failedAt = f;
    if (failedAt >= 0) {
      this.handles.forEach((h, w) => {
        if (h.first <= failedAt) return;
        const touchedEnd = blockFailedAt[w]! >= 0 ? blockFailedAt[w]! + 1 : h.end;
        for (let i = h.first; i < touchedEnd; i++) restoreSubject(this.state, i, sensitivities, coordinate);
      });
    }
    return failedAt;
  }

  /** Re-solve every inner problem from η = 0 at `ctx` (see SubjectBlock.improve). */
  improve(ctx: EvaluationContext): ImproveOutcome {
    this.writeContext(ctx);
    const sequence = this.post(COMMAND.improve);
    let local: ImproveOutcome;
    try {
      local = this.local.improve(ctx);
    } finally {
      this.waitForAll(sequence);
    }
    let improved = local.improved;
    let innerFailures = local.innerFailures;
    for (let w = 0; w < this.handles.length; w++) {
      improved += Atomics.load(this.control, workerSlotBase(w) + WORKER_SLOT.improved);
      innerFailures += Atomics.load(this.control, workerSlotBase(w) + WORKER_SLOT.innerFailures);
    }
    return { improved, innerFailures };
  }

  /** Stop every worker (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, CONTROL.command, COMMAND.stop);
    Atomics.add(this.control, CONTROL.sequence, 1);
    Atomics.notify(this.control, CONTROL.sequence);
    for (const h of this.handles) {
      h.port.close();
      h.worker.terminate().catch(() => undefined);
    }
  }

  private writeContext(ctx: EvaluationContext): void {
    const s = this.state;
    s.theta.set(ctx.theta);
    s.sigma.set(ctx.sigma);
    s.omega.set(ctx.omega);
    s.omegaInv.set(ctx.omegaInv);
    s.logDetOmega[0] = ctx.logDetOmega;
  }

  /** Hand `command` to the workers; returns its sequence number. */
  private post(command: number): number {
    if (this.closed) throw new PopkitError('the worker threads of this objective were stopped (after a failure, or at the end of the fit)');
    this.handles.forEach((h, w) => { if (h.lost !== undefined) this.fail(`worker thread ${w + 1} stopped: ${h.lost}`); });
    Atomics.store(this.control, CONTROL.command, command);
    const sequence = Atomics.add(this.control, CONTROL.sequence, 1) + 1;
    Atomics.notify(this.control, CONTROL.sequence);
    return sequence;
  }

  private waitForAll(sequence: number): void {
    for (let w = 0; w < this.handles.length; w++) this.waitUntilDone(w, sequence);
  }

  private waitUntilReady(w: number): void {
    const base = workerSlotBase(w);
    while (Atomics.load(this.control, base + WORKER_SLOT.state) === WORKER_STATE.starting) {
      if (performance.now() - this.started > this.startMs) this.fail(`worker thread ${w + 1} did not start within ${Math.round(this.startMs / 1000)} s`);
      Atomics.wait(this.control, base + WORKER_SLOT.done, 0, WAIT_SLICE_MS);
    }
    this.checkState(w);
  }

  private waitUntilDone(w: number, sequence: number): void {
    const base = workerSlotBase(w);
    let progress = Atomics.load(this.control, base + WORKER_SLOT.progress);
    let lastChange = performance.now();
    for (;;) {
      const done = Atomics.load(this.control, base + WORKER_SLOT.done);
      if (done === sequence) return;
      this.checkState(w);
      Atomics.wait(this.control, base + WORKER_SLOT.done, done, WAIT_SLICE_MS);
      const p = Atomics.load(this.control, base + WORKER_SLOT.progress);
      const now = performance.now();
      if (p !== progress) { progress = p; lastChange = now; continue; }
      if (now - lastChange > this.stallMs) {
        const h = this.handles[w]!;
        this.fail(`worker thread ${w + 1} (subjects ${h.first + 1}–${h.end}) finished no subject for ${Math.round(this.stallMs / 1000)} s; `
          + 'it may have crashed (e.g. out of memory). Fit in one thread (workers 1) to see the error');
      }
    }
  }

  /** Throw when worker w reported a failure or exited. */
  private checkState(w: number): void {
    const base = workerSlotBase(w);
    const state = Atomics.load(this.control, base + WORKER_SLOT.state);
    if (state === WORKER_STATE.failed) {
      const reply = receiveMessageOnPort(this.handles[w]!.port)?.message as WorkerFailure | undefined;
      const name = reply?.name ?? 'Error';
      const message = reply?.message ?? 'no message';
      this.close();
      // A PopkitError in a worker is the user error the serial evaluation would throw: keep its message.
      if (name === 'NumericalError') throw new NumericalError(message);
      if (name === 'PopkitError' || name === 'ModelError' || name === 'DataError') throw new PopkitError(message);
      throw new PopkitError(`worker thread ${w + 1} failed: ${name}: ${message}`);
    }
    if (state === WORKER_STATE.exited) {
      this.fail(`worker thread ${w + 1} stopped (exit code ${Atomics.load(this.control, base + WORKER_SLOT.exitCode)})`);
    }
  }

  private fail(message: string): never {
    this.close();
    throw new PopkitError(message);
  }
}

/**
 * popkit's thread backend on Node: worker threads running the compiled library
 * (dist/io/threads/subject-worker.js). Pass it as `threads` in the fit options; popkit's
 * Node entry and CLI do.
 */
export const nodeSubjectThreads: SubjectThreads = {
  availableParallelism: () => (isMainThread ? availableParallelism() : 1),
  runsCallingCode: (workerScript) => workerScript !== undefined || compiledWorkerBeside('subject-worker.js'),
  start: (request) => new SubjectWorkerPool(request),
};
