/**
 * The lme4 formula parser: `y ~ x1 + x2*f + (1 + t | g) + (1 | a/b) + (x || h)`.
 * Pure syntax, no data and no numerics: the result says which columns are read, the
 * fixed-effects terms in R's order and the random-effects terms in formula order after
 * lme4's expansions (lme4 `findbars`, `nobars`, `expandSlash`, `expandDoubleVert`; Bates,
 * Mächler, Bolker, Walker 2015, J. Stat. Softw. 67(1), section 2.1):
 *   (1 | a/b)      → (1 | b:a) + (1 | a)          (nested; lme4 names the group "b:a")
 *   (1 | a/b/c)    → (1 | c:(b:a)) + (1 | b:a) + (1 | a)
 *   (x + z || g)   → (1 | g) + (0 + x | g) + (0 + z | g)   (uncorrelated)
 */
import { FormulaError } from './formula-error.js';
import { deparseFormula } from './formula-deparse.js';
import { parseFormulaSyntax } from './formula-syntax.js';
import { encodeTerms, makeVariable } from './formula-terms.js';
import type { FormulaExpr, FormulaSpan, ParsedFormula, RandomTermSpec, TermsSpec } from './formula-types.js';

export type * from './formula-types.js';
export { FormulaError } from './formula-error.js';

type Bar = FormulaExpr & { kind: 'binary'; op: '|' | '||' };

/**
 * Parses an lme4 model formula. Throws FormulaError, whose message gives the column and
 * a caret line, for any syntax error, a misplaced random-effects term, an unknown
 * function or a malformed grouping factor.
 * Example: `parseFormula('distance ~ age * Sex + (age | Subject)')` has fixed terms
 * `age`, `Sex`, `age:Sex` and one random term with group "Subject".
 */
export function parseFormula(text: string): ParsedFormula {
  const root = parseFormulaSyntax(text);
  if (root.kind !== 'binary' || root.op !== '~') {
    throw new FormulaError("a formula needs '~' between the response and the model terms, e.g. 'y ~ x + (1 | g)'", text, 0, text.length);
  }
  if (containsTilde(root.left) || containsTilde(root.right)) {
    throw new FormulaError("more than one '~' in the formula", text, text.indexOf('~', text.indexOf('~') + 1));
  }
  const response = makeVariable(root.left, text);

  const bars = new Map<FormulaExpr, Bar>();
  collectBars(root.right, bars);
  const fixed = encodeTerms(root.right, text, (e) => bars.has(e), response);

  const random: RandomTermSpec[] = [];
  for (const [paren, bar] of bars) {
    for (const piece of expandDoubleBar(bar, text)) {
      for (const group of expandSlash(bar.right, text)) {
        random.push(makeRandomTerm(piece, group, bar.op === '||', paren.span, text, response.label));
      }
    }
  }

  const columns: string[] = [];
  const use = (cols: readonly string[]): void => { for (const c of cols) if (!columns.includes(c)) columns.push(c); };
  use(response.columns);
  for (const v of fixed.variables) use(v.columns);
  for (const r of random) {
    for (const v of r.lhs.variables) use(v.columns);
    use(r.groupColumns);
  }
  return { text, response, fixed, random, columns };
}

function containsTilde(e: FormulaExpr): boolean {
  switch (e.kind) {
    case 'binary': return e.op === '~' || containsTilde(e.left) || containsTilde(e.right);
    case 'paren': return containsTilde(e.inner);
    case 'unary': return containsTilde(e.operand);
    case 'call': return e.args.some(containsTilde);
    default: return false;
  }
}

/** Random-effects terms in additive position: `... + (lhs | g) + ...` (or after a unary +), keyed by their parenthesis node. */
function collectBars(e: FormulaExpr, out: Map<FormulaExpr, Bar>): void {
  if (e.kind === 'binary' && e.op === '+') {
    collectBars(e.left, out);
    collectBars(e.right, out);
  } else if (e.kind === 'paren') {
    const inner = e.inner;
    if (inner.kind === 'binary' && (inner.op === '|' || inner.op === '||')) out.set(e, inner as Bar);
    else collectBars(inner, out);
  } else if (e.kind === 'unary' && e.op === '+') {
    collectBars(e.operand, out); // x ++ (1 | g) is x + (+(1 | g)) in R; lme4's findbars looks through it
  }
}

