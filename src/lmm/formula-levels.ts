/**
 * Factor levels as R's `factor()` makes them, after model.frame has dropped incomplete rows
 * and unused levels:
 *  - a numeric column: distinct values in increasing numeric order, labelled as R's
 *    `as.character()` writes them ("2", "0.5", "1e+05"), so a 0/1 column gives levels
 *    "0", "1" and the coefficient `service1`;
 *  - a text column: distinct strings sorted by collation. `'en'` (the default) is R in an
 *    English locale (R sorts strings with ICU / the locale's collation, not by code: "a" <
 *    "B" < "b", "10" < "2"); `'C'` is R with LC_COLLATE=C (code-point order, "B" < "a").
 *    Strings that collate equal are ordered by code point;
 *  - an explicit order given by the caller (R's `factor(x, levels = ...)`); its first level
 *    is the reference level of the treatment contrasts.
 */
import { PopkitError } from '../errors.js';
import { formatRNumber } from './formula-deparse.js';
import type { Column } from '../data/types.js';

/** How text levels are sorted: R in an English locale (`'en'`) or in the C locale (`'C'`). */
export type LevelCollation = 'en' | 'C';

/** A factor over the rows of a frame: level labels and the 0-based level of each row. */
export interface FactorCodes {
  readonly levels: readonly string[];
  /** Level code of each frame row, length n. */
  readonly codes: Int32Array;
}

const enCollator = new Intl.Collator('en');

function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/** Compares two level labels as R sorts strings under the given collation. */
export function compareLevels(a: string, b: string, collation: LevelCollation): number {
  if (collation === 'en') {
    const c = enCollator.compare(a, b);
    if (c !== 0) return c;
  }
  return compareCodePoints(a, b);
}

/**
 * The factor of `column` over the table rows `rows` (0-based), none of which is missing.
 * `order` fixes the level order (values not in it are an error naming the file line);
 * levels that no row uses are dropped, as lme4's model frame does.
 */
export function factorOf(
  column: Column,
  rows: Int32Array,
  collation: LevelCollation,
  order: readonly string[] | undefined,
  describeRow: (row: number) => string,
): FactorCodes {
  const n = rows.length;
  const labelOfRow = new Array<string>(n);
  const distinct = new Map<string, number>(); // label -> numeric value (NaN for text)
  const labelOfValue = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    let label: string;
    let value = NaN;
    if (column.kind === 'numeric') {
      value = column.values[rows[i]];
      let cached = labelOfValue.get(value);
      if (cached === undefined) labelOfValue.set(value, cached = formatRNumber(value));
      label = cached;
    } else {
      label = column.values[rows[i]] as string;
    }
    labelOfRow[i] = label;
    if (!distinct.has(label)) distinct.set(label, value);
  }

  let levels: string[];
  if (order !== undefined) {
    const known = new Set(order);
    for (let i = 0; i < n; i++) {
      if (!known.has(labelOfRow[i])) {
        throw new PopkitError(`${describeRow(rows[i])}: column ${column.name}: value '${labelOfRow[i]}' is not among the levels given for ${column.name} (${order.join(', ')})`);
      }
    }
    levels = order.filter((l) => distinct.has(l));
  } else if (column.kind === 'numeric') {
    levels = [...distinct.entries()].sort((a, b) => a[1] - b[1]).map((e) => e[0]);
  } else {
    levels = [...distinct.keys()].sort((a, b) => compareLevels(a, b, collation));
  }

  const codeOf = new Map(levels.map((l, k) => [l, k] as const));
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) codes[i] = codeOf.get(labelOfRow[i])!;
  return { levels, codes };
}

/**
 * The interaction of several factors as R's `a:b` forms it, keeping observed combinations
 * only (lme4 re-factors its grouping factors): levels "a1:b1", ordered with the first
 * factor varying slowest, as R's `:` on factors does.
 */
export function interactFactors(factors: readonly FactorCodes[]): FactorCodes {
  if (factors.length === 1) return factors[0];
  const n = factors[0].codes.length;
  const tupleKey = new Array<string>(n);
  const tuples = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const t = factors.map((f) => f.codes[i]);
    const k = t.join(',');
    tupleKey[i] = k;
    if (!tuples.has(k)) tuples.set(k, t);
  }
  const sorted = [...tuples.entries()].sort((a, b) => {
    for (let j = 0; j < a[1].length; j++) if (a[1][j] !== b[1][j]) return a[1][j] - b[1][j];
    return 0;
  });
  const codeOf = new Map(sorted.map(([k], c) => [k, c] as const));
  const levels = sorted.map(([, t]) => t.map((c, j) => factors[j].levels[c]).join(':'));
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) codes[i] = codeOf.get(tupleKey[i])!;
  return { levels, codes };
}
