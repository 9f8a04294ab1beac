/**
 * The compiler's runtime helpers: expression text → mathjs tree, and generated JavaScript
 * source → a function (with the runtime library of codegen.ts in scope).
 */
import { parse, ConstantNode, type MathNode } from 'mathjs';
import { RUNTIME_SOURCE } from './codegen.js';

type Fn = (...args: any[]) => any;

/** A function `name(params)` with `body` (lines of JavaScript), compiled once. */
export function generate<T extends Fn>(name: string, params: string, body: readonly string[]): T {
  const source = `${RUNTIME_SOURCE}\nreturn function ${name}(${params}) {\n${body.join('\n')}\n};`;
  return new Function(source)() as T;
}

/** The mathjs tree of an expression (already checked by the model's validation). */
export function node(text: string): MathNode {
  return parse(text);
}

/** The constant 0 as a tree. */
export const zero = (): MathNode => new ConstantNode(0) as unknown as MathNode;
