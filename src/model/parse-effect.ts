/**
 * Reading and writing one line of the `effects` section:
 *   CL ~ power(WT, ref = 70, theta = CL_WT)
 *   CL ~ piecewise_linear(AGE, ref = 40, theta = [CL_AGE_below, CL_AGE_above])
 *   CL ~ categorical(CYP2D6, ref = "EM", categories = ["PM", "IM", "UM"], theta = [CL_PM, CL_IM, CL_UM])
 */
import { parse, type MathNode } from 'mathjs';
import { ModelError } from '../errors.js';
import { formatModelNumber } from './text.js';
import type { CovariateEffect, CovariateForm } from './types.js';

const FORMS: Readonly<Record<string, CovariateForm>> = {
  power: 'power', linear: 'linear', exponential: 'exponential',
  piecewise_linear: 'piecewise-linear', categorical: 'categorical',
};

type AnyNode = MathNode & Record<string, any>;

/** Parse an effects line (`text` starts at 0-based column `offset` of line `line`). */
export function parseEffect(text: string, offset: number, line: number, file?: string): CovariateEffect {
  const fail = (message: string, at = 0): ModelError =>
    new ModelError(message, { file: file ?? '<model>', line, column: offset + at + 1 });
  const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*~\s*(.*)$/.exec(text);
  if (!m) throw fail(`expected 'PARAMETER ~ form(COVARIATE, ref = …, theta = …)', e.g. 'CL ~ power(WT, ref = 70, theta = CL_WT)'`);
  const rhs = m[2]!;
  const rhsAt = text.length - rhs.length;
  let node: AnyNode;
  try {
    node = parse(rhs) as AnyNode;
  } catch (err) {
    throw fail(`syntax error in covariate effect: ${(err as Error).message}`, rhsAt);
  }
  const formName = node.type === 'FunctionNode' ? node.fn.name as string : '';
  const form = FORMS[formName];
  if (form === undefined) {
    throw fail(`unknown covariate effect form '${formName || rhs.trim()}'; forms: ${Object.keys(FORMS).join(', ')}`, rhsAt);
  }
  const args = node.args as AnyNode[];
  if (args.length === 0 || args[0]!.type !== 'SymbolNode') throw fail(`${formName}() needs the covariate name first`, rhsAt);
  const covariate = args[0]!.name as string;
  const named = new Map<string, AnyNode>();
  for (const a of args.slice(1)) {
    if (a.type !== 'AssignmentNode' || a.object?.type !== 'SymbolNode') throw fail(`arguments after the covariate are written 'key = value' (ref, theta, categories)`, rhsAt);
    const key = a.object.name as string;
    if (!['ref', 'theta', 'categories'].includes(key)) throw fail(`unknown argument '${key}' (expected ref, theta, categories)`, rhsAt + Math.max(0, rhs.indexOf(key)));
    named.set(key, a.value as AnyNode);
  }
  const refNode = named.get('ref');
  if (refNode === undefined) throw fail(`${formName}() needs 'ref = …' (the reference value or category)`, rhsAt);
  const reference = constantOf(refNode);
  if (reference === undefined) throw fail(`'ref' must be a number or a quoted category`, rhsAt + Math.max(0, rhs.indexOf('ref')));
  const thetaNode = named.get('theta');
  if (thetaNode === undefined) throw fail(`${formName}() needs 'theta = NAME' (or a list [NAME, …])`, rhsAt);
  const thetas = thetaNode.type === 'ArrayNode' ? (thetaNode.items as AnyNode[]) : [thetaNode];
  if (thetas.some((t) => t.type !== 'SymbolNode')) throw fail(`'theta' must name thetas`, rhsAt + Math.max(0, rhs.indexOf('theta')));
  const thetaNames = thetas.map((t) => t.name as string);
  let categories: (number | string)[] | undefined;
  const catNode = named.get('categories');
  if (catNode !== undefined) {
    const items = catNode.type === 'ArrayNode' ? (catNode.items as AnyNode[]) : [catNode];
    categories = items.map((c) => constantOf(c) as number | string);
    if (categories.some((c) => c === undefined)) throw fail(`'categories' must be a list of numbers or quoted categories`, rhsAt + Math.max(0, rhs.indexOf('categories')));
  }
  return {
    parameter: m[1]!, covariate, form, reference, thetas: thetaNames, categories,
    at: { line, column: offset + 1 },
  };
}

function constantOf(node: AnyNode): number | string | undefined {
  if (node.type === 'ConstantNode' && (typeof node.value === 'number' || typeof node.value === 'string')) return node.value;
  if (node.type === 'OperatorNode' && node.fn === 'unaryMinus' && node.args[0].type === 'ConstantNode' && typeof node.args[0].value === 'number') {
    return -node.args[0].value;
  }
  return undefined;
}

function formatConstant(x: number | string): string {
  return typeof x === 'number' ? formatModelNumber(x) : JSON.stringify(x);
}

/** The effects line for `effect`, as `parseEffect` reads it. */
export function formatEffect(effect: CovariateEffect): string {
  const formName = Object.keys(FORMS).find((k) => FORMS[k] === effect.form)!;
  const theta = effect.thetas.length === 1 && effect.form !== 'categorical' && effect.form !== 'piecewise-linear'
    ? effect.thetas[0]! : `[${effect.thetas.join(', ')}]`;
  const parts = [effect.covariate, `ref = ${formatConstant(effect.reference)}`];
  if (effect.categories !== undefined) parts.push(`categories = [${effect.categories.map(formatConstant).join(', ')}]`);
  parts.push(`theta = ${theta}`);
  return `${effect.parameter} ~ ${formName}(${parts.join(', ')})`;
}

/**
 * The multiplicative factor of `effect` as an expression (see CovariateEffect for the
 * forms). Categorical: 1 + θ_k for category k, 1 for any other value.
 */
export function effectFactor(effect: CovariateEffect): string {
  const cov = effect.covariate;
  const ref = typeof effect.reference === 'number' ? effect.reference : NaN;
  const refText = ref < 0 ? `(${formatModelNumber(ref)})` : formatModelNumber(ref);
  const [t1, t2] = effect.thetas;
  switch (effect.form) {
    case 'power': return `(${cov} / ${refText}) ^ ${t1}`;
    case 'linear': return `(1 + ${t1} * (${cov} - ${refText}))`;
    case 'exponential': return `exp(${t1} * (${cov} - ${refText}))`;
    case 'piecewise-linear':
      return `(${cov} <= ${refText} ? 1 + ${t1} * (${cov} - ${refText}) : 1 + ${t2} * (${cov} - ${refText}))`;
    case 'categorical': {
      const cats = effect.categories ?? [];
      let text = '1';
      for (let k = cats.length - 1; k >= 0; k--) {
        text = `(${cov} == ${formatConstant(cats[k]!)} ? 1 + ${effect.thetas[k]} : ${text})`;
      }
      return text;
    }
  }
}
