/**
 * Compiler stage 1, inputs: the values read from each data record — the declared covariates,
 * then the data items (TIME, AMT, …) any expression reads — and which covariates are only
 * compared with == / != (those may hold string categories).
 */
import type { MathNode } from 'mathjs';
import { errorModelExpression } from '../model/parse-error-model.js';
import { DATA_ITEMS } from '../model/scope.js';
import type { Model } from '../model/types.js';
import { node } from './compile-runtime.js';
import type { CompiledInput } from './compile.js';

/** The inputs of a model and their roles. */
export interface InputLayout {
  readonly inputs: readonly CompiledInput[];
  readonly inputIndex: ReadonlyMap<string, number>;
  readonly categoricalInputs: ReadonlySet<number>;
}

/** The inputs `model` reads, given its individual statements rendered as expressions. */
export function compileInputs(model: Model, individual: readonly { expression: string }[]): InputLayout {
  const usedData = new Set<string>();
  const numericUse = new Set<string>();
  const noteData = (text: string): void => {
    node(text).traverse((n: MathNode, path: string, parent: MathNode | null) => {
      const name = (n as unknown as { name?: string }).name;
      if (n.type !== 'SymbolNode' || path === 'fn' || name === undefined) return;
      if ((DATA_ITEMS as readonly string[]).includes(name)) usedData.add(name);
      const fn = parent?.type === 'OperatorNode' ? (parent as unknown as { fn: string }).fn : undefined;
      if (fn !== 'equal' && fn !== 'unequal') numericUse.add(name);
    });
  };
  for (const s of individual) noteData(s.expression);
  for (const d of model.dosing) noteData(d.expression);
  if (model.structure.kind === 'odes') for (const e of model.structure.equations) noteData(e.expression);
  for (const s of model.observe.statements) noteData(s.expression);
  for (const r of model.observe.rules) {
    noteData(errorModelExpression(r.error));
    if (r.when !== undefined) noteData(r.when);
  }
  const inputs: CompiledInput[] = [
    ...model.covariates.map((c) => ({ name: c.name, kind: 'covariate' as const, aliases: c.aliases })),
    ...DATA_ITEMS.filter((d) => usedData.has(d)).map((d) => ({ name: d, kind: 'data' as const, aliases: [] })),
  ];
  const inputIndex = new Map(inputs.map((c, i) => [c.name, i]));
  const categoricalInputs = new Set(inputs.flatMap((c, i) => (c.kind === 'covariate' && !numericUse.has(c.name) ? [i] : [])));
  return { inputs, inputIndex, categoricalInputs };
}
