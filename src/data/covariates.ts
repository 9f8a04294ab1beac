/**
 * Covariates as a model binder needs them: per-record values of a subject, the check that
 * every covariate a model uses is present on every record, and the two rules for a
 * time-varying covariate between records.
 *
 * Interpolation rules, for a subject's records at times t_0 <= t_1 <= ... <= t_{n-1} with
 * covariate values c_0 ... c_{n-1}:
 *  - 'nonmem' (NONMEM/PREDPP): the system is advanced from record k-1 to record k with the
 *    parameters computed from record k's data items, so over the interval (t_{k-1}, t_k] the
 *    value c_k applies — the next record's value carried backward (rxode2 calls this "nocb").
 *    At a time t the value is that of the first record with t_k >= t (the last record's value
 *    after the last record).
 *  - 'locf' (last observation carried forward): over [t_k, t_{k+1}) the value c_k applies.
 *    At a time t the value is that of the last record with t_k <= t (the first record's value
 *    before the first record).
 * With several records at the same time, 'nonmem' takes the first of them and 'locf' the last.
 */
import { DataError, type DataProblem } from '../errors.js';
import { findColumn } from './standard-columns.js';
import { STANDARD_ITEMS, type Column, type CovariateValue, type Dataset, type Table } from './types.js';

/** How a covariate changes between records; see the module comment. */
export type CovariateInterpolation = 'nonmem' | 'locf';

/** One covariate of one subject: record times and values in file order. */
export interface CovariateSeries {
  readonly name: string;
  /** Record times (the dataset's time unit). */
  readonly times: Float64Array;
  /** Value on each record (null when missing). */
  readonly values: readonly CovariateValue[];
}

/** DataError for a covariate name that is not a column of the dataset. */
export function unknownCovariate(table: Table, covariateNames: readonly string[], name: string): DataError {
  return new DataError([{
    file: table.file, line: table.headerLine ?? 1,
    message: `no covariate column ${name} in the data (covariate columns: ${covariateNames.length > 0 ? covariateNames.join(', ') : 'none'})`,
  }]);
}

/**
 * The table column of covariate `name` (exact name, else the single case-insensitive match).
 * Throws DataError naming the available covariate columns when there is none.
 */
export function covariateColumn(dataset: Dataset, name: string): Column {
  const j = findColumn(dataset.covariateNames, name);
  if (typeof j !== 'number') throw unknownCovariate(dataset.table, dataset.covariateNames, name);
  const header = dataset.covariateNames[j];
  return dataset.table.columns[dataset.table.names.indexOf(header)];
}

/**
 * Check that every covariate in `names` exists and has a value on every record.
 * Names of standard items (TIME, AMT, ...) are accepted: they always have a value.
 * Throws one DataError listing unknown columns (with the available ones) and every record
 * with a missing value ('.') in a required column.
 * Example: `requireCovariates(pheno, ['WGT', 'APGR'])` returns; `['WT']` throws.
 */
export function requireCovariates(dataset: Dataset, names: readonly string[]): void {
  const { table } = dataset;
  const problems: DataProblem[] = [];
  for (const name of names) {
    const j = findColumn(dataset.covariateNames, name);
    if (typeof j !== 'number') {
      if ((STANDARD_ITEMS as readonly string[]).includes(name.toUpperCase())) continue;
      problems.push(...unknownCovariate(table, dataset.covariateNames, name).problems);
      continue;
    }
    const col = covariateColumn(dataset, name);
    for (let r = 0; r < table.nRows; r++) {
      const missing = col.kind === 'numeric' ? Number.isNaN(col.values[r]) : col.values[r] === null;
      if (missing) {
        problems.push({
          file: table.file, line: table.lines[r], column: col.name,
          message: `${col.name} is missing (ID ${dataset.records[r].id}); the model uses this covariate on every record`,
        });
      }
    }
  }
  if (problems.length > 0) throw new DataError(problems.sort((a, b) => a.line - b.line));
}

/**
 * Values of covariate `name` on the records of subject `subjectIndex` (into
 * `dataset.subjects`), in file order; null where missing.
 */
export function subjectCovariateValues(dataset: Dataset, subjectIndex: number, name: string): CovariateValue[] {
  const col = covariateColumn(dataset, name);
  const idx = dataset.subjects[subjectIndex].recordIndices;
  const out: CovariateValue[] = new Array(idx.length);
  for (let k = 0; k < idx.length; k++) {
    if (col.kind === 'string') out[k] = col.values[idx[k]];
    else {
      const x = col.values[idx[k]];
      out[k] = Number.isNaN(x) ? null : x;
    }
  }
  return out;
}

/** Times and values of covariate `name` for subject `subjectIndex`. */
export function covariateSeries(dataset: Dataset, subjectIndex: number, name: string): CovariateSeries {
  const idx = dataset.subjects[subjectIndex].recordIndices;
  const times = new Float64Array(idx.length);
  for (let k = 0; k < idx.length; k++) times[k] = dataset.records[idx[k]].time;
  return { name: covariateColumn(dataset, name).name, times, values: subjectCovariateValues(dataset, subjectIndex, name) };
}

/**
 * Position (0-based, within the subject) of the record whose value applies at `time` (same
 * unit as the data) under `rule`. The search starts at position `from` (e.g. the last reset,
 * EVID 3/4, before `time`) and stops where times decrease (the next reset).
 * Example: times [0, 12, 24], time 6 -> 1 under 'nonmem', 0 under 'locf'.
 */
export function covariatePositionAtTime(
  times: Float64Array, time: number, rule: CovariateInterpolation, from = 0,
): number {
  const n = times.length;
  if (n === 0) throw new RangeError('covariatePositionAtTime: the subject has no records');
  if (from < 0 || from >= n) throw new RangeError(`covariatePositionAtTime: from = ${from} is outside 0..${n - 1}`);
  let k = from;
  if (rule === 'nonmem') {
    while (k < n - 1 && times[k] < time && times[k + 1] >= times[k]) k++;
    return k;
  }
  if (times[k] > time) return k;
  while (k < n - 1 && times[k + 1] <= time && times[k + 1] >= times[k]) k++;
  return k;
}

/** Value of the series at `time` under `rule` (see covariatePositionAtTime). */
export function covariateAtTime(series: CovariateSeries, time: number, rule: CovariateInterpolation, from = 0): CovariateValue {
  return series.values[covariatePositionAtTime(series.times, time, rule, from)];
}

/**
 * Position of the record whose value applies on the interval between the subject's records
 * `end - 1` and `end` (end >= 1): `end` under 'nonmem', `end - 1` under 'locf'.
 */
export function covariatePositionOnInterval(end: number, rule: CovariateInterpolation): number {
  if (end < 1) throw new RangeError(`covariatePositionOnInterval: end = ${end} must be >= 1`);
  return rule === 'nonmem' ? end : end - 1;
}
