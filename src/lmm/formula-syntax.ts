/**
 * Tokenizer and parser for the text of an lme4 model formula. It builds the syntax tree R's
 * parser would build (operator precedence as in R's `?Syntax`, parentheses kept as nodes) and
 * knows nothing of what the operators mean in a model; src/lmm/formula.ts interprets it.
 */
import { FormulaError } from './formula-error.js';
import type { FormulaBinaryOp, FormulaExpr } from './formula-types.js';

type TokenKind = 'name' | 'number' | 'op' | '(' | ')' | ',' | 'end';

interface Token {
  readonly kind: TokenKind;
  /** Name (without backticks), operator text, or the number's source text. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly value?: number;
}

/** Left and right binding powers of the binary operators (R's precedence, low to high). */
const BINARY: Readonly<Record<string, readonly [number, number]>> = {
  '~': [1, 2],
  '|': [3, 4],
  '||': [3, 4],
  '+': [5, 6],
  '-': [5, 6],
  '*': [7, 8],
  '/': [7, 8],
  '%in%': [9, 10],
  ':': [11, 12],
  '^': [16, 16], // right-associative
};
/** Binding power of unary + and −: above ':' and below '^', as in R (-a:b is (-a):b, -a^2 is -(a^2)). */
const UNARY_BP = 13;

const NAME_START = /[A-Za-z.]/;
const NAME_CHAR = /[A-Za-z0-9._]/;
const DIGIT = /[0-9]/;

/** Splits formula text into tokens; throws FormulaError at an unknown character. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    if (DIGIT.test(c) || (c === '.' && DIGIT.test(text[i + 1] ?? ''))) {
      const m = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i));
      const src = m![0];
      i += src.length;
      if (NAME_START.test(text[i] ?? '') || text[i] === '_') {
        throw new FormulaError(`a name cannot start with a digit ('${src}${text[i]}...')`, text, start);
      }
      tokens.push({ kind: 'number', text: src, start, end: i, value: Number(src) });
    } else if (NAME_START.test(c)) {
      while (i < text.length && NAME_CHAR.test(text[i])) i++;
      tokens.push({ kind: 'name', text: text.slice(start, i), start, end: i });
    } else if (c === '`') {
      const close = text.indexOf('`', i + 1);
      if (close < 0) throw new FormulaError('backtick-quoted name is never closed', text, start);
      if (close === i + 1) throw new FormulaError('empty backtick-quoted name', text, start, 2);
      i = close + 1;
      tokens.push({ kind: 'name', text: text.slice(start + 1, close), start, end: i });
    } else if (c === '(' || c === ')' || c === ',') {
      i++;
      tokens.push({ kind: c, text: c, start, end: i });
    } else if (c === '|' && text[i + 1] === '|') {
      i += 2;
      tokens.push({ kind: 'op', text: '||', start, end: i });
    } else if ('~|+-*/^:'.includes(c)) {
      i++;
      tokens.push({ kind: 'op', text: c, start, end: i });
    } else if (c === '%') {
      const close = text.indexOf('%', i + 1);
      const op = close < 0 ? text.slice(i) : text.slice(i, close + 1);
      if (op !== '%in%') {
        throw new FormulaError(`operator '${op}' is not part of lme4 formula syntax`, text, start, op.length);
      }
      i = close + 1;
      tokens.push({ kind: 'op', text: op, start, end: i });
    } else {
      throw new FormulaError(`unexpected character '${c}' (formulas use names, numbers, ~ + - * / ^ : | || and parentheses)`, text, start);
    }
  }
  tokens.push({ kind: 'end', text: '', start: text.length, end: text.length });
  return tokens;
}

/** Recursive-descent (Pratt) parser over the token list. */
class Parser {
  private pos = 0;

  constructor(private readonly text: string, private readonly tokens: Token[]) {}

  parseAll(): FormulaExpr {
    const t = this.peek();
    if (t.kind === 'end') throw new FormulaError('the formula is empty', this.text, 0);
    const expr = this.parseExpr(0);
    const next = this.peek();
    if (next.kind === ')') throw new FormulaError("')' has no matching '('", this.text, next.start);
    if (next.kind !== 'end') this.unexpected(next, 'an operator or the end of the formula');
    return expr;
  }

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private next(): Token {
    return this.tokens[this.pos++];
  }

