/**
 * Model → compiled model: plain JavaScript functions generated once from the expressions
 * (no interpretation per evaluation), the compartment system, and symbolic derivatives with
 * respect to the etas and epsilons.
 *
 * Memory layout shared with the binder (src/subject/evaluator.ts):
 * - `cv`: the inputs of one record (declared covariates, then data items), numbers or
 *   string categories, in `CompiledModel.inputs` order;
 * - `v[vo + k]`: variable k of one record (`varNames`: the individual statements, then
 *   internal ones for dosing items and ODE parameters);
 * - `dv[dvo + k·nEta + e]`: ∂v_k/∂η_e;
 * - `a[ao + c]`: amount in compartment c at one observation; `da[dao + c·nEta + e]`: ∂a_c/∂η_e.
 */
import { parse, ConstantNode, type MathNode } from 'mathjs';
import { ModelError } from '../errors.js';
import { closedFormSystem } from '../pk/closed-form.js';
import { odeSystem, type OdeTolerances } from '../pk/ode.js';
import type { OdeJacobian } from '../pk/ode-sensitivities.js';
import type { CompartmentSystem } from '../pk/types.js';
import { RUNTIME_SOURCE, emitJs } from './codegen.js';
import { differentiate, fold } from './derivative.js';
import { dependsOnAny } from '../model/expression.js';
import { ForwardEmitter, type DerivativeStats, type EmitSymbol } from './forward-emitter.js';
import { errorModelExpression, observesLogDV, predictionExpression } from '../model/parse-error-model.js';
import { renderIndividual } from '../model/render.js';
import { CONSTANTS, DATA_ITEMS, compartmentNames, closedFormParameterNames } from '../model/scope.js';
import type { DosingItem, Model } from '../model/types.js';
import { compartmentIndex } from '../model/validate.js';

/** One value read from each data record. */
export interface CompiledInput {
  readonly name: string;
  readonly kind: 'covariate' | 'data';
  /** For covariates: the declared alternative column names. */
  readonly aliases: readonly string[];
}

type Fn = (...args: any[]) => any;

/** Individual variables of one record: `v[vo + k]`. */
export type IndividualFunction = (th: Float64Array, et: Float64Array, cv: readonly (number | string)[], v: Float64Array, vo: number) => void;
/** The same with ∂v/∂η into `dv[dvo + k·nEta + e]`. */
export type IndividualDerivativeFunction = (
  th: Float64Array, et: Float64Array, cv: readonly (number | string)[], v: Float64Array, vo: number, dv: Float64Array, dvo: number,
) => void;

/** One observation rule, compiled. */
export interface CompiledRule {
  /** Selects the records this rule applies to (absent: all). */
  readonly when?: (cv: readonly (number | string)[]) => boolean;
  /** True when the rule observes log(DV). */
  readonly logDV: boolean;
  /** Writes f into f[j] and h_k into h[ho + k]. */
  readonly evaluate: (
    th: Float64Array, et: Float64Array, cv: readonly (number | string)[], v: Float64Array, vo: number,
    a: Float64Array, ao: number, f: Float64Array, j: number, h: Float64Array, ho: number,
  ) => void;
  /** Also writes ∂f/∂η_e into df[dfo + e] and ∂h_k/∂η_e into dh[dho + k·nEta + e]. */
  readonly evaluateWithDerivatives: (
    th: Float64Array, et: Float64Array, cv: readonly (number | string)[], v: Float64Array, vo: number,
    dv: Float64Array, dvo: number, a: Float64Array, ao: number, da: Float64Array, dao: number,
    f: Float64Array, j: number, h: Float64Array, ho: number, df: Float64Array, dfo: number, dh: Float64Array, dho: number,
  ) => void;
  /** The prediction of DV on the data's scale (PRED/IPRED). */
  readonly prediction: (
    th: Float64Array, et: Float64Array, cv: readonly (number | string)[], v: Float64Array, vo: number, a: Float64Array, ao: number,
  ) => number;
}

/** Options for {@link compileModel}. */
export interface CompileOptions {
  /** ODE integration tolerances (odes models only). */
  readonly odeTolerances?: OdeTolerances;
}

