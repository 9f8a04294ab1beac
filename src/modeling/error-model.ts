/**
 * Replacing the residual error model of an observation rule.
 */
import type { ErrorModel, ErrorModelKind, Model, ThetaDef, VarianceBlock } from '../model/types.js';
import { declaredNames, finish, freshName, transformError } from './common.js';

/** Options for {@link setErrorModel}. */
export interface ErrorModelOptions {
  /** Which observation rule (0-based, in the observe section); default 0. */
  readonly rule?: number;
  /** The prediction expression; default the current rule's prediction. */
  readonly prediction?: string;
  /** Initial variance of a new additive eps (DV units squared; default 0.1). */
  readonly additiveVariance?: number;
  /** Initial variance of a new proportional or exponential eps (default 0.04, i.e. 20%). */
  readonly proportionalVariance?: number;
  /** combined-sd: initial additive SD theta (DV units; default 0.1). */
  readonly additiveSd?: number;
  /** combined-sd: initial proportional SD theta (fraction; default 0.2). */
  readonly proportionalSd?: number;
  /** residual-sd: the SD expression W (may use new names only if already declared). */
  readonly sd?: string;
}

/**
 * A new model whose observation rule uses error model `kind`. New epsilons and thetas get
 * conventional names (eps_add, eps_prop, eps_exp, eps_ruv with variance 1 FIX, RUV_ADD,
 * RUV_PROP); ones the old error model used and nothing else uses are removed.
 * Example: `setErrorModel(pheno, 'combined-variance', { additiveVariance: 0.5 })`.
 */
export function setErrorModel(model: Model, kind: Exclude<ErrorModelKind, 'expression'>, options: ErrorModelOptions = {}): Model {
  const fail = (m: string) => transformError(model, 'setErrorModel', m);
  const index = options.rule ?? 0;
  const rule = model.observe.rules[index];
  if (rule === undefined) throw fail(`no observation rule ${index} (the model has ${model.observe.rules.length})`);
  const prediction = options.prediction ?? (rule.error.kind !== 'expression' ? rule.error.prediction : undefined);
  if (prediction === undefined) throw fail(`the rule is written as an expression; give options.prediction`);

  const taken = declaredNames(model);
  const sigma: VarianceBlock[] = [];
  const theta: ThetaDef[] = [];
  const eps = (base: string, variance: number, fixed = false): string => {
    const existing = model.sigma.find((b) => !b.correlated && b.names[0] === base);
    if (existing !== undefined) return base;
    const name = freshName(base, taken);
    taken.add(name);
    sigma.push({ names: [name], lower: [variance], correlated: false, fixed });
    return name;
  };
  const newTheta = (base: string, init: number): string => {
    const name = freshName(base, taken);
    taken.add(name);
    theta.push({ name, init, lower: 0, upper: Infinity, fixed: false });
    return name;
  };
  const add = options.additiveVariance ?? 0.1;
  const prop = options.proportionalVariance ?? 0.04;
  let error: ErrorModel;
  switch (kind) {
    case 'additive': error = { kind, prediction, eps: eps('eps_add', add) }; break;
    case 'proportional': error = { kind, prediction, eps: eps('eps_prop', prop) }; break;
    case 'exponential': error = { kind, prediction, eps: eps('eps_exp', prop) }; break;
    case 'combined-variance':
      error = { kind, prediction, additiveEps: eps('eps_add', add), proportionalEps: eps('eps_prop', prop) };
      break;
    case 'combined-sd':
      error = {
        kind, prediction,
        additiveSd: newTheta('RUV_ADD', options.additiveSd ?? 0.1),
        proportionalSd: newTheta('RUV_PROP', options.proportionalSd ?? 0.2),
        eps: eps('eps_ruv', 1, true),
      };
      break;
    case 'residual-sd':
      if (options.sd === undefined) throw fail(`a residual-sd error model needs options.sd, the SD expression`);
      error = { kind, prediction, sd: options.sd, eps: eps('eps_ruv', 1, true) };
      break;
    default:
      throw fail(`unknown error model '${String(kind)}'`);
  }
  const rules = model.observe.rules.map((r, k) => (k === index ? { ...r, error } : r));
  return finish({
    ...model,
    theta: [...model.theta, ...theta],
    sigma: [...model.sigma, ...sigma],
    observe: { ...model.observe, rules },
  });
}
