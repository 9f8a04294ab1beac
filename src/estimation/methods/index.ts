/**
 * The estimation methods, by name, and the one place where a method is refused for what it
 * cannot do. A new method is a new module registered here; nothing else dispatches on names.
 */
import { PopkitError } from '../../errors.js';
import type { EstimationMethod } from '../types.js';
import { fo } from './fo.js';
import { foce } from './foce.js';
import { focei } from './focei.js';
import { laplace } from './laplace.js';
import type { EstimationMethodModule, MethodSupport } from './method.js';

export type { EstimationMethodModule, MethodSupport, ObjectiveMethod } from './method.js';

const MODULES: readonly EstimationMethodModule[] = [fo, foce, focei, laplace];

/** Every estimation method, in the order the command line lists them. */
export const ESTIMATION_METHODS: readonly EstimationMethod[] = MODULES.map((m) => m.name);

/**
 * The module of method `name`. Throws PopkitError naming the methods there are when `name`
 * is unknown, and, when `needs` lists capabilities (e.g. `{ censoring: 'the data has BLQ
 * records' }`), when the method lacks one, saying why it was needed and which methods have it.
 * Example: `estimationMethod('focei').supports.interaction` is true.
 */
export function estimationMethod(name: string, needs: Partial<Record<keyof MethodSupport, string>> = {}): EstimationMethodModule {
  const module = MODULES.find((m) => m.name === name);
  if (module === undefined) throw new PopkitError(`unknown estimation method '${name}' (use ${ESTIMATION_METHODS.join(', ')})`);
  for (const [capability, reason] of Object.entries(needs) as [keyof MethodSupport, string][]) {
    if (module.supports[capability]) continue;
    const able = MODULES.filter((m) => m.supports[capability]).map((m) => m.name);
    throw new PopkitError(`the estimation method ${name} does not support ${CAPABILITY_WORDS[capability]}, which ${reason} needs`
      + (able.length > 0 ? `; use ${able.join(' or ')}` : ''));
  }
  return module;
}

const CAPABILITY_WORDS: Record<keyof MethodSupport, string> = {
  interaction: 'η–ε interaction',
  conditionalModes: 'conditional modes during estimation',
  exactHessian: 'an exact Hessian',
  censoring: 'censored observations',
};
