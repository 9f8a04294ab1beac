/**
 * The population objective: OFV(θ, Ω, Σ) = Σ_i OFV_i, −2 log-likelihood in NONMEM's
 * convention (without N·log 2π), for one estimation method. Owns the per-subject workspaces
 * and the warm starts of the conditional modes: every evaluation starts each subject's inner
 * problem from its mode at the last accepted point, so finite differences around that point
 * see a smooth function.
 *
 * The subjects are evaluated in the calling thread, or in worker threads when the work pays
 * (ParallelOptions; src/estimation/subject-threads.ts, with the backend of
 * src/io/threads/subject-pool.ts). Either way the state that outlives an
 * evaluation (modes, warm starts, Newton corrections, contributions, sensitivities) lives in
 * flat buffers (src/estimation/subject-worker-state.ts) seen by every thread, the subjects
 * run the same code (src/estimation/subject-worker-block.ts) and the total is summed in
 * subject order: results are bit-identical whatever the number of threads. Call close() when
 * done (fitPopulation does) so that no thread is left running.
 */
import { PopkitError } from '../errors.js';
import type { BoundModel } from '../subject/bound.js';
import { estimationMethod } from './methods/index.js';
import type { PopulationValues } from './parameter-map.js';
import { spdInverseInto } from '../linalg/cholesky.js';
import { SubjectScratch, type EvaluationContext, type InnerSettings } from './subject-objective.js';
import { SubjectBlock } from './subject-worker-block.js';
import { SensitivityBuffers, SubjectState } from './subject-worker-state.js';
import { autoWorkerCount, bindingRecipe } from './subject-worker-setup.js';
import type { ParallelOptions, SubjectPool } from './subject-threads.js';
import { SubjectWorkspace } from './subject-workspace.js';
import type { EstimationMethod, InnerOptions } from './types.js';

/** OFV(θ, Ω, Σ) of one BoundModel and method, with the workspaces and warm starts of one fit. */
export class PopulationObjective {
  readonly workspaces: readonly SubjectWorkspace[];
  /** Each subject's contribution at the last evaluation. */
  readonly perSubject: Float64Array;
  readonly nObs: number;
  readonly settings: InnerSettings;
  /** Number of objective evaluations so far. */
  evaluations = 0;
  private readonly state: SubjectState;
  private readonly serial: SubjectBlock;
  private pool: SubjectPool | undefined;
  /** The thread count was chosen by 'auto': a pool that cannot start is dropped silently. */
  private autoPool = false;
  private threadsUsed = 1;
  private readonly omegaInv: Float64Array;
  private failures = 0;

  /**
   * `parallel.workers`: threads evaluating the subjects, the calling thread included
   * (default 'auto', see ParallelOptions). The worker threads start in the background (about
   * 1 s); until they are ready the subjects are evaluated in the calling thread, or, with
   * `parallel.waitForWorkers`, this constructor waits for them. An explicit count > 1 throws
   * PopkitError when the bound model cannot be rebuilt in a worker (here) or a worker cannot
   * start (here or at an evaluation); 'auto' then stays serial.
   */
  constructor(readonly bound: BoundModel, readonly method: EstimationMethod, inner: InnerOptions = {}, parallel: ParallelOptions = {}) {
    const q = bound.nEta;
    const fdStep = inner.fdStepEta ?? 1e-5;
    const requested = parallel.workers ?? 'auto';
    if (requested !== 'auto' && !(Number.isInteger(requested) && requested >= 1)) {
      throw new PopkitError(`workers must be a positive integer or 'auto' (got ${String(requested)})`);
    }
    const threads = parallel.threads;
    const available = threads?.availableParallelism() ?? 1;
    let nThreads = Math.min(requested === 'auto' ? autoWorkerCount(bound, available) : requested, Math.max(1, bound.subjects.length));
    // 'auto' runs workers only on the code of the calling thread (not dist/ under the TypeScript sources).
    if (requested === 'auto' && !(threads?.runsCallingCode(parallel.workerScript) ?? false)) nThreads = 1;
    if (nThreads > 1 && threads === undefined) {
      throw new PopkitError(`${bound.name}: ${nThreads} threads need a thread backend (popkit's Node entry passes one); use workers 1`);
    }
    const shape = { nSubjects: bound.subjects.length, nEta: q, nTheta: bound.parameters.theta.length, nEps: bound.nEps };
    this.state = SubjectState.allocate(shape, nThreads > 1);
    this.workspaces = bound.subjects.map((s, i) => new SubjectWorkspace(s, q, bound.nEps, fdStep, this.state.persistentOf(i)));
    this.perSubject = this.state.perSubject;
    this.nObs = bound.subjects.reduce((s, x) => s + x.nObs, 0);
    this.settings = { stepTolerance: inner.stepTolerance ?? 1e-9, maxIterations: inner.maxIterations ?? 100 };
    const maxObs = bound.subjects.reduce((m, s) => Math.max(m, s.nObs), 0);
    const scratch = new SubjectScratch(q, maxObs);
    this.serial = new SubjectBlock(0, this.workspaces, this.state, method, this.settings, scratch);
    this.omegaInv = new Float64Array(q * q);
    this.autoPool = requested === 'auto';
    this.pool = nThreads > 1 ? this.startPool(nThreads, fdStep, scratch, parallel) : undefined;
  }

