/**
 * Binding a model to a dataset: the BoundModel that estimation, simulation and diagnostics
 * use (src/subject/bound.ts). Checks the data against the model (every declared covariate is a
 * column with a value on every record, compartments exist, every observation is selected by
 * a rule or explicitly ignored), translates each subject's records into events once, and
 * allocates each subject's buffers once.
 */
import { DataError, ModelError, type DataProblem } from '../errors.js';
import { requireCovariates, validateCompartments } from '../data/dataset.js';
import { findColumn } from '../data/standard-columns.js';
import type { Dataset, SubjectData } from '../data/types.js';
import { buildSubjectEvents } from '../events/build.js';
import type { SubjectEvent, SubjectEvents } from '../events/types.js';
import type { OdeTolerances } from '../pk/ode.js';
import { EventLoop } from '../pk/predict.js';
import type { BoundModel, ThetaSpec } from './bound.js';
import { compileModel, type CompiledModel } from './compile.js';
import { covarianceSpec } from '../model/covariance.js';
import { ModelSubject } from './evaluator.js';
import type { Model, TimeVaryingRule } from '../model/types.js';

/** Options for {@link bindModel}. */
export interface BindOptions {
  /** Overrides the model's rule for time-varying covariates ('nocb', NONMEM's, or 'locf'). */
  readonly timeVarying?: TimeVaryingRule;
  /**
   * How evaluateWithDerivatives gets ∂amounts/∂η: 'sensitivities' (default) carries exact
   * sensitivities through the event loop where the system has them (closed forms) and no
   * eta moves F, ALAG, R, D or an initial amount; otherwise, and with 'differences',
   * finite differences as set by `derivativeDifferences`.
   */
  readonly amountDerivatives?: 'sensitivities' | 'differences';
  /**
   * The finite differences of the amounts along ∂(PK parameters)/∂η, where they are used:
   * 'central' (default; 2 event-loop runs per eta, error ~1e-10 relative for closed forms)
   * or 'forward' (1 run per eta, error ~1e-7 relative).
   */
  readonly derivativeDifferences?: 'central' | 'forward';
  /**
   * Step (η units) of those differences. Default: central 1e-5 (closed form) / 1e-3 (ODE,
   * above the integration error); forward 1e-7 (closed form) / 1e-4 (ODE).
   */
  readonly derivativeStep?: number;
  /** ODE integration tolerances (models with an odes section). */
  readonly odeTolerances?: OdeTolerances;
  /** Steady-state doses with a lag longer than II: PREDPP's definition (default) or the periodic one (PredictOptions.steadyStateLag). */
  readonly steadyStateLag?: 'nonmem' | 'periodic';
}

/** A bound model with the compiled model and per-subject evaluators exposed for tables. */
export interface ModelBinding extends BoundModel {
  readonly model: Model;
  readonly compiled: CompiledModel;
  readonly dataset: Dataset;
  readonly subjects: readonly ModelSubject[];
  /** Dataset column name used for each declared covariate (after aliases). */
  readonly covariateColumns: ReadonlyMap<string, string>;
  /** The options the model was bound with (so that the binding can be rebuilt, e.g. in a worker thread). */
  readonly bindOptions?: BindOptions;
}

/**
 * Bind `model` to `dataset`. Throws ModelError (naming the model line) for a covariate the
 * dataset lacks, and DataError (naming the data line) for records the model cannot use.
 * Example: `bindModel(loadModelFile('models/pheno.pkm'), readDataset('datasets/pheno_sd.csv')).subjects.length` is 59.
 */
export function bindModel(model: Model, dataset: Dataset, options: BindOptions = {}): ModelBinding {
  return bindCompiled(model, compileModel(model, { odeTolerances: options.odeTolerances }), dataset, options);
}

/**
 * A binder of `model` to datasets that compiles the model once (for callers that bind many
 * datasets, e.g. a simulation binding each covariate profile). Its bindings share the
 * compiled model, which is used by one prediction at a time.
 * Example: `const bind = modelBinder(model); bind(ds1); bind(ds2);`.
 */
export function modelBinder(model: Model, options: BindOptions = {}): (dataset: Dataset) => ModelBinding {
  const compiled = compileModel(model, { odeTolerances: options.odeTolerances });
  return (dataset) => bindCompiled(model, compiled, dataset, options);
}

