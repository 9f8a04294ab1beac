/**
 * Checking a dataset's CMT values against a structural model's compartments.
 */
import { DataError, type DataProblem } from '../errors.js';
import type { Dataset } from './types.js';

/**
 * Throw a DataError listing every record whose CMT is out of range for a model with
 * `nCompartments` compartments (1..n; 0 = the model's default; -k turns compartment k off
 * on an EVID 2 record). `compartmentNames` (index = CMT - 1) makes the message clearer.
 * Example: `validateCompartments(theo, 2, ['DEPOT', 'CENTRAL'])` returns for theo_sd.csv.
 */
export function validateCompartments(dataset: Dataset, nCompartments: number, compartmentNames?: readonly string[]): void {
  if (!Number.isInteger(nCompartments) || nCompartments < 1) {
    throw new RangeError(`validateCompartments: nCompartments must be a whole number >= 1 (got ${nCompartments})`);
  }
  const column = dataset.standardColumns?.CMT ?? 'CMT';
  const listed = compartmentNames !== undefined && compartmentNames.length > 0
    ? ` (${compartmentNames.map((name, k) => `${k + 1} ${name}`).join(', ')})`
    : '';
  const what = `the model has ${nCompartments} compartment${nCompartments === 1 ? '' : 's'}${listed}`;
  const problems: DataProblem[] = [];
  for (const rec of dataset.records) {
    if (Math.abs(rec.cmt) > nCompartments) {
      problems.push({ file: dataset.file, line: rec.line, column, message: `CMT ${rec.cmt} is out of range: ${what}` });
    }
  }
  if (problems.length > 0) throw new DataError(problems);
}
