/**
 * Splitting one record of a data file into trimmed field texts. Lines without a double
 * quote are split directly (the fast path for NONMEM-style files); a line with quotes is
 * handed to csv-parse, joined with the following lines while a quoted field is still open
 * (RFC 4180: a quoted field may contain commas, doubled quotes and line breaks).
 */
import { parse as parseCsv } from 'csv-parse/sync';

/** The fields of one record and the index of the first line after it. */
export type RecordSplit =
  | { readonly ok: true; readonly fields: string[]; readonly next: number }
  | { readonly ok: false; readonly message: string; readonly next: number };

/** Fields of a whitespace-separated line (blanks and tabs), as in NONMEM `.dta` files. */
export function splitWhitespace(line: string): string[] {
  const t = line.trim();
  return t.length === 0 ? [] : t.split(/[ \t]+/);
}

/**
 * True when a quoted field is still open at the end of `line`, given whether one was open
 * at its start. A quote opens a field only at the start of a field (after blanks); inside a
 * quoted field a doubled quote is a literal quote.
 */
function endsInsideQuotes(line: string, insideAtStart: boolean): boolean {
  let inside = insideAtStart;
  let atFieldStart = !insideAtStart;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inside) {
      if (c === '"') {
        if (line[i + 1] === '"') i++;
        else inside = false;
      }
    } else if (c === ',') {
      atFieldStart = true;
    } else if (c === '"' && atFieldStart) {
      inside = true;
      atFieldStart = false;
    } else if (c !== ' ' && c !== '\t') {
      atFieldStart = false;
    }
  }
  return inside;
}

/**
 * Split the CSV record that starts at `lines[start]` (0-based). Fields are trimmed; quotes
 * are removed from quoted fields. A malformed quoted record gives `ok: false` with the reason.
 * Example: `splitCsvRecord(['1," a, b ",3'], 0)` gives fields ['1', ' a, b ', '3'].
 */
export function splitCsvRecord(lines: readonly string[], start: number): RecordSplit {
  const first = lines[start];
  if (!first.includes('"')) {
    const fields = first.split(',');
    for (let j = 0; j < fields.length; j++) fields[j] = fields[j].trim();
    return { ok: true, fields, next: start + 1 };
  }
  let end = start;
  let open = endsInsideQuotes(first, false);
  while (open && end + 1 < lines.length) {
    end++;
    open = endsInsideQuotes(lines[end], true);
  }
  if (open) {
    return { ok: false, message: 'a quoted field is never closed (missing \'"\')', next: lines.length };
  }
  const chunk = end === start ? first : lines.slice(start, end + 1).join('\n');
  try {
    const records = parseCsv(chunk, { trim: true, relax_column_count: true, relax_quotes: true }) as string[][];
    if (records.length !== 1) {
      return { ok: false, message: `could not split the line into fields (found ${records.length} records)`, next: end + 1 };
    }
    return { ok: true, fields: records[0], next: end + 1 };
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/ at line \d+\.?$/, '') : String(err);
    return { ok: false, message: `malformed quoted field: ${reason}`, next: end + 1 };
  }
}
