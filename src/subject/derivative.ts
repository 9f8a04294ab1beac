/**
 * Symbolic partial derivatives of model expressions, computed once when a model is compiled.
 *
 * mathjs `derivative` does the algebra (sums, products, quotients, powers, exp, log, sqrt).
 * Constructs it does not know are handled here by the chain rule: such a subtree is replaced
 * by a placeholder symbol u, mathjs differentiates with respect to x and u, and the subtree's
 * own derivative du/dx is supplied by the rules below:
 *   d(c ? a : b) = c ? da : db            (the condition is piecewise constant)
 *   d min(a, b)  = a <= b ? da : db        d max(a, b) = a >= b ? da : db
 *   d |u|        = sign(u) du              d logit(u) = du / (u (1 − u))
 *   d expit(u)   = expit(u) (1 − expit(u)) du
 *   comparisons, and/or/not, sign, floor, ceil: 0 (piecewise constant)
 * A construct that has no rule makes `differentiate` throw; callers then fall back to a
 * finite difference of the compiled expression.
 */
import {
  derivative, ConstantNode, OperatorNode, ConditionalNode, FunctionNode, SymbolNode,
  type MathNode,
} from 'mathjs';
import { dependsOn } from '../model/expression.js';

const PIECEWISE_CONSTANT_OPS = new Set(['smaller', 'larger', 'smallerEq', 'largerEq', 'equal', 'unequal', 'and', 'or', 'not']);
const PIECEWISE_CONSTANT_FUNCTIONS = new Set(['sign', 'floor', 'ceil']);
const OPAQUE_FUNCTIONS = new Set(['min', 'max', 'abs', 'logit', 'expit', 'invlogit', 'sign', 'floor', 'ceil']);

type AnyNode = MathNode & Record<string, any>;

const num = (x: number): MathNode => new ConstantNode(x) as unknown as MathNode;
const op = (o: string, fn: string, args: MathNode[]): MathNode =>
  new OperatorNode(o as any, fn as any, args) as unknown as MathNode;
const call = (name: string, args: MathNode[]): MathNode =>
  new FunctionNode(new SymbolNode(name), args) as unknown as MathNode;
const cond = (c: MathNode, a: MathNode, b: MathNode): MathNode =>
  new ConditionalNode(c, a, b) as unknown as MathNode;

function functionName(node: MathNode): string | undefined {
  return node.type === 'FunctionNode' ? (node as AnyNode).fn.name as string : undefined;
}

function isOpaque(node: MathNode): boolean {
  if (node.type === 'ConditionalNode') return true;
  if (node.type === 'OperatorNode' && PIECEWISE_CONSTANT_OPS.has((node as AnyNode).fn)) return true;
  const name = functionName(node);
  return name !== undefined && OPAQUE_FUNCTIONS.has(name);
}

/** ∂node/∂x as a new tree (constant-folded). Throws when a construct has no rule. */
export function differentiate(node: MathNode, x: string): MathNode {
  return fold(diff(node, x));
}

function diff(node: MathNode, x: string): MathNode {
  if (!dependsOn(node, x)) return num(0);
  const n = node as AnyNode;
  switch (node.type) {
    case 'SymbolNode':
      return num(1);
    case 'ParenthesisNode':
      return diff(n.content, x);
    case 'ConditionalNode':
      return cond(n.condition, diff(n.trueExpr, x), diff(n.falseExpr, x));
    case 'OperatorNode':
      if (PIECEWISE_CONSTANT_OPS.has(n.fn)) return num(0);
      return viaMathjs(node, x);
    case 'FunctionNode': {
      const name = functionName(node)!;
      const args = n.args as MathNode[];
      if (PIECEWISE_CONSTANT_FUNCTIONS.has(name)) return num(0);
      if (name === 'min' || name === 'max') {
        const first = args[0]!;
        const rest = args.length === 2 ? args[1]! : call(name, args.slice(1));
        const test = op(name === 'min' ? '<=' : '>=', name === 'min' ? 'smallerEq' : 'largerEq', [first, rest]);
        return cond(test, diff(first, x), diff(rest, x));
      }
      if (name === 'abs') return op('*', 'multiply', [call('sign', [args[0]!]), diff(args[0]!, x)]);
      if (name === 'logit') {
        const u = args[0]!;
        return op('/', 'divide', [diff(u, x), op('*', 'multiply', [u, op('-', 'subtract', [num(1), u])])]);
      }
      if (name === 'expit' || name === 'invlogit') {
        const e = call('expit', [args[0]!]);
        return op('*', 'multiply', [op('*', 'multiply', [e, op('-', 'subtract', [num(1), e])]), diff(args[0]!, x)]);
      }
      if (name === 'pow') return viaMathjs(op('^', 'pow', [args[0]!, args[1]!]), x);
      return viaMathjs(node, x);
    }
    default:
      throw new Error(`no derivative rule for ${node.type}`);
  }
}

