/**
 * Subjects evaluated in worker threads (src/io/threads/subject-pool.ts). Reference: the
 * serial evaluation (workers 1) of the same objective; tolerance 0 — the OFV, estimates,
 * standard errors, EBEs and every piece of per-subject state must be bit-identical. The
 * parallel pheno FOCE-I fit is also held to NONMEM 7's OFV (reference_values.json
 * `pheno_focei_nonmem`, 586.276) within 0.01. The worker entry must be compiled
 * (dist/io/threads/subject-worker.js; `npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { parseDataset } from '../../src/data/dataset.js';
import { PopkitError } from '../../src/errors.js';
import { fitPopulation as fitPopulationCore } from '../../src/estimation/fit.js';
import { ParameterMap, type PopulationValues } from '../../src/estimation/parameter-map.js';
import { PopulationObjective as PopulationObjectiveCore } from '../../src/estimation/population-objective.js';
import { autoWorkerCount, bindingRecipe, blocksByObservations } from '../../src/estimation/subject-worker-setup.js';
import type { ParallelOptions } from '../../src/estimation/subject-threads.js';
import type { EstimationMethod, FitOptions, FitResult, InnerOptions } from '../../src/estimation/types.js';
import { nodeSubjectThreads } from '../../src/io/threads/subject-pool.js';
import type { BoundModel } from '../../src/subject/bound.js';
import { bindModel, type ModelBinding } from '../../src/subject/bind.js';
import { loadModelFile, readModelDataset } from '../../src/io/model-file.js';
import { parseModel } from '../../src/model/parse.js';
import { phenoModel } from '../support/estimation-models.js';

/** The estimation room's fit and objective with Node's thread backend, as popkit's Node entry passes it. */
const fitPopulation = (b: BoundModel, o: FitOptions = {}): FitResult => fitPopulationCore(b, { threads: nodeSubjectThreads, ...o });
class PopulationObjective extends PopulationObjectiveCore {
  constructor(b: BoundModel, m: EstimationMethod, inner: InnerOptions = {}, parallel: ParallelOptions = {}) {
    super(b, m, inner, { threads: nodeSubjectThreads, ...parallel });
  }
}
const autoCount = (b: BoundModel): number => autoWorkerCount(b, nodeSubjectThreads.availableParallelism());

const root = fileURLToPath(new URL('../..', import.meta.url));
const reference = JSON.parse(readFileSync(new URL('../../reference/reference_values.json', import.meta.url), 'utf8'));

function bound(name: string): ModelBinding {
  const model = loadModelFile(join(root, 'models', `${name}.pkm`));
  return bindModel(model, readModelDataset(model));
}

/** Everything a fit reports that depends on the numerics, to compare bit for bit. */
function numbers(fit: FitResult): unknown {
  return {
    ofv: fit.ofv, estimates: fit.estimates, theta: fit.theta, omega: fit.omega, sigma: fit.sigma,
    iterations: fit.iterations, evaluations: fit.evaluations, warnings: fit.warnings,
    se: fit.covariance?.se, r: fit.covariance?.rMatrix, s: fit.covariance?.sMatrix,
    subjects: fit.subjects.map((s) => ({ eta: s.eta, ofv: s.ofv, ipred: s.ipred, cwres: s.cwres, npde: s.npde })),
    shrinkage: fit.shrinkage,
  };
}

/** The state a PopulationObjective keeps across evaluations. */
function state(objective: PopulationObjective): unknown {
  return {
    perSubject: Float64Array.from(objective.perSubject),
    innerFailures: objective.innerFailures,
    workspaces: objective.workspaces.map((ws) => ({
      eta: Float64Array.from(ws.eta), accepted: Float64Array.from(ws.etaAccepted), correction: Float64Array.from(ws.correction),
    })),
  };
}

