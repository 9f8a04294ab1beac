/**
 * Writing command output: the output directory and files, with a user error (naming the
 * path and the reason) instead of a stack trace when the file system refuses.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { PopkitError } from '../errors.js';

/**
 * Create the output directory `dir` (and its parents) if needed. Throws PopkitError naming
 * `option` when `dir` is a file or cannot be created. Call it before long work.
 * Example: `makeOutputDirectory('pheno-fit')`.
 */
export function makeOutputDirectory(dir: string, option = '--out'): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file of that name is in the way' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new PopkitError(`${option} ${dir}: cannot create the output directory (${why})`);
  }
}

/** Write `text` to the file `path`; throws PopkitError naming the path when it cannot be written. */
export function writeOutputFile(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PopkitError(`cannot write ${path}: ${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message}`);
  }
}
