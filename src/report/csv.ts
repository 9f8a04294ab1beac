/**
 * CSV text fields as popkit writes them (RFC 4180 quoting).
 */

/** `text` as one CSV field: quoted (with quotes doubled) when it holds a comma, quote or line break. Example: `csvField('a,b')` is `"a,b"`. */
export function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
