/**
 * Visual predictive checks: simulate the observed dataset's design N times (the same doses,
 * sampling times and covariates: the model bound to the observed data), and compare, bin by
 * bin of time, the 5th, 50th and 95th percentiles of the observations with the distribution of
 * the same percentiles over the simulated replicates (their median and prediction interval).
 *
 * Bins: fixed edges, or `count` bins at quantiles of time: nearly equal numbers of
 * observations per bin, never splitting the observations at one time. A bin holds times in
 * [lower edge, upper edge), the last one includes its upper edge.
 *
 * Prediction correction (pcVPC; Bergstrand, Hooker, Wallin & Karlsson 2011, AAPS J 13:143,
 * with the lower bound 0): every observed and simulated value is multiplied by
 * PRED_bin / PRED_ij, where PRED_ij = f(θ, η = 0) of that observation and PRED_bin the median
 * PRED of its bin (stratum by stratum). For a model of log DV this is the additive correction
 * on the log scale, log Y + log PRED_bin − log PRED_ij.
 *
 * Stratification: by the value of a covariate on each observation's record (each distinct
 * value is a stratum, at most 12).
 */
import type { Dataset } from '../data/types.js';
import { PopkitError } from '../errors.js';
import type { BoundModel } from '../subject/bound.js';
import { randomStream, STREAMS } from '../stats/random.js';
import { SubjectSimulator, type ObservationScale, type PopulationParameters } from './subject-simulator.js';
import { quantileSorted } from './summary.js';

/** How to bin time: `count` bins by observation count, or explicit edges (h). */
export type VpcBinning = { readonly kind: 'count'; readonly count: number } | { readonly kind: 'edges'; readonly edges: readonly number[] };

export interface VpcOptions {
  /** Number of simulated replicates of the dataset (default 500). */
  readonly replicates?: number;
  readonly seed: number;
  /** Default: 8 bins by count (fewer when there are fewer distinct times). */
  readonly binning?: VpcBinning;
  /** The three percentiles compared (default 0.05, 0.5, 0.95). */
  readonly probabilities?: readonly [number, number, number];
  /** Coverage of the prediction intervals of the simulated percentiles (default 0.9). */
  readonly interval?: number;
  readonly predictionCorrected?: boolean;
  /** Covariate whose values split the data into strata. */
  readonly stratify?: string;
  readonly observationScale?: ObservationScale;
  readonly onProgress?: (done: number, total: number) => void;
}

/** One bin of one stratum. */
export interface VpcBin {
  readonly stratum: string;
  readonly index: number;
  readonly lower: number;
  readonly upper: number;
  /** Median time of the observations in the bin (where the plot places it). */
  readonly midpoint: number;
  readonly nObs: number;
  /** Observed percentiles (length 3). */
  readonly observed: readonly number[];
  /**
   * Simulated percentiles: for each of the 3 percentiles, [lower, median, upper] of its
   * distribution over replicates (lower/upper at (1 ∓ interval)/2).
   */
  readonly simulated: readonly (readonly [number, number, number])[];
}

/** One observation as the VPC sees it. */
export interface VpcObservation {
  readonly id: string;
  readonly record: number;
  readonly time: number;
  readonly dv: number;
  readonly pred: number;
  /** DV after prediction correction (equal to dv without it). */
  readonly value: number;
  readonly stratum: string;
  readonly bin: number;
}

export interface VpcResult {
  readonly probabilities: readonly [number, number, number];
  readonly interval: number;
  readonly replicates: number;
  readonly predictionCorrected: boolean;
  readonly stratify?: string;
  readonly strata: readonly string[];
  readonly bins: readonly VpcBin[];
  readonly observations: readonly VpcObservation[];
}

const MAX_STRATA = 12;

/**
 * A VPC of `bound` (bound to the observed `dataset`) at population parameters `values`.
 * Throws PopkitError for bad options (bins, strata, replicates).
 * Example: `vpc(bindModel(model, data), data, values, { seed: 1, replicates: 500, predictionCorrected: true })`.
 */
