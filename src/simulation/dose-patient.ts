/**
 * A patient for dose individualization: the records of one ID from a NONMEM-style file
 * (dosing history, measured levels, covariates), checked against what a MAP estimate needs,
 * and the dataset of a planned continuation (history doses, planned doses, prediction times).
 *
 * Planned records take the covariates of the patient's last record (values carried forward).
 * At a time with both, records are ordered: prediction points "before the dose", the doses,
 * then points "after the dose" (see design.ts); history records come first at equal times.
 */
import { datasetFromColumns, type ColumnValues } from '../data/build.js';
import { covariateColumn, datasetFromTable } from '../data/dataset.js';
import type { DataRecord, Dataset, DatasetOptions, Table } from '../data/types.js';
import { DataError, PopkitError } from '../errors.js';
import { regimenToDoses, type DoseTargets, type Regimen } from './regimen.js';

/** The patient's data and the facts of its dosing history. */
export interface PatientHistory {
  /** A dataset holding only this patient's records (original file lines kept). */
  readonly dataset: Dataset;
  readonly id: string;
  /** Dose records (EVID 1 or 4), in file order. */
  readonly doses: readonly DataRecord[];
  /** Level records (EVID 0, MDV 0), in file order. */
  readonly levels: readonly DataRecord[];
  /** Time of every dose given, ADDL doses included, ascending (h). */
  readonly doseTimes: readonly number[];
  readonly lastDoseTime: number;
  /** The current dosing interval: II of the last dose record, else the gap between the last two doses; undefined after a single dose. */
  readonly interval?: number;
  /** The last dose record. */
  readonly lastDose: DataRecord;
}

/**
 * The records of patient `id` (default: the only ID in the file) as a history. Throws
 * DataError (file, line) for levels before the first dose, and PopkitError for a file with
 * several IDs and none chosen, an unknown ID, or no dose.
 * Example: `patientHistory(readTable('patient.csv'), undefined, model.dataColumns)`.
 */
export function patientHistory(table: Table, id?: string, columns?: DatasetOptions['columns']): PatientHistory {
  const all = datasetFromTable(table, columns !== undefined ? { columns } : {});
  const ids = all.subjects.map((s) => s.id);
  if (ids.length === 0) throw new PopkitError(`${table.file}: the patient file has no records`);
  let subject = all.subjects[0]!;
  if (id !== undefined) {
    const found = all.subjects.find((s) => s.id === id);
    if (found === undefined) throw new PopkitError(`${table.file}: no patient with ID ${id} (IDs: ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? ', ...' : ''})`);
    subject = found;
  } else if (ids.length > 1) {
    throw new PopkitError(`${table.file}: the file holds ${ids.length} patients (IDs ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', ...' : ''}); choose one with --id`);
  }
  const rows = Array.from(subject.recordIndices);
  const sub: Table = {
    file: table.file, names: table.names, nRows: rows.length, lines: Int32Array.from(rows, (r) => table.lines[r]!),
    ...(table.headerLine !== undefined ? { headerLine: table.headerLine } : {}),
    columns: table.columns.map((c) => (c.kind === 'numeric'
      ? { name: c.name, kind: 'numeric' as const, values: Float64Array.from(rows, (r) => c.values[r]!) }
      : { name: c.name, kind: 'string' as const, values: rows.map((r) => c.values[r]!) })),
  };
  const dataset = datasetFromTable(sub, columns !== undefined ? { columns } : {});
  const records = dataset.records;
  const doses = records.filter((r) => r.evid === 1 || r.evid === 4);
  const levels = records.filter((r) => r.evid === 0 && r.mdv === 0);
  if (doses.length === 0) {
    throw new PopkitError(`${table.file}: patient ${subject.id} has no dose record (EVID 1); dose individualization needs the dosing history`);
  }
  const first = doses[0]!;
  const early = levels.filter((l) => l.time < first.time || (l.time === first.time && l.index < first.index));
  if (early.length > 0) {
    throw new DataError(early.map((l) => ({
      file: table.file, line: l.line, column: dataset.standardColumns?.TIME ?? 'TIME',
      message: `patient ${subject.id}: a level at time ${l.time} comes before the first dose (time ${first.time}, line ${first.line}); `
        + 'the model predicts no drug before a dose — fix the time, or add the earlier doses',
    })));
  }
  const doseTimes: number[] = [];
  for (const d of doses) for (let k = 0; k <= d.addl; k++) doseTimes.push(d.time + k * d.ii);
  doseTimes.sort((a, b) => a - b);
  const lastDose = doses[doses.length - 1]!;
  const lastDoseTime = doseTimes[doseTimes.length - 1]!;
  const interval = lastDose.ii > 0 ? lastDose.ii
    : doseTimes.length > 1 ? lastDoseTime - doseTimes[doseTimes.length - 2]! : undefined;
  return {
    dataset, id: subject.id, doses, levels, doseTimes, lastDoseTime,
    ...(interval !== undefined && interval > 0 ? { interval } : {}), lastDose,
  };
}

