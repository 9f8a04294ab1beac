/**
 * The lme4 formula parser. Expected term lists, labels and groups follow R 4.x `terms()`
 * (stats/src/model.c: TermCode, InteractTerms, ordering by degree) and lme4 1.1.31
 * (`findbars`, `expandSlash`, `expandDoubleVert`): e.g. lme4 prints the groups of
 * `(1 | batch/cask)` as "cask:batch" and "batch", and those of `(1 | eth1/eth2/eth3)` as
 * "eth3:(eth2:eth1)", "eth2:eth1", "eth1". Exact string comparisons.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FormulaError, parseFormula, type ParsedFormula } from '../../src/lmm/formula.js';
import { deparseFormula, formatRNumber } from '../../src/lmm/formula-deparse.js';

const labels = (p: ParsedFormula): string[] => p.fixed.terms.map((t) => t.label);
const groups = (p: ParsedFormula): string[] => p.random.map((r) => r.group);
const randomTexts = (p: ParsedFormula): string[] => p.random.map((r) => r.text);

/** The formulas of the lme4 1.1.31 reference fits in reference/reference_values.json. */
const REFERENCE_FORMULAS = [
  'Reaction ~ Days + (Days | Subject)',
  'Reaction ~ Days + (1 | Subject) + (0 + Days | Subject)',
  'diameter ~ 1 + (1 | plate) + (1 | sample)',
  'distance ~ age * Sex + (age | Subject)',
];

describe('reference formulas (lme4 1.1.31 fits in reference_values.json, InstEval)', () => {
  it('the list above is the set of LMM formulas of reference_values.json', () => {
    const file = 'reference/reference_values.json';
    const ref = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { formula?: string }>;
    const formulas = new Set(Object.entries(ref).filter(([k]) => k.startsWith('lmm_')).map(([, v]) => v.formula));
    expect([...formulas].sort()).toEqual([...REFERENCE_FORMULAS].sort());
  });

  it('sleepstudy, correlated slope', () => {
    const p = parseFormula(REFERENCE_FORMULAS[0]);
    expect(p.response.label).toBe('Reaction');
    expect(p.fixed.intercept).toBe(true);
    expect(labels(p)).toEqual(['Days']);
    expect(randomTexts(p)).toEqual(['Days | Subject']);
    expect(p.random[0].lhs.intercept).toBe(true);
    expect(p.random[0].lhs.terms.map((t) => t.label)).toEqual(['Days']);
    expect(p.columns).toEqual(['Reaction', 'Days', 'Subject']);
  });

  it('sleepstudy, uncorrelated slope written as two terms', () => {
    const p = parseFormula(REFERENCE_FORMULAS[1]);
    expect(labels(p)).toEqual(['Days']);
    expect(randomTexts(p)).toEqual(['1 | Subject', '0 + Days | Subject']);
    expect(p.random[1].lhs.intercept).toBe(false);
  });

  it('penicillin, crossed', () => {
    const p = parseFormula(REFERENCE_FORMULAS[2]);
    expect(p.fixed.intercept).toBe(true);
    expect(labels(p)).toEqual([]);
    expect(groups(p)).toEqual(['plate', 'sample']);
  });

  it('orthodont, factor interaction: terms age, Sex, age:Sex', () => {
    const p = parseFormula(REFERENCE_FORMULAS[3]);
    expect(labels(p)).toEqual(['age', 'Sex', 'age:Sex']);
    expect(p.fixed.terms[2].contrasts).toEqual([true, true]);
    expect(randomTexts(p)).toEqual(['age | Subject']);
  });

  it('InstEval: y ~ service + (1|s) + (1|d) + (1|dept:service)', () => {
    const p = parseFormula('y ~ service + (1|s) + (1|d) + (1|dept:service)');
    expect(labels(p)).toEqual(['service']);
    expect(groups(p)).toEqual(['s', 'd', 'dept:service']);
    expect(p.random[2].groupColumns).toEqual(['dept', 'service']);
    expect(p.columns).toEqual(['y', 'service', 's', 'd', 'dept']);
  });
});