export function vpc(bound: BoundModel, dataset: Dataset, values: PopulationParameters, options: VpcOptions): VpcResult {
  const replicates = options.replicates ?? 500;
  if (!(Number.isInteger(replicates) && replicates >= 2)) throw new PopkitError(`vpc: the number of replicates must be a whole number ≥ 2 (got ${replicates})`);
  const probs = options.probabilities ?? [0.05, 0.5, 0.95];
  const interval = options.interval ?? 0.9;
  if (!(interval > 0 && interval < 1)) throw new PopkitError(`vpc: the prediction interval must be between 0 and 1 (got ${interval})`);
  const scale = options.observationScale ?? 'linear';
  const maxObs = Math.max(1, ...bound.subjects.map((s) => s.nObs));
  const sim = new SubjectSimulator(values, bound.nEta, bound.nEps, maxObs, scale,
    { omega: bound.parameters.omega.names, sigma: bound.parameters.sigma.names });

  // Observations, their PRED and strata.
  const obs: { id: string; record: number; time: number; dv: number; pred: number; stratum: string; subject: number; j: number }[] = [];
  const zero = new Float64Array(bound.nEta);
  bound.subjects.forEach((s, i) => {
    sim.predict(s, zero, `subject ${s.id}`);
    for (let j = 0; j < s.nObs; j++) {
      const rec = dataset.records[s.obsRecords[j]!]!;
      const stratum = options.stratify !== undefined ? stratumOf(dataset, options.stratify, rec.index) : 'all';
      obs.push({ id: s.id, record: rec.index, time: rec.time, dv: scale === 'log' ? Math.exp(s.dv[j]!) : s.dv[j]!, pred: sim.ipred(j), stratum, subject: i, j });
    }
  });
  if (obs.length === 0) throw new PopkitError('vpc: the data has no observations the model predicts');
  const strata = [...new Set(obs.map((o) => o.stratum))].sort(compareStrata);
  if (strata.length > MAX_STRATA) {
    throw new PopkitError(`vpc: ${options.stratify} has ${strata.length} distinct values; stratify by a covariate with at most ${MAX_STRATA} (e.g. a categorical one)`);
  }

  // Bins per stratum, PRED_bin, and the correction factor of each observation.
  const binOf = new Int32Array(obs.length);
  const groupOf = new Int32Array(obs.length);
  const groups: { stratum: string; index: number; lower: number; upper: number; members: number[] }[] = [];
  for (const stratum of strata) {
    const members = obs.map((_, k) => k).filter((k) => obs[k]!.stratum === stratum);
    const edges = binEdges(members.map((k) => obs[k]!.time), options.binning ?? { kind: 'count', count: 8 });
    const first = groups.length;
    for (let b = 0; b + 1 < edges.length; b++) groups.push({ stratum, index: b, lower: edges[b]!, upper: edges[b + 1]!, members: [] });
    for (const k of members) {
      const t = obs[k]!.time;
      let b = edges.length - 2;
      while (b > 0 && t < edges[b]!) b--;
      if (t < edges[0]! || t > edges[edges.length - 1]!) { groupOf[k] = -1; continue; } // outside fixed edges
      binOf[k] = b;
      groupOf[k] = first + b;
      groups[first + b]!.members.push(k);
    }
  }
  const correction = new Float64Array(obs.length).fill(1);
  if (options.predictionCorrected) {
    for (const g of groups) {
      const predBin = quantileSorted(Float64Array.from(g.members, (k) => obs[k]!.pred).sort(), 0.5);
      for (const k of g.members) {
        const p = obs[k]!.pred;
        if (!(p > 0)) throw new PopkitError(`vpc: the population prediction of subject ${obs[k]!.id} at time ${obs[k]!.time} is ${p}; prediction correction needs PRED > 0`);
        correction[k] = predBin / p;
      }
    }
  }

  // Observed percentiles.
  const buffers = groups.map((g) => new Float64Array(g.members.length));
  const observedPct = groups.map((g, gi) => {
    const b = buffers[gi]!;
    g.members.forEach((k, m) => { b[m] = obs[k]!.dv * correction[k]!; });
    b.sort();
    return probs.map((p) => quantileSorted(b, p));
  });

  // Simulated percentiles per replicate: reps × groups × 3.
  const simPct = new Float64Array(replicates * groups.length * 3);
  const etaStream = randomStream(options.seed, STREAMS.eta);
  const epsStream = randomStream(options.seed, STREAMS.epsilon);
  const positionInGroup = new Int32Array(obs.length);
  groups.forEach((g) => g.members.forEach((k, m) => { positionInGroup[k] = m; }));
  const obsStart = new Int32Array(bound.subjects.length + 1);
  bound.subjects.forEach((s, i) => { obsStart[i + 1] = obsStart[i]! + s.nObs; });
  for (let r = 0; r < replicates; r++) {
    bound.subjects.forEach((s, i) => {
      const eta = sim.drawEta(etaStream);
      sim.predict(s, eta, `subject ${s.id} (replicate ${r + 1})`);
      for (let j = 0; j < s.nObs; j++) {
        const k = obsStart[i]! + j;
        const y = sim.observe(j, epsStream);
        const g = groupOf[k]!;
        if (g >= 0) buffers[g]![positionInGroup[k]!] = y * correction[k]!;
      }
    });
    groups.forEach((_, gi) => {
      const b = buffers[gi]!.sort();
      for (let q = 0; q < 3; q++) simPct[(r * groups.length + gi) * 3 + q] = quantileSorted(b, probs[q]!);
    });
    options.onProgress?.(r + 1, replicates);
  }

  const column = new Float64Array(replicates);
  const bins: VpcBin[] = groups.map((g, gi) => {
    const simulated = [0, 1, 2].map((q) => {
      for (let r = 0; r < replicates; r++) column[r] = simPct[(r * groups.length + gi) * 3 + q]!;
      const sorted = Float64Array.from(column).sort();
      return [quantileSorted(sorted, (1 - interval) / 2), quantileSorted(sorted, 0.5), quantileSorted(sorted, (1 + interval) / 2)] as [number, number, number];
    });
    const times = Float64Array.from(g.members, (k) => obs[k]!.time).sort();
    return {
      stratum: g.stratum, index: g.index, lower: g.lower, upper: g.upper,
      midpoint: times.length > 0 ? quantileSorted(times, 0.5) : (g.lower + g.upper) / 2,
      nObs: g.members.length, observed: observedPct[gi]!, simulated,
    };
  });
  return {
    probabilities: probs, interval, replicates, predictionCorrected: options.predictionCorrected ?? false,
    ...(options.stratify !== undefined ? { stratify: options.stratify } : {}),
    strata, bins,
    observations: obs.map((o, k) => ({
      id: o.id, record: o.record, time: o.time, dv: o.dv, pred: o.pred, value: o.dv * correction[k]!, stratum: o.stratum, bin: groupOf[k]! >= 0 ? binOf[k]! : -1,
    })),
  };
}

