/**
 * Checks of a patient file against the model before anything is estimated, so that a file
 * that contradicts the model fails with a message naming both.
 */
import type { Table } from '../data/types.js';
import { DataError } from '../errors.js';
import type { Model } from '../model/types.js';

/**
 * Throws DataError (file and header line) listing every covariate the model reads that the
 * patient file has no column for (a covariate's aliases count), with the model line.
 * Example: a pheno patient file without WT/WGT fails with "no column WT (or WGT)".
 */
export function checkModelCovariatesInData(model: Model, table: Table): void {
  const have = new Set(table.names.map((n) => n.toLowerCase()));
  const missing = model.covariates.filter((c) => ![c.name, ...c.aliases].some((n) => have.has(n.toLowerCase())));
  if (missing.length === 0) return;
  throw new DataError(missing.map((c) => ({
    file: table.file, line: table.headerLine ?? 1,
    message: `no column ${c.name}${c.aliases.length > 0 ? ` (or ${c.aliases.join(', ')})` : ''}: the model ${model.name} reads this covariate`
      + `${c.at !== undefined ? ` (${model.file ?? 'model'}:${c.at.line})` : ''}; add it to the patient file`,
  })));
}
