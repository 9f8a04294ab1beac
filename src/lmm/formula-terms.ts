/**
 * R's model-formula algebra (`terms.formula`): the right side of a formula becomes a list of
 * terms, each a set of variables. Rules as in R's stats/src/model.c (Chambers & Hastie 1992,
 * "Statistical Models in S", ch. 2):
 *   a + b      union of the term lists, duplicates removed
 *   a:b        every term of a joined with every term of b
 *   a * b      a + b + a:b
 *   a / b      a + (all variables of a):b            (nesting)
 *   b %in% a   every term of b joined with all variables of a
 *   (a + b)^k  a and b crossed k times
 *   a - b      the terms of b removed from a; `- 1` / `+ 0` / `0 +` remove the intercept
 * Terms are then sorted by degree (stable), and each variable of each term is marked for
 * coding by contrasts or by indicators of all levels (R's `TermCode`, Statistical Models in
 * S p. 38): contrasts when the term without that variable is empty or is contained in an
 * earlier term, indicators otherwise.
 */
import { FormulaError } from './formula-error.js';
import { deparseFormula } from './formula-deparse.js';
import { FACTOR_FUNCTIONS, FORMULA_FUNCTIONS } from './formula-functions.js';
import type { FormulaExpr, FormulaTerm, FormulaVariable, TermsSpec } from './formula-types.js';

/** A term while encoding: variable indices, ascending. */
type Bits = number[];

/** Turns an expression into a variable, checking that it is a column or a supported function of columns. */
export function makeVariable(e: FormulaExpr, text: string): FormulaVariable {
  const columns: string[] = [];
  if (e.kind === 'call' && FACTOR_FUNCTIONS.has(e.fn)) {
    if (e.args.length !== 1 || e.args[0].kind !== 'name') {
      throw new FormulaError(`${e.fn}() takes one column name`, text, e.span.start, e.span.end - e.span.start);
    }
    columns.push(e.args[0].name);
  } else {
    checkArithmetic(e, text, columns);
  }
  if (columns.length === 0) {
    throw new FormulaError('this expression reads no column', text, e.span.start, e.span.end - e.span.start);
  }
  return { label: deparseFormula(e), expr: e, columns, isColumn: e.kind === 'name' };
}

function checkArithmetic(e: FormulaExpr, text: string, columns: string[]): void {
  const fail = (msg: string, at: FormulaExpr = e): never => {
    throw new FormulaError(msg, text, at.span.start, at.span.end - at.span.start);
  };
  switch (e.kind) {
    case 'name':
      if (e.name === '.') fail("'.' (all other columns) is not supported; name the columns");
      if (!columns.includes(e.name)) columns.push(e.name);
      return;
    case 'number':
      return;
    case 'paren':
      return checkArithmetic(e.inner, text, columns);
    case 'unary':
      return checkArithmetic(e.operand, text, columns);
    case 'call': {
      if (e.fn === 'offset') fail('offset() is not supported');
      if (FACTOR_FUNCTIONS.has(e.fn)) fail(`${e.fn}() cannot be used inside an arithmetic expression`);
      if (!Object.hasOwn(FORMULA_FUNCTIONS, e.fn)) {
        fail(`unknown function '${e.fn}'; supported: ${[...Object.keys(FORMULA_FUNCTIONS), ...FACTOR_FUNCTIONS].join(', ')}`);
      }
      if (e.args.length !== 1) fail(`${e.fn}() takes one argument`);
      return checkArithmetic(e.args[0], text, columns);
    }
    case 'binary':
      if (!['+', '-', '*', '/', '^'].includes(e.op)) {
        fail(`operator '${e.op}' cannot be used inside a function call; arithmetic allows + - * / ^`);
      }
      checkArithmetic(e.left, text, columns);
      checkArithmetic(e.right, text, columns);
  }
}

/** Encoder state for one formula side (R's EncodeVars with its global intercept and parity). */
class TermEncoder {
  intercept = true;
  private parity = true;
  readonly variables: FormulaVariable[] = [];

  constructor(
    private readonly text: string,
    /** Nodes to treat as contributing no terms (lme4's `nobars` for random-effects terms). */
    private readonly skip: (e: FormulaExpr) => boolean,
  ) {}

  encode(e: FormulaExpr): Bits[] {
    if (this.skip(e)) return [];
    switch (e.kind) {
      case 'number':
        if (e.value === 1) { this.intercept = this.parity; return []; }
        if (e.value === 0) { this.intercept = !this.parity; return []; }
        return this.fail(`the number ${deparseFormula(e)} is not a model term; only 1 (intercept) and 0 (no intercept) may appear`, e);
      case 'name':
      case 'call':
        return [[this.install(e)]];
      case 'paren':
        return this.encode(e.inner);
      case 'unary':
        return e.op === '+' ? this.encode(e.operand) : this.deleteTerms([], e.operand);
      case 'binary':
        return this.encodeBinary(e);
    }
  }

