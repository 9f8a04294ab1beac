/**
 * MAP Bayesian dose individualization: from a fitted model, a patient's dosing history,
 * covariates and measured levels, estimate the patient's η (posterior mode, dose-map.ts), then
 * find the dose of a planned regimen that reaches an exposure target, with the uncertainty
 * of the predicted exposure from the posterior.
 *
 * The plan: the regimen template (amount to be chosen) from `start` (default: one current
 * dosing interval after the last dose given), for each candidate interval. The target is
 * evaluated in the plan's last dosing interval — trough: the concentration just before the
 * next dose would be due; peak: the maximum over that interval (dense grid, infusion ends
 * included); AUC: over that interval, or over the last N hours for aucN — so the patient's
 * history is included. Without a dose count (form or option), the course is made long enough
 * for that interval to be at steady state (STEADY_STATE_CHANGE).
 *
 * Choice of dose:
 *  - a range [lower, upper]: the dose at which the MAP prediction equals the range's
 *    geometric midpoint √(lower·upper);
 *  - "≥ lower" (or "> lower"): the smallest dose whose probability of attaining the target
 *    under the posterior is at least `confidence` (default 0.9); "≤ upper": the largest such.
 * Doses are found by bisection on log(dose), assuming exposure increases with dose (true for
 * the pharmacokinetic metrics allowed: trough, Cmin, peak, AUC).
 *
 * Uncertainty: K (default 1000) draws of η from the Laplace posterior N(η̂, H⁻¹) (the same draws
 * for every candidate dose, seeded), each predicting the exposure; reported as its 5th, 50th and
 * 95th percentiles and the fraction of draws within the target (probability of attainment).
 * This describes the uncertainty of the patient's parameters, not residual error.
 */
import { PopkitError } from '../errors.js';
import type { SubjectEvaluator } from '../subject/bound.js';
import { etaPosterior, type EtaPosterior } from '../estimation/map-posterior.js';
import { planDataset, type PatientHistory, type PredictionPoint } from './dose-patient.js';
import { windowGrid, type MetricsWindow } from './design.js';
import { exposureMetricsInto, METRIC, METRIC_NAMES } from './metrics.js';
import { lowerTimesInto, semidefiniteCholesky } from './mvn.js';
import { randomStream, STREAMS } from '../stats/random.js';
import { doseTimes, Regimen, type DoseTargets } from './regimen.js';
import type { ModelBinder } from './simulate.js';
import { SubjectSimulator, type ObservationScale, type PopulationParameters } from './subject-simulator.js';
import { meetsTarget, quantileSorted, type Target } from './summary.js';

export interface DoseOptions {
  readonly bind: ModelBinder;
  readonly values: PopulationParameters;
  readonly target: Target;
  /** The planned regimen with its amount to be chosen (amount NaN), starting at time 0. */
  readonly form: Regimen;
  readonly doseTargets: DoseTargets;
  /**
   * Number of planned doses; default: the form's count when it gives one, else a course long
   * enough for the target's interval to be at steady state (see STEADY_STATE_CHANGE).
   */
  readonly doses?: number;
  /** Candidate dosing intervals (h); default: the form's interval, else the patient's current one. */
  readonly intervals?: readonly number[];
  /** Time of the first planned dose (h, the data's clock); default: last dose + the current interval. */
  readonly start?: number;
  /** Posterior draws (default 1000). */
  readonly samples?: number;
  readonly seed: number;
  /** Required probability of attainment for one-sided targets (default 0.9). */
  readonly confidence?: number;
  /** Round doses to a multiple of this amount (e.g. 250). */
  readonly roundTo?: number;
  readonly observationScale?: ObservationScale;
}

