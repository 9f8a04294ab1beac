/**
 * The model frame of a linear mixed model: a parsed lme4 formula evaluated on a table, as
 * lme4's `lFormula()` does it (model.frame → na.omit → model.matrix for X and for each
 * random-effects term, grouping factors re-factored, rank-deficient X columns dropped).
 * Nothing is dropped silently: rows with missing values and dropped X columns are recorded
 * in the frame (`dropped`, `droppedFixedNames`); `frameNotices` words them for the user.
 */
import { DataError, PopkitError, type DataProblem } from '../errors.js';
import type { Column, Table } from '../data/types.js';
import type { DroppedRow, LmmFrame, RandomEffectsTerm } from './frame-types.js';
import { FormulaError } from './formula-error.js';
import { parseFormula } from './formula.js';
import { buildDesign, type DesignMatrix, type EvaluatedVariable } from './formula-design.js';
import { evaluateExpression, FACTOR_FUNCTIONS } from './formula-functions.js';
import { factorOf, interactFactors, type FactorCodes, type LevelCollation } from './formula-levels.js';
import { independentColumns } from './formula-rank.js';
import type { FormulaVariable, ParsedFormula, TermsSpec } from './formula-types.js';

/** Options of `buildFrame`. */
export interface BuildFrameOptions {
  /** Numeric columns to treat as factors (text columns always are), e.g. ['service']. */
  readonly categorical?: readonly string[];
  /** Column of prior weights w_i (residual variance σ²/w_i); must be > 0. */
  readonly weights?: string;
  /** Level order of factor columns, reference level first (R's `factor(x, levels = ...)`). */
  readonly levels?: Readonly<Record<string, readonly string[]>>;
  /** Sorting of text levels: `'en'` (R in an English locale, the default) or `'C'`. */
  readonly collation?: LevelCollation;
}

/**
 * Evaluates an lme4 formula on a table. Throws FormulaError for an unknown column (with a
 * caret under it in the formula), PopkitError/DataError for a non-numeric response, a
 * factor with fewer than 2 levels, a grouping factor with fewer than 2 levels, a
 * non-finite value of an expression, weights that are not positive, or no complete rows.
 * Example: `buildFrame('distance ~ age * Sex + (age | Subject)', orthodont)` has
 * fixedNames ["(Intercept)", "age", "SexMale", "age:SexMale"].
 */