/** A model compiled to functions; shared by every binding of the model. */
export interface CompiledModel {
  readonly model: Model;
  readonly thetaNames: readonly string[];
  readonly etaNames: readonly string[];
  readonly epsNames: readonly string[];
  readonly inputs: readonly CompiledInput[];
  /** Indices (into inputs) read by the individual variables: if none varies within a subject, nor do the parameters. */
  readonly individualInputs: readonly number[];
  /** Indices (into inputs) of the covariates used only in == / != comparisons (they may hold strings). */
  readonly categoricalInputs: ReadonlySet<number>;
  /** Individual statements, then internal variables (named `__…`). */
  readonly varNames: readonly string[];
  readonly nUserVars: number;
  /** Etas each variable depends on. */
  readonly varEtaDeps: readonly ReadonlySet<number>[];
  readonly individual: IndividualFunction;
  readonly individualWithDerivatives: IndividualDerivativeFunction;
  /** The compartment system (undefined for a model without compartments). */
  readonly system?: CompartmentSystem;
  readonly compartments: readonly string[];
  /** True for closed-form systems (their parameters must be positive). */
  readonly closedForm: boolean;
  /** Variable index of each structural parameter of `system`. */
  readonly structuralVars: Int32Array;
  /** Variable index of each dosing item per compartment, -1 for the default. */
  readonly doseVars: Readonly<Record<DosingItem, Int32Array>>;
  /** Etas that change any structural or dosing quantity (those need ∂amount/∂η). */
  readonly pkEtas: readonly number[];
  readonly rules: readonly CompiledRule[];
  /** Names of the observe statements (model outputs such as CP). */
  readonly outputNames: readonly string[];
  /** Writes every output into out[oo + k]. */
  readonly outputs: (
    th: Float64Array, et: Float64Array, cv: readonly (number | string)[], v: Float64Array, vo: number,
    a: Float64Array, ao: number, out: Float64Array, oo: number,
  ) => void;
  /** How the partial derivatives were obtained. */
  readonly derivativeStats: DerivativeStats;
}

function generate<T extends Fn>(name: string, params: string, body: readonly string[]): T {
  const source = `${RUNTIME_SOURCE}\nreturn function ${name}(${params}) {\n${body.join('\n')}\n};`;
  return new Function(source)() as T;
}

function node(text: string): MathNode {
  return parse(text);
}

const zero = (): MathNode => new ConstantNode(0) as unknown as MathNode;

/**
 * Compile a (validated) model. Throws ModelError for a model the compiler cannot handle
 * (e.g. an error model that is not differentiable in eps).
 * Example: `compileModel(loadModelFile('models/pheno.pkm')).varNames` starts with TVCL, TVV, CL, V.
 */
