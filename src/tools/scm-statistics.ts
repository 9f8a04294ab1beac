/**
 * Covariate statistics for a covariate search, computed as PsN's scm computes them
 * (PsN lib/data.pm, scm_calculate_continuous_statistics / scm_calculate_categorical_statistics):
 *
 * - median: over subjects, from each subject's distinct non-missing values (one value per
 *   subject for a baseline covariate, so the median of the per-subject values). PsN then
 *   rounds the median to 2 decimals before writing it into the model; popkit keeps the exact
 *   median (the reference value only re-parameterizes a relation; it does not change its OFV).
 * - min and max: over all records (non-missing).
 * - mean: the mean over subjects of each subject's mean (PsN's data->mean).
 * - categories: the number of subjects having each value (a subject counts once per value);
 *   the reference is the most common category. PsN breaks ties in hash order (not
 *   reproducible); popkit takes the smallest value (numbers ascending, strings in code-point order).
 */
import { DataError } from '../errors.js';
import { covariateColumn } from '../data/covariates.js';
import type { Dataset } from '../data/types.js';

/** Statistics of a continuous covariate. */
export interface ScmContinuousStatistics {
  readonly kind: 'continuous';
  /** Dataset column the statistics were computed from. */
  readonly column: string;
  /** Median over subjects (see the module comment). */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Mean over subjects of the per-subject means. */
  readonly mean: number;
  /** Subjects with at least one non-missing value. */
  readonly nSubjects: number;
  /** True when some subject has more than one distinct value. */
  readonly timeVarying: boolean;
}

/** One category and the number of subjects having it. */
export interface ScmCategoryCount {
  readonly value: number | string;
  readonly subjects: number;
}

/** Statistics of a categorical covariate (numeric codes or strings). */
export interface ScmCategoricalStatistics {
  readonly kind: 'categorical';
  readonly column: string;
  /** Categories, most common first (ties: smallest value first). */
  readonly categories: readonly ScmCategoryCount[];
  /** The most common category. */
  readonly reference: number | string;
  readonly nSubjects: number;
  readonly timeVarying: boolean;
}

export type ScmCovariateStatistics = ScmContinuousStatistics | ScmCategoricalStatistics;

/** Each subject's distinct non-missing values of `column`, in order of first appearance. */
function distinctValuesPerSubject(dataset: Dataset, column: string): (number | string)[][] {
  const col = covariateColumn(dataset, column);
  return dataset.subjects.map((s) => {
    const seen = new Set<number | string>();
    for (const r of s.recordIndices) {
      const v = col.values[r];
      if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
      seen.add(v);
    }
    return [...seen];
  });
}

/** Median of a sorted, non-empty array (mean of the two middle values for an even count). */
function medianOfSorted(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('median of an empty list');
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : 0.5 * (sorted[n / 2 - 1]! + sorted[n / 2]!);
}

/**
 * Statistics of the continuous covariate in dataset column `column`. Throws DataError when
 * the column has non-numeric values or no value at all.
 * Example: pheno_sd.csv, WT: median 1.3 kg, min 0.6, max 3.6 (59 subjects).
 */
export function scmContinuousStatistics(dataset: Dataset, column: string): ScmContinuousStatistics {
  const col = covariateColumn(dataset, column);
  const where = { file: dataset.file, line: dataset.table.headerLine ?? 1, column: col.name };
  if (col.kind !== 'numeric') {
    throw new DataError([{ ...where, message: `${col.name} has non-numeric values; a continuous covariate must be numeric (declare it categorical instead)` }]);
  }
  const perSubject = distinctValuesPerSubject(dataset, col.name) as number[][];
  const pooled: number[] = [];
  let min = Infinity;
  let max = -Infinity;
  let meanSum = 0;
  let nSubjects = 0;
  let timeVarying = false;
  perSubject.forEach((values, i) => {
    if (values.length > 1) timeVarying = true;
    pooled.push(...values);
    let sum = 0;
    let n = 0;
    for (const r of dataset.subjects[i]!.recordIndices) {
      const x = col.values[r]!;
      if (Number.isNaN(x)) continue;
      sum += x;
      n++;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    if (n > 0) { meanSum += sum / n; nSubjects++; }
  });
  if (pooled.length === 0) throw new DataError([{ ...where, message: `${col.name} has no value on any record` }]);
  pooled.sort((a, b) => a - b);
  return { kind: 'continuous', column: col.name, median: medianOfSorted(pooled), min, max, mean: meanSum / nSubjects, nSubjects, timeVarying };
}

/** Order of categories: numbers ascending, strings in code-point order, numbers before strings. */
function compareCategories(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Statistics of the categorical covariate in dataset column `column` (numeric codes or
 * strings). Throws DataError when the column has no value.
 * Example: pheno_sd.csv, APGR: 10 categories; 7 and 8 (12 subjects each) are the most
 * common, so the reference is 7.
 */
export function scmCategoricalStatistics(dataset: Dataset, column: string): ScmCategoricalStatistics {
  const col = covariateColumn(dataset, column);
  const perSubject = distinctValuesPerSubject(dataset, col.name);
  const counts = new Map<number | string, number>();
  let nSubjects = 0;
  let timeVarying = false;
  for (const values of perSubject) {
    if (values.length > 1) timeVarying = true;
    if (values.length > 0) nSubjects++;
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  if (counts.size === 0) {
    throw new DataError([{ file: dataset.file, line: dataset.table.headerLine ?? 1, column: col.name, message: `${col.name} has no value on any record` }]);
  }
  const categories = [...counts.entries()]
    .map(([value, subjects]) => ({ value, subjects }))
    .sort((a, b) => b.subjects - a.subjects || compareCategories(a.value, b.value));
  return { kind: 'categorical', column: col.name, categories, reference: categories[0]!.value, nSubjects, timeVarying };
}
