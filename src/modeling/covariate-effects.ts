/**
 * Adding and removing structured covariate relations (the steps of a covariate search).
 * Forms and conventions follow PsN scm (Jonsson & Karlsson 1998) as documented in
 * reference/METHODS.md: a multiplicative factor on the parameter's typical value,
 * centred on the median; the most common category is the reference; initial θ 0.001; the
 * linear slope bounded so that the factor stays positive over the data.
 */
import { findColumn } from '../data/standard-columns.js';
import type { Dataset } from '../data/types.js';
import type { CovariateEffect, CovariateForm, Model, ThetaDef } from '../model/types.js';
import { declaredNames, finish, freshName, transformError } from './common.js';

/** Summary of one covariate over the subjects of a dataset (baseline = each subject's first record). */
export interface CovariateStatistics {
  /** Column found in the dataset. */
  readonly column: string;
  /** Numeric covariates: median, minimum and maximum of the baselines. */
  readonly median?: number;
  readonly min?: number;
  readonly max?: number;
  /** Distinct baseline values, most frequent first (ties in ascending order). */
  readonly categories: readonly (number | string)[];
}

/**
 * Baseline statistics of covariate `name` (or one of `aliases`) in `dataset`.
 * Example: `covariateStatistics(pheno, 'WT').median` is 1.3 (kg).
 */
export function covariateStatistics(dataset: Dataset, name: string, aliases: readonly string[] = []): CovariateStatistics {
  let column: string | undefined;
  for (const n of [name, ...aliases]) {
    const j = findColumn(dataset.covariateNames, n);
    if (typeof j === 'number') { column = dataset.covariateNames[j]; break; }
  }
  if (column === undefined) {
    throw new RangeError(`covariateStatistics: no column ${[name, ...aliases].join(' or ')} in ${dataset.file}`);
  }
  const baselines: (number | string)[] = [];
  for (const s of dataset.subjects) {
    for (const r of s.recordIndices) {
      const v = dataset.covariate(column, r);
      if (v !== null) { baselines.push(v); break; }
    }
  }
  const counts = new Map<number | string, number>();
  for (const v of baselines) counts.set(v, (counts.get(v) ?? 0) + 1);
  const categories = [...counts.keys()].sort((a, b) =>
    counts.get(b)! - counts.get(a)! || (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))));
  const numbers = baselines.filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
  if (numbers.length === 0 || numbers.length !== baselines.length) return { column, categories };
  const mid = numbers.length >> 1;
  const median = numbers.length % 2 === 1 ? numbers[mid]! : (numbers[mid - 1]! + numbers[mid]!) / 2;
  return { column, median, min: numbers[0]!, max: numbers[numbers.length - 1]!, categories };
}

/** Options for {@link addCovariateEffect}. */
export interface CovariateEffectOptions {
  /** Reference value (continuous) or category; default from `dataset`: median / most common category. */
  readonly reference?: number | string;
  /** Categorical: the non-reference categories; default from `dataset` (all other values). */
  readonly categories?: readonly (number | string)[];
  /** Dataset for the defaults above and for the linear slope's bounds. */
  readonly dataset?: Dataset;
  /** Initial value of each new theta (default 0.001, as PsN scm). */
  readonly init?: number | readonly number[];
  /** Fix the new thetas (e.g. allometric exponents 0.75 and 1). */
  readonly fixed?: boolean;
  /** Names of the new thetas (default `<PARAM>_<COV>`, with `_below`/`_above` or `_<category>`). */
  readonly thetaNames?: readonly string[];
}

