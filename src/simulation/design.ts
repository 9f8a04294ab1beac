/**
 * A simulation design as a dataset: the regimen's doses, the output sampling times and the
 * grid of the exposure-metrics window, for one subject per distinct covariate vector (subjects
 * that share covariates share one bound subject, so a population without covariates binds one
 * subject whatever its size).
 *
 * Record order at one time: output samples and the "before the dose" grid point first, then
 * the doses, then the "after the dose" grid point. So a sampling time equal to a dose time is
 * taken just before that dose (a trough, as a NONMEM sample record placed before its dose
 * record); the window's first grid point is taken after a dose at the window start, its last
 * point before a dose at the window end, and a dose inside the window gets both points. Every
 * dose is its own record (no ADDL), which fixes this order for every dose.
 *
 * Time unit: hours; the model's time unit must be hours. Amounts: the dataset's amount unit.
 */
import { datasetFromColumns, type ColumnValues } from '../data/build.js';
import { STANDARD_ITEMS, type Dataset } from '../data/types.js';
import { PopkitError } from '../errors.js';
import { regimenToDoses, isPerKg, type DoseTargets, type Regimen } from './regimen.js';
import { populationValue, type VirtualPopulation } from './population.js';
import { tokenize, TokenCursor } from './spec-text.js';

/** A metrics window: the interval [start, end] (h) over which exposure metrics are taken. */
export interface MetricsWindow {
  readonly start: number;
  readonly end: number;
  /** Grid steps across the window (default 192). */
  readonly steps?: number;
}

/** What to simulate for every subject. */
export interface SimulationDesign {
  readonly regimen: Regimen;
  readonly doseTargets: DoseTargets;
  /** Output sampling times (h), ascending. */
  readonly times: Float64Array;
  /** Where exposure metrics are taken; none when absent. */
  readonly window?: MetricsWindow;
  /** Covariate holding body weight (kg) for per-kg doses; default 'WT'. */
  readonly weightCovariate?: string;
}

/** Default number of grid steps across a metrics window. */
export const DEFAULT_WINDOW_STEPS = 192;

/** One observation of the timeline: an output sample or a metrics grid point. */
interface TimelineObservation {
  readonly time: number;
  /** Output index, or −1 for a grid point. */
  readonly output: number;
  /** Grid index, or −1 for an output sample. */
  readonly grid: number;
  /** 0: before doses at this time, 1: after them. */
  readonly phase: 0 | 1;
}

/** The design's timeline shared by all subjects, and the dataset of the distinct subjects. */
export interface DesignDataset {
  readonly dataset: Dataset;
  /** Times of the metrics grid points (h), in order (a dose time appears twice inside the window). */
  readonly gridTimes: Float64Array;
  /** For each dataset record: output index, or −1. */
  readonly recordOutput: Int32Array;
  /** For each dataset record: grid index, or −1. */
  readonly recordGrid: Int32Array;
}

const SNAP = 1e-9;

/**
 * The metrics grid of a window: `steps` even steps plus the dose times and infusion ends
 * inside it; at a dose time the grid has a point before the dose (except at the start) and
 * after it (except at the end). Returns times and phases (0 before, 1 after doses).
 */
export function windowGrid(window: MetricsWindow, doseTimes: readonly number[], infusionEnds: readonly number[]): { times: number[]; phases: (0 | 1)[] } {
  const { start, end } = window;
  const steps = window.steps ?? DEFAULT_WINDOW_STEPS;
  if (!(end > start)) throw new PopkitError(`metrics window: the end (${end} h) must be after the start (${start} h)`);
  if (!(Number.isInteger(steps) && steps >= 2)) throw new PopkitError(`metrics window: the number of grid steps must be a whole number ≥ 2 (got ${steps})`);
  const base: number[] = [];
  for (let k = 0; k <= steps; k++) base.push(k === steps ? end : start + ((end - start) * k) / steps);
  const special = [...doseTimes, ...infusionEnds].filter((t) => t > start - SNAP && t < end + SNAP);
  const all = [...base, ...special].sort((a, b) => a - b);
  const distinct: number[] = [];
  for (const t of all) if (distinct.length === 0 || t - distinct[distinct.length - 1]! > SNAP * Math.max(1, Math.abs(t))) distinct.push(t);
  const isDose = (t: number): number | undefined => doseTimes.find((d) => Math.abs(d - t) <= SNAP * Math.max(1, Math.abs(t)));
  const times: number[] = [];
  const phases: (0 | 1)[] = [];
  for (const t0 of distinct) {
    const d = isDose(t0);
    const t = d ?? t0;
    const atStart = Math.abs(t - start) <= SNAP * Math.max(1, Math.abs(t));
    const atEnd = Math.abs(t - end) <= SNAP * Math.max(1, Math.abs(t));
    if (d === undefined) { times.push(t); phases.push(0); continue; }
    if (!atStart) { times.push(t); phases.push(0); }
    if (!atEnd) { times.push(t); phases.push(1); }
  }
  return { times, phases };
}