function stratumOf(dataset: Dataset, name: string, record: number): string {
  const v = dataset.covariate(name, record);
  if (v === null) {
    const rec = dataset.records[record]!;
    throw new PopkitError(`vpc: ${dataset.file}:${rec.line}: ${name} is missing; every observation needs a value to be stratified`);
  }
  return String(v);
}

function compareStrata(a: string, b: string): number {
  const x = Number(a), y = Number(b);
  return Number.isFinite(x) && Number.isFinite(y) ? x - y : a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Bin edges for `times`: the given edges (checked ascending), or `count` bins holding nearly
 * equal numbers of observations without splitting a time (edges at midpoints between
 * neighbouring distinct times; the outer edges are the smallest and largest time).
 * Example: times [1, 1, 2, 3, 3, 4] in 2 bins by count → [1, 2.5, 4].
 */
export function binEdges(times: readonly number[], binning: VpcBinning): number[] {
  if (binning.kind === 'edges') {
    const e = binning.edges;
    if (e.length < 2) throw new PopkitError('vpc: give at least two bin edges');
    for (let k = 1; k < e.length; k++) if (!(e[k]! > e[k - 1]!)) throw new PopkitError(`vpc: bin edges must increase (${e[k - 1]} then ${e[k]})`);
    return [...e];
  }
  if (!(Number.isInteger(binning.count) && binning.count >= 1)) throw new PopkitError(`vpc: the number of bins must be a whole number ≥ 1 (got ${binning.count})`);
  const sorted = [...times].sort((a, b) => a - b);
  const distinct = [...new Set(sorted)];
  const count = Math.min(binning.count, distinct.length);
  if (count <= 1) return [sorted[0]!, sorted[sorted.length - 1]! > sorted[0]! ? sorted[sorted.length - 1]! : sorted[0]! + 1];
  // Cumulative counts at each distinct time; cut where the cumulative count passes k·n/count.
  const n = sorted.length;
  const cum: number[] = [];
  let c = 0, p = 0;
  for (const t of distinct) {
    while (p < n && sorted[p] === t) { c++; p++; }
    cum.push(c);
  }
  const edges = [distinct[0]!];
  let previousCut = -1;
  let d = 0;
  for (let k = 1; k < count; k++) {
    const goal = (k * n) / count;
    d = Math.max(d, previousCut + 1);
    while (d < distinct.length - 1 && cum[d]! < goal) d++;
    // Cut after distinct time d−1 or d, whichever leaves a count closer to the goal (never twice at one place).
    let cut = d;
    if (d - 1 > previousCut && Math.abs(cum[d - 1]! - goal) <= Math.abs(cum[d]! - goal)) cut = d - 1;
    if (cut >= distinct.length - 1) break;
    edges.push((distinct[cut]! + distinct[cut + 1]!) / 2);
    previousCut = cut;
  }
  edges.push(distinct[distinct.length - 1]!);
  return edges;
}
