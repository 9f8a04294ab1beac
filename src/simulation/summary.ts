/**
 * Population summaries of simulated exposure, and targets with their probability of target
 * attainment (PTA).
 *
 * Percentiles: R's default (type 7): for sorted x₁..xₙ and probability p, h = (n − 1)p + 1,
 * Q(p) = x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋₊₁ − x⌊h⌋) (Hyndman & Fan 1996, Am Stat 50:361, definition 7).
 *
 * Target text (the `--target` option):
 *   target := metric op value | metric lower "-" upper
 *   metric := cmax | peak | cmin | trough | auc | aucN (AUC over an N-hour window) | aucinf
 *           | tmax | tabove | ftabove
 *   op := ">=" | ">" | "<=" | "<"
 * e.g. "trough 10-15", "auc24 400-600", "cmax < 30", "ftabove >= 50%". A range includes its ends.
 */
import { PopkitError } from '../errors.js';
import { METRIC, type MetricName } from './metrics.js';
import { tokenize, TokenCursor } from './spec-text.js';

/**
 * The p-quantile (0 ≤ p ≤ 1) of sorted finite values by Hyndman & Fan's definition 7; NaN
 * for an empty array. `sorted` must be ascending.
 * Example: `quantileSorted(Float64Array.of(1, 2, 3, 4), 0.5)` is 2.5.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Summary of one quantity across subjects. */
export interface QuantitySummary {
  readonly name: string;
  /** Subjects with a finite value (the others are "not estimable"). */
  readonly n: number;
  readonly notEstimable: number;
  readonly mean: number;
  readonly sd: number;
  /** Geometric mean when every value is > 0, else NaN. */
  readonly geometricMean: number;
  /** Percentiles at `probabilities` (type 7). */
  readonly probabilities: readonly number[];
  readonly percentiles: readonly number[];
}

/** Default percentiles of a summary: 5, 25, 50, 75, 95. */
export const SUMMARY_PROBABILITIES: readonly number[] = [0.05, 0.25, 0.5, 0.75, 0.95];

/**
 * Summary (mean, SD with n − 1, geometric mean, percentiles) of the finite values in
 * `values[offset + k·stride]`, k = 0..count−1.
 */
export function summarize(
  name: string, values: Float64Array, count: number, stride = 1, offset = 0,
  probabilities: readonly number[] = SUMMARY_PROBABILITIES,
): QuantitySummary {
  const finite: number[] = [];
  for (let k = 0; k < count; k++) {
    const v = values[offset + k * stride]!;
    if (Number.isFinite(v)) finite.push(v);
  }
  const n = finite.length;
  const sorted = Float64Array.from(finite).sort();
  let mean = 0;
  for (const v of finite) mean += v;
  mean = n > 0 ? mean / n : NaN;
  let ss = 0;
  for (const v of finite) ss += (v - mean) * (v - mean);
  let logSum = 0;
  let positive = n > 0;
  for (const v of finite) {
    if (v > 0) logSum += Math.log(v);
    else positive = false;
  }
  return {
    name, n, notEstimable: count - n, mean,
    sd: n > 1 ? Math.sqrt(ss / (n - 1)) : NaN,
    geometricMean: positive ? Math.exp(logSum / n) : NaN,
    probabilities: [...probabilities],
    percentiles: probabilities.map((p) => quantileSorted(sorted, p)),
  };
}

/** An exposure target: the metric must lie in [lower, upper] (ends open when `strict`). */
export interface Target {
  /** The text as written. */
  readonly text: string;
  readonly metric: MetricName;
  readonly lower: number;
  readonly upper: number;
  readonly lowerStrict: boolean;
  readonly upperStrict: boolean;
  /** For aucN: the window length N (h) the AUC is taken over. */
  readonly aucHours?: number;
}

const METRIC_WORDS: Readonly<Record<string, MetricName>> = {
  cmax: 'CMAX', peak: 'CMAX', cmin: 'CMIN', trough: 'CTROUGH', ctrough: 'CTROUGH', auc: 'AUC', aucinf: 'AUCINF',
  tmax: 'TMAX', tabove: 'TABOVE', ftabove: 'FTABOVE', lambdaz: 'LAMBDAZ',
};

/**
 * Parse a target text (grammar in the module comment). Throws SpecError pointing at the word.
 * Example: `parseTarget('auc24 400-600')` → { metric: 'AUC', lower: 400, upper: 600, aucHours: 24, ... }.
 */
