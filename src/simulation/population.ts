/**
 * Virtual populations: the covariates of simulated subjects, either resampled by subject from
 * a dataset (each subject's whole covariate vector kept together, so correlations between
 * covariates are preserved) or drawn from distributions, one covariate independently of the
 * others. Every draw comes from a seeded stream (random.ts): same seed, same population.
 *
 * Distributions (parameters in the covariate's unit):
 *  - normal(mean, sd)
 *  - lognormal(median, sdlog): log X ~ N(log median, sdlog²), so sdlog 0.2 is about 20% CV
 *  - uniform(lower, upper)
 *  - any of the above followed by trunc(lower, upper): the distribution conditioned on
 *    lower ≤ X ≤ upper, drawn by rejection (refused when it keeps less than 0.1% of the mass)
 *  - categorical: values with frequencies (EM 0.6, IM 0.3, PM 0.1), summing to 1 (or to 100
 *    when written as percentages)
 *  - a constant value.
 * The text form is parsed by parsePopulation (population-parse.ts).
 */
import { DataError, PopkitError, type DataProblem } from '../errors.js';
import { STANDARD_ITEMS, type Table } from '../data/types.js';
import { randomStream, STREAMS, type RandomStream } from '../stats/random.js';

export type CovariateDistribution =
  | { readonly kind: 'normal'; readonly mean: number; readonly sd: number; readonly lower?: number; readonly upper?: number }
  | { readonly kind: 'lognormal'; readonly median: number; readonly sdLog: number; readonly lower?: number; readonly upper?: number }
  | { readonly kind: 'uniform'; readonly lower: number; readonly upper: number }
  | { readonly kind: 'categorical'; readonly values: readonly (number | string)[]; readonly probabilities: readonly number[] }
  | { readonly kind: 'constant'; readonly value: number | string };

/** One covariate of a virtual population and how it is drawn. */
export interface CovariateSpec {
  readonly name: string;
  readonly distribution: CovariateDistribution;
}

/** Covariates of n simulated subjects: one column per covariate, numbers or categories. */
export interface VirtualPopulation {
  readonly n: number;
  readonly names: readonly string[];
  readonly columns: readonly (Float64Array | readonly string[])[];
  /** For a resampled population: the ID of the source subject of each simulated subject. */
  readonly sourceIds?: readonly string[];
}

/** Smallest probability mass a truncation may keep. */
const MIN_TRUNCATED_MASS = 1e-3;

/** Standard normal CDF, Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7); used only to check truncations. */
function normalCdfApprox(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-z * z);
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Throws PopkitError when a distribution's parameters are invalid or its truncation keeps too little mass. */
export function checkDistribution(name: string, d: CovariateDistribution): void {
  const bad = (msg: string): never => { throw new PopkitError(`population: ${name}: ${msg}`); };
  const truncation = (mu: number, sigma: number, lower: number | undefined, upper: number | undefined, onLog: boolean): void => {
    if (lower === undefined && upper === undefined) return;
    const lo = lower ?? -Infinity, hi = upper ?? Infinity;
    if (!(hi > lo)) bad(`trunc(${lo}, ${hi}) is empty`);
    const tr = (x: number): number => (onLog ? (x > 0 ? Math.log(x) : -Infinity) : x);
    const mass = sigma === 0
      ? (tr(lo) <= mu && mu <= tr(hi) ? 1 : 0)
      : normalCdfApprox((tr(hi) - mu) / sigma) - normalCdfApprox((tr(lo) - mu) / sigma);
    if (!(mass >= MIN_TRUNCATED_MASS)) bad(`trunc(${lo}, ${hi}) keeps ${(100 * Math.max(mass, 0)).toPrecision(2)}% of the distribution; widen it (at least ${100 * MIN_TRUNCATED_MASS}%)`);
  };
  switch (d.kind) {
    case 'normal':
      if (!Number.isFinite(d.mean) || !(d.sd >= 0)) bad(`normal(${d.mean}, ${d.sd}) needs a finite mean and sd ≥ 0`);
      truncation(d.mean, d.sd, d.lower, d.upper, false);
      break;
    case 'lognormal':
      if (!(d.median > 0) || !Number.isFinite(d.median) || !(d.sdLog >= 0)) bad(`lognormal(${d.median}, ${d.sdLog}) needs a median > 0 and sdlog ≥ 0`);
      truncation(Math.log(d.median), d.sdLog, d.lower, d.upper, true);
      break;
    case 'uniform':
      if (!(Number.isFinite(d.lower) && Number.isFinite(d.upper) && d.upper > d.lower)) bad(`uniform(${d.lower}, ${d.upper}) needs lower < upper`);
      break;
    case 'categorical': {
      if (d.values.length === 0 || d.values.length !== d.probabilities.length) bad('a categorical covariate needs values with frequencies');
      let sum = 0;
      for (const p of d.probabilities) {
        if (!(p >= 0)) bad(`frequencies must be ≥ 0 (got ${p})`);
        sum += p;
      }
      if (Math.abs(sum - 1) > 1e-6) bad(`frequencies add up to ${sum}, not 1`);
      if (new Set(d.values.map(String)).size !== d.values.length) bad('a category is listed twice');
      break;
    }
    case 'constant':
      break;
  }
}

