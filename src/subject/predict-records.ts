/**
 * Predictions for every record of a dataset (the library side of `popkit predict`):
 * PRED (η = 0), optionally IPRED with given individual etas, and every model output (the
 * observe statements, e.g. CP).
 *
 * Values on a record: on an observation record, the state at the observation; on a dose,
 * reset or other record, the state just after the record is processed (as NONMEM tables
 * them: a bolus dose record shows the amount including the dose). PRED and IPRED are the
 * prediction of the observation rule whose condition the record meets (NaN when none does).
 */
import { DataError, type DataProblem } from '../errors.js';
import { findColumn } from '../data/standard-columns.js';
import type { Dataset, Table } from '../data/types.js';
import { buildSubjectEvents } from '../events/build.js';
import type { SubjectEvent, SubjectEvents } from '../events/types.js';
import { checkDatasetForModel, recordInputs, subjectEventsOf, type BindOptions } from './bind.js';
import { compileModel } from './compile.js';
import { EventLoop } from '../pk/predict.js';
import { ModelSubject } from './evaluator.js';
import type { Model } from '../model/types.js';

/** Options for {@link predictRecords}. */
export interface PredictRecordsOptions extends Pick<BindOptions, 'timeVarying' | 'odeTolerances'> {
  /** Theta values (model order); default the model's initial estimates. */
  readonly theta?: Float64Array;
  /** Individual etas by subject ID (omega order); when given, IPRED and the outputs use them. */
  readonly etas?: ReadonlyMap<string, Float64Array>;
}

/** Predictions per dataset record. */
export interface PredictionTable {
  /** Column names: PRED, then IPRED when etas were given, then the model outputs (an output named PRED or IPRED gets the suffix _OUTPUT). */
  readonly names: readonly string[];
  /** nRecords × names.length, row-major, in dataset record order; NaN where undefined. */
  readonly values: Float64Array;
  /** IDs of the subjects whose PRED (or IPRED) the model cannot compute at these parameters (e.g. a non-positive clearance); their values are NaN. */
  readonly unpredicted: readonly string[];
}

/**
 * Predictions for every record of `dataset` under `model`.
 * Example: `predictRecords(loadModelFile('models/nmtest_oral1.pkm'), ds).names` is ['PRED', 'CP'].
 */
export function predictRecords(model: Model, dataset: Dataset, options: PredictRecordsOptions = {}): PredictionTable {
  const compiled = compileModel(model, { odeTolerances: options.odeTolerances });
  const columns = checkDatasetForModel(model, compiled, dataset);
  const theta = options.theta ?? Float64Array.from(model.theta.map((t) => t.init));
  if (theta.length !== compiled.thetaNames.length) throw new RangeError(`predictRecords: theta has ${theta.length} values for ${compiled.thetaNames.length} thetas`);
  const etas = options.etas;
  const nOut = compiled.outputNames.length;
  const fixed = ['PRED', ...(etas !== undefined ? ['IPRED'] : [])];
  const names = [...fixed, ...compiled.outputNames.map((n) => (fixed.includes(n) ? `${n}_OUTPUT` : n))];
  const width = names.length;
  const values = new Float64Array(dataset.records.length * width).fill(NaN);
  const zero = new Float64Array(compiled.etaNames.length);
  const unpredicted: string[] = [];

  const eventLoop = compiled.system !== undefined ? new EventLoop(compiled.system) : undefined;
  for (const subject of dataset.subjects) {
    const records = subject.recordIndices;
    const inputRows = Array.from(records, (r) => recordInputs(compiled, dataset, columns, r));
    const events = compiled.system !== undefined ? observeEveryRecord(buildSubjectEvents(dataset, subject, compiled.system)) : undefined;
    const obsRecords = events !== undefined ? events.observationRecords : records;
    const localOf = new Map(Array.from(records, (r, k) => [r, k]));
    const obsRules = Int32Array.from(obsRecords, (r) => compiled.rules.findIndex((rule) => rule.when === undefined || rule.when(inputRows[localOf.get(r)!]!)));
    const evaluator = new ModelSubject({
      compiled, id: subject.id, records, inputRows, events,
      obsRecords: Int32Array.from(obsRecords), obsRules, dv: new Float64Array(obsRecords.length),
      timeVarying: options.timeVarying ?? model.timeVarying, derivativeStep: 1e-5, eventLoop,
    });
    const n = obsRecords.length;
    const pred = new Float64Array(n);
    const outputs = new Float64Array(n * nOut);
    let predicted = evaluator.tabulate(theta, zero, pred, outputs);
    if (!predicted) pred.fill(NaN), outputs.fill(NaN);
    let ipred: Float64Array | undefined;
    if (etas !== undefined) {
      const eta = etas.get(subject.id);
      if (eta === undefined) throw new DataError([{ file: dataset.file, line: dataset.records[records[0]!]!.line, message: `ID ${subject.id} has no row in the etas table` }]);
      ipred = new Float64Array(n);
      if (!evaluator.tabulate(theta, eta, ipred, outputs)) ipred.fill(NaN), outputs.fill(NaN), predicted = false;
    }
    if (!predicted) unpredicted.push(subject.id);
    for (let j = 0; j < n; j++) {
      const base = obsRecords[j]! * width;
      let col = 0;
      values[base + col++] = pred[j]!;
      if (ipred !== undefined) values[base + col++] = ipred[j]!;
      for (let k = 0; k < nOut; k++) values[base + col++] = outputs[j * nOut + k]!;
    }
  }
  return { names, values, unpredicted };
}

