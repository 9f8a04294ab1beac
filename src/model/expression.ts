/**
 * Expressions of the model language: parsed with mathjs, restricted to what a model needs
 * (arithmetic, comparisons, `and`/`or`/`not`, `c ? a : b`, a fixed list of functions, string
 * categories in comparisons), with every error reported at its file, line and column.
 */
import { parse, type MathNode } from 'mathjs';
import { ModelError } from '../errors.js';
import type { SourceLocation } from './types.js';

/** Where an expression was written, for messages. */
export interface ExpressionSite {
  readonly file?: string;
  /** Location of the expression's first character. */
  readonly at?: SourceLocation;
}

/** Functions an expression may call, with their number of arguments (min, max). */
export const FUNCTIONS: Readonly<Record<string, readonly [number, number]>> = {
  exp: [1, 1], log: [1, 1], log10: [1, 1], sqrt: [1, 1], abs: [1, 1], sign: [1, 1],
  floor: [1, 1], ceil: [1, 1], pow: [2, 2], min: [2, Infinity], max: [2, Infinity],
  logit: [1, 1], expit: [1, 1], invlogit: [1, 1],
};

const OPERATORS = new Set([
  'add', 'subtract', 'multiply', 'divide', 'pow', 'unaryMinus', 'unaryPlus',
  'smaller', 'larger', 'smallerEq', 'largerEq', 'equal', 'unequal', 'and', 'or', 'not',
]);

/** A checked expression: its mathjs tree and the symbols it reads (no function names). */
export interface ParsedExpression {
  readonly text: string;
  readonly node: MathNode;
  /** Distinct symbols in order of first appearance. */
  readonly symbols: readonly string[];
}

/** A ModelError at character `offset` (0-based) of an expression written at `site`. */
export function expressionError(message: string, site: ExpressionSite, offset = 0): ModelError {
  return new ModelError(message, {
    file: site.file,
    line: site.at?.line,
    column: site.at !== undefined ? site.at.column + offset : undefined,
  });
}

/**
 * 0-based offset of the first occurrence of identifier `name` in `text` outside string
 * literals, or 0 when it does not occur (used to place messages on a symbol).
 */
export function identifierOffset(text: string, name: string): number {
  const re = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z_][A-Za-z0-9_]*/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0] === name) return m.index;
  }
  return 0;
}

/**
 * Parse and check `text`. Throws ModelError (with the column) for a syntax error, an
 * unknown function, a wrong number of arguments, implicit multiplication or a construct
 * the model language does not have (matrices, assignments, units...).
 */
export function parseExpression(text: string, site: ExpressionSite): ParsedExpression {
  if (text.trim() === '') throw expressionError('an expression is missing here', site);
  let node: MathNode;
  try {
    node = parse(text);
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    const m = /\(char (\d+)\)/.exec(msg);
    const offset = m ? Math.max(0, Number(m[1]) - 1) : 0;
    throw expressionError(`syntax error in '${text.trim()}': ${msg.replace(/\s*\(char \d+\)/, '')}`, site, offset);
  }
  const symbols: string[] = [];
  const seen = new Set<string>();
  node.traverse((n: MathNode, path: string) => {
    checkNode(n, path, text, site);
    if (n.type === 'SymbolNode' && path !== 'fn') {
      const name = (n as unknown as { name: string }).name;
      if (!seen.has(name)) { seen.add(name); symbols.push(name); }
    }
  });
  return { text, node, symbols };
}

function checkNode(n: MathNode, path: string, text: string, site: ExpressionSite): void {
  const any = n as unknown as Record<string, unknown>;
  switch (n.type) {
    case 'ConstantNode': {
      const v = any.value;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return;
      throw expressionError(`unsupported constant in '${text.trim()}'`, site);
    }
    case 'SymbolNode':
    case 'ParenthesisNode':
    case 'ConditionalNode':
      return;
    case 'OperatorNode': {
      const fn = any.fn as string;
      if (any.implicit === true) {
        throw expressionError(`missing operator (write '*' for a product) in '${text.trim()}'`, site);
      }
      if (!OPERATORS.has(fn)) {
        throw expressionError(`operator '${String(any.op)}' is not part of the model language (in '${text.trim()}')`, site, Math.max(0, text.indexOf(String(any.op))));
      }
      return;
    }
    case 'FunctionNode': {
      const fnNode = any.fn as { type: string; name?: string };
      const name = fnNode.type === 'SymbolNode' ? fnNode.name ?? '' : '';
      const arity = FUNCTIONS[name];
      const offset = identifierOffset(text, name);
      if (arity === undefined) {
        throw expressionError(`unknown function '${name}'; known functions: ${Object.keys(FUNCTIONS).join(', ')}`, site, offset);
      }
      const nArgs = (any.args as unknown[]).length;
      if (nArgs < arity[0] || nArgs > arity[1]) {
        const expected = arity[0] === arity[1] ? `${arity[0]}` : `at least ${arity[0]}`;
        throw expressionError(`${name}() takes ${expected} argument${arity[0] === 1 && arity[1] === 1 ? '' : 's'}, not ${nArgs}`, site, offset);
      }
      return;
    }
    default:
      if (path === 'fn') return;
      throw expressionError(`'${n.toString()}' is not part of the model language (in '${text.trim()}')`, site);
  }
}

/** True when `node` reads symbol `name` (function names excluded). */
export function dependsOn(node: MathNode, name: string): boolean {
  let found = false;
  node.traverse((n: MathNode, path: string) => {
    if (!found && n.type === 'SymbolNode' && path !== 'fn' && (n as unknown as { name: string }).name === name) found = true;
  });
  return found;
}

/** True when `node` reads any of `names`. */
export function dependsOnAny(node: MathNode, names: ReadonlySet<string>): boolean {
  let found = false;
  node.traverse((n: MathNode, path: string) => {
    if (!found && n.type === 'SymbolNode' && path !== 'fn' && names.has((n as unknown as { name: string }).name)) found = true;
  });
  return found;
}
