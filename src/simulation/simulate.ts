/**
 * Simulating a regimen in a virtual population: for each subject, draw η ~ N(0, Ω), predict
 * the design's samples with the bound model, add residual error ε ~ N(0, Σ), and take exposure
 * metrics over the window (on the prediction without residual error).
 *
 * Subjects with the same covariate vector share one bound subject (the model is bound to a
 * design dataset of the distinct vectors, chunk by chunk), so a population without covariates
 * binds a single subject. Draws: η from the η stream, ε from the ε stream (only for output
 * samples, not for the metrics grid), subject after subject — so the same seed gives the same
 * subjects whatever the chunking, and the first n of N subjects do not depend on N.
 */
import type { Dataset } from '../data/types.js';
import { PopkitError } from '../errors.js';
import type { BoundModel, SubjectEvaluator } from '../subject/bound.js';
import { buildDesignDataset, covariateKey, type MetricsWindow, type SimulationDesign } from './design.js';
import { exposureMetricsInto, METRIC_NAMES, type MetricOptions } from './metrics.js';
import type { VirtualPopulation } from './population.js';
import { isPerKg } from './regimen.js';
import { randomStream, STREAMS } from '../stats/random.js';
import { SubjectSimulator, type ObservationScale, type PopulationParameters } from './subject-simulator.js';

/** Binds the model to a dataset (e.g. `modelBinder(model)`, which compiles the model once). */
export type ModelBinder = (dataset: Dataset) => BoundModel;

