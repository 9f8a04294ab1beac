/**
 * Helpers for the pk tests: datasets from text, predictions per subject, and an independent
 * reference propagator (matrix exponential by Taylor series with scaling and squaring).
 */
import { parseDataset } from '../src/data/dataset.js';
import type { Dataset } from '../src/data/types.js';
import { buildAllEvents } from '../src/events/build.js';
import type { SubjectEvents } from '../src/events/types.js';
import { constantParameters, pkParameterRow, type DoseParameterValues } from '../src/pk/parameters.js';
import { predictSubject } from '../src/pk/predict.js';
import type { CompartmentSystem, PkParameters } from '../src/pk/types.js';

/** A dataset from CSV lines (header first). */
export function dataset(...lines: string[]): Dataset {
  return parseDataset(lines.join('\n') + '\n', 'test.csv');
}

/** Data lines sorted by their TIME (second field), stably (a file's order at equal times). */
export function byTime(lines: readonly string[]): string[] {
  return lines.map((l, i) => ({ l, i, t: Number(l.split(',')[1]) }))
    .sort((a, b) => a.t - b.t || a.i - b.i).map((x) => x.l);
}

/** Amounts at every observation of the first subject: rows of nCmt amounts. */
export function predictRows(
  system: CompartmentSystem, ds: Dataset, params: PkParameters | readonly number[], dose: DoseParameterValues = {},
): { times: number[]; amounts: number[][]; events: SubjectEvents } {
  const n = system.compartments.length;
  const events = buildAllEvents(ds, system)[0]!;
  const p = Array.isArray(params) ? constantParameters(pkParameterRow(n, params as readonly number[], dose)) : params as PkParameters;
  const out = new Float64Array(events.observationIndices.length * n);
  predictSubject(system, events, p, out);
  const times: number[] = [];
  const amounts: number[][] = [];
  for (let j = 0; j < events.observationIndices.length; j++) {
    times.push(events.events[events.observationIndices[j]!]!.time);
    amounts.push(Array.from(out.subarray(j * n, (j + 1) * n)));
  }
  return { times, amounts, events };
}

/** Relative difference scaled by `scale` (or |b| when larger). */
export function relDiff(a: number, b: number, scale = 0): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), scale, 1e-300);
}

/** exp(M) for a small dense matrix (row-major n×n), Taylor series with scaling and squaring. */
export function expm(m: number[][]): number[][] {
  const n = m.length;
  let norm = 0;
  for (const row of m) norm = Math.max(norm, row.reduce((s, x) => s + Math.abs(x), 0));
  let s = 0;
  while (norm / 2 ** s > 0.25) s++;
  const a = m.map((row) => row.map((x) => x / 2 ** s));
  const mul = (x: number[][], y: number[][]): number[][] =>
    x.map((row, i) => y[0]!.map((_, j) => row.reduce((acc, v, k) => acc + v * y[k]![j]!, 0 * i)));
  let result: number[][] = a.map((row, i) => row.map((_, j) => (i === j ? 1 : 0)));
  let term = result.map((row) => row.slice());
  for (let k = 1; k <= 30; k++) {
    term = mul(term, a).map((row) => row.map((x) => x / k));
    result = result.map((row, i) => row.map((x, j) => x + term[i]![j]!));
  }
  for (let i = 0; i < s; i++) result = mul(result, result);
  return result;
}

/**
 * Rate matrix K (dx/dt = K x + r) of a mammillary model with optional depot, in the
 * compartment order of closedFormSystem, from its parameter vector.
 */
export function rateMatrix(nDisposition: 1 | 2 | 3, oral: boolean, p: readonly number[]): number[][] {
  const off = oral ? 1 : 0;
  const size = nDisposition + off;
  const k = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  const cl = p[0]!, v1 = p[1]!;
  k[off]![off] = -cl / v1;
  for (let j = 0; j < nDisposition - 1; j++) {
    const q = p[2 + 2 * j]!, vj = p[3 + 2 * j]!;
    const c = off, pj = off + 1 + j;
    k[c]![c] -= q / v1;
    k[pj]![c] += q / v1;
    k[c]![pj] += q / vj;
    k[pj]![pj] -= q / vj;
  }
  if (oral) {
    const ka = p[p.length - 1]!;
    k[0]![0] = -ka;
    k[1]![0] = ka;
  }
  return k;
}

/** Reference propagation x(dt) = e^{K dt} x0 + ∫₀^dt e^{K s} ds · r via the augmented matrix. */
export function referenceAdvance(k: number[][], x0: readonly number[], rates: readonly number[], dt: number): number[] {
  const n = k.length;
  const m = Array.from({ length: n + 1 }, (_, i) =>
    Array.from({ length: n + 1 }, (_, j) => (i < n ? (j < n ? k[i]![j]! * dt : rates[i]! * dt) : 0)));
  const e = expm(m);
  return Array.from({ length: n }, (_, i) => {
    let s = e[i]![n]!;
    for (let j = 0; j < n; j++) s += e[i]![j]! * x0[j]!;
    return s;
  });
}