/** One draw from `d` using `rng` (the distribution must have passed checkDistribution). */
export function drawCovariate(d: CovariateDistribution, rng: RandomStream): number | string {
  switch (d.kind) {
    case 'constant': return d.value;
    case 'uniform': return d.lower + (d.upper - d.lower) * rng.uniform();
    case 'categorical': {
      const u = rng.uniform();
      let acc = 0;
      for (let k = 0; k < d.values.length; k++) {
        acc += d.probabilities[k]!;
        if (u < acc) return d.values[k]!;
      }
      return d.values[d.values.length - 1]!;
    }
    case 'normal':
    case 'lognormal': {
      const lo = d.lower ?? -Infinity, hi = d.upper ?? Infinity;
      for (;;) {
        const z = rng.normal();
        const x = d.kind === 'normal' ? d.mean + d.sd * z : d.median * Math.exp(d.sdLog * z);
        if (x >= lo && x <= hi) return x;
      }
    }
  }
}

/**
 * Draw n subjects from `specs`, subject by subject (covariates in the order of `specs`), from
 * the covariate stream of `seed`. Numeric distributions give numeric columns; a categorical
 * covariate gives a numeric column when all its values are numbers, else strings.
 * Example: `drawPopulation([{ name: 'WT', distribution: { kind: 'lognormal', median: 70, sdLog: 0.2 } }], 100, 1)`.
 */
export function drawPopulation(specs: readonly CovariateSpec[], n: number, seed: number): VirtualPopulation {
  if (!(Number.isInteger(n) && n >= 1)) throw new PopkitError(`population: the number of subjects must be a whole number ≥ 1 (got ${n})`);
  const names = specs.map((s) => s.name);
  if (new Set(names).size !== names.length) throw new PopkitError(`population: a covariate is given twice (${names.join(', ')})`);
  specs.forEach((s) => checkDistribution(s.name, s.distribution));
  const numeric = specs.map((s) => isNumericDistribution(s.distribution));
  const columns = specs.map((_, j) => (numeric[j] ? new Float64Array(n) : new Array<string>(n)));
  const rng = randomStream(seed, STREAMS.covariates);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < specs.length; j++) {
      const v = drawCovariate(specs[j]!.distribution, rng);
      if (numeric[j]) (columns[j] as Float64Array)[i] = v as number;
      else (columns[j] as string[])[i] = String(v);
    }
  }
  return { n, names, columns };
}

function isNumericDistribution(d: CovariateDistribution): boolean {
  if (d.kind === 'categorical') return d.values.every((v) => typeof v === 'number');
  if (d.kind === 'constant') return typeof d.value === 'number';
  return true;
}

/**
 * Resample n subjects with replacement from a table of subjects (a dataset or a covariate
 * file): each simulated subject takes the whole covariate vector of one source subject
 * (its first record when the table has an ID column with several rows per subject; else each
 * row is a subject). `names` selects the covariates (default: every column that is not a
 * standard NONMEM item). Draws come from the resampling stream of `seed`.
 * Throws DataError for a missing value in a selected column (file, line, column).
 */
