/**
 * How subjects are shared out to worker threads (see subject-workers.ts): whether a bound
 * model can be rebuilt in a worker and how ('recipe'), how many threads 'auto' uses, the
 * blocks of subjects, and the data and messages exchanged with a worker.
 */
import type { StandardItem, Table } from '../data/types.js';
import type { BindOptions, ModelBinding } from '../subject/bind.js';
import type { BoundModel } from '../subject/bound.js';
import { ModelSubject } from '../subject/evaluator.js';
import type { Model } from '../model/types.js';
import type { InnerSettings } from './subject-objective.js';
import type { SubjectStateShape } from './subject-worker-state.js';
import type { EstimationMethod } from './types.js';
import type { PinnedBoundModel } from './zero-variance-etas.js';

/**
 * Work per evaluation below which 'auto' stays serial, in units of (observation × (etas + 1)),
 * an observation of an ODE model counting ODE_WORK_FACTOR times. Measured on the project's
 * 2-core machine (Node 20, FOCE-I near the optimum, one thread): a unit costs ~0.15–0.25 µs
 * with closed forms (Oral_1CPT 4.1 ms per evaluation for 27,788 units, Oral_2CPT 7–8.8 ms for
 * 41,760) and ~2 µs with ODEs (Bolus_1CPTMM 53–57 ms for 27,800); two threads take Oral_2CPT
 * to 4.1 ms and Bolus_1CPTMM to 28 ms per evaluation, with ~0.1 ms of synchronization. A
 * worker costs ~1 s of CPU to start (loading the model compiler, binding the model again),
 * spent in the background while the calling thread evaluates. pheno (465 units, 0.7 ms per
 * evaluation, a 0.05 s fit) and warfarin (1,004 units, 1.1 ms) would not repay it; from
 * 10,000 units (~2 ms per evaluation, fits of a few hundred evaluations) the threads save more
 * than they cost.
 */
export const AUTO_WORK_THRESHOLD = 10_000;
/** How many closed-form observations one ODE observation counts for in the work estimate. */
export const ODE_WORK_FACTOR = 10;
/** Most threads 'auto' uses. */
export const AUTO_MAX_WORKERS = 4;

/** Everything a worker needs to rebuild the bound model. */
export interface BindingRecipe {
  readonly model: Model;
  readonly table: Table;
  readonly columns: Partial<Record<StandardItem, string>> | undefined;
  readonly bindOptions: BindOptions;
  /** For each subject of the bound model, its index among the rebuilt binding's subjects. */
  readonly subjectIndices: Int32Array;
  /** The etas kept when the bound model pins the others at 0 (zero-variance-etas.ts). */
  readonly keepEtas?: readonly number[];
}

/**
 * How to rebuild `bound` in a worker, or why it cannot be: it must come from bindModel (its
 * subjects ModelSubjects of its dataset, possibly a subset), not be implemented by hand.
 */
export function bindingRecipe(bound: BoundModel): BindingRecipe | string {
  const pinned = (bound as Partial<PinnedBoundModel>).pinnedFrom;
  if (pinned !== undefined) {
    const base = bindingRecipe(pinned.base);
    return typeof base === 'string' ? base : { ...base, keepEtas: [...pinned.keep] };
  }
  const b = bound as Partial<ModelBinding>;
  if (b.model === undefined || b.dataset === undefined || b.compiled === undefined || b.bindOptions === undefined || b.dataset.table === undefined) {
    return 'it is not a model bound by bindModel (e.g. one written by hand), '
      + 'so it cannot be rebuilt in a worker thread';
  }
  if (bound.nEta !== b.compiled.etaNames.length || bound.nEps !== b.compiled.epsNames.length) {
    return 'its etas or epsilons differ from those of its model';
  }
  const indexOf = new Map(b.dataset.subjects.map((s, k) => [s.id, k]));
  const subjectIndices = new Int32Array(bound.subjects.length);
  for (let i = 0; i < bound.subjects.length; i++) {
    const s = bound.subjects[i]!;
    const k = indexOf.get(s.id);
    if (!(s instanceof ModelSubject) || k === undefined) return `its subject ${s.id} is not a subject of its model and dataset as bound by bindModel`;
    subjectIndices[i] = k;
  }
  return { model: b.model, table: b.dataset.table, columns: b.dataset.standardColumns, bindOptions: b.bindOptions, subjectIndices };
}

