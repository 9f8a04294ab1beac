/**
 * Candidate parameter–covariate relations of a covariate search, parameterized as PsN's scm
 * writes them (PsN lib/tool/scm.pm, get_covariate_code and get_covariate_theta_bounds_inits;
 * summarized in reference/METHODS.md), each centred on the covariate's median:
 *
 *   linear            P·(1 + θ(COV − median)),        θ in (1/(median − max), 1/(median − min))
 *   piecewise-linear  P·(1 + θ₁(COV − median)) for COV ≤ median, P·(1 + θ₂(COV − median)) above;
 *                     θ₁ < 1/(median − min), θ₂ > 1/(median − max) (PsN's hockey-stick)
 *   exponential       P·exp(θ(COV − median)),         θ in (−100, 100000)
 *   power             P·(COV/median)^θ,               θ in (−100, 100000)
 *   categorical       P·(1 + θ_k) for each non-reference category k, θ_k in (−1, 5);
 *                     the most common category is the reference
 *
 * The bounds keep each factor positive over the observed covariate range. Initial estimates
 * follow PsN: 0.001 for power and exponential; otherwise 0.001 times the finite bound of
 * smaller magnitude (so the factor starts within 0.1% of 1). PsN rounds bounds to 3 decimals
 * for the NONMEM control stream; popkit keeps them exact. PsN writes 100000 for "no bound"
 * on linear and piecewise slopes; popkit leaves those sides unbounded.
 * Degrees of freedom: linear 1, piecewise-linear 2, exponential 1, power 1, categorical k − 1.
 */
import { PopkitError } from '../errors.js';
import { findColumn } from '../data/standard-columns.js';
import type { Dataset } from '../data/types.js';
import { effectTarget } from '../model/render.js';
import type { CovariateEffect, CovariateForm, Model, ThetaDef } from '../model/types.js';
import {
  scmCategoricalStatistics, scmContinuousStatistics, type ScmCategoricalStatistics, type ScmCovariateStatistics,
} from './scm-statistics.js';

/** The forms a continuous covariate can take, in PsN's state order (linear 2, hockey-stick 3, exponential 4, power 5). */
export const CONTINUOUS_FORMS = ['linear', 'piecewise-linear', 'exponential', 'power'] as const;
export type ContinuousForm = (typeof CONTINUOUS_FORMS)[number];

/** PsN scm's default relations for continuous covariates (valid_states 1, 2, 3: none, linear, hockey-stick). */
export const DEFAULT_FORMS: readonly ContinuousForm[] = ['linear', 'piecewise-linear'];

/** PsN's initial estimate scale (scm option global_init). */
export const DEFAULT_GLOBAL_INIT = 0.001;

/** Bounds PsN gives power and exponential slopes. */
const POWER_EXP_LOWER = -100;
const POWER_EXP_UPPER = 100000;
/** Bounds PsN gives each categorical θ_k. */
const CATEGORICAL_LOWER = -1;
const CATEGORICAL_UPPER = 5;

/** One candidate relation: the structured effect to add and the thetas it brings. */
export interface ScmRelation {
  readonly parameter: string;
  /** Covariate name as the model's expressions use it. */
  readonly covariate: string;
  readonly form: CovariateForm;
  /** The effect added to the model (its thetas named in `thetas`). */
  readonly effect: CovariateEffect;
  /** The new thetas, in the order of `effect.thetas`, with PsN's initial estimates and bounds. */
  readonly thetas: readonly ThetaDef[];
  /** Degrees of freedom of the relation (number of thetas). */
  readonly df: number;
  readonly statistics: ScmCovariateStatistics;
}

/** A relation that was not built, and why (e.g. a power relation on a covariate with zeros). */
export interface SkippedRelation {
  readonly parameter: string;
  readonly covariate: string;
  readonly form: CovariateForm;
  readonly reason: string;
}

