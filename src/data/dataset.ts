/**
 * NONMEM-style datasets: a table with the standard data items (ID TIME DV AMT EVID MDV CMT
 * RATE DUR SS II ADDL, found case-insensitively or mapped by name) and covariates (every
 * other column), with NONMEM's defaults applied and every problem of the file reported at
 * once in one DataError.
 */
import { DataError, type DataProblem } from '../errors.js';
import { unknownCovariate } from './covariates.js';
import { buildRecords } from './records.js';
import { findColumn, resolveStandardColumns } from './standard-columns.js';
import { groupSubjects } from './subjects.js';
import { parseTable } from './table.js';
import type { Column, CovariateValue, Dataset, DatasetOptions, StandardItem, Table } from './types.js';

export { parseTable } from './table.js';
export { validateCompartments } from './compartments.js';
export {
  requireCovariates, covariateColumn, covariateSeries, subjectCovariateValues,
  covariatePositionAtTime, covariateAtTime, covariatePositionOnInterval,
} from './covariates.js';
export type { CovariateInterpolation, CovariateSeries } from './covariates.js';

/**
 * Parse and validate dataset text; `file` names the source in messages.
 * Example: `parseDataset('ID,TIME,DV\n1,0,5\n', 'x.csv').records[0].evid` is 0.
 */
export function parseDataset(text: string, file: string, options: DatasetOptions = {}): Dataset {
  return datasetFromTable(parseTable(text, file, options), options);
}

/**
 * Interpret a table as a NONMEM-style dataset: find the standard items (`options.columns`
 * maps an item to another header name, like `$INPUT DV=Y`), apply NONMEM's defaults
 * (see records.ts) and check every record. Throws one DataError with all problems, sorted
 * by line and column (also when the table has no rows).
 */
export function datasetFromTable(table: Table, options: Pick<DatasetOptions, 'columns'> = {}): Dataset {
  const problems: DataProblem[] = [];
  if (table.nRows === 0) {
    throw new DataError([{ file: table.file, line: table.headerLine ?? 1, message: 'no data records: the file has a header but no rows after it' }]);
  }
  const std = resolveStandardColumns(table, options.columns, problems);
  if (problems.length > 0) throw new DataError(problems);

  const records = buildRecords(table, std, problems);
  const nameOf = (item: StandardItem): string | undefined =>
    std.index[item] === undefined ? undefined : table.names[std.index[item]!];
  const subjects = groupSubjects(records, table.file, nameOf('ID'), nameOf('TIME'), problems);
  if (problems.length > 0) throw new DataError(sortProblems(problems, table.names));

  const standardColumns: Partial<Record<StandardItem, string>> = {};
  for (const [item, j] of Object.entries(std.index)) standardColumns[item as StandardItem] = table.names[j];
  const covariateNames = std.covariates.map((j) => table.names[j]);
  const lookup = new Map<string, Column>();
  const columnOf = (name: string): Column => {
    let col = lookup.get(name);
    if (col === undefined) {
      const j = findColumn(covariateNames, name);
      if (typeof j !== 'number') throw unknownCovariate(table, covariateNames, name);
      col = table.columns[std.covariates[j]];
      lookup.set(name, col);
    }
    return col;
  };

  return {
    file: table.file,
    table,
    records,
    subjects,
    covariateNames,
    standardColumns,
    covariate(name: string, index: number): CovariateValue {
      const col = columnOf(name);
      if (col.kind === 'string') return col.values[index] ?? null;
      const x = col.values[index];
      return Number.isNaN(x) ? null : x;
    },
  };
}

function sortProblems(problems: DataProblem[], names: readonly string[]): DataProblem[] {
  const position = (p: DataProblem): number => (p.column === undefined ? -1 : names.indexOf(p.column));
  return problems
    .map((p, k) => ({ p, k }))
    .sort((a, b) => a.p.line - b.p.line || position(a.p) - position(b.p) || a.k - b.k)
    .map(({ p }) => p);
}
