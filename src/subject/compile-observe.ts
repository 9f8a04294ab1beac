/**
 * Compiler stage 4, outputs and rules: the observe statements (model outputs such as CP)
 * and, per observation rule, the functions that give the prediction f, the residual error
 * loadings h_k = ∂y/∂ε_k at ε = 0, their derivatives with respect to η, the prediction on
 * the data's scale, and the rule's selector.
 */
import type { MathNode } from 'mathjs';
import { ModelError } from '../errors.js';
import { errorModelExpression, observesLogDV, predictionExpression } from '../model/parse-error-model.js';
import { CONSTANTS } from '../model/scope.js';
import type { Model } from '../model/types.js';
import { emitJs } from './codegen.js';
import { generate, node, zero } from './compile-runtime.js';
import type { CompiledIndividual } from './compile-individual.js';
import type { CompiledModel, CompiledRule } from './compile.js';
import { differentiate, fold } from './derivative.js';
import { ForwardEmitter, type DerivativeStats, type EmitSymbol } from './forward-emitter.js';

/** What the observe stage needs from the earlier ones. */
export interface ObserveContext {
  readonly model: Model;
  readonly etaNames: readonly string[];
  readonly epsNames: readonly string[];
  readonly compartments: readonly string[];
  readonly inputIndex: ReadonlyMap<string, number>;
  readonly individual: CompiledIndividual;
  /** Etas that move the amounts. */
  readonly pkEtas: readonly number[];
  readonly stats: DerivativeStats;
}

/** The compiled outputs and rules. */
export interface CompiledObserve {
  readonly outputNames: readonly string[];
  readonly outputs: CompiledModel['outputs'];
  readonly rules: readonly CompiledRule[];
}

/** Compile the observe section of `ctx.model`. */
export function compileObserve(ctx: ObserveContext): CompiledObserve {
  const { model, compartments, stats } = ctx;
  const nEta = ctx.etaNames.length;
  const pkEtaSet = new Set(ctx.pkEtas);
  const observeSymbols = (withDerivatives: boolean): Map<string, EmitSymbol> => {
    const m = withDerivatives ? new Map(ctx.individual.derivSymbols) : new Map(ctx.individual.valueSymbols);
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
  const outputs = generate<CompiledModel['outputs']>('outputs', 'th, et, cv, v, vo, a, ao, out, oo', outputsEmitter.lines);

  const rules = model.observe.rules.map((r): CompiledRule => {
    const y = node(errorModelExpression(r.error));
    const epsSet = new Set(ctx.epsNames);
    const atZero = (n: MathNode): MathNode => fold(n.transform((m: MathNode, path: string) =>
      m.type === 'SymbolNode' && path !== 'fn' && epsSet.has((m as unknown as { name: string }).name) ? zero() : m));
    const fNode = atZero(y);
    const hNodes = ctx.epsNames.map((eps) => {
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
      const resolve = (name: string): string => (name in CONSTANTS ? `(${CONSTANTS[name]})` : `cv[${ctx.inputIndex.get(name)}]`);
      when = generate<NonNullable<CompiledRule['when']>>('when', 'cv', [`return !!(${emitJs(node(r.when), resolve)});`]);
    }
    return { when, logDV, evaluate, evaluateWithDerivatives, prediction };
  });
  return { outputNames, outputs, rules };
}