  private parseExpr(minBp: number): FormulaExpr {
    let left = this.parsePrefix();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op') break;
      const bp = BINARY[t.text];
      if (bp[0] < minBp) break;
      this.next();
      if (this.peek().kind === 'end') {
        throw new FormulaError(`'${t.text}' needs something on its right`, this.text, t.start, t.end - t.start);
      }
      const right = this.parseExpr(bp[1]);
      left = { kind: 'binary', op: t.text as FormulaBinaryOp, left, right, span: { start: left.span.start, end: right.span.end } };
    }
    return left;
  }

  private parsePrefix(): FormulaExpr {
    const t = this.next();
    switch (t.kind) {
      case 'number':
        return { kind: 'number', value: t.value!, span: { start: t.start, end: t.end } };
      case 'name':
        if (this.peek().kind === '(') return this.parseCall(t);
        return { kind: 'name', name: t.text, span: { start: t.start, end: t.end } };
      case '(': {
        if (this.peek().kind === ')') throw new FormulaError('empty parentheses', this.text, t.start, 2);
        const inner = this.parseExpr(0);
        this.expectClose(t, inner);
        return { kind: 'paren', inner, span: { start: t.start, end: this.tokens[this.pos - 1].end } };
      }
      case 'op':
        if (t.text === '+' || t.text === '-') {
          const operand = this.parseExpr(UNARY_BP);
          return { kind: 'unary', op: t.text, operand, span: { start: t.start, end: operand.span.end } };
        }
        if (t.text === '~') {
          throw new FormulaError("the response is missing before '~' (write e.g. 'y ~ x')", this.text, t.start);
        }
        throw new FormulaError(`'${t.text}' needs something on its left`, this.text, t.start, t.end - t.start);
      case ')':
        throw new FormulaError("')' has no matching '('", this.text, t.start);
      case ',':
        throw new FormulaError("',' outside a function call's parentheses", this.text, t.start);
      case 'end':
        throw new FormulaError('the formula ends too early', this.text, t.start);
    }
  }

  private parseCall(nameToken: Token): FormulaExpr {
    const open = this.next();
    const args: FormulaExpr[] = [];
    if (this.peek().kind !== ')') {
      for (;;) {
        args.push(this.parseExpr(0));
        if (this.peek().kind !== ',') break;
        this.next();
      }
    }
    this.expectClose(open, args[args.length - 1]);
    return { kind: 'call', fn: nameToken.text, args, span: { start: nameToken.start, end: this.tokens[this.pos - 1].end } };
  }

  private expectClose(open: Token, inner: FormulaExpr | undefined): void {
    const t = this.peek();
    if (t.kind === ')') { this.next(); return; }
    if (t.kind === 'end') throw new FormulaError("'(' is never closed", this.text, open.start);
    if (t.kind === 'name' || t.kind === 'number') {
      const before = inner === undefined ? '' : ` after '${this.text.slice(inner.span.start, inner.span.end)}'`;
      throw new FormulaError(
        `expected an operator or ')' before '${t.text}'${before}; a random-effects term is written (terms | group), e.g. (1 | g)`,
        this.text, t.start, t.end - t.start);
    }
    this.unexpected(t, "')'");
  }

  private unexpected(t: Token, wanted: string): never {
    const what = t.kind === 'end' ? 'the end of the formula' : `'${t.text}'`;
    throw new FormulaError(`unexpected ${what}, expected ${wanted}`, this.text, t.start, Math.max(1, t.end - t.start));
  }
}

/**
 * Parses formula text into R's syntax tree. Throws FormulaError (with the column and a
 * caret line) for an unknown character, unbalanced parentheses or a misplaced operator.
 * Example: `parseFormulaSyntax('y ~ x + (1 | g)')` is the tree `y ~ (x + (1 | g))`.
 */
export function parseFormulaSyntax(text: string): FormulaExpr {
  return new Parser(text, tokenize(text)).parseAll();
}
