/**
 * Sampling times for simulations: the text form of the `--times` option and default grids.
 *
 *   times := item { "," item }
 *   item  := <time> | <time> ("-" | "to") <time> "by" <time>
 *   <time> := <number> [h | min | d | w]   (hours when no unit is given)
 *
 * Example: "0, 0.5, 1-24 by 1, 312-336 by 0.5" gives 0, 0.5, 1, 2, ..., 24, 312, 312.5, ..., 336.
 * The result is sorted with duplicates removed. A range includes both ends when its length is
 * a whole number of steps (to 1e-9 relative), else it stops at the last step below the end.
 */
import { tokenize, TokenCursor } from './spec-text.js';

/** Largest number of sampling times a specification may produce. */
export const MAX_TIMES = 1_000_000;

/**
 * Parse a times specification (grammar in the module comment) into sorted, distinct times in
 * hours. Throws SpecError pointing at the offending word.
 * Example: `parseTimes('0-2 by 0.5, 4')` → [0, 0.5, 1, 1.5, 2, 4].
 */
export function parseTimes(text: string): Float64Array {
  const c = new TokenCursor(tokenize(text, 'times', { splitCounts: false }), text, 'times');
  if (c.done) throw c.error('no times given; write e.g. "0-24 by 1"');
  const out: number[] = [];
  for (;;) {
    const a = c.duration('a time (e.g. 0, 12 h, 2 d)');
    if (!(a.hours >= 0)) throw c.errorSpan('a sampling time must be ≥ 0', a.first, a.last);
    const dash = c.peek();
    if (dash !== undefined && (dash.text === '-' || dash.lower === 'to')) {
      c.next();
      const b = c.duration('the end of the range (e.g. 0-24 by 1)');
      if (!(b.hours >= a.hours)) throw c.errorSpan(`the range ends (${b.hours} h) before it starts (${a.hours} h)`, a.first, b.last);
      const by = c.accept('by');
      if (!by) throw c.error('a range needs a step: add e.g. \'by 0.5\'', c.peek());
      const s = c.duration('a step (e.g. by 0.5)');
      if (!(s.hours > 0)) throw c.errorSpan('the step must be positive', s.first, s.last);
      const steps = (b.hours - a.hours) / s.hours;
      const whole = Math.abs(steps - Math.round(steps)) <= 1e-9 * Math.max(1, steps);
      const n = whole ? Math.round(steps) : Math.floor(steps);
      if (out.length + n + 1 > MAX_TIMES) throw c.errorSpan(`too many times (more than ${MAX_TIMES})`, a.first, s.last);
      for (let k = 0; k <= n; k++) out.push(k === n && whole ? b.hours : a.hours + k * s.hours);
    } else {
      out.push(a.hours);
    }
    if (c.done) break;
    const sep = c.next()!;
    if (sep.text !== ',' && sep.text !== ';') throw c.error(`unexpected '${sep.text}'; separate times with commas`, sep);
  }
  return sortedDistinct(out);
}

/** Sorted copy of `values` without exact duplicates. */
export function sortedDistinct(values: ArrayLike<number>): Float64Array {
  const sorted = Float64Array.from(values).sort();
  let m = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[m - 1]) sorted[m++] = sorted[i]!;
  return sorted.slice(0, m);
}

/**
 * An evenly spaced grid from `start` to `end` (h) with `points` ≥ 2 points, both ends included.
 * Example: `uniformGrid(0, 12, 5)` → [0, 3, 6, 9, 12].
 */
export function uniformGrid(start: number, end: number, points: number): Float64Array {
  if (!(points >= 2) || !(end > start)) return Float64Array.of(start);
  const out = new Float64Array(points);
  const h = (end - start) / (points - 1);
  for (let k = 0; k < points; k++) out[k] = start + k * h;
  out[points - 1] = end;
  return out;
}

const NICE_STEPS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 6, 12, 24, 48, 168];

/**
 * Default sampling times from 0 to `end` (h): the smallest step among 0.05, 0.1, 0.25, 0.5, 1,
 * 2, 4, 6, 12, 24, 48, 168 h that gives at most `maxPoints` times (default 400).
 * Example: `defaultTimes(24)` is 0, 0.1, ..., 24 (241 times).
 */
export function defaultTimes(end: number, maxPoints = 400): Float64Array {
  const step = NICE_STEPS.find((s) => end / s + 1 <= maxPoints) ?? NICE_STEPS[NICE_STEPS.length - 1]!;
  const n = Math.floor(end / step + 1e-9);
  const out: number[] = [];
  for (let k = 0; k <= n; k++) out.push(Number((k * step).toPrecision(12)));
  if (out[out.length - 1]! < end) out.push(end);
  return Float64Array.from(out);
}