export function buildFrame(formula: ParsedFormula | string, table: Table, options: BuildFrameOptions = {}): LmmFrame {
  const parsed = typeof formula === 'string' ? parseFormula(formula) : formula;
  if (parsed.random.length === 0) {
    throw new PopkitError(`formula '${parsed.text}' has no random-effects term; add one such as (1 | Subject)`);
  }
  const columnByName = new Map(table.names.map((name, k) => [name, table.columns[k]] as const));
  for (const name of parsed.columns) {
    if (!columnByName.has(name)) throw unknownColumn(name, table, parsed.text);
  }
  const extra = [...(options.categorical ?? []), ...Object.keys(options.levels ?? {}), ...(options.weights !== undefined ? [options.weights] : [])];
  for (const name of extra) {
    if (!columnByName.has(name)) throw unknownColumn(name, table);
  }
  const categorical = new Set([...(options.categorical ?? []), ...Object.keys(options.levels ?? {})]);
  const isFactorColumn = (name: string): boolean => columnByName.get(name)!.kind === 'string' || categorical.has(name);
  const where = (row: number): string => `${table.file}:${table.lines[row]}`;

  // Rows with a missing value in any column the model reads are left out (and recorded).
  const used = options.weights !== undefined && !parsed.columns.includes(options.weights)
    ? [...parsed.columns, options.weights] : parsed.columns;
  const usedColumns = used.map((name) => columnByName.get(name)!);
  const dropped: DroppedRow[] = [];
  const keep: number[] = [];
  const isMissing = (c: Column, r: number): boolean => (c.kind === 'numeric' ? Number.isNaN(c.values[r]) : c.values[r] === null);
  for (let r = 0; r < table.nRows; r++) {
    if (!usedColumns.some((c) => isMissing(c, r))) keep.push(r);
    else dropped.push({ row: r + 1, line: table.lines[r], columns: usedColumns.filter((c) => isMissing(c, r)).map((c) => c.name) });
  }
  if (keep.length === 0) {
    throw new PopkitError(`${table.file}: no row has values in all the columns the model reads (${used.join(', ')})`);
  }
  const rows = Int32Array.from(keep);
  const n = rows.length;
  const collation = options.collation ?? 'en';

  const factorCache = new Map<string, FactorCodes>();
  const factorOfColumn = (name: string): FactorCodes => {
    let f = factorCache.get(name);
    if (f === undefined) {
      const order = options.levels !== undefined && Object.hasOwn(options.levels, name) ? options.levels[name] : undefined;
      f = factorOf(columnByName.get(name)!, rows, collation, order, where);
      factorCache.set(name, f);
    }
    return f;
  };
  const evaluate = (v: FormulaVariable): EvaluatedVariable => {
    const factorColumn = v.isColumn && isFactorColumn(v.columns[0]) ? v.columns[0]
      : v.expr.kind === 'call' && FACTOR_FUNCTIONS.has(v.expr.fn) ? v.columns[0] : undefined;
    if (factorColumn !== undefined) {
      const factor = factorOfColumn(factorColumn);
      if (factor.levels.length < 2) {
        throw new PopkitError(`${table.file}: column ${factorColumn} has only the level '${factor.levels[0]}' in the rows used; a factor in the model needs at least 2 levels`);
      }
      return { kind: 'factor', factor };
    }
    return { kind: 'numeric', values: evaluateNumeric(v, columnByName, categorical, rows, table) };
  };

  const responseValue = evaluateResponse(parsed.response, columnByName, rows, table, evaluate);
  const fixedDesign = designOf(parsed.fixed, evaluate, n);
  const kept = independentColumns(fixedDesign.values, n, fixedDesign.names.length);
  const X = new Float64Array(n * kept.length);
  kept.forEach((j, k) => X.set(fixedDesign.values.subarray(j * n, (j + 1) * n), k * n));
  const droppedFixedNames = fixedDesign.names.filter((_, j) => !kept.includes(j));

  const terms: RandomEffectsTerm[] = parsed.random.map((spec) => {
    const design = designOf(spec.lhs, evaluate, n);
    const group = interactFactors(spec.groupColumns.map(factorOfColumn));
    if (group.levels.length < 2) {
      throw new PopkitError(`${table.file}: grouping factor ${spec.group} has only the level '${group.levels[0]}' in the rows used; it needs at least 2`);
    }
    return { group: spec.group, levels: group.levels, groupIndex: group.codes, columnNames: design.names, z: design.values, correlated: true };
  });

  const frame: LmmFrame = {
    n, responseName: parsed.response.label, y: responseValue, X, fixedNames: kept.map((j) => fixedDesign.names[j]),
    terms, rows: rows.map((r) => r + 1), dropped, droppedFixedNames,
  };
  if (options.weights === undefined) return frame;
  return { ...frame, weights: evaluateWeights(columnByName.get(options.weights)!, categorical, rows, table) };
}

/**
 * Notices a user must see about a frame: rows left out for missing values (at most
 * `maxRows` listed) and fixed-effect columns dropped for rank deficiency, e.g.
 * "data.csv: 2 rows left out for missing values: line 7 (DV), line 9 (DV, WT)".
 */
export function frameNotices(frame: LmmFrame, file = 'data', maxRows = 10): string[] {
  const notes: string[] = [];
  const dropped = frame.dropped ?? [];
  if (dropped.length > 0) {
    const listed = dropped.slice(0, maxRows).map((d) => `line ${d.line} (${d.columns.join(', ')})`).join(', ');
    const more = dropped.length > maxRows ? `, and ${dropped.length - maxRows} more` : '';
    notes.push(`${file}: ${dropped.length} row${dropped.length === 1 ? '' : 's'} left out for missing values: ${listed}${more}`);
  }
  const cols = frame.droppedFixedNames ?? [];
  if (cols.length > 0) {
    notes.push(`fixed-effect model matrix is rank deficient so dropping ${cols.length} column${cols.length === 1 ? '' : 's'} / coefficient${cols.length === 1 ? '' : 's'}: ${cols.join(', ')}`);
  }
  return notes;
}

function designOf(spec: TermsSpec, evaluate: (v: FormulaVariable) => EvaluatedVariable, n: number): DesignMatrix {
  return buildDesign(spec, spec.variables.map(evaluate), n);
}