describe('fixed-effects terms as R terms() orders and codes them', () => {
  it('x1 + x2*f: main effects first, then the interaction', () => {
    expect(labels(parseFormula('y ~ x1 + x2*f + (1 + t | g)'))).toEqual(['x1', 'x2', 'f', 'x2:f']);
  });

  it('interaction labels follow variable order, not the order written: y ~ a + b:a gives a:b', () => {
    expect(labels(parseFormula('y ~ a + b:a + (1|g)'))).toEqual(['a', 'a:b']);
    const p = parseFormula('y ~ b:a + a + (1|g)');
    expect(labels(p)).toEqual(['a', 'b:a']);
    // b:a without b: b by contrasts (a is a term), a by indicators (b is not).
    expect(p.fixed.terms[1].contrasts).toEqual([true, false]);
  });

  it('duplicates removed, sorted by degree: (a + b + c)^2 - a:b', () => {
    expect(labels(parseFormula('y ~ (a + b + c)^2 - a:b + (1|g)'))).toEqual(['a', 'b', 'c', 'a:c', 'b:c']);
    expect(labels(parseFormula('y ~ a*b*c + (1|g)'))).toEqual(['a', 'b', 'c', 'a:b', 'a:c', 'b:c', 'a:b:c']);
    expect(labels(parseFormula('y ~ x + x + x:x + (1|g)'))).toEqual(['x']);
  });

  it('nesting a/b is a + a:b; b %in% a is a:b written in variable order', () => {
    expect(labels(parseFormula('y ~ a/b + (1|g)'))).toEqual(['a', 'a:b']);
    expect(labels(parseFormula('y ~ (a + b)/c + (1|g)'))).toEqual(['a', 'b', 'a:b:c']);
    expect(labels(parseFormula('y ~ b %in% a + (1|g)'))).toEqual(['b:a']);
  });

  it('intercept: 0 +, + 0, - 1, -1 +, 1 alone, and the last word wins', () => {
    for (const f of ['y ~ 0 + x + (1|g)', 'y ~ x + 0 + (1|g)', 'y ~ x - 1 + (1|g)', 'y ~ -1 + x + (1|g)']) {
      const p = parseFormula(f);
      expect(p.fixed.intercept, f).toBe(false);
      expect(labels(p), f).toEqual(['x']);
    }
    expect(parseFormula('y ~ 1 + (1|g)').fixed).toMatchObject({ intercept: true, terms: [] });
    expect(parseFormula('y ~ (1|g)').fixed).toMatchObject({ intercept: true, terms: [] });
    expect(parseFormula('y ~ 0 + (1|g)').fixed).toMatchObject({ intercept: false, terms: [] });
    expect(parseFormula('y ~ 0 + x + 1 + (1|g)').fixed.intercept).toBe(true);
    expect(parseFormula('y ~ x - 0 + (1|g)').fixed.intercept).toBe(true);
  });

  it('contrast pattern (R TermCode): a term without its main effect is coded by indicators', () => {
    const p = parseFormula('y ~ x + f:x + (1|g)');
    expect(labels(p)).toEqual(['x', 'x:f']);
    // x: indicators (f is not a term; irrelevant for a numeric x), f: contrasts (x is a term) → x:fB, x:fC.
    expect(p.fixed.terms[1].contrasts).toEqual([false, true]);
    const q = parseFormula('y ~ f:h + (1|g)');
    expect(q.fixed.terms[0].contrasts).toEqual([false, false]);
  });

  it('function calls are variables labelled as R deparses them', () => {
    const p = parseFormula('log(conc) ~ I(age^2) + log(x+1) + I(2*x) + sqrt(wt/70) + factor(dose) + (1|g)');
    expect(p.response.label).toBe('log(conc)');
    expect(labels(p)).toEqual(['I(age^2)', 'log(x + 1)', 'I(2 * x)', 'sqrt(wt/70)', 'factor(dose)']);
    expect(p.columns).toEqual(['conc', 'age', 'x', 'wt', 'dose', 'g']);
  });

  it('backtick-quoted names keep their backticks in labels, as R does', () => {
    const p = parseFormula('y ~ `body weight` + (1 | `site id`)');
    expect(labels(p)).toEqual(['`body weight`']);
    expect(p.columns).toEqual(['y', 'body weight', 'site id']);
    expect(groups(p)).toEqual(['`site id`']);
  });
});