/** What to search: parameters × covariates, the continuous forms, the categorical covariates. */
export interface CandidateSpec {
  /** Individual parameters (each defined as `TV<name>` or `<name>` in the model), e.g. ['CL', 'V']. */
  readonly parameters: readonly string[];
  /** Covariates (model names or dataset columns), e.g. ['WT', 'AGE', 'SEX']. */
  readonly covariates: readonly string[];
  /** Covariates treated as categorical; the others are continuous. String-valued columns are always categorical. */
  readonly categorical?: readonly string[];
  /** Continuous forms to try. Default: PsN's linear and piecewise-linear (DEFAULT_FORMS). */
  readonly forms?: readonly ContinuousForm[];
  /** Initial estimate scale (PsN global_init). Default 0.001. */
  readonly globalInit?: number;
}

/** Candidate relations and the combinations that were not built. */
export interface Candidates {
  readonly relations: readonly ScmRelation[];
  readonly skipped: readonly SkippedRelation[];
}

/** Degrees of freedom of a relation: linear, exponential, power 1; piecewise-linear 2; categorical `nCategories − 1`. */
export function relationDegreesOfFreedom(form: CovariateForm, nCategories = 2): number {
  switch (form) {
    case 'linear': case 'exponential': case 'power': return 1;
    case 'piecewise-linear': return 2;
    case 'categorical': return nCategories - 1;
  }
}

/** Every name a model defines (thetas, random effects, covariates and aliases, statements, compartments). */
function modelNames(model: Model): Set<string> {
  const names = new Set<string>();
  for (const t of model.theta) names.add(t.name);
  for (const b of [...model.omega, ...model.sigma]) for (const n of b.names) names.add(n);
  for (const c of model.covariates) { names.add(c.name); for (const a of c.aliases) names.add(a); }
  for (const s of [...model.individual, ...model.observe.statements]) names.add(s.name);
  if (model.structure.kind === 'odes') for (const c of model.structure.compartments) names.add(c);
  return names;
}

/** `base`, or `base_2`, `base_3`, … : the first not in `taken` (as the model transforms name thetas). */
function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let k = 2; ; k++) if (!taken.has(`${base}_${k}`)) return `${base}_${k}`;
}

/** A category as part of an identifier: 2 → '2', -1 → 'm1', 1.5 → '1p5', "EM/PM" → 'EM_PM'. */
function categoryTag(value: number | string): string {
  const text = typeof value === 'number' ? String(value).replace('-', 'm').replace('.', 'p').replace('+', '') : value;
  const tag = text.replace(/[^A-Za-z0-9_]/g, '_');
  return tag.length > 0 ? tag : 'blank';
}

/** PsN's initial estimate: `globalInit` times the finite bound of smaller magnitude (power/exponential: `globalInit`). */
function psnInit(lower: number, upper: number, globalInit: number): number {
  const finiteLower = Number.isFinite(lower) && lower !== 0;
  const finiteUpper = Number.isFinite(upper) && upper !== 0;
  if (!finiteLower && !finiteUpper) return 100 * globalInit;
  if (!finiteLower) return upper * globalInit;
  if (!finiteUpper) return lower * globalInit;
  return Math.abs(upper) <= Math.abs(lower) ? upper * globalInit : lower * globalInit;
}

function theta(name: string, lower: number, upper: number, init: number, comment: string): ThetaDef {
  return { name, init, lower, upper, fixed: false, comment };
}

/**
 * The declared covariate of `model` that `covariate` names (its name or an alias), or undefined.
 */
function declaredCovariate(model: Model, covariate: string): string | undefined {
  const decl = model.covariates.find((c) => c.name === covariate || c.aliases.includes(covariate));
  return decl?.name;
}

/** Dataset column of `covariate` for `model` (the declaration's name, else its aliases, else the name itself). */
export function covariateDataColumn(model: Model, dataset: Dataset, covariate: string): string {
  const decl = model.covariates.find((c) => c.name === covariate || c.aliases.includes(covariate));
  for (const name of decl !== undefined ? [decl.name, ...decl.aliases] : [covariate]) {
    const j = findColumn(dataset.covariateNames, name);
    if (typeof j === 'number') return dataset.covariateNames[j]!;
  }
  throw new PopkitError(`covariate ${covariate} is not a column of ${dataset.file} (its covariate columns: ${dataset.covariateNames.join(', ') || 'none'})`);
}