function bindCompiled(model: Model, compiled: CompiledModel, dataset: Dataset, options: BindOptions): ModelBinding {
  const covariateColumns = checkDatasetForModel(model, compiled, dataset);
  const system = compiled.system;
  const eventLoop = system !== undefined ? new EventLoop(system) : undefined;

  const timeVarying = options.timeVarying ?? model.timeVarying;
  const derivativeDifferences = options.derivativeDifferences ?? 'central';
  const derivativeStep = options.derivativeStep ?? (derivativeDifferences === 'central'
    ? (compiled.closedForm ? 1e-5 : 1e-3)
    : (compiled.closedForm ? 1e-7 : 1e-4));
  const problems: DataProblem[] = [];
  const subjects: ModelSubject[] = [];
  for (const subject of dataset.subjects) {
    const inputRows = Array.from(subject.recordIndices, (r) => recordInputs(compiled, dataset, covariateColumns, r));
    const localOf = new Map(Array.from(subject.recordIndices, (r, k) => [r, k]));
    const events = system !== undefined ? buildSubjectEvents(dataset, subject, system) : undefined;
    const candidates = events !== undefined ? Array.from(events.observationRecords) : observationRecords(dataset, subject);
    const obsRecords: number[] = [], obsRules: number[] = [], dv: number[] = [];
    const ignored = new Set<number>();
    for (const r of candidates) {
      const rec = dataset.records[r]!;
      const rule = selectRule(compiled, inputRows[localOf.get(r)!]!);
      if (rule < 0) {
        if (model.observe.otherwise === 'ignore') { ignored.add(r); continue; }
        problems.push({ file: dataset.file, line: rec.line, message: `ID ${rec.id}: this observation matches no rule of the model's observe section; add a rule for it or 'otherwise ignore'` });
        continue;
      }
      let y = rec.dv;
      if (compiled.rules[rule]!.logDV) {
        if (!(y > 0)) {
          problems.push({ file: dataset.file, line: rec.line, column: dataset.standardColumns?.DV ?? 'DV', message: `ID ${rec.id}: DV ${y} cannot be log-transformed (the model's error model observes log(DV)); DV must be positive` });
          continue;
        }
        y = Math.log(y);
      }
      if (!Number.isFinite(y)) {
        problems.push({ file: dataset.file, line: rec.line, column: dataset.standardColumns?.DV ?? 'DV', message: `ID ${rec.id}: an observation (EVID 0, MDV 0) without a DV value` });
        continue;
      }
      obsRecords.push(r); obsRules.push(rule); dv.push(y);
    }
    subjects.push(new ModelSubject({
      compiled, id: subject.id, records: subject.recordIndices, inputRows,
      events: events !== undefined && ignored.size > 0 ? withoutObservations(events, ignored) : events,
      obsRecords: Int32Array.from(obsRecords), obsRules: Int32Array.from(obsRules), dv: Float64Array.from(dv),
      timeVarying, derivativeStep, derivativeDifferences, amountDerivatives: options.amountDerivatives, eventLoop, steadyStateLag: options.steadyStateLag,
    }));
  }
  if (problems.length > 0) throw new DataError(problems);

  const theta: ThetaSpec[] = model.theta.map((t) => ({ name: t.name, init: t.init, lower: t.lower, upper: t.upper, fixed: t.fixed }));
  return {
    name: model.name,
    parameters: { theta, omega: covarianceSpec(model.omega), sigma: covarianceSpec(model.sigma) },
    subjects,
    nEta: compiled.etaNames.length,
    nEps: compiled.epsNames.length,
    individualParameterNames: compiled.varNames.slice(0, compiled.nUserVars),
    model, compiled, dataset, covariateColumns,
    bindOptions: { ...options },
  };
}

/** Map each declared covariate to a dataset column (its name, else an alias); ModelError if none. */
export function resolveCovariateColumns(model: Model, dataset: Dataset): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of model.covariates) {
    let column: string | undefined;
    for (const name of [c.name, ...c.aliases]) {
      const j = findColumn(dataset.covariateNames, name);
      if (typeof j === 'number') { column = dataset.covariateNames[j]; break; }
    }
    if (column === undefined) {
      const tried = [c.name, ...c.aliases].join(' or ');
      throw new ModelError(
        `covariate ${c.name} is not in the dataset ${dataset.file}: no column ${tried} (its covariate columns: ${dataset.covariateNames.length > 0 ? dataset.covariateNames.join(', ') : 'none'})`,
        { file: model.file ?? `model ${model.name}`, line: c.at?.line, column: c.at?.column });
    }
    out.set(c.name, column);
  }
  return out;
}

/**
 * The checks every use of `model` on `dataset` needs before evaluating it: declared
 * covariates present on every record (ModelError at the model line), CMT values within the
 * structure, numeric values where the model does arithmetic with a covariate, and no doses
 * for a model without compartments (DataError at the data line). Returns the covariate →
 * column map of {@link resolveCovariateColumns}.
 */
export function checkDatasetForModel(model: Model, compiled: CompiledModel, dataset: Dataset): Map<string, string> {
  const columns = resolveCovariateColumns(model, dataset);
  if (columns.size > 0) requireCovariates(dataset, [...columns.values()]);
  const system = compiled.system;
  if (system !== undefined) {
    validateCompartments(dataset, system.compartments.length, system.compartments);
    checkModelledInfusions(model, compiled, dataset, system.defaultDoseCompartment);
  } else {
    rejectDoses(model, dataset);
  }
  const problems: DataProblem[] = [];
  checkNumericCovariates(compiled, dataset, columns, problems);
  if (problems.length > 0) throw new DataError(problems);
  return columns;
}

