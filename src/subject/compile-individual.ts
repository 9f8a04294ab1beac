/**
 * Compiler stage 3, individual parameters: the function that computes every variable of a
 * record, and its twin that also computes ∂v/∂η (forward-mode symbolic derivatives,
 * forward-emitter.ts); which etas each variable depends on, which inputs the variables read,
 * and the symbols the observe stage sees.
 */
import { dependsOnAny } from '../model/expression.js';
import { CONSTANTS } from '../model/scope.js';
import { generate } from './compile-runtime.js';
import type { VariableTable } from './compile-variables.js';
import type { CompiledInput, IndividualDerivativeFunction, IndividualFunction } from './compile.js';
import { ForwardEmitter, type DerivativeStats, type EmitSymbol } from './forward-emitter.js';

/** The individual functions and the symbol tables they leave for the observe stage. */
export interface CompiledIndividual {
  readonly individual: IndividualFunction;
  readonly individualWithDerivatives: IndividualDerivativeFunction;
  /** Etas each variable depends on. */
  readonly varEtaDeps: readonly ReadonlySet<number>[];
  /** Indices (into inputs) read by the variables. */
  readonly individualInputs: readonly number[];
  /** Symbols of θ, η, inputs, constants and variables, for value code and for derivative code. */
  readonly valueSymbols: ReadonlyMap<string, EmitSymbol>;
  readonly derivSymbols: ReadonlyMap<string, EmitSymbol>;
}

/** Names of the parameters the generated code reads. */
export interface ParameterNames {
  readonly thetaNames: readonly string[];
  readonly etaNames: readonly string[];
  readonly inputs: readonly CompiledInput[];
}

/** Compile the variables of `vars` (all stages' statements must be in it). */
export function compileIndividual(names: ParameterNames, vars: VariableTable, stats: DerivativeStats): CompiledIndividual {
  const nEta = names.etaNames.length;
  const baseSymbols = (): Map<string, EmitSymbol> => {
    const m = new Map<string, EmitSymbol>();
    const none = new Set<number>();
    names.thetaNames.forEach((n, i) => m.set(n, { js: `th[${i}]`, etaDeps: none }));
    names.etaNames.forEach((n, i) => m.set(n, { js: `et[${i}]`, etaDeps: new Set([i]) }));
    names.inputs.forEach((c, i) => m.set(c.name, { js: `cv[${i}]`, etaDeps: none }));
    for (const [n, x] of Object.entries(CONSTANTS)) m.set(n, { js: `(${x})`, etaDeps: none });
    return m;
  };
  const valueSymbols = baseSymbols();
  const derivSymbols = baseSymbols();
  const valueEmitter = new ForwardEmitter(valueSymbols, nEta, stats);
  const derivEmitter = new ForwardEmitter(derivSymbols, nEta, stats);
  const varEtaDeps: Set<number>[] = [];
  vars.statements.forEach((st, k) => {
    valueEmitter.lines.push(`v[vo + ${k}] = ${valueEmitter.value(st.node)};`);
    const deps = derivEmitter.etaDeps(st.node);
    varEtaDeps.push(deps);
    derivEmitter.lines.push(`v[vo + ${k}] = ${derivEmitter.value(st.node)};`);
    const d = derivEmitter.derivatives(st.node);
    for (let e = 0; e < nEta; e++) derivEmitter.lines.push(`dv[dvo + ${k * nEta + e}] = ${d.get(e) ?? '0'};`);
    const symbol = { js: `v[vo + ${k}]`, etaDeps: deps, derivative: (e: number) => `dv[dvo + ${k * nEta + e}]` };
    valueSymbols.set(st.name, { js: symbol.js, etaDeps: deps });
    derivSymbols.set(st.name, symbol);
  });
  const individualInputs: number[] = [];
  names.inputs.forEach((c, i) => {
    if (vars.statements.some((st) => dependsOnAny(st.node, new Set([c.name])))) individualInputs.push(i);
  });
  return {
    individual: generate<IndividualFunction>('individual', 'th, et, cv, v, vo', valueEmitter.lines),
    individualWithDerivatives: generate<IndividualDerivativeFunction>('individualWithDerivatives', 'th, et, cv, v, vo, dv, dvo', derivEmitter.lines),
    varEtaDeps, individualInputs, valueSymbols, derivSymbols,
  };
}

/** The etas that move any of the variables `pkVars` (structural parameters and dosing items), sorted. */
export function etasMoving(pkVars: readonly number[], varEtaDeps: readonly ReadonlySet<number>[]): number[] {
  const set = new Set<number>();
  for (const k of pkVars) for (const e of varEtaDeps[k]!) set.add(e);
  return [...set].sort((a, b) => a - b);
}
