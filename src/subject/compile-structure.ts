/**
 * Compiler stage 2, structure: the compartment system — a closed form (1/2/3 compartments,
 * iv or oral) or an ODE system generated from the odes section with its symbolic Jacobian —
 * and the variable that gives each of its structural parameters; then the dosing items
 * (F, ALAG, RATE, DUR, INIT) per compartment.
 */
import type { MathNode } from 'mathjs';
import { closedFormSystem } from '../pk/closed-form.js';
import { odeSystem, type OdeTolerances } from '../pk/ode.js';
import type { OdeJacobian } from '../pk/ode-sensitivities.js';
import type { CompartmentSystem } from '../pk/types.js';
import { dependsOnAny } from '../model/expression.js';
import { CONSTANTS, closedFormParameterNames } from '../model/scope.js';
import type { DosingItem, Model } from '../model/types.js';
import { compartmentIndex } from '../model/validate.js';
import { emitJs } from './codegen.js';
import { generate, node } from './compile-runtime.js';
import type { VariableTable } from './compile-variables.js';
import { differentiate } from './derivative.js';

/** The compartment system of a model and where its parameters come from. */
export interface CompiledStructure {
  readonly system?: CompartmentSystem;
  /** Variable index of each structural parameter of `system`. */
  readonly structuralVars: Int32Array;
}

/**
 * The system of `model` (undefined without compartments); an ODE parameter that is not a
 * variable becomes an internal variable of `vars`.
 */
export function compileStructure(model: Model, compartments: readonly string[], vars: VariableTable, odeTolerances?: OdeTolerances): CompiledStructure {
  const s = model.structure;
  if (s.kind === 'compartmental') {
    const system = closedFormSystem(s.compartments, s.route === 'oral' ? 'oral' : 'iv');
    const expected = closedFormParameterNames(s.compartments, s.route === 'oral');
    if (system.compartments.join(',') !== compartments.join(',') || system.parameterNames.join(',') !== expected.join(',')) {
      throw new Error(`internal: closed-form system ${system.label} does not have the documented compartments/parameters`);
    }
    return { system, structuralVars: Int32Array.from(system.parameterNames.map((p) => vars.indexOf(p)!)) };
  }
  if (s.kind !== 'odes') return { structuralVars: new Int32Array(0) };
  const compartmentSet = new Set(compartments);
  const parameterNames: string[] = [];
  const equationNodes = compartments.map((c) => node(s.equations.find((e) => e.compartment === c)!.expression));
  for (const eq of equationNodes) {
    eq.traverse((n: MathNode, path: string) => {
      const name = (n as unknown as { name?: string }).name;
      if (n.type !== 'SymbolNode' || path === 'fn' || name === undefined) return;
      if (compartmentSet.has(name) || name === 't' || name === 'TIME' || name in CONSTANTS) return;
      if (!parameterNames.includes(name)) parameterNames.push(name);
    });
  }
  const structuralVars = Int32Array.from(parameterNames.map((p) => vars.indexOf(p) ?? vars.internal(`__ode_${p}`, p)));
  const resolve = (name: string): string => {
    const c = compartments.indexOf(name);
    if (c >= 0) return `a[${c}]`;
    if (name === 't' || name === 'TIME') return 't';
    if (name in CONSTANTS) return String(CONSTANTS[name]);
    return `p[${parameterNames.indexOf(name)}]`;
  };
  let readsTime = false;
  const body = equationNodes.map((eq, c) => `dadt[${c}] = ${emitJs(eq, (name) => {
    if (name === 't' || name === 'TIME') readsTime = true;
    return resolve(name);
  })};`);
  const rhs = generate<(t: number, a: Float64Array, p: Float64Array, dadt: Float64Array) => void>('rhs', 't, a, p, dadt', body);
  const jacobian = odeJacobian(equationNodes, compartments, parameterNames, resolve);
  const central = compartments.indexOf('central');
  const system = odeSystem({
    label: `${model.name} (ODE)`,
    compartments,
    parameterNames,
    defaultDoseCompartment: 0,
    defaultObservationCompartment: central >= 0 ? central : 0,
    linear: isLinearInAmounts(equationNodes, compartmentSet),
    autonomous: !readsTime,
    rhs,
    ...(jacobian !== undefined ? { jacobian } : {}),
    tolerances: odeTolerances,
  });
  return { system, structuralVars };
}

/** Variable index of each dosing item per compartment (-1: the default), added as internal variables. */
export function compileDosing(model: Model, compartments: readonly string[], vars: VariableTable): Record<DosingItem, Int32Array> {
  const doseVars = {} as Record<DosingItem, Int32Array>;
  for (const item of ['F', 'ALAG', 'RATE', 'DUR', 'INIT'] as const) doseVars[item] = new Int32Array(compartments.length).fill(-1);
  for (const d of model.dosing) {
    const c = compartmentIndex(compartments, d.compartment);
    doseVars[d.item][c] = vars.internal(`__${d.item}_${compartments[c]}`, d.expression);
  }
  return doseVars;
}

/** True when every right-hand side is linear in the amounts (∂rhs/∂a free of amounts). */
function isLinearInAmounts(equations: readonly MathNode[], compartments: ReadonlySet<string>): boolean {
  try {
    return equations.every((eq) => [...compartments].every((c) => !dependsOnAny(differentiate(eq, c), compartments)));
  } catch {
    return false;
  }
}

/**
 * Symbolic Jacobians of the ODE right-hand sides with respect to the amounts and the ODE's
 * parameters, for forward sensitivities (src/pk/ode-sensitivities.ts); undefined when some
 * partial has no symbolic rule (the amounts' derivatives then come from finite differences).
 */
function odeJacobian(
  equations: readonly MathNode[], compartments: readonly string[], parameterNames: readonly string[],
  resolve: (name: string) => string,
): OdeJacobian | undefined {
  const n = compartments.length, nPar = parameterNames.length;
  const lines: string[] = [];
  try {
    equations.forEach((eq, i) => {
      compartments.forEach((c, j) => lines.push(`ja[${i * n + j}] = ${emitJs(differentiate(eq, c), resolve)};`));
      parameterNames.forEach((q, k) => lines.push(`jp[${i * nPar + k}] = ${emitJs(differentiate(eq, q), resolve)};`));
    });
  } catch {
    return undefined;
  }
  return generate<OdeJacobian>('jacobian', 't, a, p, ja, jp', lines);
}
