/**
 * Reading data files: text tables (CSV or whitespace-separated) and NONMEM-style datasets
 * from the file system. The parsing itself is src/data (given text); this module only reads.
 */
import { readFileSync } from 'node:fs';
import { PopkitError } from '../errors.js';
import { datasetFromTable } from '../data/dataset.js';
import { parseTable } from '../data/table.js';
import type { Dataset, DatasetOptions, Table, TableOptions } from '../data/types.js';

/** The text of `file` (UTF-8), or a PopkitError saying why it cannot be read. */
export function readTextFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code ?? String(err);
    throw new PopkitError(`${file}: cannot read the data file (${why})`);
  }
}

/**
 * Read a table file (CSV or whitespace-separated, one header row).
 * Throws PopkitError when the file cannot be read, DataError (listing every problem with
 * its line) when its content is malformed.
 * Example: `readTable('datasets/sleepstudy.csv').nRows` is 180.
 */
export function readTable(file: string, options?: TableOptions): Table {
  return parseTable(readTextFile(file), file, options);
}

/**
 * Read and validate a NONMEM-style dataset file (CSV or whitespace-separated).
 * Throws DataError listing every problem (file, line, column, reason).
 * Example: `readDataset('datasets/pheno.dta').subjects.length` is 59.
 */
export function readDataset(file: string, options: DatasetOptions = {}): Dataset {
  return datasetFromTable(readTable(file, options), options);
}
