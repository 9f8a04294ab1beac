/**
 * `defineModel`: the TypeScript way to write a model. It builds the same Model a model file
 * gives (without source locations) and runs the same checks.
 */
import { joinPath } from './paths.js';
import { ModelError } from '../errors.js';
import type { StandardItem } from '../data/types.js';
import { parseErrorModel } from './parse-error-model.js';
import type {
  CovariateDecl, CovariateEffect, DosingDef, DosingItem, ErrorModel, Model, ObservationRule,
  Statement, Structure, ThetaDef, TimeVaryingRule, VarianceBlock,
} from './types.js';
import { validateModel } from './validate.js';

/** A theta: its initial value alone, or with bounds and FIX. */
export type ThetaSpec = number | { readonly init: number; readonly lower?: number; readonly upper?: number; readonly fixed?: boolean; readonly comment?: string };

/** A diagonal element `{ name, variance }` or a correlated block `{ names, lower }` (lower triangle row-wise). */
export type VarianceSpec =
  | { readonly name: string; readonly variance: number; readonly fixed?: boolean; readonly comment?: string }
  | { readonly names: readonly string[]; readonly lower: readonly number[]; readonly fixed?: boolean; readonly comment?: string };

/** An observation rule: an error model (object or text such as 'proportional(CP, eps)') and an optional condition. */
export interface RuleSpec {
  readonly error: ErrorModel | string;
  readonly when?: string;
  /** For a text expression observed as log(DV). */
  readonly logDV?: boolean;
}

/** Everything `defineModel` takes; see docs/model-format.md for the meaning of each part. */
export interface ModelSpec {
  readonly name: string;
  readonly description?: readonly string[];
  /** Default dataset path, anchored at `baseDir` (without it, kept relative to the working directory). */
  readonly data?: string;
  readonly baseDir?: string;
  readonly dataColumns?: Readonly<Partial<Record<StandardItem, string>>>;
  readonly covariates?: readonly (string | { readonly name: string; readonly aliases?: readonly string[] })[];
  readonly timeVarying?: TimeVaryingRule;
  readonly theta?: Readonly<Record<string, ThetaSpec>>;
  /** Diagonal variances by name (`{ eta_CL: 0.1 }`) or a list of elements and blocks. */
  readonly omega?: Readonly<Record<string, number>> | readonly VarianceSpec[];
  readonly sigma?: Readonly<Record<string, number>> | readonly VarianceSpec[];
  /** Individual statements in order: `{ CL: 'CL_WT * WT * exp(eta_CL)' }`. */
  readonly individual?: Readonly<Record<string, string>>;
  readonly effects?: readonly CovariateEffect[];
  /** '1cmt iv', '2cmt oral', …, or ODEs `{ odes: { central: '-CL / V * central' } }`. */
  readonly structure?: string | { readonly compartments?: readonly string[]; readonly odes: Readonly<Record<string, string>> };
  /** Dosing items by their model-file left-hand side: `{ 'F(depot)': 'BIOAV', 'central(0)': 'A0' }`. */
  readonly dosing?: Readonly<Record<string, string>>;
  readonly observe: {
    /** Named outputs in order: `{ CP: 'central / V' }`. */
    readonly outputs?: Readonly<Record<string, string>>;
    readonly rules: readonly (RuleSpec | string)[];
    readonly otherwise?: 'error' | 'ignore';
  };
}

/**
 * Build and check a model from a spec.
 * Example:
 *   defineModel({ name: 'wang2007_prop', theta: { TKE: 0.5 }, omega: { eta_KE: 0.04 },
 *     sigma: { eps: 0.1 }, individual: { KE: 'TKE * exp(eta_KE)' },
 *     observe: { outputs: { IPRED: '10 * exp(-KE * TIME)' }, rules: ['proportional(IPRED, eps)'] } })
 */
