/**
 * Model-frame rules on small hand-made tables, each expected value worked out by hand from
 * R 4.x / lme4 1.1.31 behaviour: model.matrix column names and order with treatment
 * contrasts, R's factor level order, na.omit (reported here, not silent), lme4's dropping
 * of rank-deficient X columns (qr tolerance 1e-7) and its grouping-factor checks.
 * Exact comparisons unless stated.
 */
import { describe, expect, it } from 'vitest';
import { DataError, PopkitError } from '../../src/errors.js';
import type { Column, Table } from '../../src/data/types.js';
import { buildFrame, frameNotices } from '../../src/lmm/frame.js';
import { FormulaError } from '../../src/lmm/formula.js';
import { independentColumns } from '../../src/lmm/formula-rank.js';
import type { LmmFrame } from '../../src/lmm/frame-types.js';

type Cell = number | string | null;

/** A Table from rows; a column is numeric when every non-missing cell is a number. Header on line 1. */
function table(names: string[], rows: Cell[][], file = 'hand.csv'): Table {
  const columns: Column[] = names.map((name, j) => {
    const cells = rows.map((r) => r[j]);
    if (cells.every((c) => c === null || typeof c === 'number')) {
      return { name, kind: 'numeric', values: Float64Array.from(cells, (c) => (c === null ? NaN : (c as number))) };
    }
    return { name, kind: 'string', values: cells.map((c) => (c === null ? null : String(c))) };
  });
  return { file, names, columns, nRows: rows.length, lines: Int32Array.from(rows, (_, i) => i + 2) };
}

const xRow = (f: LmmFrame, i: number): number[] => f.fixedNames.map((_, j) => f.X[j * f.n + i]);

/** y, x, f (A/B/C), h (X/Y/Z), g (group) — every f×h combination present. */
const full = table(['y', 'x', 'f', 'h', 'g'], [
  [1, 0.5, 'A', 'X', 'g1'], [2, 1.5, 'B', 'X', 'g1'], [3, 2.5, 'C', 'X', 'g2'],
  [4, 3.5, 'A', 'Y', 'g2'], [5, 4.5, 'B', 'Y', 'g3'], [6, 5.5, 'C', 'Y', 'g3'],
  [7, 6.5, 'A', 'Z', 'g1'], [8, 7.5, 'B', 'Z', 'g2'], [9, 8.5, 'C', 'Z', 'g3'],
  [10, 9.5, 'C', 'Z', 'g1'],
]);

