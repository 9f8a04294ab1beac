/**
 * Errors a user can cause and fix: bad data, a bad model file, a bad command line.
 * The command line prints their message (never a stack trace) and exits with status 2.
 * Anything else reaching the top level is a bug in popkit and is reported as such.
 */
export class PopkitError extends Error {
  override name = 'PopkitError';
}

/** One problem found in a data file: where it is and what is wrong. */
export interface DataProblem {
  /** File path as given by the user. */
  file: string;
  /** 1-based line number in the file (the header is line 1 for a CSV without comments). */
  line: number;
  /** Column name as written in the header, or undefined when the whole row is at fault. */
  column?: string;
  /** Plain-language reason, e.g. "TIME is not a number ('1,5')". */
  message: string;
}

/** A data file with one or more problems; `problems` lists all of them, not only the first. */
export class DataError extends PopkitError {
  override name = 'DataError';
  constructor(readonly problems: DataProblem[]) {
    super(formatDataProblems(problems));
  }
}

/** "file:line: column COL: message" lines, at most `max` of them and a count of the rest. */
export function formatDataProblems(problems: DataProblem[], max = 50): string {
  const lines = problems.slice(0, max).map((p) =>
    `${p.file}:${p.line}: ${p.column !== undefined ? `column ${p.column}: ` : ''}${p.message}`);
  if (problems.length > max) lines.push(`... and ${problems.length - max} more problems`);
  return lines.join('\n');
}

/** An error in a model file (or a model built through the API): file, line and column if known. */
export class ModelError extends PopkitError {
  override name = 'ModelError';
  constructor(message: string, readonly where?: { file?: string; line?: number; column?: number }) {
    super(where?.file !== undefined || where?.line !== undefined
      ? `${where.file ?? '<model>'}${where.line !== undefined ? `:${where.line}` : ''}${where.column !== undefined ? `:${where.column}` : ''}: ${message}`
      : message);
  }
}

/** A numerical failure the caller must see (e.g. an ODE step that cannot meet its tolerance). */
export class NumericalError extends PopkitError {
  override name = 'NumericalError';
}