/** The recommendation for one candidate interval. */
export interface DoseOption {
  readonly interval: number;
  /** The recommended amount per dose (after rounding). */
  readonly amount: number;
  readonly regimen: Regimen;
  readonly window: MetricsWindow;
  /** The target metric predicted with the MAP estimate. */
  readonly predicted: number;
  /** 5th, 50th, 95th percentiles of the metric over the posterior draws. */
  readonly percentiles: readonly [number, number, number];
  /** Fraction of posterior draws within the target. */
  readonly probability: number;
  /** Draws without a valid prediction (left out). */
  readonly failedDraws: number;
  /**
   * False when the default course reached its longest (one year) without the target's
   * interval reaching steady state; true otherwise (including a course the user gave).
   */
  readonly steadyState: boolean;
}

export interface DoseRecommendation {
  readonly posterior: EtaPosterior;
  readonly etaNames: readonly string[];
  /** Individual parameters at η̂ (names and values), when the model gives them. */
  readonly individualParameters: readonly { readonly name: string; readonly value: number }[];
  /** Each level: time, observed, individual prediction (η̂), population prediction (η = 0). */
  readonly levels: readonly { readonly time: number; readonly observed: number; readonly ipred: number; readonly pred: number }[];
  readonly options: readonly DoseOption[];
  /** Index into `options` of the recommended one (highest probability; first on ties). */
  readonly recommended: number;
}

const ALLOWED = new Set(['CTROUGH', 'CMIN', 'CMAX', 'AUC']);

/**
 * Default course (no dose count given): starting from one week's worth of doses, the course is
 * doubled until doubling it changes the MAP prediction of the target metric at the
 * recommended dose by less than this fraction — the last interval is then at steady state, so
 * a drug with a long half-life (or a history of higher doses) is not under-dosed by a
 * recommendation read off a course that has not reached it. At most MAX_COURSE_HOURS.
 */
const STEADY_STATE_CHANGE = 0.01;
const MAX_COURSE_HOURS = 24 * 365;

/**
 * Recommend a dose for the patient of `history` (see the module comment). Throws PopkitError
 * for a target metric that does not grow with dose, an interval that cannot hold an aucN
 * window, or a target no dose can reach.
 */
export function individualizeDose(history: PatientHistory, options: DoseOptions): DoseRecommendation {
  const { target } = options;
  if (!ALLOWED.has(target.metric)) throw new PopkitError(`dose: the target must be a trough, Cmin, peak or AUC (got '${target.text}')`);
  if (!options.form.isTemplate) throw new PopkitError('dose: the regimen form must leave the amount to be chosen (write ? for it, e.g. "? mg iv over 1 h q12h x10")');
  if (options.form.blocks.length !== 1) throw new PopkitError('dose: the regimen form must be a single block of doses (e.g. "? mg iv over 1 h q12h x10")');
  if (options.doses !== undefined && !(Number.isInteger(options.doses) && options.doses >= 1)) {
    throw new PopkitError(`dose: the number of planned doses must be a whole number ≥ 1 (got ${options.doses})`);
  }
  if (options.confidence !== undefined && !(options.confidence > 0 && options.confidence < 1)) {
    throw new PopkitError(`dose: the required probability of attainment must be between 0 and 1 (got ${options.confidence})`);
  }
  if (options.start !== undefined && !Number.isFinite(options.start)) throw new PopkitError(`dose: the start of the plan must be a time in h (got ${options.start})`);
  const scale = options.observationScale ?? 'linear';
  const bound = options.bind(history.dataset);
  const subject = bound.subjects[0]!;
  const posterior = etaPosterior(subject, bound.nEta, bound.nEps, options.values);

  // Fit of the levels and individual parameters.
  const sim = new SubjectSimulator(options.values, bound.nEta, bound.nEps, Math.max(1, subject.nObs), scale,
    { omega: bound.parameters.omega.names, sigma: bound.parameters.sigma.names });
  const levels: { time: number; observed: number; ipred: number; pred: number }[] = [];
  if (subject.nObs > 0) {
    sim.predict(subject, posterior.eta, `patient ${history.id}`);
    const ipred = Array.from({ length: subject.nObs }, (_, j) => sim.ipred(j));
    sim.predict(subject, new Float64Array(bound.nEta), `patient ${history.id}`);
    for (let j = 0; j < subject.nObs; j++) {
      const rec = history.dataset.records[subject.obsRecords[j]!]!;
      levels.push({ time: rec.time, observed: rec.dv, ipred: ipred[j]!, pred: sim.ipred(j) });
    }
  }
  const individualParameters: { name: string; value: number }[] = [];
  if (subject.individualParameters && bound.individualParameterNames) {
    const out = new Float64Array(bound.individualParameterNames.length);
    subject.individualParameters(options.values.theta, posterior.eta, out);
    bound.individualParameterNames.forEach((name, k) => individualParameters.push({ name, value: out[k]! }));
  }

  // Posterior draws, shared by every candidate.
  const K = options.samples ?? 1000;
  if (!(Number.isInteger(K) && K >= 10)) throw new PopkitError(`dose: the number of posterior draws must be a whole number ≥ 10 (got ${K})`);
  const q = bound.nEta;
  const draws = new Float64Array(K * q);
  const chol = semidefiniteCholesky(posterior.covariance, q, 'the posterior covariance of eta');
  const stream = randomStream(options.seed, STREAMS.posterior);
  const z = new Float64Array(q), dz = new Float64Array(q);
  for (let k = 0; k < K; k++) {
    stream.normalsInto(z, q);
    lowerTimesInto(dz, chol, z, q);
    for (let m = 0; m < q; m++) draws[k * q + m] = posterior.eta[m]! + dz[m]!;
  }

  const formInterval = options.form.blocks[0]!.interval;
  const intervals = options.intervals ?? (formInterval > 0 ? [formInterval] : history.interval !== undefined ? [history.interval] : []);
  if (intervals.length === 0) throw new PopkitError('dose: give the dosing interval (--interval, or q<h> in the regimen form)');
  const results = intervals.map((tau) => steadyOptionFor(history, options, tau, posterior, draws, K, q, bound.nEps, scale));
  let recommended = 0;
  results.forEach((r, i) => { if (r.probability > results[recommended]!.probability + 1e-12) recommended = i; });
  return { posterior, etaNames: bound.parameters.omega.names, individualParameters, levels, options: results, recommended };
}

