/**
 * Which names a model's expressions read, and models without source locations (for
 * transforms and comparisons).
 */
import { parseExpression } from './expression.js';
import { errorModelExpression } from './parse-error-model.js';
import { renderIndividual } from './render.js';
import type { Model } from './types.js';

/** Every symbol read by any expression of `model` (covariate effects rendered in). */
export function usedSymbols(model: Model): Set<string> {
  const texts: string[] = [
    ...renderIndividual(model).map((s) => s.expression),
    ...model.dosing.map((d) => d.expression),
    ...(model.structure.kind === 'odes' ? model.structure.equations.map((e) => e.expression) : []),
    ...model.observe.statements.map((s) => s.expression),
    ...model.observe.rules.map((r) => errorModelExpression(r.error)),
    ...model.observe.rules.flatMap((r) => (r.when !== undefined ? [r.when] : [])),
  ];
  const used = new Set<string>();
  for (const t of texts) for (const s of parseExpression(t, {}).symbols) used.add(s);
  return used;
}

/** A copy of `value` without source locations (`at`, `expressionAt`, `errorAt`, `whenAt`, `otherwiseAt`). */
function strip<T>(value: T): T {
  if (Array.isArray(value)) return value.map(strip) as unknown as T;
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === 'at' || k === 'expressionAt' || k === 'errorAt' || k === 'whenAt' || k === 'otherwiseAt') continue;
    if (v === undefined) continue;
    out[k] = strip(v);
  }
  return out as T;
}

/**
 * The model without source locations and without its file (a transformed model no longer
 * matches the file it was read from; messages then name the model instead).
 */
export function withoutLocations(model: Model): Model {
  const { file: _file, ...rest } = strip(model);
  return rest as Model;
}