describe('design columns as R model.matrix names and orders them', () => {
  it('factor × factor: first factor varies fastest', () => {
    const fr = buildFrame('y ~ f * h + (1 | g)', full);
    expect(fr.fixedNames).toEqual(['(Intercept)', 'fB', 'fC', 'hY', 'hZ', 'fB:hY', 'fC:hY', 'fB:hZ', 'fC:hZ']);
    // row 8 (0-based 7): f = B, h = Z
    expect(xRow(fr, 7)).toEqual([1, 1, 0, 0, 1, 0, 0, 1, 0]);
  });

  it('numeric × factor and a factor interaction without its main effect', () => {
    const a = buildFrame('y ~ x + x:f + (1 | g)', full);
    expect(a.fixedNames).toEqual(['(Intercept)', 'x', 'x:fB', 'x:fC']);
    expect(xRow(a, 2)).toEqual([1, 2.5, 0, 2.5]);
    const b = buildFrame('y ~ f:x + (1 | g)', full);
    expect(b.fixedNames).toEqual(['(Intercept)', 'fA:x', 'fB:x', 'fC:x']);
    expect(xRow(b, 1)).toEqual([1, 0, 1.5, 0]);
  });

  it('no intercept: 0 + f gives every level; x + f - 1 codes f by indicators too', () => {
    expect(buildFrame('y ~ 0 + f + (1 | g)', full).fixedNames).toEqual(['fA', 'fB', 'fC']);
    const fr = buildFrame('y ~ x + f - 1 + (1 | g)', full);
    expect(fr.fixedNames).toEqual(['x', 'fA', 'fB', 'fC']);
    expect(xRow(fr, 3)).toEqual([3.5, 1, 0, 0]);
    expect(buildFrame('y ~ 0 + (1 | g)', full).fixedNames).toEqual([]);
  });

  it('expressions: I(x^2), log(y), factor() of a numeric column', () => {
    const t = table(['y', 'x', 'dose', 'g'], [[1, 2, 10, 'a'], [Math.E, 3, 20, 'b'], [4, 4, 10, 'b'], [5, 7, 20, 'a'], [6, 1, 10, 'a']]);
    const fr = buildFrame('log(y) ~ x + I(x^2) + factor(dose) + (1 | g)', t);
    expect(fr.responseName).toBe('log(y)');
    expect(fr.y[1]).toBe(1);
    expect(fr.fixedNames).toEqual(['(Intercept)', 'x', 'I(x^2)', 'factor(dose)20']);
    expect(xRow(fr, 1)).toEqual([1, 3, 9, 1]);
    expect(fr.droppedFixedNames).toEqual([]);
  });

  it('random-effect columns of a factor: (0 + f | g) and (f | g)', () => {
    const a = buildFrame('y ~ 1 + (0 + f | g)', full);
    expect(a.terms[0].columnNames).toEqual(['fA', 'fB', 'fC']);
    const b = buildFrame('y ~ 1 + (f | g)', full);
    expect(b.terms[0].columnNames).toEqual(['(Intercept)', 'fB', 'fC']);
    expect([0, 1, 2].map((j) => b.terms[0].z[j * b.n + 2])).toEqual([1, 0, 1]);
  });
});

describe('factor levels', () => {
  const t = table(['y', 'c', 'num', 'g'], [
    [1, 'b', 0.5, 'u'], [2, 'B', 100000, 'v'], [3, 'a', 2, 'u'], [4, 'A', 10, 'v'], [5, '10', 0.5, 'w'], [6, '9', 2, 'w'],
  ]);

  it("text levels sort as R in an English locale by default, by code point with collation 'C'", () => {
    expect(buildFrame('y ~ 0 + c + (1 | g)', t).fixedNames).toEqual(['c10', 'c9', 'ca', 'cA', 'cb', 'cB']);
    expect(buildFrame('y ~ 0 + c + (1 | g)', t, { collation: 'C' }).fixedNames).toEqual(['c10', 'c9', 'cA', 'cB', 'ca', 'cb']);
  });

  it('a numeric column declared categorical: numeric order, labels as R as.character', () => {
    const fr = buildFrame('y ~ num + (1 | g)', t, { categorical: ['num'] });
    expect(fr.fixedNames).toEqual(['(Intercept)', 'num2', 'num10', 'num1e+05']);
  });

  it('grouping levels of a 3-level nesting (1 | a/b/c): c:(b:a) with c slowest', () => {
    const n = table(['y', 'a', 'b', 'c'], [
      [1, 1, 1, 1], [2, 1, 1, 2], [3, 1, 2, 1], [4, 2, 1, 1], [5, 2, 2, 2], [6, 2, 2, 2],
    ]);
    const fr = buildFrame('y ~ 1 + (1 | a/b/c)', n);
    expect(fr.terms.map((x) => x.group)).toEqual(['c:(b:a)', 'b:a', 'a']);
    expect(fr.terms[0].levels).toEqual(['1:1:1', '1:1:2', '1:2:1', '2:1:1', '2:2:2']);
    expect(fr.terms[1].levels).toEqual(['1:1', '1:2', '2:1', '2:2']);
    // row 2 is a=1, b=1, c=2 → "2:1:1"; row 3 is a=1, b=2, c=1 → "1:2:1"; row 4 is a=2, b=1, c=1 → "1:1:2"
    expect(Array.from(fr.terms[0].groupIndex)).toEqual([0, 3, 2, 1, 4, 4]);
  });
});

