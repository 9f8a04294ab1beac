/**
 * Types of a parsed lme4 model formula: the syntax tree of the text, the fixed-effects
 * terms in R's `terms()` order and the random-effects terms after lme4's expansion of
 * `a/b` (nesting) and `||` (uncorrelated). No numerics: src/lmm/frame.ts turns a
 * `ParsedFormula` and a table into an `LmmFrame`.
 */

/** Where a node sits in the formula text: 0-based character offsets, `end` exclusive. */
export interface FormulaSpan {
  readonly start: number;
  readonly end: number;
}

/** Binary operators of R's formula and arithmetic syntax. */
export type FormulaBinaryOp = '~' | '|' | '||' | '+' | '-' | '*' | '/' | '%in%' | ':' | '^';

/** A node of the formula's syntax tree, as R's parser would build it (parentheses kept). */
export type FormulaExpr =
  | { readonly kind: 'name'; readonly name: string; readonly span: FormulaSpan }
  | { readonly kind: 'number'; readonly value: number; readonly span: FormulaSpan }
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly FormulaExpr[]; readonly span: FormulaSpan }
  | { readonly kind: 'paren'; readonly inner: FormulaExpr; readonly span: FormulaSpan }
  | { readonly kind: 'unary'; readonly op: '+' | '-'; readonly operand: FormulaExpr; readonly span: FormulaSpan }
  | {
    readonly kind: 'binary';
    readonly op: FormulaBinaryOp;
    readonly left: FormulaExpr;
    readonly right: FormulaExpr;
    readonly span: FormulaSpan;
  };

/**
 * One variable of a model formula: a column (`Days`) or an expression of columns
 * (`log(conc)`, `I(age^2)`). Its label is the expression as R deparses it, which is
 * also how R names its column in the design matrix.
 */
export interface FormulaVariable {
  /** R's deparsed text, e.g. "Days", "I(age^2)", "log(x + 1)", "`body weight`". */
  readonly label: string;
  readonly expr: FormulaExpr;
  /** Table columns the expression reads, in order of first use. */
  readonly columns: readonly string[];
  /** True when the variable is a bare column name (it can then be a factor). */
  readonly isColumn: boolean;
}

/** One model term: a main effect (one variable) or an interaction (several). */
export interface FormulaTerm {
  /** R's term label: variable labels in variable order joined by ':', e.g. "age:Sex". */
  readonly label: string;
  /** Indices into `TermsSpec.variables`, ascending (R's variable order). */
  readonly variables: readonly number[];
  /**
   * Per variable of the term (parallel to `variables`): true when a factor is coded by
   * treatment contrasts (k−1 columns), false when by indicators of all k levels. This is
   * R's `attr(terms, "factors")` (1 = contrasts, 2 = indicators), before model.matrix's
   * adjustment for a model without intercept, which needs to know which variables are
   * factors and is made by the frame builder. Ignored for numeric variables.
   */
  readonly contrasts: readonly boolean[];
}

/**
 * The terms of a one-sided model formula as R's `terms()` makes them: variables in order of
 * first appearance, terms sorted by degree (main effects, then two-way interactions, ...)
 * and otherwise in formula order, duplicates removed.
 */
export interface TermsSpec {
  readonly intercept: boolean;
  readonly variables: readonly FormulaVariable[];
  readonly terms: readonly FormulaTerm[];
}

/** A random-effects term `(lhs | group)` after lme4's expansion of `/` and `||`. */
export interface RandomTermSpec {
  /** The term as lme4 deparses it, e.g. "1 + Days | Subject", "1 | cask:batch". */
  readonly text: string;
  /** The model of the random-effect columns (lme4 builds `model.matrix(~ lhs)`). */
  readonly lhs: TermsSpec;
  /** Grouping factor name as lme4 prints it: "Subject", "cask:batch", "c:(b:a)". */
  readonly group: string;
  /**
   * Columns whose interaction forms the grouping factor, slowest-varying first (R's `a:b`
   * orders its levels with the levels of `a` varying slowest): ["cask", "batch"].
   */
  readonly groupColumns: readonly string[];
  /** True when the term came from `(x || g)`, which lme4 splits into one term per column. */
  readonly fromDoubleBar: boolean;
  /** The parenthesised term in the formula text this term was expanded from. */
  readonly span: FormulaSpan;
}

/** A parsed lme4 formula `response ~ fixed + (random | group) ...`. */
export interface ParsedFormula {
  /** The formula text as given. */
  readonly text: string;
  readonly response: FormulaVariable;
  /** Fixed effects: the formula without its random-effects terms (lme4's `nobars`). */
  readonly fixed: TermsSpec;
  /** Random-effects terms in formula order (after expansion). */
  readonly random: readonly RandomTermSpec[];
  /** Every table column the formula reads, in order of first use. */
  readonly columns: readonly string[];
}
