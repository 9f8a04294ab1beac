/**
 * The model edits of a covariate search, built on the model transforms of src/modeling:
 * add a candidate relation (addCovariateEffect with the relation's reference, categories,
 * theta names and initial estimates, then PsN's bounds on the new thetas), remove a relation
 * (removeCovariateEffect), and carry a fit's final estimates into the model as initial
 * estimates for the next step (setInitialEstimates). Every result is a checked model.
 */
import { addCovariateEffect, removeCovariateEffect, setInitialEstimates } from '../modeling/index.js';
import { validateModel } from '../model/validate.js';
import type { CovariateEffect, Model, ThetaDef } from '../model/types.js';
import type { ScmRelation } from './scm-candidates.js';
import type { ScmFit } from './scm-fit.js';

/** The effect of `covariate` on `parameter` in `model`, if any. */
export function findEffect(model: Model, parameter: string, covariate: string): CovariateEffect | undefined {
  return model.effects.find((e) => e.parameter === parameter && e.covariate === covariate);
}

/**
 * `model` with `relation` added: its effect, its thetas with the relation's initial estimates
 * and bounds, and the covariate declared if the model does not declare it. Throws ModelError
 * when the result is not a valid model (e.g. the pair already has an effect).
 * Example: `addRelation(base, relation).effects.at(-1)` is `relation.effect`.
 */
export function addRelation(model: Model, relation: ScmRelation): Model {
  const { effect } = relation;
  const added = addCovariateEffect(model, effect.parameter, effect.covariate, effect.form, {
    reference: effect.reference,
    categories: effect.categories,
    thetaNames: effect.thetas,
    init: relation.thetas.map((t) => t.init),
  });
  // addCovariateEffect takes no bounds; PsN's bounds (scm-candidates.ts) are set here.
  const bounds = new Map(relation.thetas.map((t) => [t.name, t]));
  return validateModel({
    ...added,
    theta: added.theta.map((t) => {
      const b = bounds.get(t.name);
      return b === undefined ? t : { ...t, lower: b.lower, upper: b.upper, comment: b.comment ?? t.comment };
    }),
  });
}

/**
 * `model` without the effect of `covariate` on `parameter` and without that effect's thetas.
 * Returns `model` itself when it has no such effect.
 */
export function removeRelation(model: Model, parameter: string, covariate: string): Model {
  return findEffect(model, parameter, covariate) === undefined ? model : removeCovariateEffect(model, parameter, covariate);
}

/** `x` moved strictly inside the bounds of `t` when it sits on or outside one. */
function insideBounds(x: number, t: ThetaDef): number {
  if (!Number.isFinite(x)) return t.init;
  if (x > t.lower && x < t.upper) return x;
  const finite = Number.isFinite(t.lower) && Number.isFinite(t.upper);
  const margin = 1e-6 * (finite ? t.upper - t.lower : Math.max(1, Math.abs(x)));
  return x <= t.lower ? t.lower + margin : t.upper - margin;
}

/** Lower triangle entries of `matrix` (n×n, row-major, names `names`) as setInitialEstimates keys. */
function varianceValues(blocks: Model['omega'], names: readonly string[], matrix: readonly number[]): Record<string, number> {
  const n = names.length;
  const index = new Map(names.map((name, i) => [name, i]));
  const out: Record<string, number> = {};
  for (const b of blocks) {
    if (b.fixed) continue;
    for (let i = 0; i < b.names.length; i++) {
      for (let j = 0; j <= i; j++) {
        const r = index.get(b.names[i]!);
        const c = index.get(b.names[j]!);
        if (r === undefined || c === undefined) continue;
        const v = matrix[r * n + c]!;
        if (Number.isFinite(v)) out[i === j ? b.names[i]! : `${b.names[i]},${b.names[j]}`] = v;
      }
    }
  }
  return out;
}

/**
 * `model` with the final estimates of `fit` as initial estimates: thetas by name (kept
 * strictly inside their bounds), estimated omega and sigma elements by their random-effect
 * names. Parameters the fit does not name keep their values.
 */
export function withEstimates(model: Model, fit: ScmFit): Model {
  const theta: Record<string, number> = {};
  fit.thetaNames.forEach((name, i) => {
    const t = model.theta.find((x) => x.name === name);
    if (t !== undefined && !t.fixed) theta[name] = insideBounds(fit.theta[i]!, t);
  });
  return setInitialEstimates(model, {
    theta,
    omega: varianceValues(model.omega, fit.omegaNames, fit.omega),
    sigma: varianceValues(model.sigma, fit.sigmaNames, fit.sigma),
  });
}