describe('fits with worker threads are bit-identical to serial fits', () => {
  test('pheno FOCE-I (59 subjects): OFV, estimates, SEs, EBEs, diagnostics; OFV 586.276 (NONMEM 7) within 0.01', () => {
    const pheno = bound('pheno');
    const serial = fitPopulation(pheno, { method: 'focei', workers: 1, npdeSamples: 50 });
    const parallel = fitPopulation(pheno, { method: 'focei', workers: 2, waitForWorkers: true, npdeSamples: 50 });
    expect(serial.workers).toBe(1);
    expect(parallel.workers).toBe(2);
    expect(numbers(parallel)).toEqual(numbers(serial));
    expect(Math.abs(parallel.ofv - reference.pheno_focei_nonmem.ofv)).toBeLessThan(0.01);
  }, 60_000);

  test('Oral_2CPT FOCE-I, its first 24 subjects (a subset of a binding), 3 threads', () => {
    const oral = bound('oral_2cpt');
    const subset: ModelBinding = { ...oral, subjects: oral.subjects.slice(0, 24) };
    const options = { method: 'focei' as const, npdeSamples: 0, maxIterations: 30 };
    const serial = fitPopulation(subset, { ...options, workers: 1 });
    const parallel = fitPopulation(subset, { ...options, workers: 3, waitForWorkers: true });
    expect(parallel.workers).toBe(3);
    expect(serial.covariance?.status).toBe('ok');
    expect(numbers(parallel)).toEqual(numbers(serial));
  }, 60_000);

  test('a model with an eta switched off (variance 0 FIX) is rebuilt with that eta pinned at 0', () => {
    const text = readFileSync(join(root, 'models', 'pheno.pkm'), 'utf8').replace(/eta_CL ~ 0\.0309626/, 'eta_CL ~ 0 FIX');
    const model = parseModel(text, join(root, 'models', 'pheno.pkm'));
    const pinned = bindModel(model, readModelDataset(model));
    const options = { method: 'focei' as const, npdeSamples: 0 };
    const serial = fitPopulation(pinned, { ...options, workers: 1 });
    const parallel = fitPopulation(pinned, { ...options, workers: 2, waitForWorkers: true });
    expect(parallel.workers).toBe(2);
    expect(parallel.omega[0]).toBe(0);
    expect(numbers(parallel)).toEqual(numbers(serial));
  }, 60_000);

  test('a dataset parsed from text (not read from a file) is rebuilt exactly in the workers', () => {
    const model = loadModelFile(join(root, 'models', 'pheno.pkm'));
    const text = readFileSync(join(root, 'datasets', 'pheno_sd.csv'), 'utf8');
    const inline = bindModel(model, parseDataset(text, '<pheno text>'));
    const options = { method: 'foce' as const, npdeSamples: 0, covariance: 'none' as const };
    const serial = fitPopulation(inline, { ...options, workers: 1 });
    const parallel = fitPopulation(inline, { ...options, workers: 2, waitForWorkers: true });
    expect(parallel.workers).toBe(2);
    expect(numbers(parallel)).toEqual(numbers(serial));
  }, 60_000);
});