/** Dose times (one per dose) and infusion end times of a regimen (rate infusions of per-kg doses excepted). */
function doseSchedule(regimen: Regimen): { times: number[]; infusionEnds: number[] } {
  const times: number[] = [];
  const infusionEnds: number[] = [];
  for (const b of regimen.blocks) {
    for (let k = 0; k < b.count; k++) {
      const t = b.start + k * b.interval;
      times.push(t);
      if (b.duration > 0) infusionEnds.push(t + b.duration);
      else if (b.rate > 0 && !b.perKg && !Number.isNaN(b.amount)) infusionEnds.push(t + b.amount / b.rate);
    }
  }
  return { times: times.sort((a, b) => a - b), infusionEnds };
}

/**
 * Key of a subject's covariate vector (subjects with equal keys share a bound subject), over
 * the columns `columns` of the population (default: all).
 */
export function covariateKey(population: VirtualPopulation, i: number, columns?: readonly number[]): string {
  let key = '';
  if (columns === undefined) for (const col of population.columns) key += `${String(col[i])}\u0001`;
  else for (const j of columns) key += `${String(population.columns[j]![i])}\u0001`;
  return key;
}

/**
 * The design dataset of the subjects `subjects` (indices into `population`, one bound
 * subject each, IDs 1..k in that order). DV is 1 on sample records (a placeholder the model
 * never sees as data). Throws PopkitError for a per-kg regimen without a weight covariate.
 */
export function buildDesignDataset(design: SimulationDesign, population: VirtualPopulation, subjects: readonly number[]): DesignDataset {
  const { regimen } = design;
  const weightName = design.weightCovariate ?? 'WT';
  const perKg = isPerKg(regimen);
  if (perKg && !population.names.includes(weightName)) {
    throw new PopkitError(`regimen: per-kg doses need the body weight covariate ${weightName} in the population (covariates: ${population.names.join(', ') || 'none'})`);
  }
  const standard = new Set<string>(STANDARD_ITEMS);
  const clash = population.names.find((nm) => standard.has(nm.toUpperCase()));
  if (clash !== undefined) throw new PopkitError(`population: ${clash} is a NONMEM data item, not a covariate; the design sets it`);
  const schedule = doseSchedule(regimen);
  const observations: TimelineObservation[] = [];
  design.times.forEach((t, j) => observations.push({ time: t, output: j, grid: -1, phase: 0 }));
  let gridTimes = new Float64Array(0);
  if (design.window !== undefined) {
    const grid = windowGrid(design.window, schedule.times, schedule.infusionEnds);
    gridTimes = Float64Array.from(grid.times);
    grid.times.forEach((t, g) => observations.push({ time: t, output: -1, grid: g, phase: grid.phases[g]! }));
  }
  // Timeline of one subject: [time, order, kind, index]; order 0 = before doses, 1 = dose, 2 = after.
  const entries: { time: number; order: number; obs?: TimelineObservation; dose?: number }[] = [];
  for (const o of observations) entries.push({ time: o.time, order: o.phase === 0 ? 0 : 2, obs: o });
  const firstDoses = regimenToDoses(regimen, design.doseTargets, perKg ? 1 : undefined);
  const doseEntries: { time: number; block: number }[] = [];
  firstDoses.forEach((d, b) => { for (let k = 0; k <= d.addl; k++) doseEntries.push({ time: d.time + k * d.ii, block: b }); });
  doseEntries.forEach((d, k) => entries.push({ time: d.time, order: 1, dose: k }));
  entries.sort((a, b) => a.time - b.time || a.order - b.order);

  const perSubject = entries.length;
  const nRows = perSubject * subjects.length;
  const col = (): Float64Array => new Float64Array(nRows);
  const ID = col(), TIME = col(), DV = col(), AMT = col(), EVID = col(), MDV = col(), CMT = col(), RATE = col(), DUR = col();
  const recordOutput = new Int32Array(nRows).fill(-1);
  const recordGrid = new Int32Array(nRows).fill(-1);
  const covColumns: (Float64Array | (string | null)[])[] = population.columns.map((c) =>
    (c instanceof Float64Array ? new Float64Array(nRows) : new Array<string | null>(nRows)));

  let r = 0;
  subjects.forEach((i, s) => {
    const weight = perKg ? Number(populationValue(population, weightName, i)) : undefined;
    const doseRecords = regimenToDoses(regimen, design.doseTargets, weight);
    for (const e of entries) {
      ID[r] = s + 1;
      TIME[r] = e.time;
      if (e.obs !== undefined) {
        DV[r] = 1;
        recordOutput[r] = e.obs.output;
        recordGrid[r] = e.obs.grid;
      } else {
        const d = doseRecords[doseEntries[e.dose!]!.block]!;
        DV[r] = NaN;
        AMT[r] = d.amt;
        EVID[r] = 1;
        MDV[r] = 1;
        CMT[r] = d.cmt;
        RATE[r] = d.rate;
        DUR[r] = d.dur;
      }
      population.columns.forEach((c, j) => { covColumns[j]![r] = c[i]!; });
      r++;
    }
  });
  const columns: ColumnValues[] = [
    { name: 'ID', values: ID }, { name: 'TIME', values: TIME }, { name: 'DV', values: DV }, { name: 'AMT', values: AMT },
    { name: 'EVID', values: EVID }, { name: 'MDV', values: MDV }, { name: 'CMT', values: CMT }, { name: 'RATE', values: RATE },
    { name: 'DUR', values: DUR },
    ...population.names.map((name, j) => ({ name, values: covColumns[j]! })),
  ];
  return { dataset: datasetFromColumns('<simulation design>', columns), gridTimes, recordOutput, recordGrid };
}