/** Evaluator of the target metric for one plan (one interval), caching bound datasets by amount. */
class PlanEvaluator {
  private readonly cache = new Map<number, { subject: SubjectEvaluator; pointObs: Int32Array }>();
  private readonly conc: Float64Array;
  private readonly times: Float64Array;
  private readonly metrics = new Float64Array(METRIC_NAMES.length);
  private readonly sim: SubjectSimulator;

  constructor(
    private readonly history: PatientHistory, private readonly options: DoseOptions, private readonly plan: Regimen,
    private readonly points: readonly PredictionPoint[], scale: ObservationScale, nEta: number, nEps: number,
  ) {
    this.conc = new Float64Array(points.length);
    this.times = Float64Array.from(points, (p) => p.time);
    this.sim = new SubjectSimulator(options.values, nEta, nEps, points.length + 1, scale);
  }

  /** The target metric at amount `a` for η (NaN when the model gives no valid prediction). */
  metric(a: number, eta: Float64Array): number {
    let entry = this.cache.get(a);
    if (entry === undefined) {
      const built = planDataset(this.history, this.plan.withAmount(a), this.options.doseTargets, this.points);
      const subject = this.options.bind(built.dataset).subjects[0]!;
      const pointObs = new Int32Array(this.points.length).fill(-1);
      for (let j = 0; j < subject.nObs; j++) {
        const p = built.recordPoint[subject.obsRecords[j]!]!;
        if (p >= 0) pointObs[p] = j;
      }
      if (pointObs.indexOf(-1) >= 0) throw new PopkitError('dose: the model does not predict the planned times (its observation rules select none of them)');
      entry = { subject, pointObs };
      if (this.cache.size > 256) this.cache.clear();
      this.cache.set(a, entry);
    }
    if (!entry.subject.evaluate(this.options.values.theta, eta, this.sim.f, this.sim.h)) return NaN;
    for (let g = 0; g < this.points.length; g++) this.conc[g] = this.sim.ipred(entry.pointObs[g]!);
    exposureMetricsInto(this.metrics, 0, this.times, this.conc, 0, this.points.length - 1);
    return this.metrics[METRIC[this.options.target.metric]]!;
  }
}