describe('the objective with worker threads leaves the serial state after every kind of evaluation', () => {
  const pheno = bound('pheno');
  const map = new ParameterMap(pheno.parameters);
  const initial = map.initialValues();
  const with3 = (v: PopulationValues, theta3: number): PopulationValues => {
    const theta = Float64Array.from(v.theta);
    theta[2] = theta3;
    return { ...v, theta };
  };
  // APGR_V = -1.5 makes V negative for the subjects with APGR < 5 only: the evaluation
  // fails at the first of them, and the subjects after it must keep their earlier state.
  const failing = with3(initial, -1.5);
  const dx = (k: number, h: number): Float64Array => { const d = new Float64Array(map.nFree); d[k] = h; return d; };

  test.each(['fo', 'foce', 'focei', 'laplace'] as EstimationMethod[])('%s: evaluations, sensitivities, failures, mode checks', (method) => {
    const run = (objective: PopulationObjective): unknown[] => {
      const out: unknown[] = [];
      const record = (v: number): void => { out.push(v, state(objective)); };
      record(objective.evaluate(initial));
      objective.acceptModes();
      record(objective.evaluate(with3(initial, 0.12), dx(2, 0.02)));
      record(objective.evaluate(with3(initial, 0.08), dx(2, -0.02)));
      record(objective.evaluate(failing, dx(2, -1.6)));
      const both = dx(2, 0.05);
      both[0] = 0.01;
      record(objective.evaluate(with3(initial, 0.15), both));
      record(objective.estimateNoise(initial));
      out.push(objective.improveModes(initial), state(objective));
      objective.resetModes();
      record(objective.evaluate(initial));
      return out;
    };
    const serial = new PopulationObjective(pheno, method, {}, { workers: 1 });
    const parallel = new PopulationObjective(pheno, method, {}, { workers: 2, waitForWorkers: true });
    try {
      expect(parallel.workers).toBe(1); // not used yet
      const a = run(serial);
      const b = run(parallel);
      expect(parallel.workers).toBe(2);
      expect(a[6]).toBe(Infinity);
      expect(b).toEqual(a);
    } finally {
      parallel.close();
    }
  }, 60_000);
});

describe("choosing the number of threads ('auto')", () => {
  test('pheno (155 observations × 3) stays serial; Oral_2CPT (6,960 × 6) uses min(cores, 4)', () => {
    const pheno = bound('pheno');
    expect(autoCount(pheno)).toBe(1);
    expect(new PopulationObjective(pheno, 'focei').workers).toBe(1);
    expect(fitPopulation(pheno, { npdeSamples: 0, covariance: 'none' }).workers).toBe(1);
    expect(autoCount(bound('oral_2cpt'))).toBe(Math.min(availableParallelism(), 4));
  }, 60_000);

  test('a model bound by hand cannot be rebuilt in a worker: serial for auto, an error for an explicit count', () => {
    const hand = phenoModel();
    expect(bindingRecipe(hand)).toMatch(/not a model bound by bindModel/);
    expect(new PopulationObjective(hand, 'focei', {}, { workers: 'auto' }).workers).toBe(1);
    expect(() => new PopulationObjective(hand, 'focei', {}, { workers: 2 })).toThrow(PopkitError);
    expect(() => fitPopulation(hand, { workers: 2 })).toThrow(/cannot evaluate the subjects in 2 threads/);
    expect(() => fitPopulation(hand, { workers: 0 })).toThrow(/workers must be a positive integer/);
  });

  test('blocks are contiguous, cover every subject once, and balance the observations', () => {
    const oral = bound('oral_2cpt');
    const blocks = blocksByObservations(oral, 3);
    expect(blocks[0]![0]).toBe(0);
    expect(blocks[2]![1]).toBe(120);
    expect(blocks[1]![0]).toBe(blocks[0]![1]);
    expect(blocks[2]![0]).toBe(blocks[1]![1]);
    const obs = blocks.map(([a, b]) => oral.subjects.slice(a, b).reduce((s, x) => s + x.nObs, 0));
    expect(Math.max(...obs) - Math.min(...obs)).toBeLessThan(200);
    expect(blocksByObservations(oral, 500).length).toBe(120);
  });
});

