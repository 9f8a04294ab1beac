/**
 * What a symbol in a model expression refers to, section by section. Shared by the checker
 * (validate.ts) and the compiler (compile.ts) so that both resolve names the same way.
 */
import { renderIndividual } from './render.js';
import type { Model, Statement } from './types.js';
import { FUNCTIONS } from './expression.js';

/** Data items expressions may read directly from each record (standard NONMEM items). */
export const DATA_ITEMS = ['TIME', 'AMT', 'CMT', 'EVID', 'MDV', 'RATE', 'II', 'SS', 'ADDL'] as const;
/** A data item name readable in expressions. */
export type DataItemName = (typeof DATA_ITEMS)[number];

/** Named constants. */
export const CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI };

/** Names no model element may take. */
export const RESERVED = new Set<string>([
  ...DATA_ITEMS, 'DV', 't', ...Object.keys(CONSTANTS), ...Object.keys(FUNCTIONS),
  'true', 'false', 'and', 'or', 'not', 'if', 'otherwise',
]);

/** What a name in an expression refers to. */
export type SymbolKind =
  | 'theta' | 'eta' | 'eps' | 'covariate' | 'data' | 'individual' | 'compartment' | 'observe'
  | 'time' | 'constant';

/** The sections whose expressions are resolved differently. */
export type ExpressionContext = 'individual' | 'dosing' | 'odes' | 'observe' | 'error' | 'when';

/** Names of the compartments of a model's structure, in CMT order (none for `kind: 'none'`). */
export function compartmentNames(model: Model): readonly string[] {
  const s = model.structure;
  if (s.kind === 'odes') return s.compartments;
  if (s.kind === 'none') return [];
  const disposition = s.compartments === 1 ? ['central']
    : s.compartments === 2 ? ['central', 'peripheral'] : ['central', 'peripheral1', 'peripheral2'];
  return s.route === 'oral' ? ['depot', ...disposition] : disposition;
}

/** Structural parameter names a closed-form structure needs (NONMEM TRANS2 / ADVAN naming). */
export function closedFormParameterNames(nCmt: 1 | 2 | 3, oral: boolean): readonly string[] {
  const base = nCmt === 1 ? ['CL', 'V'] : nCmt === 2 ? ['CL', 'V1', 'Q', 'V2'] : ['CL', 'V1', 'Q2', 'V2', 'Q3', 'V3'];
  return oral ? [...base, 'KA'] : base;
}

/**
 * A symbol table: name → kind. `statementsBefore` limits individual (or observe) variables
 * to those defined before the statement being read.
 */
export class Scope {
  readonly kinds = new Map<string, SymbolKind>();

  constructor(readonly model: Model) {}

  /** The symbols visible in `context`; `upTo` = number of individual/observe statements visible. */
  static forContext(model: Model, context: ExpressionContext, upTo?: number): Scope {
    const scope = new Scope(model);
    const add = (names: Iterable<string>, kind: SymbolKind): void => {
      for (const n of names) if (!scope.kinds.has(n)) scope.kinds.set(n, kind);
    };
    const individual = renderIndividual(model);
    if (context === 'when') {
      add(model.covariates.map((c) => c.name), 'covariate');
      add(DATA_ITEMS, 'data');
      add(Object.keys(CONSTANTS), 'constant');
      return scope;
    }
    add(model.theta.map((t) => t.name), 'theta');
    add(model.omega.flatMap((b) => b.names), 'eta');
    add(model.covariates.map((c) => c.name), 'covariate');
    add(DATA_ITEMS, 'data');
    add(Object.keys(CONSTANTS), 'constant');
    const vars = (list: readonly Statement[], n?: number): string[] => list.slice(0, n ?? list.length).map((s) => s.name);
    if (context === 'individual') { add(vars(individual, upTo), 'individual'); return scope; }
    add(vars(individual), 'individual');
    if (context === 'dosing') return scope;
    add(compartmentNames(model), 'compartment');
    if (context === 'odes') { scope.kinds.set('t', 'time'); return scope; }
    add(vars(model.observe.statements, context === 'observe' ? upTo : undefined), 'observe');
    if (context === 'error') add(model.sigma.flatMap((b) => b.names), 'eps');
    return scope;
  }
}

/** Plain-language description of what may appear in each context (for unknown-symbol messages). */
export const CONTEXT_HELP: Readonly<Record<ExpressionContext, string>> = {
  individual: 'a theta, an eta, a declared covariate, a data item (TIME, AMT, …) or an individual parameter defined above',
  dosing: 'a theta, an eta, a declared covariate, a data item or an individual parameter',
  odes: 'a compartment amount, t, a theta, an eta, a declared covariate or an individual parameter',
  observe: 'a compartment amount, an individual parameter, a theta, an eta, a declared covariate, a data item or an output defined above',
  error: 'an output of observe, a compartment amount, an individual parameter, a theta, an eta, an eps, a declared covariate or a data item',
  when: 'a declared covariate or a data item',
};