/**
 * Build the relation of `covariate` on `parameter` with `form` for `model`, from the
 * covariate's statistics. Theta names are `<P>_<COV>` (`_below`/`_above` for piecewise-linear,
 * `_<category>` for categorical), made unique against the model's names.
 * Returns a SkippedRelation with the reason when the form does not apply to the data (a
 * constant covariate, a power relation on values ≤ 0, a piecewise-linear relation whose median
 * equals the minimum or maximum).
 * Example: WT on CL, linear, pheno (median 1.3, range 0.6–3.6): θ in (−0.4348, 1.4286), init −0.000435.
 */
export function buildRelation(
  model: Model, parameter: string, covariate: string, form: CovariateForm, statistics: ScmCovariateStatistics,
  globalInit = DEFAULT_GLOBAL_INIT,
): ScmRelation | SkippedRelation {
  if (effectTarget(model.individual, parameter) === undefined) {
    throw new PopkitError(`parameter ${parameter} is not defined in the model ${model.name} (define ${parameter} or TV${parameter} in its individual section)`);
  }
  const name = declaredCovariate(model, covariate) ?? covariate;
  const taken = modelNames(model);
  const skip = (reason: string): SkippedRelation => ({ parameter, covariate: name, form, reason });
  const base = `${parameter}_${name}`;
  const label = `${name} on ${parameter}`;
  if (form === 'categorical') {
    if (statistics.kind !== 'categorical') throw new PopkitError(`${name} is continuous; a categorical relation needs categorical statistics`);
    return categoricalRelation(parameter, name, statistics, base, label, taken, globalInit) ?? skip(`${name} has a single category (${JSON.stringify(statistics.reference)})`);
  }
  if (statistics.kind !== 'continuous') throw new PopkitError(`${name} is categorical; a ${form} relation needs a continuous covariate`);
  const { median, min, max } = statistics;
  if (min === max) return skip(`${name} is constant (${min})`);
  const make = (thetas: ThetaDef[]): ScmRelation => ({
    parameter, covariate: name, form,
    effect: { parameter, covariate: name, form, reference: median, thetas: thetas.map((t) => t.name) },
    thetas, df: relationDegreesOfFreedom(form), statistics,
  });
  switch (form) {
    case 'linear': {
      const lower = median < max ? 1 / (median - max) : -Infinity;
      const upper = median > min ? 1 / (median - min) : Infinity;
      return make([theta(uniqueName(base, taken), lower, upper, psnInit(lower, upper, globalInit), `linear effect of ${label} (per unit of ${name})`)]);
    }
    case 'piecewise-linear': {
      if (median === min || median === max) return skip(`the median of ${name} (${median}) equals its ${median === min ? 'minimum' : 'maximum'}; a piecewise-linear relation needs values on both sides`);
      const upperBelow = 1 / (median - min);
      const lowerAbove = 1 / (median - max);
      return make([
        theta(uniqueName(`${base}_below`, taken), -Infinity, upperBelow, psnInit(-Infinity, upperBelow, globalInit), `slope of ${label} below the median ${median}`),
        theta(uniqueName(`${base}_above`, taken), lowerAbove, Infinity, psnInit(lowerAbove, Infinity, globalInit), `slope of ${label} above the median ${median}`),
      ]);
    }
    case 'exponential':
      return make([theta(uniqueName(base, taken), POWER_EXP_LOWER, POWER_EXP_UPPER, globalInit, `exponential effect of ${label} (per unit of ${name})`)]);
    case 'power':
      if (!(min > 0)) return skip(`${name} has values ≤ 0 (minimum ${min}); a power relation needs positive values`);
      return make([theta(uniqueName(base, taken), POWER_EXP_LOWER, POWER_EXP_UPPER, globalInit, `power exponent of ${label}`)]);
  }
}