/**
 * The option for interval `tau`: with the course the user gave (options.doses or the form's
 * count), or else the shortest doubling of one week's course at steady state (see
 * STEADY_STATE_CHANGE).
 */
function steadyOptionFor(
  history: PatientHistory, options: DoseOptions, tau: number, posterior: EtaPosterior, draws: Float64Array, K: number, q: number, nEps: number,
  scale: ObservationScale,
): DoseOption {
  if (!(tau > 0)) throw new PopkitError(`dose: a dosing interval must be positive (got ${tau})`);
  const block = options.form.blocks[0]!;
  const given = options.doses ?? (block.count > 1 ? block.count : undefined);
  if (given !== undefined) return optionFor(history, options, tau, given, posterior, draws, K, q, nEps, scale);
  const most = Math.max(1, Math.ceil(MAX_COURSE_HOURS / tau - 1e-9));
  let count = Math.min(most, Math.max(1, Math.ceil(168 / tau - 1e-9)));
  for (;;) {
    const option = optionFor(history, options, tau, count, posterior, draws, K, q, nEps, scale);
    if (count >= most) return { ...option, steadyState: false };
    const longer = Math.min(most, 2 * count);
    const check = optionFor(history, options, tau, longer, posterior, draws, K, q, nEps, scale, option.amount);
    if (Math.abs(check.predicted - option.predicted) <= STEADY_STATE_CHANGE * Math.abs(check.predicted)) return option;
    count = longer;
  }
}

/**
 * The option for interval `tau` and a course of `count` doses; with `atAmount`, only the MAP
 * prediction at that amount (no search, no draws: percentiles and probability NaN).
 */