export function parseTarget(text: string): Target {
  const c = new TokenCursor(tokenize(text, 'target', { splitCounts: false, punctuation: '-<>=%' }), text, 'target');
  const m = c.next();
  if (m === undefined) throw c.error('the target is empty; write e.g. "trough 10-15" or "auc24 400-600"');
  let metric = METRIC_WORDS[m.lower];
  let aucHours: number | undefined;
  const aucN = /^auc(\d+(?:\.\d+)?)$/.exec(m.lower);
  if (aucN) { metric = 'AUC'; aucHours = Number(aucN[1]); }
  if (metric === undefined) {
    throw c.error(`unknown exposure metric '${m.text}'; use trough, peak, cmax, cmin, auc, aucN (e.g. auc24), aucinf, tmax, tabove or ftabove`, m);
  }
  const percentOk = metric === 'FTABOVE';
  const value = (): number => {
    const n = c.number('a number');
    const pct = c.accept('%');
    if (pct && !percentOk) throw c.error('only ftabove (a fraction of the window) may be written in %', pct);
    return pct ? n.value / 100 : n.value;
  };
  const op = c.peek();
  let lower = -Infinity, upper = Infinity, lowerStrict = false, upperStrict = false;
  if (op !== undefined && (op.text === '<' || op.text === '>')) {
    c.next();
    const eq = c.peek()?.text === '=' && c.peek()!.start === op.end ? c.next() : undefined;
    const v = value();
    if (op.text === '>') { lower = v; lowerStrict = !eq; } else { upper = v; upperStrict = !eq; }
  } else if (op !== undefined && op.kind === 'number') {
    lower = value();
    const dash = c.next();
    if (dash?.text !== '-') throw c.error('expected a range lower-upper (e.g. 10-15) or a comparison (>= 10)', dash);
    upper = value();
    if (!(upper >= lower)) throw c.error(`the range ends (${upper}) below its start (${lower})`, c.tokens[c.pos - 1]);
  } else {
    throw c.error('expected a range (e.g. 10-15) or a comparison (>= 10, < 30)', op);
  }
  if (!c.done) throw c.error(`unexpected '${c.peek()!.text}' after the target`);
  return { text, metric, lower, upper, lowerStrict, upperStrict, ...(aucHours !== undefined ? { aucHours } : {}) };
}

/** True when `value` meets the target (NaN never does). */
export function meetsTarget(target: Target, value: number): boolean {
  if (Number.isNaN(value)) return false;
  const okLow = target.lowerStrict ? value > target.lower : value >= target.lower;
  const okHigh = target.upperStrict ? value < target.upper : value <= target.upper;
  return okLow && okHigh;
}

/** Probability of target attainment over subjects. */
export interface TargetAttainment {
  readonly target: Target;
  /** Subjects meeting the target. */
  readonly attained: number;
  /** Subjects whose metric could be evaluated. */
  readonly evaluable: number;
  /** attained / evaluable (NaN when none is evaluable). */
  readonly probability: number;
}

/**
 * PTA of `target` over a metrics table (n rows of `width` values, METRIC order) — subjects
 * whose metric is not estimable are left out of both counts.
 * Example: troughs [8, 12, 14, 16] with "trough 10-15" give 2/4 = 0.5.
 */
export function targetAttainment(target: Target, metrics: Float64Array, n: number, width: number): TargetAttainment {
  const j = METRIC[target.metric];
  let attained = 0, evaluable = 0;
  for (let i = 0; i < n; i++) {
    const v = metrics[i * width + j]!;
    if (Number.isNaN(v)) continue;
    evaluable++;
    if (meetsTarget(target, v)) attained++;
  }
  return { target, attained, evaluable, probability: evaluable > 0 ? attained / evaluable : NaN };
}

/** Throws PopkitError when an aucN target does not match a window of `windowHours`. */
export function checkTargetWindow(target: Target, windowHours: number): void {
  if (target.aucHours !== undefined && Math.abs(target.aucHours - windowHours) > 1e-9 * Math.max(1, windowHours)) {
    throw new PopkitError(`target '${target.text}': the AUC is over ${target.aucHours} h but the metrics window is ${windowHours} h long; `
      + `choose a ${target.aucHours} h window (--window) or write the target as auc`);
  }
}
