/**
 * Datasets built in memory from columns (simulation designs, generated test data), with the
 * same validation and NONMEM defaults as a dataset read from a file (datasetFromTable).
 * Row r stands for line r + 2 of a CSV whose header is line 1, so that messages about a
 * generated dataset still name a row.
 */
import { datasetFromTable } from './dataset.js';
import type { Column, Dataset, DatasetOptions, Table } from './types.js';

/** One column by header name: numbers (NaN = missing) or strings (null = missing). */
export interface ColumnValues {
  readonly name: string;
  readonly values: Float64Array | readonly (string | null)[];
}

/**
 * A Table from columns of equal length. `file` names the table in messages (e.g.
 * '<simulated design>'). Throws RangeError when the lengths differ or a name repeats.
 * Example: `tableFromColumns('<x>', [{ name: 'ID', values: Float64Array.of(1, 1) }, ...])`.
 */
export function tableFromColumns(file: string, columns: readonly ColumnValues[]): Table {
  const nRows = columns.length > 0 ? columns[0]!.values.length : 0;
  const seen = new Set<string>();
  const built: Column[] = columns.map((c) => {
    if (c.values.length !== nRows) {
      throw new RangeError(`tableFromColumns: column ${c.name} has ${c.values.length} values, column ${columns[0]!.name} has ${nRows}`);
    }
    if (seen.has(c.name)) throw new RangeError(`tableFromColumns: column name ${c.name} is used twice`);
    seen.add(c.name);
    return c.values instanceof Float64Array
      ? { name: c.name, kind: 'numeric', values: c.values }
      : { name: c.name, kind: 'string', values: c.values };
  });
  const lines = new Int32Array(nRows);
  for (let r = 0; r < nRows; r++) lines[r] = r + 2;
  return { file, names: columns.map((c) => c.name), columns: built, nRows, lines, headerLine: 1 };
}

/**
 * A validated NONMEM-style dataset from columns (see datasetFromTable for the rules and the
 * DataError thrown for invalid records).
 * Example:
 *   datasetFromColumns('<design>', [
 *     { name: 'ID', values: Float64Array.of(1, 1) }, { name: 'TIME', values: Float64Array.of(0, 1) },
 *     { name: 'DV', values: Float64Array.of(NaN, 0) }, { name: 'AMT', values: Float64Array.of(100, 0) },
 *     { name: 'EVID', values: Float64Array.of(1, 0) }, { name: 'MDV', values: Float64Array.of(1, 0) }]);
 */
export function datasetFromColumns(file: string, columns: readonly ColumnValues[], options: Pick<DatasetOptions, 'columns'> = {}): Dataset {
  return datasetFromTable(tableFromColumns(file, columns), options);
}
