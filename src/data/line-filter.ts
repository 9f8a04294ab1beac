/**
 * Which lines of a data file are comments, following NONMEM's `$DATA ... IGNORE=c`
 * (NONMEM 7 help, "$DATA", option IGNORE):
 *   IGNORE=#  (NONMEM's default) skips records with '#' in column 1;
 *   IGNORE=@  skips records whose first non-blank character is a letter or '@';
 *   IGNORE=c  skips records with the character c in column 1.
 * popkit also skips a '#' that follows leading blanks, since such a line can never be data.
 */
import { PopkitError } from '../errors.js';

/** A compiled set of ignore rules; build once per file with `lineIgnoreRule`. */
export type LineIgnoreRule = (line: string) => boolean;

/** First character of `line` that is not a space or tab, or '' for a blank line. */
export function firstNonBlank(line: string): string {
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c !== ' ' && c !== '\t') return c;
  }
  return '';
}

function isLetter(c: string): boolean {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/**
 * Compile the `ignore` option (single characters, see TableOptions.ignore) into a predicate.
 * Without the option: skip lines whose first non-blank character is '#' or '@'.
 * Throws PopkitError for an entry that is not a single character.
 * Example: `lineIgnoreRule(['@'])('ID TIME DV')` is true, `lineIgnoreRule(['C'])('C note')` is true.
 */
export function lineIgnoreRule(ignore?: readonly string[]): LineIgnoreRule {
  if (ignore === undefined) {
    return (line) => {
      const c = firstNonBlank(line);
      return c === '#' || c === '@';
    };
  }
  for (const c of ignore) {
    if (typeof c !== 'string' || c.length !== 1) {
      throw new PopkitError(`option ignore: '${String(c)}' is not a single character (use e.g. ['#'], ['@'] or ['C'])`);
    }
  }
  const hash = ignore.includes('#');
  const alpha = ignore.includes('@');
  const column1 = ignore.filter((c) => c !== '#' && c !== '@');
  return (line) => {
    const c = firstNonBlank(line);
    if (hash && c === '#') return true;
    if (alpha && (c === '@' || isLetter(c))) return true;
    return line.length > 0 && column1.includes(line[0]);
  };
}

/**
 * True for a line that can precede the header as a comment: its first non-blank character
 * is '#' or '@'. Other ignore characters are applied only after the header, so that a
 * header such as `CMT,ID,TIME` is read even with `ignore: ['C']` or `['@']`.
 */
export function isCommentBeforeHeader(line: string): boolean {
  const c = firstNonBlank(line);
  return c === '#' || c === '@';
}
