/**
 * Parallel evaluation of the subjects, as the estimation room sees it: the settings a fit
 * takes (ParallelOptions) and the thread backend that starts a pool of threads
 * (SubjectThreads). The backend is provided by the caller: src/io/threads/subject-pool.ts
 * implements it with Node's worker threads, and popkit's Node entry and CLI pass it; without
 * one, every evaluation runs in the calling thread. Either way the results are
 * bit-identical (see src/estimation/population-objective.ts).
 */
import type { BoundModel } from '../subject/bound.js';
import type { EvaluationContext, InnerSettings, SubjectScratch } from './subject-objective.js';
import type { ImproveOutcome } from './subject-worker-block.js';
import type { BindingRecipe } from './subject-worker-setup.js';
import type { SensitivityBuffers, SubjectState } from './subject-worker-state.js';
import type { SubjectWorkspace } from './subject-workspace.js';
import type { EstimationMethod } from './types.js';

/** Parallel evaluation settings of a PopulationObjective. */
export interface ParallelOptions {
  /**
   * Threads evaluating the subjects, the calling thread included: a number (1 = serial, in
   * the calling thread) or 'auto' (default), which uses min(available parallelism, 4) threads
   * when the work per evaluation is large enough (see autoWorkerCount), the bound model can
   * be rebuilt in a worker and the backend runs the calling thread's code, else 1.
   */
  readonly workers?: number | 'auto';
  /**
   * Wait for the worker threads to start before the first evaluation, so that every
   * evaluation uses them; default false: evaluate in the calling thread until they are ready.
   */
  readonly waitForWorkers?: boolean;
  /** A worker that finishes no subject for this long is taken as dead (seconds). Default 600. */
  readonly stallSeconds?: number;
  /** Worker entry script, passed to the backend (tests substitute one that fails). */
  readonly workerScript?: URL;
  /** The thread backend; without it the subjects are evaluated in the calling thread. */
  readonly threads?: SubjectThreads;
}

/** What the threads evaluate: the objective's method, settings and the calling thread's workspaces. */
export interface PoolSetup {
  readonly method: EstimationMethod;
  readonly settings: InnerSettings;
  readonly fdStep: number;
  /** The objective's workspaces (all subjects; the calling thread evaluates the first block with them). */
  readonly workspaces: readonly SubjectWorkspace[];
  readonly scratch: SubjectScratch;
}

/** Everything a backend needs to start a pool for one objective. */
export interface SubjectPoolRequest {
  readonly bound: BoundModel;
  readonly recipe: BindingRecipe;
  readonly state: SubjectState;
  readonly nThreads: number;
  readonly setup: PoolSetup;
  readonly options: ParallelOptions;
  /** Block until every worker has started. */
  readonly wait: boolean;
}

/** The calling thread and worker threads evaluating the subjects of one objective. */
export interface SubjectPool {
  /** Threads evaluating the subjects, the calling thread included. */
  readonly size: number;
  /** Whether every worker has started; throws PopkitError when one failed to start. */
  isReady(): boolean;
  /** Evaluate every subject at `ctx`; the first subject with no finite value, or −1. */
  evaluate(ctx: EvaluationContext, sensitivities: SensitivityBuffers | undefined, coordinate: number): number;
  /** Re-solve every inner problem from η = 0 at `ctx`. */
  improve(ctx: EvaluationContext): ImproveOutcome;
  /** Give the workers new sensitivity buffers (shared), used from the next command on. */
  shareSensitivities(sensitivities: SensitivityBuffers): void;
  /** Stop every worker (idempotent). */
  close(): void;
}

/** A thread backend: how many threads the machine offers, and how to start a pool. */
export interface SubjectThreads {
  /** Threads 'auto' may use here (1 inside a worker thread, whose process already shares the cores). */
  availableParallelism(): number;
  /** Whether 'auto' may start workers: they must run the very code of the calling thread. */
  runsCallingCode(workerScript?: URL): boolean;
  /** Start a pool; throws PopkitError when a worker cannot start. */
  start(request: SubjectPoolRequest): SubjectPool;
}