/**
 * The default metrics window of a regimen: its last dosing interval [last dose, last dose +
 * interval]; for a regimen whose last dose is a single dose, [last dose, `horizon`].
 */
export function defaultWindow(regimen: Regimen, horizon: number): MetricsWindow {
  const last = regimen.lastDoseTime;
  const end = regimen.end;
  if (end > last) return { start: last, end };
  if (!(horizon > last)) throw new PopkitError(`metrics window: the last dose is at ${last} h and nothing is sampled after it; give a window or later times`);
  return { start: last, end: horizon };
}

/**
 * The metrics window from the `--window` text: 'last' (default: the last dosing interval),
 * 'first' (the first dosing interval), 'none', or a range '<start>-<end>' in hours (units h, d,
 * min allowed: '6 d-7 d'). `horizon` (h) ends a window after a single last dose.
 */
export function parseWindow(text: string | undefined, regimen: Regimen, horizon: number): MetricsWindow | undefined {
  const t = (text ?? 'last').trim().toLowerCase();
  if (t === 'none') return undefined;
  if (t === 'last') return defaultWindow(regimen, horizon);
  if (t === 'first') {
    const first = regimen.blocks[0];
    if (first === undefined) throw new PopkitError('metrics window: the regimen has no dose');
    const end = first.interval > 0 ? first.start + first.interval
      : regimen.blocks.length > 1 ? regimen.blocks[1]!.start : horizon;
    if (!(end > first.start)) throw new PopkitError('metrics window: nothing is sampled after the first dose; give a window or later times');
    return { start: first.start, end };
  }
  const c = new TokenCursor(tokenize(text!, 'window', { splitCounts: false }), text!, 'window');
  const a = c.duration('last, first, none or a range such as 144-168');
  const dash = c.next();
  if (dash === undefined || (dash.text !== '-' && dash.lower !== 'to')) throw c.error('expected a range such as 144-168', dash);
  const b = c.duration('the end of the window');
  if (!c.done) throw c.error(`unexpected '${c.peek()!.text}'`);
  if (!(b.hours > a.hours)) throw c.errorSpan('the window must end after it starts', a.first, b.last);
  return { start: a.hours, end: b.hours };
}
