/**
 * Reading rectangular tables: CSV or whitespace-separated (NONMEM `.dta`) text with one
 * header row. Comment lines are skipped as NONMEM's IGNORE option does (see line-filter.ts);
 * every data row keeps its 1-based line in the file for error messages.
 */
import { DataError, PopkitError, type DataProblem } from '../errors.js';
import { splitCsvRecord, splitWhitespace } from './fields.js';
import { isCommentBeforeHeader, lineIgnoreRule } from './line-filter.js';
import type { Column, Table, TableOptions } from './types.js';

/** Field texts read as missing by default: NONMEM's '.', R's 'NA' and 'NaN', and empty fields. */
export const MISSING_TEXTS: readonly string[] = ['.', 'NA', 'NaN', ''];

/** A decimal number as NONMEM data files write it: 12, -3.5, .5, 5., 1e-3, 2.5E+02. */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number a field text stands for, or NaN when it is not a decimal number. */
export function parseNumber(text: string): number {
  return NUMBER.test(text) ? Number(text) : NaN;
}

/**
 * Parse table text. `file` names the source in error messages.
 * The header is the first line that is not blank and not a comment ('#' or '@' as first
 * non-blank character). CSV when the header has a comma (unless `options.format` says),
 * else whitespace-separated. `.`, `NA`, `NaN` and empty fields are missing (`options.missing`):
 * NONMEM's and R's ways of writing a missing value.
 * A column is numeric when every non-missing value is a decimal number (missing -> NaN),
 * else a string column (missing -> null).
 * Example: `parseTable('ID,TIME\n1,0\n', 'x.csv').columns[1].values` is Float64Array [0].
 */
export function parseTable(text: string, file: string, options: TableOptions = {}): Table {
  const ignored = lineIgnoreRule(options.ignore);
  const missing = new Set(options.missing ?? MISSING_TEXTS);
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > 0 && lines[0].charCodeAt(0) === 0xfeff) lines[0] = lines[0].slice(1);

  let h = 0;
  while (h < lines.length && (lines[h].trim() === '' || isCommentBeforeHeader(lines[h]))) h++;
  if (h === lines.length) {
    throw new DataError([{ file, line: Math.max(1, h), message: 'no header row: the file has no line that is not blank or a comment' }]);
  }
  const format = options.format ?? (lines[h].includes(',') ? 'csv' : 'whitespace');
  const problems: DataProblem[] = [];
  const headerLine = h + 1;

  let names: string[];
  let next: number;
  if (format === 'csv') {
    const split = splitCsvRecord(lines, h);
    next = split.next;
    if (!split.ok) throw new DataError([{ file, line: headerLine, message: `header: ${split.message}` }]);
    names = split.fields;
  } else {
    names = splitWhitespace(lines[h]);
    next = h + 1;
  }
  checkHeader(names, file, headerLine, problems);

  const n = names.length;
  const rows: string[][] = [];
  const rowLines: number[] = [];
  for (let i = next; i < lines.length;) {
    const start = i;
    const line = lines[start];
    if (isBlank(line, format) || ignored(line)) { i++; continue; }
    let fields: string[];
    if (format === 'csv') {
      const split = splitCsvRecord(lines, start);
      i = split.next;
      if (!split.ok) {
        problems.push({ file, line: start + 1, message: split.message });
        continue;
      }
      fields = split.fields;
    } else {
      fields = splitWhitespace(line);
      i = start + 1;
    }
    if (fields.length !== n) {
      problems.push({
        file, line: start + 1,
        message: `${fields.length} fields, but the header (line ${headerLine}) names ${n} columns`,
      });
    } else {
      rows.push(fields);
      rowLines.push(start + 1);
    }
  }
  if (problems.length > 0) throw new DataError(problems);

  const columns: Column[] = names.map((name, j) => typedColumn(name, rows, j, missing));
  return { file, names, columns, nRows: rows.length, lines: Int32Array.from(rowLines), headerLine };
}

function isBlank(line: string, format: string): boolean {
  return format === 'csv' ? /^[\s,]*$/.test(line) : line.trim() === '';
}

function checkHeader(names: readonly string[], file: string, line: number, problems: DataProblem[]): void {
  const seen = new Map<string, number>();
  names.forEach((name, j) => {
    if (name === '') {
      problems.push({ file, line, message: `header: column ${j + 1} has no name` });
      return;
    }
    const before = seen.get(name);
    if (before !== undefined) {
      problems.push({ file, line, column: name, message: `header: the name ${name} is used by columns ${before + 1} and ${j + 1}` });
    } else {
      seen.set(name, j);
    }
  });
  if (names.length > 0 && names.every((name) => name !== '' && NUMBER.test(name))) {
    problems.push({
      file, line,
      message: `the first line that is not a comment holds only numbers (${names.slice(0, 6).join(', ')}${names.length > 6 ? ', ...' : ''}); `
        + 'popkit needs a header row naming the columns (a header written as a # comment is not read)',
    });
  }
}

function typedColumn(name: string, rows: readonly string[][], j: number, missing: ReadonlySet<string>): Column {
  const nRows = rows.length;
  const values = new Float64Array(nRows);
  let numeric = true;
  for (let r = 0; r < nRows; r++) {
    const text = rows[r][j];
    if (missing.has(text)) { values[r] = NaN; continue; }
    const x = parseNumber(text);
    if (Number.isNaN(x)) { numeric = false; break; }
    values[r] = x;
  }
  if (numeric) return { name, kind: 'numeric', values };
  const strings: (string | null)[] = new Array(nRows);
  for (let r = 0; r < nRows; r++) {
    const text = rows[r][j];
    strings[r] = missing.has(text) ? null : text;
  }
  return { name, kind: 'string', values: strings };
}
