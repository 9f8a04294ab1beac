/**
 * The work of a subject worker thread (entry: subject-worker.ts): rebuild the bound model
 * from its recipe, check the block's subjects against the main thread's, then run the
 * commands of the control block on the shared state until told to stop.
 */
import { receiveMessageOnPort } from 'node:worker_threads';
import { PopkitError } from '../../errors.js';
import { datasetFromTable } from '../../data/dataset.js';
import { bindModel } from '../../subject/bind.js';
import type { SubjectEvaluator } from '../../subject/bound.js';
import { SubjectScratch, type EvaluationContext } from '../../estimation/subject-objective.js';
import { SubjectBlock } from '../../estimation/subject-worker-block.js';
import {
  COMMAND, CONTROL, SensitivityBuffers, SubjectState, WORKER_SLOT, workerSlotBase,
} from '../../estimation/subject-worker-state.js';
import type { SensitivityMessage, SubjectCheck } from '../../estimation/subject-worker-setup.js';
import type { SubjectWorkerData } from './subject-pool.js';
import { pinEtas } from '../../estimation/zero-variance-etas.js';
import { SubjectWorkspace } from '../../estimation/subject-workspace.js';

/**
 * Rebuild the block, call `ready`, then serve commands until the stop command. Throws
 * PopkitError when the rebuilt subjects differ from the main thread's.
 */
export function serveSubjects(data: SubjectWorkerData, ready: () => void): void {
  const { control } = data;
  const base = workerSlotBase(data.worker);
  const block = rebuildBlock(data);
  const state = block.state;
  let seen = Atomics.load(control, CONTROL.sequence);
  ready();
  let sensitivities: SensitivityBuffers | undefined;
  const onSubject = (): void => { Atomics.add(control, base + WORKER_SLOT.progress, 1); };
  for (;;) {
    Atomics.wait(control, CONTROL.sequence, seen);
    seen = Atomics.load(control, CONTROL.sequence);
    for (let m = receiveMessageOnPort(data.port); m !== undefined; m = receiveMessageOnPort(data.port)) {
      const message = m.message as SensitivityMessage;
      if (message.kind === 'sensitivities') {
        sensitivities = SensitivityBuffers.attach(message.buffer, state.shape.nSubjects, state.shape.nEta, message.nx);
      }
    }
    const command = Atomics.load(control, CONTROL.command);
    if (command === COMMAND.stop) return;
    const ctx: EvaluationContext = {
      theta: state.theta, sigma: state.sigma, omega: state.omega, omegaInv: state.omegaInv, logDetOmega: state.logDetOmega[0]!,
    };
    if (command === COMMAND.evaluate) {
      const hasDx = Atomics.load(control, CONTROL.hasDx) === 1;
      if (hasDx && sensitivities === undefined) throw new Error('internal: an evaluation with a displacement but no sensitivity buffers');
      const failedAt = block.evaluate(ctx, hasDx ? sensitivities : undefined, Atomics.load(control, CONTROL.coordinate), true, onSubject);
      Atomics.store(control, base + WORKER_SLOT.failedAt, failedAt);
    } else if (command === COMMAND.improve) {
      const outcome = block.improve(ctx, onSubject);
      Atomics.store(control, base + WORKER_SLOT.improved, outcome.improved);
      Atomics.store(control, base + WORKER_SLOT.innerFailures, outcome.innerFailures);
    } else {
      throw new Error(`internal: unknown command ${command}`);
    }
    Atomics.store(control, base + WORKER_SLOT.done, seen);
    Atomics.notify(control, base + WORKER_SLOT.done);
  }
}

/** The worker's block of subjects on the shared state, from the recipe. */
function rebuildBlock(data: SubjectWorkerData): SubjectBlock {
  const { recipe, shape } = data;
  const dataset = datasetFromTable(recipe.table, { columns: recipe.columns });
  const binding = bindModel(recipe.model, dataset, recipe.bindOptions);
  const keep = recipe.keepEtas;
  const nEta = keep?.length ?? binding.nEta;
  if (nEta !== shape.nEta || binding.nEps !== shape.nEps) {
    throw new PopkitError(`the model rebuilt in a worker thread has ${nEta} etas and ${binding.nEps} epsilons, not ${shape.nEta} and ${shape.nEps}`);
  }
  const subjects = Array.from(recipe.subjectIndices, (k): SubjectEvaluator => {
    const s = binding.subjects[k]!;
    return keep === undefined ? s : pinEtas(s, keep, binding.nEta, binding.nEps);
  });
  checkSubjects(subjects, data.check, shape.nEta, shape.nEps);
  const state = SubjectState.attach(shape, data.stateBuffer, data.flagBuffer);
  const workspaces = subjects.map((s, k) => new SubjectWorkspace(s, shape.nEta, shape.nEps, data.fdStep, state.persistentOf(data.first + k)));
  const scratch = new SubjectScratch(shape.nEta, data.maxObs);
  return new SubjectBlock(data.first, workspaces, state, data.method, data.settings, scratch);
}

/** Throw PopkitError unless `subjects` have the main thread's observations and predictions, bit for bit. */
function checkSubjects(subjects: readonly SubjectEvaluator[], check: SubjectCheck, nEta: number, nEps: number): void {
  const zeros = new Float64Array(nEta);
  const same = (a: number, b: number): boolean => a === b || (a !== a && b !== b);
  let at = 0;
  subjects.forEach((s, k) => {
    const differs = (what: string): never => {
      throw new PopkitError(`subject ${check.ids[k]}: the model rebuilt in a worker thread does not reproduce its ${what}; fit in one thread (workers 1)`);
    };
    const n = check.nObs[k]!;
    if (s.id !== check.ids[k] || s.nObs !== n) differs('identity or number of observations');
    for (let j = 0; j < n; j++) {
      if (!same(s.dv[j]!, check.dv[at + j]!) || s.obsRecords[j] !== check.obsRecords[at + j]) differs('observations');
    }
    const f = new Float64Array(n);
    const h = new Float64Array(n * nEps);
    const valid = s.evaluate(check.theta, zeros, f, h);
    if (valid !== (check.valid[k] === 1)) differs('predictions');
    if (valid) {
      for (let j = 0; j < n; j++) if (!same(f[j]!, check.f[at + j]!)) differs('predictions');
      for (let j = 0; j < n * nEps; j++) if (!same(h[j]!, check.h[at * nEps + j]!)) differs('residual error model');
    }
    at += n;
  });
}
