/**
 * Finding NONMEM's standard data items (ID TIME DV AMT EVID MDV CMT RATE DUR SS II ADDL)
 * among a table's columns: by an explicit mapping (like `$INPUT DV=Y`), else by name,
 * case-insensitively. Every other column is a covariate.
 */
import type { DataProblem } from '../errors.js';
import { STANDARD_ITEMS, type StandardItem, type Table } from './types.js';

/** Items a dataset cannot do without. */
export const REQUIRED_ITEMS: readonly StandardItem[] = ['ID', 'TIME', 'DV'];

/** Where each standard item lives in a table, and which columns are covariates. */
export interface StandardColumns {
  /** Column index (into `table.columns`) of each item present in the file. */
  readonly index: Partial<Record<StandardItem, number>>;
  /** Column indices of the covariates, in header order. */
  readonly covariates: readonly number[];
}

/** Index of the column named `name`: an exact match, else the single case-insensitive match. */
export function findColumn(names: readonly string[], name: string): number | 'ambiguous' | undefined {
  const exact = names.indexOf(name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  const matches: number[] = [];
  names.forEach((n, j) => { if (n.toLowerCase() === lower) matches.push(j); });
  if (matches.length === 1) return matches[0];
  return matches.length > 1 ? 'ambiguous' : undefined;
}

function headerList(names: readonly string[]): string {
  return names.join(', ');
}

/**
 * Resolve the standard items of `table`. `mapping` names the header of an item whose column
 * is not called by the item's name, e.g. `{ DV: 'Y' }`. Problems (an unknown mapped name,
 * two columns claiming one item, a missing required column, a one-column header whose names
 * are separated by ';' or '|') are appended to `problems`.
 */
export function resolveStandardColumns(
  table: Table,
  mapping: Partial<Record<StandardItem, string>> | undefined,
  problems: DataProblem[],
): StandardColumns {
  const { file, names } = table;
  const line = table.headerLine ?? 1;
  const separator = names.length === 1 ? [';', '|'].find((c) => names[0].includes(c)) : undefined;
  if (separator !== undefined) {
    problems.push({
      file, line,
      message: `the header is one column '${names[0]}': its names seem separated by '${separator}', `
        + 'but popkit reads comma- or whitespace-separated files (save the file as CSV with commas)',
    });
    return { index: {}, covariates: [] };
  }
  const index: Partial<Record<StandardItem, number>> = {};
  const claimedBy = new Map<number, StandardItem>();
  const claim = (item: StandardItem, j: number): void => {
    const other = claimedBy.get(j);
    if (other !== undefined) {
      problems.push({ file, line, column: names[j], message: `column ${names[j]} cannot be both ${other} and ${item}` });
      return;
    }
    claimedBy.set(j, item);
    index[item] = j;
  };

  for (const [key, header] of Object.entries(mapping ?? {})) {
    const item = STANDARD_ITEMS.find((s) => s === key.toUpperCase());
    if (item === undefined) {
      problems.push({ file, line, message: `option columns: ${key} is not a standard item (${STANDARD_ITEMS.join(' ')})` });
      continue;
    }
    if (header === undefined) continue;
    const j = findColumn(names, header);
    if (j === undefined || j === 'ambiguous') {
      problems.push({
        file, line,
        message: j === 'ambiguous'
          ? `option columns maps ${item} to '${header}', which matches several header names when case is ignored (header: ${headerList(names)})`
          : `option columns maps ${item} to '${header}', but the header has no such column (header: ${headerList(names)})`,
      });
      continue;
    }
    claim(item, j);
  }

  const ambiguous = new Set<StandardItem>();
  for (const item of STANDARD_ITEMS) {
    if (index[item] !== undefined || mapping?.[item] !== undefined) continue;
    const matches: number[] = [];
    names.forEach((n, j) => { if (n.toUpperCase() === item && !claimedBy.has(j)) matches.push(j); });
    if (matches.length > 1) {
      ambiguous.add(item);
      problems.push({
        file, line,
        message: `columns ${matches.map((j) => names[j]).join(' and ')} could both be ${item}; `
          + `choose one with the columns option, e.g. columns: { ${item}: '${names[matches[0]]}' }`,
      });
    } else if (matches.length === 1) {
      claim(item, matches[0]);
    }
  }

  for (const item of REQUIRED_ITEMS) {
    if (index[item] === undefined && mapping?.[item] === undefined && !ambiguous.has(item)) {
      problems.push({
        file, line,
        message: `required column ${item} not found (header: ${headerList(names)}); `
          + `name it ${item} or map it with the columns option, e.g. columns: { ${item}: '<header name>' }`,
      });
    }
  }

  const covariates: number[] = [];
  names.forEach((_, j) => { if (!claimedBy.has(j)) covariates.push(j); });
  return { index, covariates };
}
