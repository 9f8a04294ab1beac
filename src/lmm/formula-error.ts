import { ModelError } from '../errors.js';

/**
 * A mistake in a model formula. The message names the 1-based column and repeats the
 * formula with a caret under the offending character, e.g.
 *
 *     formula, column 24: '(' is never closed
 *       y ~ x + (1 | g
 *               ^
 */
export class FormulaError extends ModelError {
  override name = 'FormulaError';
  /** 0-based character offset of the problem in `formula`. */
  readonly position: number;

  constructor(message: string, readonly formula: string, position: number, length = 1) {
    const at = Math.max(0, Math.min(position, formula.length));
    super(`formula, column ${at + 1}: ${message}\n${caretLines(formula, at, length)}`, { column: at + 1 });
    this.position = at;
  }
}

/** The formula on one line and, under it, a caret (and tildes) marking `length` characters. */
function caretLines(formula: string, position: number, length: number): string {
  const oneLine = formula.replace(/[\t\r\n]/g, ' ');
  const marks = '^' + '~'.repeat(Math.max(0, Math.min(length, oneLine.length - position) - 1));
  return `  ${oneLine}\n  ${' '.repeat(position)}${marks}`;
}