/** Differentiate with mathjs after replacing opaque subtrees by placeholders (chain rule). */
function viaMathjs(node: MathNode, x: string): MathNode {
  const placeholders: { name: string; subtree: MathNode }[] = [];
  const frozen = node.transform((n: MathNode, path: string) => {
    if (path === 'fn' || n === node || !isOpaque(n)) return n;
    const name = `__u${placeholders.length}`;
    placeholders.push({ name, subtree: n });
    return new SymbolNode(name) as unknown as MathNode;
  });
  const terms: MathNode[] = [];
  if (dependsOn(frozen, x)) terms.push(derivative(frozen, x, { simplify: false }) as MathNode);
  for (const p of placeholders) {
    if (!dependsOn(p.subtree, x)) continue;
    const outer = derivative(frozen, p.name, { simplify: false }) as MathNode;
    terms.push(op('*', 'multiply', [outer, diff(p.subtree, x)]));
  }
  const sum = terms.length === 0 ? num(0) : terms.reduce((a, b) => op('+', 'add', [a, b]));
  if (placeholders.length === 0) return sum;
  const byName = new Map(placeholders.map((p) => [p.name, p.subtree]));
  return sum.transform((n: MathNode, path: string) =>
    n.type === 'SymbolNode' && path !== 'fn' && byName.has((n as AnyNode).name) ? byName.get((n as AnyNode).name)! : n);
}

function constValue(node: MathNode): number | undefined {
  const n = node as AnyNode;
  return node.type === 'ConstantNode' && typeof n.value === 'number' ? n.value : undefined;
}

/** Light constant folding: 0·x → 0, 1·x → x, x + 0 → x, x^1 → x, numeric subtrees evaluated. */
export function fold(node: MathNode): MathNode {
  const n = node as AnyNode;
  if (node.type === 'ParenthesisNode') return fold(n.content);
  if (node.type === 'ConditionalNode') {
    const a = fold(n.trueExpr), b = fold(n.falseExpr);
    const ca = constValue(a), cb = constValue(b);
    if (ca !== undefined && ca === cb) return a;
    return cond(n.condition, a, b);
  }
  if (node.type === 'FunctionNode') {
    return new FunctionNode(n.fn, (n.args as MathNode[]).map(fold)) as unknown as MathNode;
  }
  if (node.type !== 'OperatorNode') return node;
  const args = (n.args as MathNode[]).map(fold);
  const c = args.map(constValue);
  switch (n.fn as string) {
    case 'unaryMinus':
      if (c[0] !== undefined) return num(-c[0]);
      if (args[0]!.type === 'OperatorNode' && (args[0] as AnyNode).fn === 'unaryMinus') return (args[0] as AnyNode).args[0];
      return op('-', 'unaryMinus', args);
    case 'unaryPlus':
      return args[0]!;
    case 'add':
      if (c[0] !== undefined && c[1] !== undefined) return num(c[0] + c[1]);
      if (c[0] === 0) return args[1]!;
      if (c[1] === 0) return args[0]!;
      return op('+', 'add', args);
    case 'subtract':
      if (c[0] !== undefined && c[1] !== undefined) return num(c[0] - c[1]);
      if (c[1] === 0) return args[0]!;
      if (c[0] === 0) return fold(op('-', 'unaryMinus', [args[1]!]));
      return op('-', 'subtract', args);
    case 'multiply':
      if (c[0] === 0 || c[1] === 0) return num(0);
      if (c[0] !== undefined && c[1] !== undefined) return num(c[0] * c[1]);
      if (c[0] === 1) return args[1]!;
      if (c[1] === 1) return args[0]!;
      return op('*', 'multiply', args);
    case 'divide':
      if (c[0] === 0) return num(0);
      if (c[1] === 1) return args[0]!;
      if (c[0] !== undefined && c[1] !== undefined && c[1] !== 0) return num(c[0] / c[1]);
      return op('/', 'divide', args);
    case 'pow':
      if (c[1] === 1) return args[0]!;
      if (c[1] === 0) return num(1);
      if (c[0] !== undefined && c[1] !== undefined) return num(Math.pow(c[0], c[1]));
      return op('^', 'pow', args);
    default:
      return op(n.op, n.fn, args);
  }
}
