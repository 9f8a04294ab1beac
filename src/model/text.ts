/**
 * Small text utilities for the model-file reader: comments, top-level splitting that
 * respects parentheses, brackets and string literals, and numbers.
 */

/** A piece of a line with its 0-based offset in the line. */
export interface Piece {
  readonly text: string;
  readonly offset: number;
}

/** Split a line into code and a trailing `# comment` (a '#' inside a string literal does not count). */
export function splitComment(line: string): { code: string; comment?: string } {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote !== undefined) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '#') {
      const comment = line.slice(i + 1).trim();
      return { code: line.slice(0, i), comment: comment === '' ? undefined : comment };
    }
  }
  return { code: line };
}

/**
 * Walk `text`, calling `visit(i)` at every character outside (), [] and string literals;
 * `visit` returns the index to continue from (i + 1 to go on character by character).
 */
function scanTopLevel(text: string, visit: (i: number) => number): void {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length;) {
    const ch = text[i]!;
    if (quote !== undefined) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (depth === 0) {
      i = visit(i);
      continue;
    }
    i++;
  }
}

/**
 * Split `text` at each top-level occurrence of `separator` (outside (), [] and strings).
 * Pieces are trimmed; offsets point at each piece's first non-blank character.
 */
export function splitTopLevel(text: string, separator: string, baseOffset = 0): Piece[] {
  const pieces: Piece[] = [];
  let start = 0;
  const push = (end: number): void => {
    const raw = text.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    pieces.push({ text: raw.trim(), offset: baseOffset + start + lead });
  };
  scanTopLevel(text, (i) => {
    if (!text.startsWith(separator, i)) return i + 1;
    push(i);
    start = i + separator.length;
    return start;
  });
  push(text.length);
  return pieces;
}

/**
 * Offset of the last top-level keyword `word` (a whole word, outside (), [] and strings),
 * or -1.
 */
export function findTopLevelWord(text: string, word: string): number {
  let found = -1;
  scanTopLevel(text, (i) => {
    if (text.startsWith(word, i)
      && !/[A-Za-z0-9_]/.test(text[i - 1] ?? ' ') && !/[A-Za-z0-9_]/.test(text[i + word.length] ?? ' ')) {
      found = i;
    }
    return i + 1;
  });
  return found;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parse a number as written in a model file (also `inf`, `-inf`); NaN when it is not one. */
export function parseModelNumber(text: string): number {
  const t = text.trim();
  if (/^[+-]?inf(inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  return NUMBER.test(t) ? Number(t) : NaN;
}

/** A number as the model writer prints it: shortest exact form. */
export function formatModelNumber(x: number): string {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return String(x);
}

/** True for a name the model language accepts: a letter or '_' then letters, digits, '_'. */
export function isIdentifier(text: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(text);
}

/** Levenshtein distance between `a` and `b` (insertions, deletions, substitutions), for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}
