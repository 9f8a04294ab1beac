/**
 * Structured covariate relations rendered into the individual statements: each effect's
 * factor multiplies the statement `TV<parameter>` when the model defines one (the typical
 * value, so that the relation works for any distribution of the parameter), else the
 * statement `<parameter>` itself.
 */
import { effectFactor } from './parse-effect.js';
import type { CovariateEffect, Model, Statement } from './types.js';

/** Name of the statement an effect on `parameter` multiplies, or undefined if neither exists. */
export function effectTarget(individual: readonly Statement[], parameter: string): string | undefined {
  if (individual.some((s) => s.name === `TV${parameter}`)) return `TV${parameter}`;
  if (individual.some((s) => s.name === parameter)) return parameter;
  return undefined;
}

/**
 * The individual statements with every covariate effect multiplied in, in the model's
 * order. Without effects this is `model.individual` itself.
 * Example: `CL = TVCL * exp(eta_CL)` with an effect `CL ~ power(WT, ref = 70, theta = CL_WT)`
 * and `TVCL = THETA_CL` renders `TVCL = (THETA_CL) * (WT / 70) ^ CL_WT`.
 */
export function renderIndividual(model: Pick<Model, 'individual' | 'effects'>): readonly Statement[] {
  if (model.effects.length === 0) return model.individual;
  const byTarget = new Map<string, CovariateEffect[]>();
  for (const e of model.effects) {
    const target = effectTarget(model.individual, e.parameter);
    if (target === undefined) continue;
    byTarget.set(target, [...(byTarget.get(target) ?? []), e]);
  }
  return model.individual.map((s) => {
    const effects = byTarget.get(s.name);
    if (effects === undefined) return s;
    return { ...s, expression: [`(${s.expression})`, ...effects.map(effectFactor)].join(' * ') };
  });
}
