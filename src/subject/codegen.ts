/**
 * Translate checked mathjs expression trees into JavaScript source, compiled once with
 * `new Function`. Symbols are resolved by the caller to JavaScript expressions (array
 * reads such as `th[0]`), so evaluation never interprets the tree.
 */
import type { MathNode } from 'mathjs';

/** Maps a model symbol to JavaScript source that reads its value. */
export type SymbolResolver = (name: string) => string;

/** Functions every generated function may call; defined once in each generated module. */
export const RUNTIME_SOURCE = [
  'const logit = (p) => Math.log(p / (1 - p));',
  'const expit = (x) => 1 / (1 + Math.exp(-x));',
  // `x == "PM"` compares categories; a number equals a text category with the same digits
  // (a column holding both numbers and text is read as text: "1" == 1).
  'const eq = (a, b) => a === b || (typeof a !== typeof b && String(a) === String(b));',
].join('\n');

const BINARY: Readonly<Record<string, string>> = {
  add: '+', subtract: '-', multiply: '*', divide: '/',
  smaller: '<', larger: '>', smallerEq: '<=', largerEq: '>=', and: '&&', or: '||',
};

const FUNCTION_JS: Readonly<Record<string, string>> = {
  exp: 'Math.exp', log: 'Math.log', log10: 'Math.log10', sqrt: 'Math.sqrt', abs: 'Math.abs',
  sign: 'Math.sign', floor: 'Math.floor', ceil: 'Math.ceil', pow: 'Math.pow',
  min: 'Math.min', max: 'Math.max', logit: 'logit', expit: 'expit', invlogit: 'expit',
};

/** A JavaScript literal for a number, exact (round-trips through parseFloat). */
export function numberLiteral(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '(-Infinity)';
  return x < 0 || Object.is(x, -0) ? `(${String(x)})` : String(x);
}

/**
 * JavaScript source computing `node`. Comparisons yield booleans, which JavaScript
 * arithmetic treats as 0/1 (as mathjs does).
 */
export function emitJs(node: MathNode, resolve: SymbolResolver): string {
  const n = node as unknown as Record<string, any>;
  switch (node.type) {
    case 'ConstantNode': {
      const v = n.value;
      if (typeof v === 'number') return numberLiteral(v);
      if (typeof v === 'boolean') return v ? 'true' : 'false';
      return JSON.stringify(String(v));
    }
    case 'SymbolNode':
      return resolve(n.name as string);
    case 'ParenthesisNode':
      return emitJs(n.content as MathNode, resolve);
    case 'ConditionalNode':
      return `(${emitJs(n.condition, resolve)} ? ${emitJs(n.trueExpr, resolve)} : ${emitJs(n.falseExpr, resolve)})`;
    case 'OperatorNode': {
      const fn = n.fn as string;
      const args = (n.args as MathNode[]).map((a) => emitJs(a, resolve));
      if (fn === 'unaryMinus') return `(-${args[0]})`;
      if (fn === 'unaryPlus') return `(+${args[0]})`;
      if (fn === 'not') return `(!${args[0]})`;
      if (fn === 'pow') return `Math.pow(${args[0]}, ${args[1]})`;
      if (fn === 'equal') return `eq(${args[0]}, ${args[1]})`;
      if (fn === 'unequal') return `(!eq(${args[0]}, ${args[1]}))`;
      const op = BINARY[fn];
      if (op === undefined) throw new Error(`internal: no JavaScript for operator ${fn}`);
      return `(${args.join(` ${op} `)})`;
    }
    case 'FunctionNode': {
      const name = n.fn.name as string;
      const js = FUNCTION_JS[name];
      if (js === undefined) throw new Error(`internal: no JavaScript for function ${name}`);
      return `${js}(${(n.args as MathNode[]).map((a) => emitJs(a, resolve)).join(', ')})`;
    }
    default:
      throw new Error(`internal: cannot emit ${node.type}`);
  }
}