export function compileModel(model: Model, options: CompileOptions = {}): CompiledModel {
  const thetaNames = model.theta.map((t) => t.name);
  const etaNames = model.omega.flatMap((b) => b.names);
  const epsNames = model.sigma.flatMap((b) => b.names);
  const nEta = etaNames.length;
  const compartments = compartmentNames(model);
  const nCmt = compartments.length;
  const stats: DerivativeStats = { symbolic: 0, finiteDifference: 0 };

  // Inputs: declared covariates, then the data items any expression reads.
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
  const individual = renderIndividual(model);
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

  // Variables: individual statements, then internal ones (ODE parameters, dosing items).
  const statements: { name: string; node: MathNode }[] = individual.map((s) => ({ name: s.name, node: node(s.expression) }));
  const nUserVars = statements.length;
  const varIndex = new Map(statements.map((s, k) => [s.name, k]));
  const internal = (name: string, expression: string): number => {
    const existing = varIndex.get(name);
    if (existing !== undefined) return existing;
    statements.push({ name, node: node(expression) });
    varIndex.set(name, statements.length - 1);
    return statements.length - 1;
  };

  // Structure.
  let system: CompartmentSystem | undefined;
  let structuralVars = new Int32Array(0);
  const s = model.structure;
  if (s.kind === 'compartmental') {
    system = closedFormSystem(s.compartments, s.route === 'oral' ? 'oral' : 'iv');
    const expected = closedFormParameterNames(s.compartments, s.route === 'oral');
    if (system.compartments.join(',') !== compartments.join(',') || system.parameterNames.join(',') !== expected.join(',')) {
      throw new Error(`internal: closed-form system ${system.label} does not have the documented compartments/parameters`);
    }
    structuralVars = Int32Array.from(system.parameterNames.map((p) => varIndex.get(p)!));
  } else if (s.kind === 'odes') {
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
    structuralVars = Int32Array.from(parameterNames.map((p) => varIndex.get(p) ?? internal(`__ode_${p}`, p)));
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
    system = odeSystem({
      label: `${model.name} (ODE)`,
      compartments,
      parameterNames,
      defaultDoseCompartment: 0,
      defaultObservationCompartment: central >= 0 ? central : 0,
      linear: isLinearInAmounts(equationNodes, compartmentSet),
      autonomous: !readsTime,
      rhs,
      ...(jacobian !== undefined ? { jacobian } : {}),
      tolerances: options.odeTolerances,
    });
  }

  // Dosing items.
  const doseVars = {} as Record<DosingItem, Int32Array>;
  for (const item of ['F', 'ALAG', 'RATE', 'DUR', 'INIT'] as const) doseVars[item] = new Int32Array(nCmt).fill(-1);
  for (const d of model.dosing) {
    const c = compartmentIndex(compartments, d.compartment);
    doseVars[d.item][c] = internal(`__${d.item}_${compartments[c]}`, d.expression);
  }

  // Individual functions.
  const baseSymbols = (): Map<string, EmitSymbol> => {
    const m = new Map<string, EmitSymbol>();
    const none = new Set<number>();
    thetaNames.forEach((n, i) => m.set(n, { js: `th[${i}]`, etaDeps: none }));
    etaNames.forEach((n, i) => m.set(n, { js: `et[${i}]`, etaDeps: new Set([i]) }));
    inputs.forEach((c, i) => m.set(c.name, { js: `cv[${i}]`, etaDeps: none }));
    for (const [n, x] of Object.entries(CONSTANTS)) m.set(n, { js: `(${x})`, etaDeps: none });
    return m;
  };
  const valueSymbols = baseSymbols();
  const derivSymbols = baseSymbols();
  const valueEmitter = new ForwardEmitter(valueSymbols, nEta, stats);
  const derivEmitter = new ForwardEmitter(derivSymbols, nEta, stats);
  const varEtaDeps: Set<number>[] = [];
  statements.forEach((st, k) => {
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
  const individualFn = generate<IndividualFunction>('individual', 'th, et, cv, v, vo', valueEmitter.lines);
  const individualD = generate<IndividualDerivativeFunction>('individualWithDerivatives', 'th, et, cv, v, vo, dv, dvo', derivEmitter.lines);

  const individualInputs: number[] = [];
  inputs.forEach((c, i) => {
    if (statements.some((st) => dependsOnAny(st.node, new Set([c.name])))) individualInputs.push(i);
  });

  // Etas that move the PK quantities.
  const pkVarIndices = [...structuralVars, ...Object.values(doseVars).flatMap((a) => [...a].filter((k) => k >= 0))];
  const pkEtaSet = new Set<number>();
  for (const k of pkVarIndices) for (const e of varEtaDeps[k]!) pkEtaSet.add(e);
  const pkEtas = [...pkEtaSet].sort((a, b) => a - b);

  // Observe: outputs and rules.
  const observeSymbols = (withDerivatives: boolean): Map<string, EmitSymbol> => {
    const m = withDerivatives ? new Map(derivSymbols) : new Map(valueSymbols);
    compartments.forEach((c, i) => m.set(c, {
      js: `a[ao + ${i}]`,
      etaDeps: pkEtaSet,
      derivative: withDerivatives ? (e: number) => `da[dao + ${i * nEta + e}]` : undefined,
    }));
    return m;
  };
  const outputNames = model.observe.statements.map((st) => st.name);
  const outputNodes = model.observe.statements.map((st) => node(st.expression));
  const emitOutputs = (emitter: ForwardEmitter, symbols: Map<string, EmitSymbol>, withDerivatives: boolean): void => {
    outputNodes.forEach((n, k) => {
      const local = `o${k}`;
      emitter.lines.push(`const ${local} = ${emitter.value(n)};`);
      const deps = emitter.etaDeps(n);
      let derivative: ((e: number) => string) | undefined;
      if (withDerivatives) {
        const d = emitter.derivatives(n);
        derivative = (e: number) => d.get(e) ?? '0';
      }
      symbols.set(outputNames[k]!, { js: local, etaDeps: deps, derivative });
    });
  };

  const outputSymbols = observeSymbols(false);
  const outputsEmitter = new ForwardEmitter(outputSymbols, nEta, stats);
  emitOutputs(outputsEmitter, outputSymbols, false);
  outputNames.forEach((_, k) => outputsEmitter.lines.push(`out[oo + ${k}] = o${k};`));
  const outputsFn = generate<CompiledModel['outputs']>('outputs', 'th, et, cv, v, vo, a, ao, out, oo', outputsEmitter.lines);

  const rules = model.observe.rules.map((r): CompiledRule => {
    const y = node(errorModelExpression(r.error));
    const epsSet = new Set(epsNames);
    const atZero = (n: MathNode): MathNode => fold(n.transform((m: MathNode, path: string) =>
      m.type === 'SymbolNode' && path !== 'fn' && epsSet.has((m as unknown as { name: string }).name) ? zero() : m));
    const fNode = atZero(y);
    const hNodes = epsNames.map((eps) => {
      try {
        return atZero(differentiate(y, eps));
      } catch {
        throw new ModelError(`the observation rule '${errorModelExpression(r.error)}' is not differentiable in ${eps}`, { file: model.file, line: r.at?.line });
      }
    });
    const predText = predictionExpression(r.error);
    const logDV = observesLogDV(r.error);

    const vSymbols = observeSymbols(false);
    const ve = new ForwardEmitter(vSymbols, nEta, stats);
    emitOutputs(ve, vSymbols, false);
    ve.lines.push(`f[j] = ${ve.value(fNode)};`);
    hNodes.forEach((h, k) => ve.lines.push(`h[ho + ${k}] = ${ve.value(h)};`));
    const evaluate = generate<CompiledRule['evaluate']>('evaluateRule', 'th, et, cv, v, vo, a, ao, f, j, h, ho', ve.lines);

    const dSymbols = observeSymbols(true);
    const de = new ForwardEmitter(dSymbols, nEta, stats);
    emitOutputs(de, dSymbols, true);
    de.lines.push(`f[j] = ${de.value(fNode)};`);
    const df = de.derivatives(fNode);
    for (let e = 0; e < nEta; e++) de.lines.push(`df[dfo + ${e}] = ${df.get(e) ?? '0'};`);
    hNodes.forEach((h, k) => {
      de.lines.push(`h[ho + ${k}] = ${de.value(h)};`);
      const dh = de.derivatives(h);
      for (let e = 0; e < nEta; e++) de.lines.push(`dh[dho + ${k * nEta + e}] = ${dh.get(e) ?? '0'};`);
    });
    const evaluateWithDerivatives = generate<CompiledRule['evaluateWithDerivatives']>(
      'evaluateRuleWithDerivatives', 'th, et, cv, v, vo, dv, dvo, a, ao, da, dao, f, j, h, ho, df, dfo, dh, dho', de.lines);

    const pSymbols = observeSymbols(false);
    const pe = new ForwardEmitter(pSymbols, nEta, stats);
    emitOutputs(pe, pSymbols, false);
    const pred = predText !== undefined ? pe.value(node(predText)) : logDV ? `Math.exp(${pe.value(fNode)})` : pe.value(fNode);
    pe.lines.push(`return ${pred};`);
    const prediction = generate<CompiledRule['prediction']>('prediction', 'th, et, cv, v, vo, a, ao', pe.lines);

    let when: CompiledRule['when'];
    if (r.when !== undefined) {
      const resolve = (name: string): string => (name in CONSTANTS ? `(${CONSTANTS[name]})` : `cv[${inputIndex.get(name)}]`);
      when = generate<NonNullable<CompiledRule['when']>>('when', 'cv', [`return !!(${emitJs(node(r.when), resolve)});`]);
    }
    return { when, logDV, evaluate, evaluateWithDerivatives, prediction };
  });

  return {
    model, thetaNames, etaNames, epsNames, inputs, individualInputs, categoricalInputs,
    varNames: statements.map((st) => st.name), nUserVars, varEtaDeps,
    individual: individualFn, individualWithDerivatives: individualD,
    system, compartments, closedForm: s.kind === 'compartmental', structuralVars, doseVars, pkEtas,
    rules, outputNames, outputs: outputsFn, derivativeStats: stats,
  };
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
