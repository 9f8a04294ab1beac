/**
 * Datasets: NONMEM-style datasets (ID TIME DV AMT EVID MDV CMT RATE DUR SS II ADDL and
 * covariates, NONMEM's defaults and checks) and plain tables, read from files or parsed from
 * text. Every problem of a file is reported at once with its file, line and column.
 * Example: `datasets.readDataset('datasets/pheno.dta').subjects.length` is 59.
 */
export { readDataset, readTable, readTextFile } from '../io/data-files.js';
export { parseDataset, datasetFromTable, requireCovariates, validateCompartments, covariateSeries } from '../data/dataset.js';
export { parseTable } from '../data/table.js';
export { datasetFromColumns, tableFromColumns, type ColumnValues } from '../data/build.js';
export { STANDARD_ITEMS } from '../data/types.js';
export type {
  Column, CovariateValue, DataRecord, Dataset, DatasetOptions, StandardItem, SubjectData, Table, TableOptions,
} from '../data/types.js';