describe('missing values: rows left out and reported', () => {
  const t = table(['y', 'x', 'f', 'g', 'w', 'unused'], [
    [1, 1, 'A', 'a', 1, null], [null, 2, 'B', 'a', 1, 1], [3, null, null, 'b', 2, 1],
    [4, 4, 'A', 'b', null, 1], [5, 5, 'B', 'c', 1, 1], [6, 6, 'A', 'c', 0.5, 1],
  ]);

  it('drops rows missing a used column, keeps rows missing only unused ones, records table rows and lines', () => {
    const fr = buildFrame('y ~ x + f + (1 | g)', t);
    expect(fr.n).toBe(4);
    expect(Array.from(fr.rows)).toEqual([1, 4, 5, 6]);
    expect(fr.dropped).toEqual([
      { row: 2, line: 3, columns: ['y'] },
      { row: 3, line: 4, columns: ['x', 'f'] },
    ]);
    expect(Array.from(fr.y)).toEqual([1, 4, 5, 6]);
    expect(frameNotices(fr, 'hand.csv')).toEqual(['hand.csv: 2 rows left out for missing values: line 3 (y), line 4 (x, f)']);
  });

  it('weights: a missing weight drops the row; weights are kept per used row', () => {
    const fr = buildFrame('y ~ x + (1 | g)', t, { weights: 'w' });
    expect(Array.from(fr.rows)).toEqual([1, 5, 6]);
    expect(Array.from(fr.weights!)).toEqual([1, 1, 0.5]);
  });

  it('negative or zero weights are a DataError with the line', () => {
    const bad = table(['y', 'g', 'w'], [[1, 'a', 1], [2, 'b', -1], [3, 'b', 1]]);
    expect(() => buildFrame('y ~ 1 + (1 | g)', bad, { weights: 'w' })).toThrow(DataError);
    expect(() => buildFrame('y ~ 1 + (1 | g)', bad, { weights: 'w' })).toThrow('hand.csv:3: column w: weight -1 must be positive and finite');
    const zero = table(['y', 'g', 'w'], [[1, 'a', 1], [2, 'b', 1], [3, 'b', 0]]);
    expect(() => buildFrame('y ~ 1 + (1 | g)', zero, { weights: 'w' })).toThrow('hand.csv:4: column w: weight 0 must be positive and finite');
  });
});

describe('rank-deficient X: columns dropped as lme4 does, and named', () => {
  it('an absent factor combination drops the all-zero interaction column', () => {
    const t = table(['y', 'f', 'h', 'g'], [
      [1, 'A', 'X', 'a'], [2, 'B', 'X', 'a'], [3, 'A', 'Y', 'b'], [4, 'A', 'Y', 'b'], [5, 'B', 'X', 'c'],
    ]);
    const fr = buildFrame('y ~ f * h + (1 | g)', t);
    expect(fr.fixedNames).toEqual(['(Intercept)', 'fB', 'hY']);
    expect(fr.droppedFixedNames).toEqual(['fB:hY']);
    expect(xRow(fr, 1)).toEqual([1, 1, 0]);
    expect(frameNotices(fr)).toEqual(['fixed-effect model matrix is rank deficient so dropping 1 column / coefficient: fB:hY']);
  });

  it('a collinear numeric column is dropped, the earlier one kept', () => {
    const t = table(['y', 'x', 'x2', 'g'], [[1, 1, 2, 'a'], [2, 2, 4, 'a'], [3, 3, 6, 'b'], [4, 5, 10, 'b']]);
    const fr = buildFrame('y ~ x + x2 + (1 | g)', t);
    expect(fr.fixedNames).toEqual(['(Intercept)', 'x']);
    expect(fr.droppedFixedNames).toEqual(['x2']);
  });

  it('independentColumns: relative tolerance 1e-7 on the orthogonal remainder', () => {
    const n = 4;
    const one = [1, 1, 1, 1];
    const a = [1, 2, 3, 4];
    expect(independentColumns(Float64Array.from([...one, ...a, ...a.map((v, i) => v + one[i] * 1e-9)]), n, 3)).toEqual([0, 1]);
    expect(independentColumns(Float64Array.from([...one, ...a, ...a.map((v, i) => v + (i === 0 ? 1e-3 : 0))]), n, 3)).toEqual([0, 1, 2]);
    expect(independentColumns(Float64Array.from([...one, 0, 0, 0, 0, ...a]), n, 3)).toEqual([0, 2]);
  });
});

