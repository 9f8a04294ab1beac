/**
 * A design matrix from model terms, as R's `model.matrix()` builds it with treatment
 * contrasts (`contr.treatment`, R's default for unordered factors):
 *  - "(Intercept)" first when the model has one;
 *  - a numeric variable gives one column named by its label ("age", "I(age^2)");
 *  - a factor coded by contrasts gives levels 2..k, named label+level ("SexMale");
 *    coded by indicators, all k levels ("SexFemale", "SexMale");
 *  - an interaction gives the products of its variables' columns, the first variable
 *    varying fastest, names joined by ':' ("age:SexMale", "fB:gY", "fC:gY");
 *  - without an intercept, the first factor of the first term containing a factor is coded
 *    by indicators of all levels (R's modelmatrix, stats/src/model.c), so `0 + f` gives
 *    one column per level.
 */
import type { FactorCodes } from './formula-levels.js';
import type { TermsSpec } from './formula-types.js';

/** A formula variable evaluated on the frame rows. */
export type EvaluatedVariable =
  | { readonly kind: 'numeric'; readonly values: Float64Array }
  | { readonly kind: 'factor'; readonly factor: FactorCodes };

/** An n×p design matrix, column-major, with R's column names. */
export interface DesignMatrix {
  readonly values: Float64Array;
  readonly names: readonly string[];
}

/** One column of one variable inside a term: a numeric column or the indicator of a level. */
type Piece = { readonly name: string; readonly values?: Float64Array; readonly codes?: Int32Array; readonly level?: number };

function piecesOf(label: string, v: EvaluatedVariable, byContrasts: boolean): Piece[] {
  if (v.kind === 'numeric') return [{ name: label, values: v.values }];
  const { levels, codes } = v.factor;
  const first = byContrasts ? 1 : 0;
  const out: Piece[] = [];
  for (let k = first; k < levels.length; k++) out.push({ name: label + levels[k], codes, level: k });
  return out;
}

/**
 * Builds the design matrix of `spec` over n rows; `variables[i]` is the evaluated
 * `spec.variables[i]`. Example: for `~ age * Sex` with Sex levels Female, Male the columns
 * are "(Intercept)", "age", "SexMale", "age:SexMale".
 */
export function buildDesign(spec: TermsSpec, variables: readonly EvaluatedVariable[], n: number): DesignMatrix {
  const coding = spec.terms.map((t) => [...t.contrasts]);
  if (!spec.intercept) {
    search: for (let j = 0; j < spec.terms.length; j++) {
      const t = spec.terms[j];
      for (let k = 0; k < t.variables.length; k++) {
        if (variables[t.variables[k]].kind === 'factor') {
          coding[j][k] = false;
          break search;
        }
      }
    }
  }

  const names: string[] = [];
  const columns: Float64Array[] = [];
  if (spec.intercept) {
    names.push('(Intercept)');
    columns.push(new Float64Array(n).fill(1));
  }
  spec.terms.forEach((t, j) => {
    const perVariable = t.variables.map((v, k) => piecesOf(spec.variables[v].label, variables[v], coding[j][k]));
    const total = perVariable.reduce((m, p) => m * p.length, 1);
    const pick = new Array<number>(perVariable.length).fill(0);
    for (let c = 0; c < total; c++) {
      // Mixed-radix index with the first variable varying fastest.
      let rest = c;
      for (let k = 0; k < perVariable.length; k++) {
        pick[k] = rest % perVariable[k].length;
        rest = Math.floor(rest / perVariable[k].length);
      }
      const parts = pick.map((p, k) => perVariable[k][p]);
      names.push(parts.map((p) => p.name).join(':'));
      const col = new Float64Array(n).fill(1);
      for (const part of parts) {
        if (part.values !== undefined) {
          for (let i = 0; i < n; i++) col[i] *= part.values[i];
        } else {
          const codes = part.codes!;
          const level = part.level!;
          for (let i = 0; i < n; i++) if (codes[i] !== level) col[i] = 0;
        }
      }
      columns.push(col);
    }
  });

  const values = new Float64Array(n * columns.length);
  columns.forEach((col, j) => values.set(col, j * n));
  return { values, names };
}
