/**
 * Formula syntax back to text the way R's `deparse()` writes it, because R (and lme4) name
 * design-matrix columns and terms by the deparsed expression: `I(age^2)`, `log(x + 1)`,
 * `a:b`, `1 + Days | Subject`. Also R's formatting of numbers (`as.character(100000)` is
 * "1e+05"), used for factor levels made from numeric columns.
 */
import type { FormulaExpr } from './formula-types.js';

const RESERVED = new Set([
  'if', 'else', 'repeat', 'while', 'function', 'for', 'next', 'break', 'in', 'TRUE', 'FALSE',
  'NULL', 'Inf', 'NaN', 'NA', 'NA_integer_', 'NA_real_', 'NA_character_', 'NA_complex_',
]);

/** True when R accepts `name` without backticks (a syntactic name that is not reserved). */
export function isSyntacticName(name: string): boolean {
  return /^(?:[A-Za-z]|\.(?![0-9]))[A-Za-z0-9._]*$/.test(name) && !RESERVED.has(name) && name !== '...';
}

/** A name as R deparses it: as is when syntactic, else in backticks ("`body weight`"). */
export function deparseName(name: string): string {
  return isSyntacticName(name) ? name : `\`${name}\``;
}

/**
 * A double as R's `as.character()` / `deparse()` write it: up to 15 significant digits,
 * fixed notation unless scientific is shorter (R's rule with `scipen = 0`).
 * Examples: 2 → "2", 0.5 → "0.5", 100000 → "1e+05", 123456 → "123456", 1e-4 → "1e-04".
 */
export function formatRNumber(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : '-Inf';
  if (x === 0) return '0';
  const target = Number(x.toPrecision(15));
  let digits = 1;
  while (digits < 15 && Number(x.toPrecision(digits)) !== target) digits++;
  const [mantissa, exponentText] = target.toExponential(digits - 1).split('e');
  const exponent = Number(exponentText);
  const sci = `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  const decimals = Math.max(0, digits - 1 - exponent);
  if (Math.abs(target) >= 1e21 || decimals > 30) return sci; // fixed would be longer anyway
  const fixed = target.toFixed(decimals);
  return fixed.length <= sci.length ? fixed : sci;
}

/** Operators R deparses with a space on each side; the others (`/ ^ :`) are written tight. */
const SPACED = new Set(['~', '|', '||', '+', '-', '*', '%in%']);

/** The expression as R's `deparse()` writes it, e.g. `log(x + 1)`, `I(age^2)`, `1 + Days | Subject`. */
export function deparseFormula(e: FormulaExpr): string {
  switch (e.kind) {
    case 'name':
      return deparseName(e.name);
    case 'number':
      return formatRNumber(e.value);
    case 'call':
      return `${deparseName(e.fn)}(${e.args.map(deparseFormula).join(', ')})`;
    case 'paren':
      return `(${deparseFormula(e.inner)})`;
    case 'unary':
      return `${e.op}${deparseFormula(e.operand)}`;
    case 'binary': {
      const op = SPACED.has(e.op) ? ` ${e.op} ` : e.op;
      return `${deparseFormula(e.left)}${op}${deparseFormula(e.right)}`;
    }
  }
}