describe('errors say where and what', () => {
  const t = table(['Reaction', 'Days', 'Subject', 'note'], [[250, 0, 'a', 'ok'], [260, 1, 'b', 'x']], 'sleep.csv');

  it('an unknown column is a FormulaError with a caret under it, listing the columns', () => {
    let err: unknown;
    try { buildFrame('Reaction ~ days + (days | Subject)', t); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(FormulaError);
    expect((err as Error).message).toBe(
      "formula, column 12: column 'days' is not in sleep.csv (did you mean 'Days'?); its columns are: Reaction, Days, Subject, note\n" +
      '  Reaction ~ days + (days | Subject)\n' +
      '             ^~~~');
    expect(() => buildFrame('Reaction ~ Days + (1 | Subject)', t, { weights: 'wt' }))
      .toThrow("column 'wt' is not in sleep.csv; its columns are: Reaction, Days, Subject, note");
  });

  it('a text response is an error naming a value and its line', () => {
    expect(() => buildFrame('note ~ Days + (1 | Subject)', t))
      .toThrow("the response note must be numeric, but column note holds text (e.g. 'ok' on sleep.csv:2)");
    expect(() => buildFrame('Days ~ 1 + (1 | Subject)', t, { categorical: ['Days'] })).toThrow('the response Days must be numeric, not a factor');
  });

  it('a response column read as text for one stray entry names that entry, not the first row', () => {
    const stray = table(['y', 'g'], [['1.5', 'a'], ['NA', 'b'], ['2', 'a']], 'stray.csv');
    expect(() => buildFrame('y ~ 1 + (1 | g)', stray))
      .toThrow("the response y must be numeric, but column y holds text (e.g. 'NA' on stray.csv:3); write a missing value as '.' or leave it empty");
  });

  it('arithmetic on a text column, a factor with one level, one grouping level, no random term', () => {
    expect(() => buildFrame('Reaction ~ log(note) + (1 | Subject)', t)).toThrow('log(note): column note holds text and cannot be used in arithmetic');
    const one = table(['y', 's', 'g'], [[1, 'M', 'a'], [2, 'M', 'b']]);
    expect(() => buildFrame('y ~ s + (1 | g)', one)).toThrow("column s has only the level 'M' in the rows used");
    expect(() => buildFrame('y ~ 1 + (1 | s)', one)).toThrow("grouping factor s has only the level 'M' in the rows used");
    expect(() => buildFrame('y ~ 1', one)).toThrow('has no random-effects term');
  });

  it('a non-finite expression value is a DataError, never a NaN in the frame', () => {
    const z = table(['y', 'c', 'g'], [[1, 1, 'a'], [2, 0, 'b']], 'z.csv');
    expect(() => buildFrame('log(y) ~ log(c) + (1 | g)', z)).toThrow('z.csv:3: column c: log(c) is -Infinity (c = 0); the model needs a finite value');
  });

  it('no complete rows', () => {
    const e = table(['y', 'g'], [[null, 'a'], [null, 'b']]);
    expect(() => buildFrame('y ~ 1 + (1 | g)', e)).toThrow(PopkitError);
    expect(() => buildFrame('y ~ 1 + (1 | g)', e)).toThrow('hand.csv: no row has values in all the columns the model reads (y, g)');
  });
});