export function resamplePopulation(table: Table, n: number, seed: number, names?: readonly string[]): VirtualPopulation {
  if (!(Number.isInteger(n) && n >= 1)) throw new PopkitError(`population: the number of subjects must be a whole number ≥ 1 (got ${n})`);
  const standard = new Set<string>(STANDARD_ITEMS);
  const idCol = table.names.findIndex((nm) => nm.toUpperCase() === 'ID');
  const selected = names ?? table.names.filter((nm) => !standard.has(nm.toUpperCase()));
  const colIndex = selected.map((nm) => {
    const j = table.names.indexOf(nm);
    const k = j >= 0 ? j : table.names.findIndex((x) => x.toLowerCase() === nm.toLowerCase());
    if (k < 0) {
      throw new DataError([{ file: table.file, line: table.headerLine ?? 1, message: `no column ${nm} to resample (columns: ${table.names.join(', ')})` }]);
    }
    return k;
  });
  // First row of each subject.
  const rows: number[] = [];
  const ids: string[] = [];
  const seen = new Set<string>();
  for (let r = 0; r < table.nRows; r++) {
    const id = idCol < 0 ? String(r + 1) : cellText(table, idCol, r);
    if (seen.has(id)) continue;
    seen.add(id);
    rows.push(r);
    ids.push(id);
  }
  if (rows.length === 0) throw new DataError([{ file: table.file, line: table.headerLine ?? 1, message: 'the covariate file has no rows to resample' }]);
  const problems: DataProblem[] = [];
  for (const r of rows) {
    for (const j of colIndex) {
      const col = table.columns[j]!;
      const missing = col.kind === 'numeric' ? Number.isNaN(col.values[r]) : col.values[r] === null;
      if (missing) problems.push({ file: table.file, line: table.lines[r]!, column: col.name, message: `${col.name} is missing; a resampled subject needs every covariate` });
    }
  }
  if (problems.length > 0) throw new DataError(problems);

  const rng = randomStream(seed, STREAMS.resample);
  const pick = new Int32Array(n);
  for (let i = 0; i < n; i++) pick[i] = rng.index(rows.length);
  const columns = colIndex.map((j) => {
    const col = table.columns[j]!;
    if (col.kind === 'numeric') return Float64Array.from(pick, (k) => col.values[rows[k]!]!);
    return Array.from(pick, (k) => col.values[rows[k]!]!);
  });
  return { n, names: colIndex.map((j) => table.names[j]!), columns, sourceIds: Array.from(pick, (k) => ids[k]!) };
}

function cellText(table: Table, j: number, r: number): string {
  const col = table.columns[j]!;
  return col.kind === 'numeric' ? String(col.values[r]) : String(col.values[r]);
}

/**
 * `base` with the covariates of `extra` added, or replacing base's columns of the same name.
 * Both must have the same number of subjects.
 */
export function mergePopulations(base: VirtualPopulation, extra: VirtualPopulation): VirtualPopulation {
  if (base.n !== extra.n) throw new PopkitError(`population: cannot merge populations of ${base.n} and ${extra.n} subjects`);
  const names = [...base.names];
  const columns = [...base.columns];
  extra.names.forEach((nm, j) => {
    const k = names.indexOf(nm);
    if (k >= 0) columns[k] = extra.columns[j]!;
    else { names.push(nm); columns.push(extra.columns[j]!); }
  });
  return { n: base.n, names, columns, ...(base.sourceIds ? { sourceIds: base.sourceIds } : {}) };
}

/** A population of n subjects without covariates. */
export function emptyPopulation(n: number): VirtualPopulation {
  return { n, names: [], columns: [] };
}

/** Value of covariate `name` for subject i, or undefined when the population has no such covariate. */
export function populationValue(pop: VirtualPopulation, name: string, i: number): number | string | undefined {
  const j = pop.names.indexOf(name);
  if (j < 0) return undefined;
  return pop.columns[j]![i];
}