describe('random-effects terms (lme4 findbars / expandSlash / expandDoubleVert)', () => {
  it('(0 + t | g) and (t - 1 | g) have no intercept', () => {
    for (const f of ['y ~ x + (0 + t | g)', 'y ~ x + (t - 1 | g)']) {
      const r = parseFormula(f).random[0];
      expect(r.lhs.intercept).toBe(false);
      expect(r.lhs.terms.map((t) => t.label)).toEqual(['t']);
    }
  });

  it('(1 | batch/cask) → (1 | cask:batch) + (1 | batch)', () => {
    const p = parseFormula('strength ~ 1 + (1|batch/cask)');
    expect(randomTexts(p)).toEqual(['1 | cask:batch', '1 | batch']);
    expect(p.random[0].groupColumns).toEqual(['cask', 'batch']);
  });

  it('(1 | a/b/c) → c:(b:a), b:a, a (lme4 prints "eth3:(eth2:eth1)")', () => {
    const p = parseFormula('y ~ 1 + (1|a/b/c)');
    expect(groups(p)).toEqual(['c:(b:a)', 'b:a', 'a']);
    expect(p.random[0].groupColumns).toEqual(['c', 'b', 'a']);
  });

  it('(x || g) → (1 | g) + (0 + x | g) for each term, in place', () => {
    const p = parseFormula('y ~ x + (1|h) + (x + z || g) + (1|k)');
    expect(randomTexts(p)).toEqual(['1 | h', '1 | g', '0 + x | g', '0 + z | g', '1 | k']);
    expect(p.random.map((r) => r.fromDoubleBar)).toEqual([false, true, true, true, false]);
    expect(randomTexts(parseFormula('y ~ (0 + x + x:z || g)'))).toEqual(['0 + x | g', '0 + x:z | g']);
    expect(randomTexts(parseFormula('y ~ (x || a/b)'))).toEqual(['1 | b:a', '1 | a', '0 + x | b:a', '0 + x | a']);
  });

  it('a unary + before a random term is looked through, as R parses x ++ (1 | g)', () => {
    const p = parseFormula('y ~ x ++ (1 | g)');
    expect(randomTexts(p)).toEqual(['1 | g']);
    expect(p.fixed.terms.map((t) => t.label)).toEqual(['x']);
  });

  it('crossed and repeated grouping factors stay separate, in formula order', () => {
    expect(groups(parseFormula('y ~ (1 | g1) + (1 | g2) + (0 + x | g1)'))).toEqual(['g1', 'g2', 'g1']);
  });

  it('random terms keep the span of their parentheses', () => {
    const text = 'y ~ x + (1 | g)';
    expect(parseFormula(text).random[0].span).toEqual({ start: 8, end: 15 });
  });
});

/** The FormulaError thrown by parsing `text`. */
function errorOf(text: string): FormulaError {
  try {
    parseFormula(text);
  } catch (e) {
    if (e instanceof FormulaError) return e;
    throw e;
  }
  throw new Error(`no error for ${text}`);
}