/** A prediction time of a planned dataset: its time, and whether it is taken after doses at that time. */
export interface PredictionPoint {
  readonly time: number;
  readonly afterDose: boolean;
}

/** The planned dataset, and the dataset record of each prediction point. */
export interface PlanDataset {
  readonly dataset: Dataset;
  /** For each dataset record, the index of its prediction point, or −1. */
  readonly recordPoint: Int32Array;
}

/**
 * History doses (observations dropped), the doses of `plan` (absolute times) and one sample
 * record per prediction point, for the patient of `history`. DV is 1 on the prediction
 * records (a placeholder).
 */
export function planDataset(history: PatientHistory, plan: Regimen, targets: DoseTargets, points: readonly PredictionPoint[]): PlanDataset {
  const ds = history.dataset;
  const kept = ds.records.filter((r) => !(r.evid === 0));
  const last = ds.records[ds.records.length - 1]!;
  const planned = regimenToDoses(plan, targets);
  type Row = { time: number; order: number; seq: number; rec?: DataRecord; dose?: (typeof planned)[number]; point?: number };
  const rows: Row[] = [];
  let seq = 0;
  for (const r of kept) rows.push({ time: r.time, order: 1, seq: seq++, rec: r });
  for (const d of planned) for (let k = 0; k <= d.addl; k++) rows.push({ time: d.time + k * d.ii, order: 1, seq: seq++, dose: { ...d, addl: 0, ii: 0 } });
  points.forEach((p, i) => rows.push({ time: p.time, order: p.afterDose ? 2 : 0, seq: seq++, point: i }));
  rows.sort((a, b) => a.time - b.time || a.order - b.order || a.seq - b.seq);

  const n = rows.length;
  const col = (): Float64Array => new Float64Array(n);
  const ID = col(), TIME = col(), DV = col(), AMT = col(), EVID = col(), MDV = col(), CMT = col(), RATE = col(), DUR = col(), SS = col(), II = col(), ADDL = col();
  const recordPoint = new Int32Array(n).fill(-1);
  const covNames = ds.covariateNames;
  const covCols = covNames.map((name) => (covariateColumn(ds, name).kind === 'numeric' ? new Float64Array(n) : new Array<string | null>(n)));
  rows.forEach((row, k) => {
    ID[k] = 1;
    TIME[k] = row.time;
    DV[k] = NaN;
    const source = row.rec ?? last;
    if (row.rec !== undefined) {
      const r = row.rec;
      AMT[k] = r.amt; EVID[k] = r.evid; MDV[k] = r.mdv; CMT[k] = r.cmt; RATE[k] = r.rate; DUR[k] = r.dur; SS[k] = r.ss; II[k] = r.ii; ADDL[k] = r.addl;
    } else if (row.dose !== undefined) {
      AMT[k] = row.dose.amt; EVID[k] = 1; MDV[k] = 1; CMT[k] = row.dose.cmt; RATE[k] = row.dose.rate; DUR[k] = row.dose.dur;
    } else {
      DV[k] = 1; EVID[k] = 0; MDV[k] = 0;
      recordPoint[k] = row.point!;
    }
    covNames.forEach((name, j) => {
      const v = ds.covariate(name, source.index);
      const c = covCols[j]!;
      if (c instanceof Float64Array) c[k] = v === null ? NaN : Number(v);
      else c[k] = v === null ? null : String(v);
    });
  });
  const columns: ColumnValues[] = [
    { name: 'ID', values: ID }, { name: 'TIME', values: TIME }, { name: 'DV', values: DV }, { name: 'AMT', values: AMT },
    { name: 'EVID', values: EVID }, { name: 'MDV', values: MDV }, { name: 'CMT', values: CMT }, { name: 'RATE', values: RATE },
    { name: 'DUR', values: DUR }, { name: 'SS', values: SS }, { name: 'II', values: II }, { name: 'ADDL', values: ADDL },
    ...covNames.map((name, j) => ({ name, values: covCols[j]! })),
  ];
  return { dataset: datasetFromColumns(`${ds.file} (planned)`, columns), recordPoint };
}