function categoricalRelation(
  parameter: string, covariate: string, statistics: ScmCategoricalStatistics, base: string, label: string,
  taken: ReadonlySet<string>, globalInit: number,
): ScmRelation | undefined {
  const others = statistics.categories.slice(1);
  if (others.length === 0) return undefined;
  const used = new Set(taken);
  const thetas = others.map((c) => {
    const t = theta(uniqueName(`${base}_${categoryTag(c.value)}`, used), CATEGORICAL_LOWER, CATEGORICAL_UPPER,
      psnInit(CATEGORICAL_LOWER, CATEGORICAL_UPPER, globalInit),
      `fractional change of ${parameter} when ${covariate} is ${JSON.stringify(c.value)} (reference ${JSON.stringify(statistics.reference)})`);
    used.add(t.name);
    return t;
  });
  return {
    parameter, covariate, form: 'categorical',
    effect: {
      parameter, covariate, form: 'categorical', reference: statistics.reference,
      categories: others.map((c) => c.value), thetas: thetas.map((t) => t.name),
    },
    thetas, df: relationDegreesOfFreedom('categorical', statistics.categories.length), statistics,
  };
}

/** True when `x` is a built relation (not a skipped one). */
export function isRelation(x: ScmRelation | SkippedRelation): x is ScmRelation {
  return 'effect' in x;
}

/**
 * Every candidate relation of `spec` for `model` on `dataset`: for each parameter and
 * covariate, one relation per continuous form, or one categorical relation. Statistics are
 * computed once per covariate (see scm-statistics.ts). Pairs the model already relates (an
 * effect of the covariate on the parameter) are skipped: they stay in every model.
 * Throws PopkitError for an unknown parameter or covariate.
 * Example: `scmCandidates(pheno, data, { parameters: ['CL', 'V'], covariates: ['WT', 'APGR'], categorical: ['APGR'] })`
 * gives 6 relations: WT linear and piecewise-linear, APGR categorical (df 9), on CL and on V.
 */
export function scmCandidates(model: Model, dataset: Dataset, spec: CandidateSpec): Candidates {
  const forms = spec.forms ?? DEFAULT_FORMS;
  for (const f of forms) {
    if (!(CONTINUOUS_FORMS as readonly string[]).includes(f)) throw new PopkitError(`unknown relation form '${f}' (forms: ${CONTINUOUS_FORMS.join(', ')})`);
  }
  const categorical = new Set(spec.categorical ?? []);
  for (const c of categorical) {
    if (!spec.covariates.includes(c)) throw new PopkitError(`categorical covariate ${c} is not among the covariates searched (${spec.covariates.join(', ')})`);
  }
  const statistics = new Map<string, ScmCovariateStatistics>();
  for (const cov of spec.covariates) {
    const column = covariateDataColumn(model, dataset, cov);
    const isString = dataset.table.columns[dataset.table.names.indexOf(column)]?.kind === 'string';
    statistics.set(cov, categorical.has(cov) || isString ? scmCategoricalStatistics(dataset, column) : scmContinuousStatistics(dataset, column));
  }
  const relations: ScmRelation[] = [];
  const skipped: SkippedRelation[] = [];
  for (const parameter of spec.parameters) {
    for (const cov of spec.covariates) {
      const stats = statistics.get(cov)!;
      const name = declaredCovariate(model, cov) ?? cov;
      const candidateForms: readonly CovariateForm[] = stats.kind === 'categorical' ? ['categorical'] : forms;
      if (model.effects.some((e) => e.parameter === parameter && e.covariate === name)) {
        for (const form of candidateForms) skipped.push({ parameter, covariate: name, form, reason: `the model already has an effect of ${name} on ${parameter}` });
        continue;
      }
      for (const form of candidateForms) {
        const r = buildRelation(model, parameter, cov, form, stats, spec.globalInit);
        if (isRelation(r)) relations.push(r);
        else skipped.push(r);
      }
    }
  }
  return { relations, skipped };
}