  private encodeBinary(e: FormulaExpr & { kind: 'binary' }): Bits[] {
    switch (e.op) {
      case '+':
        return trim([...this.encode(e.left), ...this.encode(e.right)]);
      case '-':
        return this.deleteTerms(this.encode(e.left), e.right);
      case ':':
        return interact(this.encode(e.left), this.encode(e.right));
      case '*': {
        const l = this.encode(e.left);
        const r = this.encode(e.right);
        return trim([...l, ...r, ...interact(l, r)]);
      }
      case '/': {
        const l = this.encode(e.left);
        const all = union(l);
        return trim([...l, ...this.encode(e.right).map((t) => merge(all, t))]);
      }
      case '%in%': {
        const l = this.encode(e.left);
        const all = union(this.encode(e.right));
        return trim(l.map((t) => merge(t, all)));
      }
      case '^': {
        const p = e.right.kind === 'number' ? e.right.value : NaN;
        if (!Number.isInteger(p) || p < 1) {
          return this.fail("the power of a term must be a whole number >= 1, as in (a + b)^2; use I(x^2) for a squared column", e.right);
        }
        const base = this.encode(e.left);
        let result = base;
        for (let i = 1; i < p; i++) result = interact(base, result);
        return result;
      }
      case '|':
      case '||':
        return this.fail('a random-effects term must be in parentheses and added to the model, as in y ~ x + (1 | g)', e);
      case '~':
        return this.fail("more than one '~' in the formula", e);
    }
  }

  private deleteTerms(left: Bits[], right: FormulaExpr): Bits[] {
    this.parity = !this.parity;
    const remove = this.encode(right);
    this.parity = !this.parity;
    const keys = new Set(remove.map(key));
    return left.filter((t) => !keys.has(key(t)));
  }

  private install(e: FormulaExpr): number {
    const v = makeVariable(e, this.text);
    const at = this.variables.findIndex((w) => w.label === v.label);
    if (at >= 0) return at;
    this.variables.push(v);
    return this.variables.length - 1;
  }

  fail(message: string, at: FormulaExpr): never {
    throw new FormulaError(message, this.text, at.span.start, at.span.end - at.span.start);
  }
}

const key = (t: Bits): string => t.join(',');

/** Set union of two sorted index lists. */
function merge(a: Bits, b: Bits): Bits {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

function union(terms: Bits[]): Bits {
  return terms.reduce<Bits>((acc, t) => merge(acc, t), []);
}

/** Every left term joined with every right term, left varying slowest (R's InteractTerms). */
function interact(left: Bits[], right: Bits[]): Bits[] {
  const out: Bits[] = [];
  for (const l of left) for (const r of right) out.push(merge(l, r));
  return trim(out);
}

/** Drops empty terms and repeats, keeping first occurrences (R's TrimRepeats). */
function trim(terms: Bits[]): Bits[] {
  const seen = new Set<string>();
  return terms.filter((t) => {
    const k = key(t);
    if (t.length === 0 || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Is `sub` a subset of `sup` (both sorted)? */
function contains(sup: Bits, sub: Bits): boolean {
  return sub.every((v) => sup.includes(v));
}

/**
 * The terms of one formula side, as R's `terms()`: sorted by degree, with the contrast
 * coding pattern. `skip` marks nodes that contribute nothing (random-effects terms).
 * `reserved` are variable labels that may not appear as terms (the response).
 */
export function encodeTerms(
  rhs: FormulaExpr,
  text: string,
  skip: (e: FormulaExpr) => boolean = () => false,
  reserved?: FormulaVariable,
): TermsSpec {
  const enc = new TermEncoder(text, skip);
  const raw = enc.encode(rhs);
  if (reserved !== undefined) {
    const clash = enc.variables.find((v) => v.label === reserved.label);
    if (clash !== undefined) enc.fail(`the response '${reserved.label}' also appears on the right side`, clash.expr);
  }
  const sorted = raw.map((t, i) => ({ t, i })).sort((a, b) => a.t.length - b.t.length || a.i - b.i).map((x) => x.t);
  const terms: FormulaTerm[] = sorted.map((t, j) => ({
    label: t.map((v) => enc.variables[v].label).join(':'),
    variables: t,
    contrasts: t.map((v) => {
      const rest = t.filter((w) => w !== v);
      return rest.length === 0 || sorted.slice(0, j).some((earlier) => contains(earlier, rest));
    }),
  }));
  return { intercept: enc.intercept, variables: enc.variables, terms };
}