function optionFor(
  history: PatientHistory, options: DoseOptions, tau: number, count: number, posterior: EtaPosterior, draws: Float64Array, K: number,
  q: number, nEps: number, scale: ObservationScale, atAmount?: number,
): DoseOption {
  const template = options.form;
  const start = options.start ?? history.lastDoseTime + (history.interval ?? tau);
  const block = template.blocks[0]!;
  const plan = new Regimen([{ ...block, start: 0, interval: count > 1 ? tau : 0, count }]).shift(start);
  const times = doseTimes(plan);
  const lastPlanned = times[times.length - 1]!;
  const end = lastPlanned + tau;
  const { target } = options;
  const windowLength = target.aucHours ?? tau;
  if (windowLength > end - plan.blocks[0]!.start + 1e-9) {
    throw new PopkitError(`dose: the plan (${end - plan.blocks[0]!.start} h) is shorter than the ${windowLength} h AUC window; give more doses (x<n>)`);
  }
  const window: MetricsWindow = { start: end - windowLength, end };
  const allDoseTimes = [...history.doseTimes, ...times];
  const infusionEnds = plan.blocks.flatMap((b) => (b.duration > 0 ? Array.from({ length: b.count }, (_, k) => b.start + k * b.interval + b.duration) : []));
  const grid = windowGrid(window, allDoseTimes, infusionEnds);
  const points: PredictionPoint[] = grid.times.map((t, i) => ({ time: t, afterDose: grid.phases[i] === 1 }));
  const evaluator = new PlanEvaluator(history, options, plan, points, scale, q, nEps);

  const atMap = (a: number): number => evaluator.metric(a, posterior.eta);
  const eta = new Float64Array(q);
  const drawMetrics = (a: number): Float64Array => {
    const out = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      for (let m = 0; m < q; m++) eta[m] = draws[k * q + m]!;
      out[k] = evaluator.metric(a, eta);
    }
    return out;
  };
  const probability = (values: Float64Array): { p: number; failed: number } => {
    let hit = 0, valid = 0;
    for (const v of values) { if (Number.isNaN(v)) continue; valid++; if (meetsTarget(target, v)) hit++; }
    return { p: valid > 0 ? hit / valid : NaN, failed: K - valid };
  };

  if (atAmount !== undefined) {
    return {
      interval: tau, amount: atAmount, regimen: plan.withAmount(atAmount), window, predicted: atMap(atAmount),
      percentiles: [NaN, NaN, NaN], probability: NaN, failedDraws: 0, steadyState: true,
    };
  }
  const a0 = history.lastDose.amt > 0 ? history.lastDose.amt : 1;
  let amount: number;
  const twoSided = Number.isFinite(target.lower) && Number.isFinite(target.upper);
  if (twoSided || (!Number.isFinite(target.lower) && !Number.isFinite(target.upper))) {
    const goal = target.lower > 0 ? Math.sqrt(target.lower * target.upper) : (target.lower + target.upper) / 2;
    amount = solveIncreasing((a) => atMap(a) - goal, a0, `the MAP prediction reach ${goal}`);
  } else {
    const confidence = options.confidence ?? 0.9;
    const lowerOnly = Number.isFinite(target.lower);
    // PTA grows with dose for a lower bound and falls for an upper bound.
    amount = solveIncreasing((a) => (lowerOnly ? 1 : -1) * (probability(drawMetrics(a)).p - confidence), a0,
      `a ${Math.round(confidence * 100)}% probability of attaining '${target.text}'`, lowerOnly ? 'smallest' : 'largest');
  }
  if (options.roundTo !== undefined) {
    if (!(options.roundTo > 0)) throw new PopkitError(`dose: the rounding step must be positive (got ${options.roundTo})`);
    amount = Math.max(options.roundTo, Math.round(amount / options.roundTo) * options.roundTo);
  }
  const values = drawMetrics(amount);
  const { p, failed } = probability(values);
  const sorted = values.filter((v) => !Number.isNaN(v)).sort();
  return {
    interval: tau, amount, regimen: plan.withAmount(amount), window, predicted: atMap(amount),
    percentiles: [quantileSorted(sorted, 0.05), quantileSorted(sorted, 0.5), quantileSorted(sorted, 0.95)],
    probability: p, failedDraws: failed, steadyState: true,
  };
}

/**
 * The point where a non-decreasing function g on (0, ∞) crosses 0, by bisection on log a to a
 * relative precision of 1e-7, bracketed from `a0` by factors of 4. 'root': the midpoint of
 * the final bracket; 'smallest': its upper end (g ≥ 0 there); 'largest': its lower end
 * (g < 0 there) — the feasible ends for step functions such as probabilities of attainment.
 */
function solveIncreasing(g: (a: number) => number, a0: number, what: string, side: 'smallest' | 'largest' | 'root' = 'root'): number {
  let lo = a0, hi = a0;
  let glo = g(lo), ghi = glo;
  const fail = (): never => { throw new PopkitError(`dose: no dose between ${formatAmount(lo)} and ${formatAmount(hi)} makes ${what}`); };
  for (let k = 0; k < 40 && !(glo < 0); k++) { hi = lo; ghi = glo; lo /= 4; glo = g(lo); }
  for (let k = 0; k < 40 && !(ghi >= 0); k++) { lo = hi; glo = ghi; hi *= 4; ghi = g(hi); }
  if (!(glo < 0) || !(ghi >= 0)) fail();
  for (let k = 0; k < 100 && hi / lo > 1 + 1e-7; k++) {
    const mid = Math.sqrt(lo * hi);
    const gm = g(mid);
    if (Number.isNaN(gm)) fail();
    if (gm < 0) lo = mid; else hi = mid;
  }
  // 'smallest': g(hi) ≥ 0 is feasible (lower-bound target). 'largest' (g = −(p − c)): lo has p > c.
  if (side === 'largest') return lo;
  if (side === 'smallest') return hi;
  return Math.sqrt(lo * hi);
}

function formatAmount(a: number): string {
  return String(Number(a.toPrecision(4)));
}
