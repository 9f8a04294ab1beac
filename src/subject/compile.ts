/**
 * Model → compiled model: plain JavaScript functions generated once from the expressions
 * (no interpretation per evaluation), the compartment system, and symbolic derivatives with
 * respect to the etas and epsilons. The stages, each a module: inputs (compile-inputs.ts),
 * structure and dosing items (compile-structure.ts), individual parameters
 * (compile-individual.ts), outputs and rules (compile-observe.ts).
 *
 * Memory layout shared with the binder (src/subject/evaluator.ts):
 * - `cv`: the inputs of one record (declared covariates, then data items), numbers or
 *   string categories, in `CompiledModel.inputs` order;
 * - `v[vo + k]`: variable k of one record (`varNames`: the individual statements, then
 *   internal ones for dosing items and ODE parameters);
 * - `dv[dvo + k·nEta + e]`: ∂v_k/∂η_e;
 * - `a[ao + c]`: amount in compartment c at one observation; `da[dao + c·nEta + e]`: ∂a_c/∂η_e.
 */
import type { OdeTolerances } from '../pk/ode.js';
import type { CompartmentSystem } from '../pk/types.js';
import { renderIndividual } from '../model/render.js';
import { compartmentNames } from '../model/scope.js';
import type { DosingItem, Model } from '../model/types.js';
import { compileIndividual, etasMoving } from './compile-individual.js';
import { compileInputs } from './compile-inputs.js';
import { compileObserve } from './compile-observe.js';
import { compileDosing, compileStructure } from './compile-structure.js';
import { VariableTable } from './compile-variables.js';
import type { DerivativeStats } from './forward-emitter.js';

/** One value read from each data record. */
export interface CompiledInput {
  readonly name: string;
  readonly kind: 'covariate' | 'data';
  /** For covariates: the declared alternative column names. */
  readonly aliases: readonly string[];
}

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

/**
 * Compile a (validated) model. Throws ModelError for a model the compiler cannot handle
 * (e.g. an error model that is not differentiable in eps).
 * Example: `compileModel(loadModelFile('models/pheno.pkm')).varNames` starts with TVCL, TVV, CL, V.
 */
export function compileModel(model: Model, options: CompileOptions = {}): CompiledModel {
  const thetaNames = model.theta.map((t) => t.name);
  const etaNames = model.omega.flatMap((b) => b.names);
  const epsNames = model.sigma.flatMap((b) => b.names);
  const compartments = compartmentNames(model);
  const stats: DerivativeStats = { symbolic: 0, finiteDifference: 0 };
  const individualStatements = renderIndividual(model);

  const { inputs, inputIndex, categoricalInputs } = compileInputs(model, individualStatements);
  const vars = new VariableTable(individualStatements);
  const { system, structuralVars } = compileStructure(model, compartments, vars, options.odeTolerances);
  const doseVars = compileDosing(model, compartments, vars);
  const individual = compileIndividual({ thetaNames, etaNames, inputs }, vars, stats);
  const pkEtas = etasMoving([...structuralVars, ...Object.values(doseVars).flatMap((a) => [...a].filter((k) => k >= 0))], individual.varEtaDeps);
  const observe = compileObserve({ model, etaNames, epsNames, compartments, inputIndex, individual, pkEtas, stats });

  return {
    model, thetaNames, etaNames, epsNames, inputs, individualInputs: individual.individualInputs, categoricalInputs,
    varNames: vars.statements.map((st) => st.name), nUserVars: vars.nUser, varEtaDeps: individual.varEtaDeps,
    individual: individual.individual, individualWithDerivatives: individual.individualWithDerivatives,
    system, compartments, closedForm: model.structure.kind === 'compartmental', structuralVars, doseVars, pkEtas,
    rules: observe.rules, outputNames: observe.outputNames, outputs: observe.outputs, derivativeStats: stats,
  };
}