const num = (value: number, span: FormulaSpan): FormulaExpr => ({ kind: 'number', value, span });

/**
 * The left sides a bar term stands for: itself for `|`; for `||` lme4's expandDoubleVert,
 * `1` (if the left side has an intercept) and then `0 + term` for each term of the left side.
 */
function expandDoubleBar(bar: Bar, text: string): FormulaExpr[] {
  if (bar.op === '|') return [bar.left];
  const spec = encodeTerms(bar.left, text);
  const pieces: FormulaExpr[] = spec.intercept ? [num(1, bar.left.span)] : [];
  for (const term of spec.terms) {
    const expr = term.variables
      .map((v) => spec.variables[v].expr)
      .reduce((l, r) => ({ kind: 'binary', op: ':', left: l, right: r, span: bar.left.span }));
    pieces.push({ kind: 'binary', op: '+', left: num(0, bar.left.span), right: expr, span: bar.left.span });
  }
  if (pieces.length === 0) fail('this random-effects term has no columns', bar.left, text);
  return pieces;
}

type SlashTree = FormulaExpr | [SlashTree, SlashTree];

function hasSlash(e: FormulaExpr): boolean {
  switch (e.kind) {
    case 'binary': return e.op === '/' || hasSlash(e.left) || hasSlash(e.right);
    case 'paren': return hasSlash(e.inner);
    case 'unary': return hasSlash(e.operand);
    case 'call': return e.args.some(hasSlash);
    default: return false;
  }
}

/** lme4's slashTerms: `a/b/c` → [[a, b], c]. */
function slashTerms(e: FormulaExpr, text: string): SlashTree {
  if (!hasSlash(e)) return e;
  if (e.kind !== 'binary' || e.op !== '/') {
    return fail('a nested grouping factor is written a/b or a/b/c, without parentheses around the /', e, text);
  }
  return [slashTerms(e.left, text), slashTerms(e.right, text)];
}

/** lme4's makeInteraction: [[a, b], c] → [c:(b:a), b:a, a]. */
function makeInteraction(x: SlashTree): FormulaExpr[] {
  if (!Array.isArray(x)) return [x];
  const inner = makeInteraction(x[0]);
  const outer = x[1] as FormulaExpr; // slashTerms only nests on the left: R parses a/b/c as (a/b)/c
  const first = inner[0];
  // R's deparse puts parentheses around a right operand of ':' that is itself a ':' call.
  const right: FormulaExpr = first.kind === 'binary' ? { kind: 'paren', inner: first, span: first.span } : first;
  return [{ kind: 'binary', op: ':', left: outer, right, span: { start: outer.span.start, end: first.span.end } }, ...inner];
}

function expandSlash(group: FormulaExpr, text: string): FormulaExpr[] {
  return makeInteraction(slashTerms(group, text));
}

/** Columns of a grouping expression, left (slowest-varying level) first. */
function groupColumnsOf(e: FormulaExpr, text: string, out: string[]): string[] {
  if (e.kind === 'name') out.push(e.name);
  else if (e.kind === 'paren') groupColumnsOf(e.inner, text, out);
  else if (e.kind === 'binary' && e.op === ':') {
    groupColumnsOf(e.left, text, out);
    groupColumnsOf(e.right, text, out);
  } else {
    fail('a grouping factor must be a column, an interaction of columns (a:b) or a nesting (a/b)', e, text);
  }
  return out;
}

function makeRandomTerm(
  lhs: FormulaExpr, group: FormulaExpr, fromDoubleBar: boolean, span: FormulaSpan, text: string, responseLabel: string,
): RandomTermSpec {
  const spec: TermsSpec = encodeTerms(lhs, text);
  if (!spec.intercept && spec.terms.length === 0) fail('this random-effects term has no columns (e.g. write (1 | g))', lhs, text);
  const clash = spec.variables.find((v) => v.label === responseLabel);
  if (clash !== undefined) fail(`the response '${responseLabel}' appears in a random-effects term`, clash.expr, text);
  const groupColumns = groupColumnsOf(group, text, []);
  const groupLabel = deparseFormula(group);
  return { text: `${deparseFormula(lhs)} | ${groupLabel}`, lhs: spec, group: groupLabel, groupColumns, fromDoubleBar, span };
}

function fail(message: string, e: FormulaExpr, text: string): never {
  throw new FormulaError(message, text, e.span.start, e.span.end - e.span.start);
}
