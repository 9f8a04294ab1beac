/**
 * Helpers for the pk tests: datasets from text, predictions per subject, and an independent
 * reference propagator (matrix exponential by Taylor series with scaling and squaring).
 */
import { parseDataset } from '../../src/data/dataset.js';
import type { Dataset } from '../../src/data/types.js';
import { buildAllEvents } from '../../src/events/build.js';
import type { SubjectEvents } from '../../src/events/types.js';
import { constantParameters, pkParameterRow, type DoseParameterValues } from '../../src/pk/parameters.js';
import { predictSubject } from '../../src/pk/predict.js';
import type { CompartmentSystem, PkParameters } from '../../src/pk/types.js';
import { uniform01 as random } from './random.js';

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

/** A closed-form system and its parameters (NONMEM TRANS2/TRANS4 order: CL, V[, Q, V2[, Q3, V3]][, KA]). */
export interface ClosedFormCase {
  readonly n: 1 | 2 | 3;
  readonly route: 'iv' | 'oral';
  readonly p: readonly number[];
}

/** One parameter set for each closed-form system (1-3 compartments, iv and oral). */
export const CLOSED_FORM_MODELS: readonly ClosedFormCase[] = [
  { n: 1, route: 'iv', p: [1.1, 20] },
  { n: 1, route: 'oral', p: [1.1, 20, 1.5] },
  { n: 2, route: 'iv', p: [5, 50, 10, 100] },
  { n: 2, route: 'oral', p: [5, 50, 10, 100, 0.8] },
  { n: 3, route: 'iv', p: [4, 30, 8, 60, 2, 200] },
  { n: 3, route: 'oral', p: [4, 30, 8, 60, 2, 200, 1.2] },
];

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

/** Columns of {@link randomRegimen}'s lines. */
export const RANDOM_REGIMEN_HEADER = 'ID,TIME,DV,AMT,EVID,CMT,RATE,SS,II,ADDL';

/** A random subject: data lines, structural parameters, F and ALAG per compartment. */
export interface Scenario {
  lines: string[];
  parameters: number[];
  F: number[];
  ALAG: number[];
  summary: string;
}

/**
 * A random subject for an nCmt-compartment model (compartment numbers as in NONMEM): boluses,
 * overlapping infusions, an optional steady-state (SS=1) start, ADDL, lag times and F.
 */
export function randomRegimen(nCmt: 1 | 2 | 3, oral: boolean, seed: number): Scenario {
  const u = random(seed);
  const logUniform = (lo: number, hi: number) => lo * (hi / lo) ** u();
  const round = (x: number) => Math.round(x * 100) / 100;
  const parameters = [logUniform(0.5, 10), logUniform(5, 100)];
  if (nCmt >= 2) parameters.push(logUniform(0.5, 20), logUniform(10, 200));
  if (nCmt === 3) parameters.push(logUniform(0.1, 5), logUniform(20, 500));
  if (oral) parameters.push(logUniform(0.2, 5));
  const nCompartments = nCmt + (oral ? 1 : 0);
  const central = oral ? 2 : 1;
  const F = Array.from({ length: nCompartments }, () => round(0.4 + 0.6 * u()));
  const ALAG = Array.from({ length: nCompartments }, () => (u() < 0.5 ? round(3 * u()) : 0));

  const records: { time: number; line: string }[] = [];
  const parts: string[] = [];
  let t = 0;
  if (u() < 0.5) {
    const ii = u() < 0.5 ? 12 : 24;
    const infusion = u() < 0.5;
    const cmt = infusion ? central : 1;
    const rate = infusion ? round(logUniform(10, 100)) : 0;
    records.push({ time: 0, line: `1,0,.,100,1,${cmt},${rate},1,${ii},${Math.floor(3 * u())}` });
    parts.push(`SS=1 ${infusion ? 'infusion' : 'bolus'} every ${ii}`);
    t = round(2 + 10 * u());
  }
  const nDoses = 2 + Math.floor(3 * u());
  for (let d = 0; d < nDoses; d++) {
    const kind = u();
    const addl = u() < 0.5 ? Math.floor(1 + 3 * u()) : 0;
    const ii = addl > 0 ? round(6 + 18 * u()) : 0;
    const amt = round(logUniform(10, 500));
    if (kind < 0.4) {
      records.push({ time: t, line: `1,${t},.,${amt},1,1,0,0,${ii},${addl}` });
      parts.push(`bolus ${amt} at ${t}`);
    } else if (kind < 0.8) {
      // Infusion long enough to overlap the next dose (and its own additional doses).
      const rate = round(amt / (4 + 20 * u()));
      records.push({ time: t, line: `1,${t},.,${amt},1,${central},${rate},0,${ii},${addl}` });
      parts.push(`infusion ${amt} at rate ${rate} from ${t}`);
    } else {
      records.push({ time: t, line: `1,${t},.,${amt},1,${central},0,0,${ii},${addl}` });
      parts.push(`central bolus ${amt} at ${t}`);
    }
    if (addl > 0) parts.push(`ADDL ${addl} every ${ii}`);
    t = round(t + 1 + 15 * u());
  }
  const end = t + 48;
  const observationTimes = Array.from({ length: 25 }, () => round(end * u()));
  for (const r of [...records]) observationTimes.push(r.time);
  for (const time of observationTimes) records.push({ time, line: `1,${time},0,.,0,.,.,.,.,.` });
  const lines = records.map((r, i) => ({ ...r, i })).sort((a, b) => a.time - b.time || a.i - b.i).map((r) => r.line);
  return { lines, parameters, F, ALAG, summary: parts.join('; ') };
}