function identifierPart(x: number | string): string {
  return String(x).replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * A new model with the relation `form` of covariate `covariate` on parameter `parameter`
 * (its factor multiplies TV<parameter> when defined, else <parameter>). Declares the
 * covariate if needed and adds its thetas.
 * Example: `addCovariateEffect(model, 'CL', 'WT', 'power', { reference: 70, init: 0.75, fixed: true })`.
 */
export function addCovariateEffect(
  model: Model, parameter: string, covariate: string, form: CovariateForm, options: CovariateEffectOptions = {},
): Model {
  const fail = (message: string) => transformError(model, 'addCovariateEffect', message);
  if (model.effects.some((e) => e.parameter === parameter && e.covariate === covariate)) {
    throw fail(`the model already has an effect of ${covariate} on ${parameter}`);
  }
  const decl = model.covariates.find((c) => c.name === covariate);
  const stats = options.dataset !== undefined ? covariateStatistics(options.dataset, covariate, decl?.aliases) : undefined;

  let reference = options.reference;
  let categories: (number | string)[] | undefined;
  if (form === 'categorical') {
    reference ??= stats?.categories[0];
    if (reference === undefined) throw fail(`a categorical effect needs a reference category (options.reference or options.dataset)`);
    categories = options.categories !== undefined ? [...options.categories] : stats?.categories.filter((c) => c !== reference);
    if (categories === undefined || categories.length === 0) throw fail(`a categorical effect needs the non-reference categories (options.categories or options.dataset)`);
  } else {
    reference ??= stats?.median;
    if (typeof reference !== 'number') throw fail(`a ${form} effect needs a numeric reference value (options.reference or options.dataset with a numeric ${covariate})`);
  }

  const suffixes = form === 'piecewise-linear' ? ['below', 'above'] : form === 'categorical' ? categories!.map(identifierPart) : [''];
  const taken = declaredNames(model);
  const thetaNames = options.thetaNames !== undefined ? [...options.thetaNames]
    : suffixes.map((s) => {
      const name = freshName(s === '' ? `${parameter}_${covariate}` : `${parameter}_${covariate}_${s}`, taken);
      taken.add(name);
      return name;
    });
  if (thetaNames.length !== suffixes.length) throw fail(`a ${form} effect needs ${suffixes.length} theta names, not ${thetaNames.length}`);
  const inits = typeof options.init === 'number' ? suffixes.map(() => options.init as number)
    : options.init !== undefined ? [...options.init] : suffixes.map(() => 0.001);
  if (inits.length !== thetaNames.length) throw fail(`options.init needs ${thetaNames.length} values`);

  const bounds = thetaNames.map((): [number, number] => [-Infinity, Infinity]);
  const ref = typeof reference === 'number' ? reference : NaN;
  if (form === 'linear' && stats?.min !== undefined && stats.max !== undefined) {
    // 1 + θ(COV − ref) > 0 for every baseline: θ in (1/(ref − max), 1/(ref − min)).
    bounds[0] = [stats.max > ref ? 1 / (ref - stats.max) : -Infinity, stats.min < ref ? 1 / (ref - stats.min) : Infinity];
  } else if (form === 'piecewise-linear' && stats?.min !== undefined && stats.max !== undefined) {
    bounds[0] = [-Infinity, stats.min < ref ? 1 / (ref - stats.min) : Infinity];
    bounds[1] = [stats.max > ref ? 1 / (ref - stats.max) : -Infinity, Infinity];
  } else if (form === 'categorical') {
    for (const b of bounds) b[0] = -1;
  }
  const newThetas: ThetaDef[] = thetaNames.map((name, k) => ({
    name, init: inits[k]!, lower: bounds[k]![0], upper: bounds[k]![1], fixed: options.fixed ?? false,
    comment: `${form} effect of ${covariate} on ${parameter}${suffixes[k] ? ` (${suffixes[k]})` : ''}`,
  }));
  const effect: CovariateEffect = {
    parameter, covariate, form, reference, thetas: thetaNames, ...(categories !== undefined ? { categories } : {}),
  };
  return finish({
    ...model,
    covariates: decl !== undefined ? model.covariates : [...model.covariates, { name: covariate, aliases: [] }],
    theta: [...model.theta, ...newThetas],
    effects: [...model.effects, effect],
  });
}

/**
 * A new model without the effect of `covariate` on `parameter` (and without its thetas).
 * Example: `removeCovariateEffect(withWeight, 'CL', 'WT')`.
 */
export function removeCovariateEffect(model: Model, parameter: string, covariate: string): Model {
  const effects = model.effects.filter((e) => !(e.parameter === parameter && e.covariate === covariate));
  if (effects.length === model.effects.length) {
    const list = model.effects.map((e) => `${e.covariate} on ${e.parameter}`).join(', ');
    throw transformError(model, 'removeCovariateEffect', `no effect of ${covariate} on ${parameter} (effects: ${list || 'none'})`);
  }
  return finish({ ...model, effects });
}
