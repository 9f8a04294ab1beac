/**
 * Functions shared by the model transforms: every transform returns a new, checked model
 * without source locations, with thetas and epsilons that nothing uses any more removed.
 */
import { ModelError } from '../errors.js';
import { usedSymbols, withoutLocations } from '../model/symbols.js';
import type { Model } from '../model/types.js';
import { validateModel } from '../model/validate.js';

/** Drop thetas and sigma elements no expression reads (e.g. after removing an effect or an error model). */
export function pruneUnused(model: Model): Model {
  const used = usedSymbols(model);
  const theta = model.theta.filter((t) => used.has(t.name));
  const sigma = model.sigma.filter((b) => b.names.some((n) => used.has(n)));
  return theta.length === model.theta.length && sigma.length === model.sigma.length ? model : { ...model, theta, sigma };
}

/** Finish a transform: strip locations, prune, check. */
export function finish(model: Model): Model {
  return validateModel(pruneUnused(withoutLocations(model)));
}

/** A ModelError naming the transform and the model. */
export function transformError(model: Model, transform: string, message: string): ModelError {
  return new ModelError(`${transform}(${model.name}): ${message}`);
}

/** `base`, or `base_2`, `base_3`, … — the first not in `taken`. */
export function freshName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let k = 2; ; k++) if (!taken.has(`${base}_${k}`)) return `${base}_${k}`;
}

/** Every name declared in the model (thetas, etas, eps, covariates, statements). */
export function declaredNames(model: Model): Set<string> {
  return new Set([
    ...model.theta.map((t) => t.name),
    ...model.omega.flatMap((b) => b.names),
    ...model.sigma.flatMap((b) => b.names),
    ...model.covariates.map((c) => c.name),
    ...model.individual.map((s) => s.name),
    ...model.observe.statements.map((s) => s.name),
  ]);
}
