/**
 * Functions a formula may apply to columns, e.g. `log(conc)`, `I(age^2)`, and the
 * arithmetic inside them. `factor(x)` / `as.factor(x)` are handled apart: they make a
 * numeric column categorical.
 */
import type { FormulaExpr } from './formula-types.js';

/** Numeric functions of one argument, as R defines them (natural log for `log`). */
export const FORMULA_FUNCTIONS: Readonly<Record<string, (x: number) => number>> = {
  I: (x) => x,
  log: Math.log,
  log10: Math.log10,
  log2: Math.log2,
  log1p: Math.log1p,
  exp: Math.exp,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  abs: Math.abs,
};

/** Calls that turn a column into a factor: `factor(x)` and `as.factor(x)`. */
export const FACTOR_FUNCTIONS: ReadonlySet<string> = new Set(['factor', 'as.factor']);

/**
 * Value of an arithmetic expression of numeric columns on one row; `valueOf(name)` gives
 * the column's value on that row. The expression has been validated by the parser
 * (names, numbers, parentheses, unary ±, + - * / ^ and the functions above).
 */
export function evaluateExpression(e: FormulaExpr, valueOf: (column: string) => number): number {
  switch (e.kind) {
    case 'name':
      return valueOf(e.name);
    case 'number':
      return e.value;
    case 'paren':
      return evaluateExpression(e.inner, valueOf);
    case 'unary': {
      const v = evaluateExpression(e.operand, valueOf);
      return e.op === '-' ? -v : v;
    }
    case 'call':
      return FORMULA_FUNCTIONS[e.fn](evaluateExpression(e.args[0], valueOf));
    case 'binary': {
      const a = evaluateExpression(e.left, valueOf);
      const b = evaluateExpression(e.right, valueOf);
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return a / b;
        case '^': return Math.pow(a, b);
        default: throw new Error(`operator ${e.op} in an arithmetic expression`); // excluded by the parser
      }
    }
  }
}