export function defineModel(spec: ModelSpec): Model {
  const covariates: CovariateDecl[] = (spec.covariates ?? []).map((c) =>
    typeof c === 'string' ? { name: c, aliases: [] } : { name: c.name, aliases: [...(c.aliases ?? [])] });
  const theta: ThetaDef[] = Object.entries(spec.theta ?? {}).map(([name, t]) =>
    typeof t === 'number'
      ? { name, init: t, lower: -Infinity, upper: Infinity, fixed: false }
      : { name, init: t.init, lower: t.lower ?? -Infinity, upper: t.upper ?? Infinity, fixed: t.fixed ?? false, comment: t.comment });
  const model: Model = {
    name: spec.name,
    description: [...(spec.description ?? [])],
    dataPath: spec.data,
    dataFile: spec.data === undefined ? undefined : joinPath(spec.baseDir ?? '', spec.data),
    dataColumns: spec.dataColumns,
    covariates,
    timeVarying: spec.timeVarying ?? 'nocb',
    theta,
    omega: varianceBlocks(spec.omega),
    sigma: varianceBlocks(spec.sigma),
    individual: statements(spec.individual),
    effects: [...(spec.effects ?? [])],
    structure: structureOf(spec.structure),
    dosing: dosingOf(spec.dosing),
    observe: {
      statements: statements(spec.observe.outputs),
      rules: spec.observe.rules.map(ruleOf),
      otherwise: spec.observe.otherwise ?? 'error',
    },
  };
  return validateModel(model);
}

function varianceBlocks(spec: ModelSpec['omega']): VarianceBlock[] {
  if (spec === undefined) return [];
  if (!Array.isArray(spec)) {
    return Object.entries(spec as Record<string, number>).map(([name, v]) => ({ names: [name], lower: [v], correlated: false, fixed: false }));
  }
  return (spec as readonly VarianceSpec[]).map((b) => 'name' in b
    ? { names: [b.name], lower: [b.variance], correlated: false, fixed: b.fixed ?? false, comment: b.comment }
    : { names: [...b.names], lower: [...b.lower], correlated: true, fixed: b.fixed ?? false, comment: b.comment });
}

function statements(spec?: Readonly<Record<string, string>>): Statement[] {
  return Object.entries(spec ?? {}).map(([name, expression]) => ({ name, expression }));
}

function structureOf(spec: ModelSpec['structure']): Structure {
  if (spec === undefined) return { kind: 'none' };
  if (typeof spec === 'string') {
    const m = /^\s*([123])\s*cmt\s+(iv|infusion|oral)\s*$/i.exec(spec);
    if (!m) throw new ModelError(`structure '${spec}' is not '<n>cmt <route>' (n 1, 2 or 3; route iv, infusion or oral)`);
    return { kind: 'compartmental', compartments: Number(m[1]) as 1 | 2 | 3, route: m[2]!.toLowerCase() as 'iv' | 'infusion' | 'oral' };
  }
  const equations = Object.entries(spec.odes).map(([compartment, expression]) => ({ compartment, expression }));
  return { kind: 'odes', compartments: [...(spec.compartments ?? equations.map((e) => e.compartment))], equations };
}

function dosingOf(spec?: Readonly<Record<string, string>>): DosingDef[] {
  return Object.entries(spec ?? {}).map(([lhs, expression]) => {
    const item = /^(F|ALAG|RATE|DUR|R|D)\s*\(\s*([A-Za-z0-9_]+)\s*\)$/i.exec(lhs.trim());
    if (item) {
      const key = item[1]!.toUpperCase();
      return { item: (key === 'R' ? 'RATE' : key === 'D' ? 'DUR' : key) as DosingItem, compartment: item[2]!, expression };
    }
    const init = /^([A-Za-z_][A-Za-z0-9_]*)\s*\(\s*0\s*\)$/.exec(lhs.trim());
    if (init) return { item: 'INIT' as const, compartment: init[1]!, expression };
    throw new ModelError(`dosing item '${lhs}' is not F(cmt), ALAG(cmt), RATE(cmt), DUR(cmt) or cmt(0)`);
  });
}

function ruleOf(spec: RuleSpec | string): ObservationRule {
  const r: RuleSpec = typeof spec === 'string' ? { error: spec } : spec;
  const error = typeof r.error === 'string'
    ? parseErrorModel(r.error.trim(), r.logDV ?? false, { file: '<model>', line: 0, offset: 0 })
    : r.error;
  return r.when === undefined ? { error } : { error, when: r.when };
}
