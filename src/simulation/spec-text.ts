/**
 * The small text languages of the simulation commands (regimens, sampling times, virtual
 * populations, targets): a tokenizer that keeps every token's position, time units, and
 * SpecError, whose message shows the text with a caret under the word that is wrong:
 *
 *   regimen: unknown word 'ivv' ...
 *     1000 mg ivv over 1 h q12h x14
 *             ^^^
 */
import { PopkitError } from '../errors.js';

/** A user error in a specification text, pointing at the offending characters. */
export class SpecError extends PopkitError {
  override name = 'SpecError';
  /**
   * @param what  which specification ('regimen', 'times', 'population', 'target')
   * @param reason plain-language reason
   * @param text  the whole specification text
   * @param start 0-based offset of the first offending character
   * @param length number of offending characters (at least 1 caret is drawn)
   */
  constructor(readonly what: string, readonly reason: string, readonly text: string, readonly start: number, readonly length: number) {
    super(`${what}: ${reason}\n  ${text}\n  ${' '.repeat(Math.max(0, start))}${'^'.repeat(Math.max(1, length))}`);
  }
}

export type TokenKind = 'number' | 'word' | 'punct';

/** One token: its text and its position in the specification. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** Lower-case text, for keyword matching. */
  readonly lower: string;
  /** Numeric value of a 'number' token, else NaN. */
  readonly value: number;
  /** 0-based offset of the first character. */
  readonly start: number;
  /** 0-based offset after the last character. */
  readonly end: number;
}

const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
/** Words may contain '/', '%', '_' and digits after the first letter: mg/kg, mg/h, CYP2C9, q12h. */
const WORD = /^[A-Za-zµμ_][A-Za-z0-9µμ_]*(?:\/[A-Za-z][A-Za-z0-9]*)*%?/;

/**
 * Split `text` into numbers, words and single punctuation characters, skipping blanks.
 * With `splitCounts` (default true), a word of q or x followed by digits (q12h, x14) is split
 * into the letter, the number and any unit, so that `q12h` reads as `q 12 h`.
 * Throws SpecError (with `what` as the prefix) for a character no token can start with.
 */
export function tokenize(text: string, what: string, options: { splitCounts?: boolean; punctuation?: string } = {}): Token[] {
  const punctuation = options.punctuation ?? ',;:-()~=+<>×?[]';
  const splitCounts = options.splitCounts ?? true;
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, s: string, start: number): void => {
    tokens.push({ kind, text: s, lower: s.toLowerCase(), value: kind === 'number' ? Number(s) : NaN, start, end: start + s.length });
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) { i++; continue; }
    const rest = text.slice(i);
    const num = NUMBER.exec(rest);
    if (num) { push('number', num[0], i); i += num[0].length; continue; }
    const split = splitCounts ? /^([qQxX])(\d+(?:\.\d*)?|\.\d+)([A-Za-z]*)(?![A-Za-z0-9_.])/.exec(rest) : null;
    if (split) {
      push('word', split[1]!, i);
      push('number', split[2]!, i + 1);
      if (split[3]!.length > 0) push('word', split[3]!, i + 1 + split[2]!.length);
      i += split[0].length;
      continue;
    }
    const word = WORD.exec(rest);
    if (word) {
      push('word', word[0], i);
      i += word[0].length;
      continue;
    }
    if (punctuation.includes(ch) || ch === '"' || ch === '\'') {
      push('punct', ch, i);
      i++;
      continue;
    }
    throw new SpecError(what, `unexpected character '${ch}'`, text, i, 1);
  }
  return tokens;
}

/** Hours per time unit word; popkit's time unit is the hour unless a model says otherwise. */
const TIME_UNITS: Readonly<Record<string, number>> = {
  h: 1, hr: 1, hrs: 1, hour: 1, hours: 1,
  min: 1 / 60, mins: 1 / 60, minute: 1 / 60, minutes: 1 / 60,
  d: 24, day: 24, days: 24,
  w: 168, wk: 168, wks: 168, week: 168, weeks: 168,
};

/** Hours in one `unit` (h, min, d, w and their long forms), or undefined when not a time unit. */
export function hoursPerUnit(unit: string): number | undefined {
  return TIME_UNITS[unit.toLowerCase()];
}

/** A cursor over tokens with error helpers bound to one specification text. */
export class TokenCursor {
  pos = 0;
  constructor(readonly tokens: readonly Token[], readonly text: string, readonly what: string) {}

  get done(): boolean { return this.pos >= this.tokens.length; }
  peek(offset = 0): Token | undefined { return this.tokens[this.pos + offset]; }
  next(): Token | undefined { return this.tokens[this.pos++]; }

  /** True (and consumes it) when the next token is the word or punctuation `lower`. */
  accept(lower: string): Token | undefined {
    const t = this.peek();
    if (t !== undefined && t.lower === lower) { this.pos++; return t; }
    return undefined;
  }

  /** SpecError pointing at token `t` (or at the end of the text when t is undefined). */
  error(reason: string, t: Token | undefined = this.peek()): SpecError {
    if (t === undefined) return new SpecError(this.what, reason, this.text, this.text.length, 1);
    return new SpecError(this.what, reason, this.text, t.start, t.end - t.start);
  }

  /** SpecError spanning tokens a..b (inclusive). */
  errorSpan(reason: string, a: Token, b: Token): SpecError {
    return new SpecError(this.what, reason, this.text, a.start, b.end - a.start);
  }

  /** The next token as a number, or a SpecError saying what was expected. */
  number(expected: string): { value: number; token: Token } {
    const t = this.peek();
    let sign = 1;
    let first = t;
    if (t !== undefined && t.kind === 'punct' && t.text === '-' && this.peek(1)?.kind === 'number' && this.peek(1)!.start === t.end) {
      sign = -1;
      this.pos++;
    }
    const n = this.peek();
    if (n === undefined || n.kind !== 'number') {
      throw this.error(`expected ${expected}${n === undefined ? ' at the end' : `, found '${n.text}'`}`, n);
    }
    this.pos++;
    first ??= n;
    return { value: sign * n.value, token: sign < 0 ? { ...n, start: first.start } : n };
  }

  /**
   * A duration: a number with an optional time unit (default `defaultUnit`), in hours.
   * Example tokens: `12`, `12 h`, `30 min`, `7 d`.
   */
  duration(expected: string, defaultHours = 1): { hours: number; first: Token; last: Token } {
    const { value, token } = this.number(expected);
    const u = this.peek();
    if (u !== undefined && u.kind === 'word') {
      const f = hoursPerUnit(u.text);
      if (f !== undefined) {
        this.pos++;
        return { hours: value * f, first: token, last: u };
      }
    }
    return { hours: value * defaultHours, first: token, last: token };
  }
}