/** The events with an observation right after every data record that is not one (each record observed once). */
export function observeEveryRecord(subject: SubjectEvents): SubjectEvents {
  const events: SubjectEvent[] = [];
  for (const e of subject.events) {
    events.push(e);
    const dataRecord = e.kind !== 'observation' && !(e.kind === 'dose' && e.additional);
    if (dataRecord) events.push({ kind: 'observation', time: e.time, cmt: 0, record: e.record });
  }
  return subjectEventsOf(subject.id, events);
}

/**
 * Individual etas from a table with an ID column and one column per eta (named as in the
 * model's omega section; other columns are ignored). Several rows per ID (a NONMEM
 * patab) are accepted when they agree. Throws DataError for a missing column, a value that
 * is not a number, or rows of one ID with different etas.
 */
export function etasFromTable(table: Table, etaNames: readonly string[]): Map<string, Float64Array> {
  const problems: DataProblem[] = [];
  const idIndex = findColumn(table.names, 'ID');
  if (typeof idIndex !== 'number') {
    throw new DataError([{ file: table.file, line: table.headerLine ?? 1, message: `the etas table needs an ID column (columns: ${table.names.join(', ')})` }]);
  }
  const etaColumns = etaNames.map((name) => {
    const j = findColumn(table.names, name);
    if (typeof j !== 'number') problems.push({ file: table.file, line: table.headerLine ?? 1, message: `no column ${name} (the model's etas are ${etaNames.join(', ')})` });
    return typeof j === 'number' ? j : -1;
  });
  if (problems.length > 0) throw new DataError(problems);
  const out = new Map<string, Float64Array>();
  const idCol = table.columns[idIndex]!;
  for (let r = 0; r < table.nRows; r++) {
    const idValue = idCol.kind === 'numeric' ? String(idCol.values[r]) : idCol.values[r];
    if (idValue === null || idValue === 'NaN') {
      problems.push({ file: table.file, line: table.lines[r]!, column: idCol.name, message: 'ID is missing' });
      continue;
    }
    const eta = new Float64Array(etaNames.length);
    etaColumns.forEach((j, k) => {
      const col = table.columns[j]!;
      const x = col.kind === 'numeric' ? col.values[r]! : Number(col.values[r] ?? NaN);
      if (!Number.isFinite(x)) problems.push({ file: table.file, line: table.lines[r]!, column: col.name, message: `${etaNames[k]} is not a number` });
      eta[k] = x;
    });
    const earlier = out.get(idValue);
    if (earlier === undefined) {
      out.set(idValue, eta);
    } else {
      const k = eta.findIndex((x, i) => Number.isFinite(x) && x !== earlier[i]);
      if (k >= 0) problems.push({ file: table.file, line: table.lines[r]!, column: table.columns[etaColumns[k]!]!.name, message: `ID ${idValue}: ${etaNames[k]} is ${eta[k]} here but ${earlier[k]} on an earlier row of this ID` });
    }
  }
  if (problems.length > 0) throw new DataError(problems);
  return out;
}