function evaluateResponse(
  v: FormulaVariable, columns: Map<string, Column>, rows: Int32Array, table: Table,
  evaluate: (v: FormulaVariable) => EvaluatedVariable,
): Float64Array {
  const text = v.columns.find((c) => columns.get(c)!.kind === 'string');
  if (text !== undefined) {
    const col = columns.get(text)! as Column & { kind: 'string' };
    // Name the first value that is not a number: a column with one stray entry ('NA') is read as text.
    const r = rows.find((k) => !Number.isFinite(Number(col.values[k]))) ?? rows[0];
    const hint = /^(na|nan)$/i.test(col.values[r] ?? '') ? "; write a missing value as '.' or leave it empty" : '';
    throw new PopkitError(`the response ${v.label} must be numeric, but column ${text} holds text (e.g. '${col.values[r]}' on ${table.file}:${table.lines[r]})${hint}`);
  }
  const e = evaluate(v);
  if (e.kind !== 'numeric') throw new PopkitError(`the response ${v.label} must be numeric, not a factor`);
  return e.values;
}

function evaluateNumeric(
  v: FormulaVariable, columns: Map<string, Column>, categorical: Set<string>, rows: Int32Array, table: Table,
): Float64Array {
  for (const name of v.columns) {
    const kind = columns.get(name)!.kind === 'string' ? 'holds text' : categorical.has(name) ? 'is declared categorical' : undefined;
    if (kind !== undefined) throw new PopkitError(`${v.label}: column ${name} ${kind} and cannot be used in arithmetic`);
  }
  const n = rows.length;
  const out = new Float64Array(n);
  const problems: DataProblem[] = [];
  const numeric = new Map(v.columns.map((name) => [name, (columns.get(name) as Column & { kind: 'numeric' }).values] as const));
  if (v.isColumn) {
    const values = numeric.get(v.columns[0])!;
    for (let i = 0; i < n; i++) out[i] = values[rows[i]];
  } else {
    let row = 0;
    const valueOf = (name: string): number => numeric.get(name)![row];
    for (let i = 0; i < n; i++) {
      row = rows[i];
      out[i] = evaluateExpression(v.expr, valueOf);
    }
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(out[i])) {
      const inputs = v.columns.map((c) => `${c} = ${numeric.get(c)![rows[i]]}`).join(', ');
      problems.push({ file: table.file, line: table.lines[rows[i]], column: v.columns.length === 1 ? v.columns[0] : undefined,
        message: `${v.label} is ${out[i]} (${inputs}); the model needs a finite value` });
    }
  }
  if (problems.length > 0) throw new DataError(problems);
  return out;
}

function evaluateWeights(col: Column, categorical: Set<string>, rows: Int32Array, table: Table): Float64Array {
  if (col.kind === 'string' || categorical.has(col.name)) throw new PopkitError(`weights column ${col.name} must be numeric`);
  const w = Float64Array.from(rows, (r) => col.values[r]);
  const problems: DataProblem[] = [];
  w.forEach((x, i) => {
    if (!(x > 0) || !Number.isFinite(x)) {
      problems.push({ file: table.file, line: table.lines[rows[i]], column: col.name, message: `weight ${x} must be positive and finite (leave rows of weight 0 out of the data)` });
    }
  });
  if (problems.length > 0) throw new DataError(problems);
  return w;
}

/** FormulaError (caret at the column's first use) or PopkitError naming an unknown column. */
function unknownColumn(name: string, table: Table, formula?: string): PopkitError {
  const near = table.names.filter((t) => simplify(t) === simplify(name));
  const hint = near.length > 0 ? ` (did you mean ${near.map((t) => `'${t}'`).join(' or ')}?)` : '';
  const message = `column '${name}' is not in ${table.file}${hint}; its columns are: ${table.names.join(', ')}`;
  const at = formula === undefined ? -1 : locateName(formula, name);
  return at >= 0 ? new FormulaError(message, formula!, at, name.length) : new PopkitError(message);
}

const simplify = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Offset of `name` used as a whole name in the formula (bare or in backticks), or −1. */
function locateName(text: string, name: string): number {
  const quoted = text.indexOf(`\`${name}\``);
  if (quoted >= 0) return quoted + 1;
  const isNameChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9._]/.test(c);
  for (let i = text.indexOf(name); i >= 0; i = text.indexOf(name, i + 1)) {
    if (!isNameChar(text[i - 1]) && !isNameChar(text[i + name.length])) return i;
  }
  return -1;
}