  /** Most threads that have evaluated the subjects together so far (1: the calling thread alone). */
  get workers(): number {
    return this.threadsUsed;
  }

  /** Subjects whose inner problem missed its tolerance in the last evaluation. */
  get innerFailures(): number {
    return this.failures;
  }

  /** Stop the worker threads, if any (idempotent); later evaluations run in the calling thread. */
  close(): void {
    this.pool?.close();
    this.pool = undefined;
  }

  /**
   * OFV at the given population values; +Infinity when Ω is not positive definite or some
   * subject has no valid prediction. Fills `perSubject`; leaves each subject's mode in ws.eta.
   *
   * `dx`, when given, is the displacement of the optimizer's x from the last accepted point:
   * each inner problem then starts from the first-order prediction η̂_acc + J·dx, with J the
   * sensitivity dη̂/dx learnt from earlier coordinate perturbations (finite-difference
   * gradients perturb one coordinate at a time, which is exactly a column of J). This leaves
   * the modes unchanged and only saves inner iterations.
   */
  evaluate(values: PopulationValues, dx?: Float64Array): number {
    this.evaluations++;
    const ctx = this.context(values);
    if (ctx === undefined) return Infinity;
    let coordinate = -1;
    let sensitivities: SensitivityBuffers | undefined;
    if (dx !== undefined) {
      sensitivities = this.ensureSensitivities(dx.length);
      sensitivities.dx.set(dx);
      let nonzero = 0;
      for (let k = 0; k < dx.length; k++) if (dx[k] !== 0) { nonzero++; coordinate = k; }
      if (nonzero !== 1) coordinate = -1;
    }
    const pool = this.readyPool();
    const failedAt = pool !== undefined
      ? pool.evaluate(ctx, sensitivities, coordinate)
      : this.serial.evaluate(ctx, sensitivities, coordinate, false);
    const evaluated = failedAt >= 0 ? failedAt + 1 : this.workspaces.length;
    const flags = this.state.innerFailed;
    this.failures = 0;
    for (let i = 0; i < evaluated; i++) this.failures += flags[i]!;
    if (failedAt >= 0) return Infinity;
    let total = 0;
    for (let i = 0; i < this.perSubject.length; i++) total += this.perSubject[i]!;
    return total;
  }

  /** Forget the learnt sensitivities (before displacements in another coordinate system). */
  resetSensitivities(): void {
    this.sensitivities?.jacobian.fill(0);
  }

  /** Per-subject dη̂/dx estimates (nEta × nx, row-major) and dx, allocated on first use. */
  private sensitivities: SensitivityBuffers | undefined;

  private ensureSensitivities(nx: number): SensitivityBuffers {
    if (this.sensitivities !== undefined && this.sensitivities.nx === nx) return this.sensitivities;
    this.sensitivities = SensitivityBuffers.allocate(this.workspaces.length, this.bound.nEta, nx, this.pool !== undefined);
    this.pool?.shareSensitivities(this.sensitivities);
    return this.sensitivities;
  }

