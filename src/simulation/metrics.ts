/**
 * Exposure metrics of one concentration–time profile over a window [start, end] (h):
 * Cmax, Tmax, Cmin, Ctrough (at the end of the window), AUC over the window, AUC to infinity,
 * the terminal slope λz, and the time (and fraction of the window) above a threshold.
 *
 * The profile is the model's prediction without residual error (IPRED) on a dense grid. Where
 * a dose falls inside the window the grid holds two points at that time, just before and just
 * after the dose, so that a bolus jump is not integrated across.
 *
 * AUC: the linear-up/log-down trapezoidal rule — linear where the concentration rises or stays
 * level (or a value is ≤ 0), logarithmic where it falls: Δt (c₁ − c₂) / ln(c₁/c₂). Its error for
 * a sum of exponentials is O(Δt²) on rising parts and exact on mono-exponential declines;
 * with the default grid (192 steps per window, see design.ts) it is below 0.05% for a 1-cmt
 * oral profile with KA = 1.5/h over a 24 h window (test/simulation/metrics.test.ts); faster
 * absorption needs more steps (MetricsWindow.steps).
 * AUC to infinity = AUC(start → end) + C(end)/λz, with λz the slope of a least-squares line
 * through ln C at the last `terminalPoints` grid points of the window (default 3) — meaningful
 * only when the window ends in the log-linear terminal phase (e.g. a single dose followed
 * long enough). When λz ≤ 0 or cannot be estimated, λz and AUC∞ are NaN, which the writers
 * print as NA ("not estimable").
 * Time above threshold: linear interpolation of the crossing times between grid points.
 */

/** Metric names, in the order of the values written by exposureMetricsInto. */
export const METRIC_NAMES = ['CMAX', 'TMAX', 'CMIN', 'CTROUGH', 'AUC', 'AUCINF', 'LAMBDAZ', 'TABOVE', 'FTABOVE'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** Index of each metric in a row of values. */
export const METRIC = Object.freeze(Object.fromEntries(METRIC_NAMES.map((n, i) => [n, i]))) as Readonly<Record<MetricName, number>>;

export interface MetricOptions {
  /** Concentration threshold for TABOVE/FTABOVE (same unit as the profile); default Infinity (time above = 0). */
  readonly threshold?: number;
  /** Grid points used for λz (≥ 2; default 3). */
  readonly terminalPoints?: number;
}

/**
 * AUC of (t, c) between indices from..to (inclusive) by the linear-up/log-down rule.
 * Times must be non-decreasing; zero-width steps (pre/post-dose pairs) add nothing.
 * Example: t = [0, 1], c = [2, 1] gives 1/ln 2 = 1.4427 (exact for an exponential decline).
 */
export function aucLinearUpLogDown(t: ArrayLike<number>, c: ArrayLike<number>, from = 0, to = t.length - 1): number {
  let s = 0;
  for (let k = from; k < to; k++) {
    const dt = t[k + 1]! - t[k]!;
    if (dt <= 0) continue;
    const c1 = c[k]!, c2 = c[k + 1]!;
    if (c2 < c1 && c2 > 0) s += (dt * (c1 - c2)) / Math.log(c1 / c2);
    else s += (dt * (c1 + c2)) / 2;
  }
  return s;
}

/**
 * Time (h) during which the piecewise-linear profile (t, c) is strictly above `threshold`
 * between indices from..to.
 * Example: t = [0, 2], c = [0, 4], threshold 2 → 1.
 */
export function timeAbove(t: ArrayLike<number>, c: ArrayLike<number>, threshold: number, from = 0, to = t.length - 1): number {
  let s = 0;
  for (let k = from; k < to; k++) {
    const dt = t[k + 1]! - t[k]!;
    if (dt <= 0) continue;
    const a = c[k]! - threshold, b = c[k + 1]! - threshold;
    if (a > 0 && b > 0) s += dt;
    else if (a > 0 || b > 0) s += (dt * Math.max(a, b)) / Math.abs(a - b);
  }
  return s;
}

/**
 * Terminal slope λz (1/h): minus the least-squares slope of ln c against t over the last
 * `points` indices ending at `to` with c > 0 (distinct times). NaN when fewer than 2 such
 * points or the slope is not negative.
 */
export function terminalSlope(t: ArrayLike<number>, c: ArrayLike<number>, points: number, from: number, to: number): number {
  let n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  let lastT = NaN;
  for (let k = to; k >= from && n < points; k--) {
    if (!(c[k]! > 0) || t[k] === lastT) continue;
    lastT = t[k]!;
    const x = t[k]!, y = Math.log(c[k]!);
    n++; sx += x; sy += y; sxx += x * x; sxy += x * y;
  }
  if (n < 2) return NaN;
  const den = n * sxx - sx * sx;
  if (!(den > 0)) return NaN;
  const slope = (n * sxy - sx * sy) / den;
  return slope < 0 ? -slope : NaN;
}

/**
 * Exposure metrics of the profile (t, c) over indices from..to (the window's grid points, t
 * non-decreasing), written into out[offset .. offset + METRIC_NAMES.length) in METRIC_NAMES
 * order. TMAX is the first time of the maximum; CTROUGH is the last point (the window's end,
 * before any dose there); FTABOVE is TABOVE divided by the window length.
 */
export function exposureMetricsInto(
  out: Float64Array, offset: number, t: ArrayLike<number>, c: ArrayLike<number>, from: number, to: number,
  options: MetricOptions = {},
): void {
  let cmax = -Infinity, tmax = NaN, cmin = Infinity;
  for (let k = from; k <= to; k++) {
    const v = c[k]!;
    if (v > cmax) { cmax = v; tmax = t[k]!; }
    if (v < cmin) cmin = v;
  }
  const auc = aucLinearUpLogDown(t, c, from, to);
  const lambda = terminalSlope(t, c, Math.max(2, options.terminalPoints ?? 3), from, to);
  const threshold = options.threshold ?? Infinity;
  const above = Number.isFinite(threshold) ? timeAbove(t, c, threshold, from, to) : 0;
  const length = t[to]! - t[from]!;
  out[offset + METRIC.CMAX] = cmax;
  out[offset + METRIC.TMAX] = tmax;
  out[offset + METRIC.CMIN] = cmin;
  out[offset + METRIC.CTROUGH] = c[to]!;
  out[offset + METRIC.AUC] = auc;
  out[offset + METRIC.LAMBDAZ] = lambda;
  out[offset + METRIC.AUCINF] = Number.isNaN(lambda) ? NaN : auc + c[to]! / lambda;
  out[offset + METRIC.TABOVE] = above;
  out[offset + METRIC.FTABOVE] = length > 0 ? above / length : 0;
}
