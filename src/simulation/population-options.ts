/**
 * A virtual population from the command line's options (a covariate file to resample, a
 * distribution text, or both: the drawn covariates are added to, or replace, the resampled
 * ones), and the check that it gives every covariate the model reads.
 */
import type { Table } from '../data/types.js';
import { PopkitError } from '../errors.js';
import type { Model } from '../model/types.js';
import { drawPopulation, emptyPopulation, mergePopulations, resamplePopulation, type VirtualPopulation } from './population.js';
import { parsePopulation } from './population-parse.js';

export interface PopulationOptions {
  readonly n: number;
  readonly seed: number;
  /** Subjects to resample (whole covariate vectors). */
  readonly covariates?: Table;
  /** Covariate names to take from `covariates` (default: its non-standard columns). */
  readonly covariateNames?: readonly string[];
  /** Distribution text (population-parse.ts). */
  readonly population?: string;
}

/**
 * The population of `options` (see the module comment); without either source, n subjects
 * without covariates.
 * Example: `virtualPopulation({ n: 100, seed: 1, population: 'WT~normal(70,10)' })`.
 */
export function virtualPopulation(options: PopulationOptions): VirtualPopulation {
  const { n, seed } = options;
  const drawn = options.population !== undefined ? drawPopulation(parsePopulation(options.population), n, seed) : undefined;
  if (options.covariates === undefined) return drawn ?? emptyPopulation(n);
  const resampled = resamplePopulation(options.covariates, n, seed, options.covariateNames);
  return drawn !== undefined ? mergePopulations(resampled, drawn) : resampled;
}

/**
 * Throws PopkitError naming the model line when a covariate the model reads (or any of its
 * aliases) is not in the population.
 */
export function checkModelCovariates(model: Model, population: VirtualPopulation): void {
  const have = new Set(population.names.map((n) => n.toLowerCase()));
  const missing = model.covariates.filter((c) => ![c.name, ...c.aliases].some((n) => have.has(n.toLowerCase())));
  if (missing.length === 0) return;
  const where = (c: (typeof missing)[number]): string => (c.at !== undefined ? ` (${model.file ?? model.name}:${c.at.line})` : '');
  throw new PopkitError(`the model reads the covariate${missing.length > 1 ? 's' : ''} ${missing.map((c) => `${c.name}${where(c)}`).join(', ')}, `
    + `which the simulated population does not have${population.names.length > 0 ? ` (it has ${population.names.join(', ')})` : ''}; `
    + 'give them with --covariates <csv> (resampled subjects) or --population, e.g. --population "WT~lognormal(70,0.2)"');
}

/**
 * Names of the population's covariates that `model` reads (a declared covariate or one of its
 * aliases, case-insensitively), for SimulationSettings.modelCovariates.
 */
export function covariatesReadBy(model: Model, population: VirtualPopulation): string[] {
  const read = new Set(model.covariates.flatMap((c) => [c.name, ...c.aliases]).map((n) => n.toLowerCase()));
  return population.names.filter((n) => read.has(n.toLowerCase()));
}