describe('errors point at the character with a caret line', () => {
  it('unbalanced parentheses', () => {
    const e = errorOf('y ~ x + (1 | g');
    expect(e.position).toBe(8);
    expect(e.message).toBe("formula, column 9: '(' is never closed\n  y ~ x + (1 | g\n          ^");
    expect(errorOf('y ~ x + (1 | g))').message).toContain("column 16: ')' has no matching '('");
  });

  it('unknown token', () => {
    const e = errorOf('y ~ x & z');
    expect(e.position).toBe(6);
    expect(e.message.split('\n')).toEqual([
      "formula, column 7: unexpected character '&' (formulas use names, numbers, ~ + - * / ^ : | || and parentheses)",
      '  y ~ x & z',
      '        ^',
    ]);
    expect(errorOf('y ~ x %o% z').message).toContain("column 7: operator '%o%' is not part of lme4 formula syntax");
  });

  it('missing ~ or response', () => {
    expect(errorOf('y + x').message).toContain("column 1: a formula needs '~'");
    expect(errorOf('~ x').message).toContain("column 1: the response is missing before '~'");
    expect(errorOf('y ~ x ~ z').position).toBe(6);
    expect(errorOf('').message).toContain('the formula is empty');
  });

  it('a random term without | or outside parentheses', () => {
    const e = errorOf('y ~ x + (1 g)');
    expect(e.position).toBe(11);
    expect(e.message).toContain("expected an operator or ')' before 'g' after '1'; a random-effects term is written (terms | group)");
    expect(errorOf('y ~ x + 1 | g').message).toContain('column 5: a random-effects term must be in parentheses');
    expect(errorOf('y ~ x:(1 | g)').message).toContain('a random-effects term must be in parentheses and added');
    expect(errorOf('y ~ x - (1 | g)').message).toContain('a random-effects term must be in parentheses and added');
  });

  it('bad grouping factors and empty random terms', () => {
    expect(errorOf('y ~ (1 | g + h)').message).toContain('column 10: a grouping factor must be a column');
    expect(errorOf('y ~ (1 | (a/b))').message).toContain('nested grouping factor is written a/b');
    expect(errorOf('y ~ (0 | g)').message).toContain('column 6: this random-effects term has no columns');
    expect(errorOf('y ~ ( | g)').message).toContain("column 7: '|' needs something on its left");
  });

  it('numbers, unknown functions, misplaced operators', () => {
    expect(errorOf('y ~ 2 + (1|g)').message).toContain('column 5: the number 2 is not a model term');
    expect(errorOf('y ~ foo(x) + (1|g)').message).toContain("column 5: unknown function 'foo'");
    expect(errorOf('y ~ toString(x) + (1|g)').message).toContain("unknown function 'toString'");
    expect(errorOf('y ~ offset(x) + (1|g)').message).toContain('offset() is not supported');
    expect(errorOf('y ~ x + (1|g) +').message).toContain("column 15: '+' needs something on its right");
    expect(errorOf('y ~ x^z + (1|g)').message).toContain('the power of a term must be a whole number');
    expect(errorOf('y ~ I(a:b) + (1|g)').message).toContain("operator ':' cannot be used inside a function call");
    expect(errorOf('y ~ . + (1|g)').message).toContain("'.' (all other columns) is not supported");
    expect(errorOf('y ~ y + (1|g)').message).toContain("the response 'y' also appears on the right side");
    expect(errorOf('y ~ 2x').message).toContain('a name cannot start with a digit');
  });

  it('is a ModelError (a PopkitError) carrying the 1-based column', () => {
    const e = errorOf('y ~ x + (1 | g');
    expect(e.name).toBe('FormulaError');
    expect(e.where?.column).toBe(9);
  });
});

describe('R deparse and number formatting', () => {
  it('formats numbers as R as.character does', () => {
    expect([2, 0.5, 100000, 123456, 1e-4, 0.001, -1.5, 1 / 3, 1e15, 0.1 + 0.2].map(formatRNumber))
      .toEqual(['2', '0.5', '1e+05', '123456', '1e-04', '0.001', '-1.5', '0.333333333333333', '1e+15', '0.3']);
  });

  it('deparses operators with R spacing', () => {
    const p = parseFormula('y~x*z+I(a/b-c^2)+(1+x|g:h)');
    expect(p.fixed.variables.map((v) => v.label)).toEqual(['x', 'z', 'I(a/b - c^2)']);
    expect(deparseFormula(p.fixed.variables[2].expr)).toBe('I(a/b - c^2)');
    expect(randomTexts(p)).toEqual(['1 + x | g:h']);
  });
});
