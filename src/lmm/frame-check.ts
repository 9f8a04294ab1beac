/**
 * Checks of an LmmFrame before any numerics, and the choice of estimable fixed effects.
 * A frame made by the frame builder passes these checks; one built through the API may not,
 * and then the user must learn what is wrong instead of receiving NaN.
 */
import { ModelError } from '../errors.js';
import { independentColumns } from './formula-rank.js';
import type { LmmFrame } from './frame-types.js';

/** Throws ModelError naming the first inconsistency in the frame. */
export function checkFrame(frame: LmmFrame): void {
  const { n, y, X, fixedNames, terms } = frame;
  const p = fixedNames.length;
  if (!(n > 0)) throw new ModelError('the model frame has no observations');
  if (y.length !== n) throw new ModelError(`response '${frame.responseName}' has ${y.length} values for ${n} observations`);
  if (X.length !== n * p) throw new ModelError(`fixed-effects design has ${X.length} values, expected ${n}×${p}`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i])) throw new ModelError(`response '${frame.responseName}' is not finite in observation ${i + 1} (row ${frame.rows[i] ?? '?'})`);
  }
  for (let j = 0; j < p; j++) {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(X[i + j * n])) {
        throw new ModelError(`fixed-effects column '${fixedNames[j]}' is not finite in observation ${i + 1} (row ${frame.rows[i] ?? '?'})`);
      }
    }
  }
  if (terms.length === 0) throw new ModelError('the model has no random-effects term; fit it as a linear model');
  for (const t of terms) {
    const q = t.columnNames.length;
    if (q < 1) throw new ModelError(`random-effects term for '${t.group}' has no columns`);
    if (t.groupIndex.length !== n || t.z.length !== n * q) {
      throw new ModelError(`random-effects term for '${t.group}' does not match the ${n} observations`);
    }
    const nl = t.levels.length;
    for (let i = 0; i < n; i++) {
      const g = t.groupIndex[i];
      if (!(g >= 0 && g < nl)) throw new ModelError(`grouping factor '${t.group}' has an invalid level code in observation ${i + 1}`);
    }
    for (let i = 0; i < n * q; i++) {
      if (!Number.isFinite(t.z[i])) throw new ModelError(`random-effects column of '${t.group}' is not finite`);
    }
  }
  if (frame.weights) {
    if (frame.weights.length !== n) throw new ModelError(`weights have ${frame.weights.length} values for ${n} observations`);
    for (let i = 0; i < n; i++) {
      const w = frame.weights[i];
      if (!(w > 0) || !Number.isFinite(w)) {
        throw new ModelError(`weights must be positive and finite: data row ${frame.rows[i] ?? i + 1} has weight ${w} (leave such rows out of the data)`);
      }
    }
  }
}

/**
 * Indices of the fixed-effects columns to keep: a column that is (numerically) a linear
 * combination of earlier ones is dropped, by the same rule as the frame builder (lme4's
 * `chkRank.drop.cols`, see formula-rank.ts), so a frame from `buildFrame` loses nothing here.
 */
export function estimableColumns(frame: LmmFrame): number[] {
  return independentColumns(frame.X, frame.n, frame.fixedNames.length);
}
