/**
 * Error models of observation rules: the named forms (`proportional(CP, eps_prop)`, …),
 * their rendering into NONMEM's Y = F + Σ H·EPS form, and their text for the writer.
 */
import { ModelError } from '../errors.js';
import { splitTopLevel } from './text.js';
import type { ErrorModel } from './types.js';

/** Named error models and their argument names, as written in a model file. */
export const ERROR_MODEL_FORMS: Readonly<Record<string, { kind: ErrorModel['kind']; args: readonly string[] }>> = {
  additive: { kind: 'additive', args: ['prediction', 'eps'] },
  proportional: { kind: 'proportional', args: ['prediction', 'eps'] },
  exponential: { kind: 'exponential', args: ['prediction', 'eps'] },
  combined_variance: { kind: 'combined-variance', args: ['prediction', 'additiveEps', 'proportionalEps'] },
  combined_sd: { kind: 'combined-sd', args: ['prediction', 'additiveSd', 'proportionalSd', 'eps'] },
  residual_sd: { kind: 'residual-sd', args: ['prediction', 'sd', 'eps'] },
};

/** Where the error-model text starts, for messages. */
export interface ErrorModelSite {
  readonly file: string;
  readonly line: number;
  /** 0-based column of the text's first character. */
  readonly offset: number;
}

/** Parse the right-hand side of `DV ~ …` (without its `if` condition). */
export function parseErrorModel(text: string, logDV: boolean, site: ErrorModelSite): ErrorModel {
  const call = /^([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)$/.exec(text);
  const form = call ? ERROR_MODEL_FORMS[call[1]!] : undefined;
  if (!call || form === undefined) return { kind: 'expression', expression: text, logDV };
  const fail = (message: string, at = 0): ModelError =>
    new ModelError(message, site.line > 0
      ? { file: site.file, line: site.line, column: site.offset + at + 1 }
      : undefined);
  if (logDV) throw fail(`write 'DV ~ ${call[1]}(…)'; log(DV) is only for error models written as an expression`);
  const argsAt = text.indexOf('(') + 1;
  const args = splitTopLevel(call[2]!, ',', argsAt);
  if (args.length !== form.args.length || args.some((a) => a.text === '')) {
    throw fail(`${call[1]}() takes ${form.args.length} arguments (${form.args.join(', ')}), not ${args.filter((a) => a.text !== '').length}`);
  }
  const value: Record<string, string> = { kind: form.kind };
  form.args.forEach((name, k) => { value[name] = args[k]!.text; });
  return value as unknown as ErrorModel;
}

/** The text `parseErrorModel` reads back into `error` (the part after `DV ~`). */
export function formatErrorModel(error: ErrorModel): string {
  if (error.kind === 'expression') return error.expression;
  const [name, form] = Object.entries(ERROR_MODEL_FORMS).find(([, f]) => f.kind === error.kind)!;
  const record = error as unknown as Record<string, string>;
  return `${name}(${form.args.map((a) => record[a]).join(', ')})`;
}

/**
 * NONMEM's Y for an error model, as an expression in ε: y = f + Σ h_k ε_k. The exponential
 * model is written on the log scale (log f + ε, with log DV observed).
 */
export function errorModelExpression(error: ErrorModel): string {
  switch (error.kind) {
    case 'additive': return `(${error.prediction}) + ${error.eps}`;
    case 'proportional': return `(${error.prediction}) * (1 + ${error.eps})`;
    case 'exponential': return `log(${error.prediction}) + ${error.eps}`;
    case 'combined-variance': return `(${error.prediction}) + ${error.additiveEps} + (${error.prediction}) * ${error.proportionalEps}`;
    case 'combined-sd': return `(${error.prediction}) + ((${error.additiveSd}) + (${error.proportionalSd}) * (${error.prediction})) * ${error.eps}`;
    case 'residual-sd': return `(${error.prediction}) + (${error.sd}) * ${error.eps}`;
    case 'expression': return error.expression;
  }
}

/** True when the observations of this error model are log(DV). */
export function observesLogDV(error: ErrorModel): boolean {
  return error.kind === 'exponential' || (error.kind === 'expression' && error.logDV);
}

/**
 * The prediction of DV on the data's scale (for PRED columns): the named models'
 * prediction argument; undefined for an expression (then f itself, back-transformed when
 * log DV is observed).
 */
export function predictionExpression(error: ErrorModel): string | undefined {
  return error.kind === 'expression' ? undefined : error.prediction;
}