/** The compiled model's inputs (data items and covariates, in `compiled.inputs` order) on dataset record `r`. */
export function recordInputs(compiled: CompiledModel, dataset: Dataset, columns: ReadonlyMap<string, string>, r: number): (number | string)[] {
  const rec = dataset.records[r]!;
  return compiled.inputs.map((input) => {
    if (input.kind === 'data') {
      switch (input.name) {
        case 'TIME': return rec.time;
        case 'AMT': return rec.amt;
        case 'CMT': return rec.cmt;
        case 'EVID': return rec.evid;
        case 'MDV': return rec.mdv;
        case 'RATE': return rec.rate;
        case 'II': return rec.ii;
        case 'SS': return rec.ss;
        default: return rec.addl;
      }
    }
    const v = dataset.covariate(columns.get(input.name)!, r);
    if (v === null) throw new Error(`internal: ${input.name} missing after requireCovariates`);
    return v;
  });
}

/** Covariates used in arithmetic must be numbers on every record (strings only in == / != comparisons). */
function checkNumericCovariates(compiled: CompiledModel, dataset: Dataset, columns: ReadonlyMap<string, string>, problems: DataProblem[]): void {
  compiled.inputs.forEach((input, i) => {
    if (input.kind !== 'covariate' || compiled.categoricalInputs.has(i)) return;
    const column = columns.get(input.name)!;
    for (const rec of dataset.records) {
      const v = dataset.covariate(column, rec.index);
      if (typeof v === 'string' && !Number.isFinite(Number(v))) {
        problems.push({ file: dataset.file, line: rec.line, column, message: `${column} is not a number ('${v}'); the model uses ${input.name} in arithmetic (compare text categories with == "…")` });
        if (problems.length >= 20) return;
      }
    }
  });
}

function selectRule(compiled: CompiledModel, inputs: readonly (number | string)[]): number {
  return compiled.rules.findIndex((r) => r.when === undefined || r.when(inputs));
}

function observationRecords(dataset: Dataset, subject: SubjectData): number[] {
  return Array.from(subject.recordIndices).filter((r) => dataset.records[r]!.evid === 0 && dataset.records[r]!.mdv === 0);
}

/**
 * RATE = -1 (modelled rate) and RATE = -2 (modelled duration) doses need the model to give
 * RATE(cmt) or DUR(cmt) for the dose's compartment; otherwise every prediction of the subject
 * would fail. Refused here, naming the record, as NONMEM refuses such a data record.
 */
function checkModelledInfusions(model: Model, compiled: CompiledModel, dataset: Dataset, defaultCmt: number): void {
  const problems: DataProblem[] = [];
  for (const r of dataset.records) {
    if ((r.evid !== 1 && r.evid !== 4) || (r.rate !== -1 && r.rate !== -2)) continue;
    const c = r.cmt > 0 ? r.cmt - 1 : defaultCmt;
    const item = r.rate === -1 ? 'RATE' : 'DUR';
    if (compiled.doseVars[item][c]! >= 0) continue;
    problems.push({
      file: dataset.file, line: r.line, column: dataset.standardColumns?.RATE ?? 'RATE',
      message: `RATE = ${r.rate} asks the model for the ${r.rate === -1 ? 'infusion rate' : 'infusion duration'} of compartment ${c + 1} `
        + `(${compiled.compartments[c]}), but ${model.name}${model.file ? ` (${model.file})` : ''} has no ${item}(${compiled.compartments[c]}) in its dosing section`,
    });
    if (problems.length >= 10) break;
  }
  if (problems.length > 0) throw new DataError(problems);
}

function rejectDoses(model: Model, dataset: Dataset): void {
  const dose = dataset.records.find((r) => r.evid === 1 || r.evid === 4);
  if (dose !== undefined) {
    throw new DataError([{
      file: dataset.file, line: dose.line,
      message: `a dose record, but the model ${model.name}${model.file ? ` (${model.file})` : ''} has no compartments (add a structure or odes section)`,
    }]);
  }
}

/** The events with the given observation records turned into 'other' events (time passes, nothing observed). */
export function withoutObservations(events: SubjectEvents, records: ReadonlySet<number>): SubjectEvents {
  const list: SubjectEvent[] = events.events.map((e) =>
    e.kind === 'observation' && records.has(e.record) ? { kind: 'other', time: e.time, record: e.record } : e);
  return subjectEventsOf(events.id, list);
}

/** Subject `id`'s event list with its observation indices and records derived from `events`. */
export function subjectEventsOf(id: string, events: readonly SubjectEvent[]): SubjectEvents {
  const indices: number[] = [];
  events.forEach((e, i) => { if (e.kind === 'observation') indices.push(i); });
  return {
    id, events,
    observationIndices: Int32Array.from(indices),
    observationRecords: Int32Array.from(indices.map((i) => events[i]!.record)),
  };
}