  /**
   * Size of the OFV's numerical noise at `values`: the largest change of the OFV when every
   * inner problem starts 1e-4 away from its accepted mode (±, two evaluations). Closed-form
   * models give ~1e-9 (the inner tolerance); ODE models more (integration tolerance). Finite
   * differences over the population parameters size their steps from it. The accepted modes
   * are left as they were (the workspaces are not); returns +Infinity when an evaluation
   * fails. `base`: the OFV at `values` from the accepted modes, when the caller has it.
   */
  estimateNoise(values: PopulationValues, base: number = this.evaluate(values)): number {
    if (!Number.isFinite(base)) return Infinity;
    let noise = 0;
    for (const sign of [1, -1]) {
      this.workspaces.forEach((ws, i) => {
        ws.etaScratch.set(ws.etaAccepted);
        for (let m = 0; m < ws.etaAccepted.length; m++) ws.etaAccepted[m] += sign * (((i + m) % 2) * 2 - 1) * 1e-4;
      });
      const v = this.evaluate(values);
      for (const ws of this.workspaces) ws.etaAccepted.set(ws.etaScratch);
      if (!Number.isFinite(v)) return Infinity;
      noise = Math.max(noise, Math.abs(v - base));
    }
    return noise;
  }

  /**
   * Guard against inner problems trapped in an inferior local mode by their warm starts: at
   * `values`, solve each subject's inner problem again from η = 0 and keep that mode when it
   * gives a lower OFV contribution. Returns the number of subjects whose mode changed; the
   * accepted modes and `perSubject` then hold the better ones. No-op for FO.
   */
  improveModes(values: PopulationValues): number {
    if (!estimationMethod(this.method).supports.conditionalModes) return 0;
    const base = this.evaluate(values);
    const ctx = this.context(values);
    if (!Number.isFinite(base) || ctx === undefined) return 0;
    this.acceptModes();
    const pool = this.readyPool();
    const outcome = pool !== undefined ? pool.improve(ctx) : this.serial.improve(ctx);
    this.failures += outcome.innerFailures;
    return outcome.improved;
  }

  /** Make the modes of the last evaluation the warm starts of the next ones. */
  acceptModes(): void {
    for (const ws of this.workspaces) ws.etaAccepted.set(ws.eta);
  }

  /** Reset the warm starts to η = 0. */
  resetModes(): void {
    for (const ws of this.workspaces) { ws.etaAccepted.fill(0); ws.eta.fill(0); }
  }

  /** Ω⁻¹ and log|Ω| with θ and Σ; undefined when Ω is not positive definite. */
  context(values: PopulationValues): EvaluationContext | undefined {
    const q = this.bound.nEta;
    // Ω is symmetric, so its row-major and column-major layouts coincide, and so do Ω⁻¹'s.
    const logDetOmega = spdInverseInto(this.omegaInv, values.omega, q);
    if (logDetOmega === null) return undefined;
    return { theta: values.theta, sigma: values.sigma, omega: values.omega, omegaInv: this.omegaInv, logDetOmega };
  }

  private startPool(nThreads: number, fdStep: number, scratch: SubjectScratch, parallel: ParallelOptions): SubjectPool | undefined {
    const recipe = bindingRecipe(this.bound);
    if (typeof recipe === 'string') {
      if (this.autoPool) return undefined;
      throw new PopkitError(`${this.bound.name}: cannot evaluate the subjects in ${nThreads} threads: ${recipe}; use workers 1`);
    }
    const setup = { method: this.method, settings: this.settings, fdStep, workspaces: this.workspaces, scratch };
    try {
      return parallel.threads!.start({
        bound: this.bound, recipe, state: this.state, nThreads, setup, options: parallel, wait: parallel.waitForWorkers ?? false,
      });
    } catch (err) {
      if (this.autoPool) return undefined;
      throw err;
    }
  }

  /** The worker pool when its threads are ready; an 'auto' pool that failed to start is dropped. */
  private readyPool(): SubjectPool | undefined {
    const pool = this.pool;
    if (pool === undefined) return undefined;
    let ready: boolean;
    try {
      ready = pool.isReady();
    } catch (err) {
      if (!this.autoPool) throw err;
      this.pool = undefined;
      return undefined;
    }
    if (ready) this.threadsUsed = Math.max(this.threadsUsed, pool.size);
    return ready ? pool : undefined;
  }
}
