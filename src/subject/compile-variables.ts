/**
 * The compiled model's variables: the individual statements in order, then internal
 * variables (named `__…`) the structure and the dosing items add (ODE parameters that are
 * expressions, F/ALAG/RATE/DUR/INIT per compartment). Variable k of a record is `v[vo + k]`.
 */
import type { MathNode } from 'mathjs';
import { node } from './compile-runtime.js';

/** One variable: its name and expression tree. */
export interface VariableStatement {
  readonly name: string;
  readonly node: MathNode;
}

/** The variables of one compilation, filled stage by stage. */
export class VariableTable {
  readonly statements: VariableStatement[];
  /** Number of individual (user) statements; internal variables follow them. */
  readonly nUser: number;
  private readonly index: Map<string, number>;

  constructor(individual: readonly { name: string; expression: string }[]) {
    this.statements = individual.map((s) => ({ name: s.name, node: node(s.expression) }));
    this.nUser = this.statements.length;
    this.index = new Map(this.statements.map((s, k) => [s.name, k]));
  }

  /** Index of variable `name`, or undefined. */
  indexOf(name: string): number | undefined {
    return this.index.get(name);
  }

  /** Index of variable `name`, adding it with `expression` when it does not exist yet. */
  internal(name: string, expression: string): number {
    const existing = this.index.get(name);
    if (existing !== undefined) return existing;
    this.statements.push({ name, node: node(expression) });
    this.index.set(name, this.statements.length - 1);
    return this.statements.length - 1;
  }
}