describe('a failing worker thread gives a clear PopkitError, not a hang', () => {
  const faulty = new URL('../support/faulty-subject-worker.mjs', import.meta.url);
  const pheno = bound('pheno');
  const values = new ParameterMap(pheno.parameters).initialValues();
  afterEach(() => { delete process.env.POPKIT_TEST_WORKER_FAULT; });

  const evaluateWith = (fault: string): PopulationObjective => {
    process.env.POPKIT_TEST_WORKER_FAULT = fault;
    return new PopulationObjective(pheno, 'focei', {}, { workers: 2, workerScript: faulty, stallSeconds: 1, waitForWorkers: true });
  };

  test('a worker whose rebuilt subjects differ: an error for an explicit count, serial for auto', () => {
    process.env.POPKIT_TEST_WORKER_FAULT = 'mismatch';
    expect(() => new PopulationObjective(pheno, 'focei', {}, { workers: 2, workerScript: faulty, waitForWorkers: true }))
      .toThrow(/the model rebuilt in a worker thread does not reproduce its predictions/);
    const oral = bound('oral_2cpt');
    const auto = new PopulationObjective(oral, 'focei', {}, { workerScript: faulty, waitForWorkers: true });
    expect(auto.workers).toBe(1);
    expect(Number.isFinite(auto.evaluate(new ParameterMap(oral.parameters).initialValues()))).toBe(true);
    auto.close();
  });

  test('without waiting, an explicit count reports a worker that failed to start at a later evaluation', () => {
    process.env.POPKIT_TEST_WORKER_FAULT = 'mismatch';
    const objective = new PopulationObjective(pheno, 'focei', {}, { workers: 2, workerScript: faulty });
    const started = Date.now();
    let error: unknown;
    while (error === undefined && Date.now() - started < 60_000) {
      try { objective.evaluate(values); } catch (err) { error = err; }
    }
    expect(error).toBeInstanceOf(PopkitError);
    expect(String(error)).toMatch(/does not reproduce its predictions/);
    expect(objective.workers).toBe(1);
    objective.close();
  }, 70_000);

  test('an exception in the worker', () => {
    const objective = evaluateWith('throw');
    expect(() => objective.evaluate(values)).toThrow(/worker thread 1 failed: RangeError: injected fault/);
    expect(() => objective.evaluate(values)).toThrow(/were stopped/);
    objective.close();
  });

  test('the worker thread exits', () => {
    const objective = evaluateWith('exit');
    expect(() => objective.evaluate(values)).toThrow(/worker thread 1 stopped \(exit code 7\)/);
    objective.close();
  });

  test('the worker thread stops making progress (e.g. died out of memory)', () => {
    const objective = evaluateWith('hang');
    expect(() => objective.evaluate(values)).toThrow(/worker thread 1 \(subjects \d+–59\) finished no subject for 1 s/);
    objective.close();
  });

  test('a worker thread that ended while the main thread was idle', async () => {
    const objective = new PopulationObjective(pheno, 'focei', {}, { workers: 2, waitForWorkers: true });
    expect(Number.isFinite(objective.evaluate(values))).toBe(true);
    // Reach the worker through the pool to stop it as a crash would.
    const pool = (objective as unknown as { pool: { handles: { worker: { terminate(): Promise<number> } }[] } }).pool;
    await pool.handles[0]!.worker.terminate();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(() => objective.evaluate(values)).toThrow(/worker thread 1 stopped: it exited with code 1/);
    objective.close();
  });
});

describe('popkit fit --workers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'popkit-workers-'));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (args: string[]): ReturnType<typeof spawnSync> =>
    spawnSync(process.execPath, [join(root, 'bin', 'popkit.js'), ...args], { encoding: 'utf8', timeout: 60_000 });

  test('--workers 2 fits pheno (NONMEM 7 OFV within 0.01) and the process exits by itself', () => {
    const r = cli(['fit', join(root, 'models', 'pheno.pkm'), '--workers', '2', '--npde', '0', '--cov', 'none', '--json', '--out', dir]);
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(Math.abs(JSON.parse(String(r.stdout)).ofv - reference.pheno_focei_nonmem.ofv)).toBeLessThan(0.01);
  }, 60_000);

  test('--workers 0 is refused with a message', () => {
    const r = cli(['fit', join(root, 'models', 'pheno.pkm'), '--workers', '0', '--out', dir]);
    expect(r.status).toBe(2);
    expect(String(r.stderr)).toMatch(/--workers must be a positive integer or 'auto' \(got 0\)/);
  }, 60_000);
});