export interface SimulationSettings {
  /** Seed of every draw (a whole number in [0, 2³²)). */
  readonly seed: number;
  /** Draw η (default true); false simulates typical subjects (η = 0). */
  readonly randomEffects?: boolean;
  /** Add residual error to the samples (default true). */
  readonly residualError?: boolean;
  /** 'log' when the model observes log DV (its f is log concentration). Default 'linear'. */
  readonly observationScale?: ObservationScale;
  /** Options of the exposure metrics (threshold, λz points). */
  readonly metrics?: MetricOptions;
  /**
   * The covariates the model reads (default: all of the population's). Subjects that agree on
   * these share one bound subject; naming only the model's covariates saves a binding per
   * subject when the population carries others. Per-kg doses add the weight covariate.
   */
  readonly modelCovariates?: readonly string[];
  /** Subjects per design dataset (default 1000). */
  readonly chunkSize?: number;
  /** Called after each chunk with the number of subjects done. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Results of a regimen simulation. Arrays are row-major by subject. */
export interface RegimenSimulation {
  readonly n: number;
  readonly population: VirtualPopulation;
  /** Output sampling times (h). */
  readonly times: Float64Array;
  readonly etaNames: readonly string[];
  /** η of each subject, n × nEta. */
  readonly eta: Float64Array;
  /** Predictions without residual error (concentration scale), n × times. */
  readonly ipred: Float64Array;
  /** Simulated observations (with residual error unless switched off), n × times. */
  readonly dv: Float64Array;
  readonly window?: MetricsWindow;
  /** Exposure metrics, n × METRIC_NAMES.length, when the design has a window. */
  readonly metrics?: Float64Array;
  /** Number of distinct bound subjects (distinct covariate vectors). */
  readonly boundSubjects: number;
}

interface Template {
  readonly subject: SubjectEvaluator;
  /** Observation index of each output sample. */
  readonly outputObs: Int32Array;
  /** Observation index of each grid point. */
  readonly gridObs: Int32Array;
}

const CACHE_LIMIT = 4096;

/**
 * Simulate `design` for every subject of `population` with parameters `values`.
 * Throws PopkitError when the model does not predict the design's samples, NumericalError when
 * it gives no valid prediction for a drawn subject.
 * Example:
 *   simulateRegimen(modelBinder(model), { theta, omega, sigma },
 *     { regimen: parseRegimen('100 mg po q24h x7'), doseTargets: { iv: 2, oral: 1 }, times: parseTimes('0-168 by 1') },
 *     emptyPopulation(1000), { seed: 1 });
 */
export function simulateRegimen(
  bind: ModelBinder, values: PopulationParameters, design: SimulationDesign,
  population: VirtualPopulation, settings: SimulationSettings,
): RegimenSimulation {
  const n = population.n;
  const nTimes = design.times.length;
  const withWindow = design.window !== undefined;
  const width = METRIC_NAMES.length;
  const etaStream = randomStream(settings.seed, STREAMS.eta);
  const epsStream = (settings.residualError ?? true) ? randomStream(settings.seed, STREAMS.epsilon) : undefined;
  const randomEffects = settings.randomEffects ?? true;
  const chunk = Math.max(1, settings.chunkSize ?? 1000);

  const keyColumns = keyColumnsOf(population, design, settings.modelCovariates);
  const keyOf = (i: number): string => covariateKey(population, i, keyColumns);
  const cache = new Map<string, Template>();
  let simulator: SubjectSimulator | undefined;
  let etaNames: readonly string[] = [];
  let nEta = 0;
  let eta = new Float64Array(0);
  const ipred = new Float64Array(n * nTimes);
  const dv = new Float64Array(n * nTimes);
  const metrics = withWindow ? new Float64Array(n * width) : undefined;
  let gridTimes: Float64Array = new Float64Array(0);
  let gridConc = new Float64Array(0);
  let bound = 0;

  for (let from = 0; from < n; from += chunk) {
    const to = Math.min(n, from + chunk);
    if (cache.size > CACHE_LIMIT) cache.clear();
    const missing: number[] = [];
    const missingKeys = new Set<string>();
    for (let i = from; i < to; i++) {
      const key = keyOf(i);
      if (!cache.has(key) && !missingKeys.has(key)) { missing.push(i); missingKeys.add(key); }
    }
    if (missing.length > 0) {
      const built = buildDesignDataset(design, population, missing);
      const model = bind(built.dataset);
      bound += missing.length;
      if (simulator === undefined) {
        nEta = model.nEta;
        etaNames = model.parameters.omega.names;
        eta = new Float64Array(n * nEta);
        gridTimes = built.gridTimes;
        gridConc = new Float64Array(gridTimes.length);
        const maxObs = Math.max(...model.subjects.map((s) => s.nObs), 1);
        simulator = new SubjectSimulator(values, model.nEta, model.nEps, maxObs, settings.observationScale ?? 'linear',
          { omega: model.parameters.omega.names, sigma: model.parameters.sigma.names });
      }
      if (model.subjects.length !== missing.length) {
        throw new PopkitError(`simulation: the model was bound to ${missing.length} design subjects but gives ${model.subjects.length}`);
      }
      model.subjects.forEach((s, k) => {
        cache.set(keyOf(missing[k]!), templateOf(s, built.recordOutput, built.recordGrid, nTimes, gridTimes.length, built.dataset));
      });
    }
    const sim = simulator!;
    for (let i = from; i < to; i++) {
      const t = cache.get(keyOf(i))!;
      const e = randomEffects ? sim.drawEta(etaStream) : sim.eta.fill(0);
      eta.set(e.subarray(0, nEta), i * nEta);
      sim.predict(t.subject, e, `simulated subject ${i + 1}`);
      for (let k = 0; k < nTimes; k++) {
        const j = t.outputObs[k]!;
        ipred[i * nTimes + k] = sim.ipred(j);
        dv[i * nTimes + k] = sim.observe(j, epsStream);
      }
      if (metrics !== undefined) {
        for (let g = 0; g < gridTimes.length; g++) gridConc[g] = sim.ipred(t.gridObs[g]!);
        exposureMetricsInto(metrics, i * width, gridTimes, gridConc, 0, gridTimes.length - 1, settings.metrics);
      }
    }
    settings.onProgress?.(to, n);
  }
  return {
    n, population, times: design.times, etaNames, eta, ipred, dv,
    ...(design.window !== undefined ? { window: design.window } : {}),
    ...(metrics !== undefined ? { metrics } : {}),
    boundSubjects: bound,
  };
}

/** Population columns that decide the bound subject (undefined: all). */
function keyColumnsOf(population: VirtualPopulation, design: SimulationDesign, names: readonly string[] | undefined): number[] | undefined {
  if (names === undefined) return undefined;
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  if (isPerKg(design.regimen)) wanted.add((design.weightCovariate ?? 'WT').toLowerCase());
  return population.names.flatMap((n, j) => (wanted.has(n.toLowerCase()) ? [j] : []));
}

function templateOf(
  subject: SubjectEvaluator, recordOutput: Int32Array, recordGrid: Int32Array, nTimes: number, nGrid: number, dataset: Dataset,
): Template {
  const outputObs = new Int32Array(nTimes).fill(-1);
  const gridObs = new Int32Array(nGrid).fill(-1);
  for (let j = 0; j < subject.nObs; j++) {
    const r = subject.obsRecords[j]!;
    if (recordOutput[r]! >= 0) outputObs[recordOutput[r]!] = j;
    if (recordGrid[r]! >= 0) gridObs[recordGrid[r]!] = j;
  }
  const lost = outputObs.indexOf(-1) >= 0 || gridObs.indexOf(-1) >= 0;
  if (lost) {
    const r = dataset.subjects.find((s) => s.id === subject.id)?.recordIndices.find((k) => recordOutput[k]! >= 0 || recordGrid[k]! >= 0);
    throw new PopkitError(`simulation: the model does not predict the design's samples${r !== undefined ? ` (e.g. time ${dataset.records[r]!.time} h)` : ''}; `
      + 'its observation rules select none of them — give the data columns they test as constant covariates (e.g. --population "DVID=1")');
  }
  return { subject, outputObs, gridObs };
}
