/**
 * Typed tables and NONMEM-style datasets: the contract between data files and everything
 * downstream (events, models, the LMM core). No model knowledge lives here.
 */

/** One column of a table. Numeric columns hold NaN for missing ('.', 'NA', 'NaN' or empty). */
export type Column =
  | { readonly name: string; readonly kind: 'numeric'; readonly values: Float64Array }
  | { readonly name: string; readonly kind: 'string'; readonly values: readonly (string | null)[] };

/** A rectangular table read from a CSV or whitespace-separated file. */
export interface Table {
  /** Path as given by the user (used in every error message). */
  readonly file: string;
  /** Column names exactly as written in the header. */
  readonly names: readonly string[];
  readonly columns: readonly Column[];
  /** Number of data rows (comment and blank lines excluded). */
  readonly nRows: number;
  /** 1-based file line of each data row, for error messages. */
  readonly lines: Int32Array;
  /** 1-based file line of the header row (absent for tables not read from a file). */
  readonly headerLine?: number;
}

/** How to read a table file (see src/data/table.ts). */
export interface TableOptions {
  /**
   * Lines to skip, as NONMEM's `IGNORE=c`, one character each: '#' skips lines whose first
   * non-blank character is '#'; '@' skips lines whose first non-blank character is a letter
   * or '@'; any other character c skips lines whose first character is c (e.g. ['C']).
   * Default: lines whose first non-blank character is '#' or '@'. The header is never skipped.
   */
  readonly ignore?: readonly string[];
  /** Field texts read as missing; default ['.', 'NA', 'NaN', ''] (fields are trimmed first). */
  readonly missing?: readonly string[];
  /** Field separator; default: 'csv' when the header line contains a comma, else 'whitespace'. */
  readonly format?: 'csv' | 'whitespace';
}

/** How to read a NONMEM-style dataset (see src/data/dataset.ts). */
export interface DatasetOptions extends TableOptions {
  /**
   * Header name of a standard item, like NONMEM's `$INPUT DV=Y`: e.g. `{ DV: 'Y' }`.
   * Items not listed are found by their own name, case-insensitively.
   */
  readonly columns?: Partial<Record<StandardItem, string>>;
}

/** The standard NONMEM data items popkit recognises (case-insensitively in headers). */
export const STANDARD_ITEMS = ['ID', 'TIME', 'DV', 'AMT', 'EVID', 'MDV', 'CMT', 'RATE', 'DUR', 'SS', 'II', 'ADDL'] as const;
export type StandardItem = (typeof STANDARD_ITEMS)[number];

/** A covariate value on one record: a number, a string category, or missing (null). */
export type CovariateValue = number | string | null;

/** One data record (row) with NONMEM's defaults applied. */
export interface DataRecord {
  /** 0-based index of the row in the dataset (and in `Dataset.records`). */
  readonly index: number;
  /** 1-based line in the file. */
  readonly line: number;
  readonly id: string;
  /** Time (the dataset's time unit). */
  readonly time: number;
  /** Dependent variable; NaN when missing or not an observation. */
  readonly dv: number;
  readonly amt: number;
  /** 0 observation, 1 dose, 2 other, 3 reset, 4 reset and dose. */
  readonly evid: number;
  readonly mdv: number;
  /** 1-based compartment number as in the data; 0 = the model's default compartment. */
  readonly cmt: number;
  /** Infusion rate (amount/time); 0 bolus; -1 modelled rate; -2 modelled duration. */
  readonly rate: number;
  /** Infusion duration from a DUR column (time); 0 when absent. */
  readonly dur: number;
  /** 0 none, 1 steady state with reset, 2 steady state added to the current state. */
  readonly ss: number;
  /** Interdose interval for SS and ADDL (time). */
  readonly ii: number;
  /** Number of additional doses every II after this one. */
  readonly addl: number;
}

/** One subject: its records in file order (contiguous in the file). */
export interface SubjectData {
  readonly id: string;
  /** Indices into `Dataset.records`, in file order. */
  readonly recordIndices: Int32Array;
}

/** A validated NONMEM-style dataset. */
export interface Dataset {
  readonly file: string;
  readonly table: Table;
  readonly records: readonly DataRecord[];
  readonly subjects: readonly SubjectData[];
  /** Names of the non-standard columns, as written in the header. */
  readonly covariateNames: readonly string[];
  /** Header name of each standard item present in the file, e.g. { ID: 'id', DV: 'Y' }. */
  readonly standardColumns?: Partial<Record<StandardItem, string>>;
  /** Covariate value of column `name` on record `index` (null when missing). */
  covariate(name: string, index: number): CovariateValue;
}