/** Estimated work of one evaluation (see AUTO_WORK_THRESHOLD). */
export function evaluationWork(bound: BoundModel): number {
  const nObs = bound.subjects.reduce((s, x) => s + x.nObs, 0);
  const compiled = ((bound as Partial<PinnedBoundModel>).pinnedFrom?.base as Partial<ModelBinding> | undefined ?? bound as Partial<ModelBinding>).compiled;
  const ode = compiled?.system !== undefined && !compiled.closedForm;
  return nObs * (bound.nEta + 1) * (ode ? ODE_WORK_FACTOR : 1);
}

/**
 * The number of threads 'auto' uses for `bound`: min(availableThreads, 4, subjects)
 * when evaluationWork(bound) ≥ AUTO_WORK_THRESHOLD and the model can be rebuilt in a
 * worker, else 1 (a backend offers 1 thread inside a worker thread, e.g. a fit of the parallel
 * covariate search, whose fits already share the cores). Example: pheno (59 subjects, 155 observations) gives 1.
 */
export function autoWorkerCount(bound: BoundModel, availableThreads: number): number {
  if (availableThreads < 2 || bound.subjects.length < 2 || evaluationWork(bound) < AUTO_WORK_THRESHOLD) return 1;
  if (typeof bindingRecipe(bound) === 'string') return 1;
  return Math.max(1, Math.min(availableThreads, AUTO_MAX_WORKERS, bound.subjects.length));
}

/** Observations and predictions (at the initial θ, η = 0) of a block's subjects, concatenated. */
export interface SubjectCheck {
  readonly theta: Float64Array;
  readonly ids: readonly string[];
  readonly nObs: Int32Array;
  readonly dv: Float64Array;
  readonly obsRecords: Int32Array;
  /** Predictions f and h (nObs × nEps per subject), and whether evaluate succeeded. */
  readonly f: Float64Array;
  readonly h: Float64Array;
  readonly valid: Uint8Array;
}

/** A message from a worker. */
export interface WorkerFailure {
  readonly kind: 'failure';
  readonly name: string;
  readonly message: string;
}

/** A message to a worker: new sensitivity buffers (before the command that uses them). */
export interface SensitivityMessage {
  readonly kind: 'sensitivities';
  readonly buffer: SharedArrayBuffer;
  readonly nx: number;
}

/** [first, end) of `n` contiguous blocks with about equal numbers of observations (none empty). */
export function blocksByObservations(bound: BoundModel, n: number): [number, number][] {
  const subjects = bound.subjects;
  const count = Math.max(1, Math.min(n, subjects.length));
  const total = subjects.reduce((s, x) => s + x.nObs + 1, 0);
  const blocks: [number, number][] = [];
  let first = 0;
  let cumulative = 0;
  for (let i = 0; i < subjects.length; i++) {
    cumulative += subjects[i]!.nObs + 1;
    const remainingBlocks = count - blocks.length - 1;
    const remainingSubjects = subjects.length - (i + 1);
    if (remainingBlocks > 0 && (cumulative >= (total * (blocks.length + 1)) / count || remainingSubjects === remainingBlocks)) {
      blocks.push([first, i + 1]);
      first = i + 1;
    }
  }
  blocks.push([first, subjects.length]);
  return blocks;
}

/** The data a worker checks its rebuilt subjects first … end − 1 against. */
export function subjectCheck(bound: BoundModel, first: number, end: number, theta: Float64Array): SubjectCheck {
  const subjects = bound.subjects.slice(first, end);
  const nObsTotal = subjects.reduce((s, x) => s + x.nObs, 0);
  const nEps = bound.nEps;
  const dv = new Float64Array(nObsTotal);
  const obsRecords = new Int32Array(nObsTotal);
  const f = new Float64Array(nObsTotal);
  const h = new Float64Array(nObsTotal * nEps);
  const valid = new Uint8Array(subjects.length);
  const zeros = new Float64Array(bound.nEta);
  let at = 0;
  subjects.forEach((s, k) => {
    dv.set(s.dv, at);
    obsRecords.set(s.obsRecords, at);
    const fs = f.subarray(at, at + s.nObs);
    const hs = h.subarray(at * nEps, (at + s.nObs) * nEps);
    valid[k] = s.evaluate(theta, zeros, fs, hs) ? 1 : 0;
    at += s.nObs;
  });
  return { theta, ids: subjects.map((s) => s.id), nObs: Int32Array.from(subjects, (s) => s.nObs), dv, obsRecords, f, h, valid };
}
