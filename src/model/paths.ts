/**
 * File paths as plain strings ('/'-separated; a Windows drive or UNC prefix is kept), so
 * that the model room can anchor a model's `data` path without the file system. Reading
 * files is src/io's job.
 */

/** True for '/x', 'C:\x', 'C:/x' and '\\server\x'. */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

/** The directory part of `path` ('.' when it has none). Example: `directoryOf('models/pheno.pkm')` is 'models'. */
export function directoryOf(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  if (i < 0) return '.';
  return i === 0 ? path.slice(0, 1) : path.slice(0, i);
}

/** The file name without directory and extension. Example: `fileStem('models/pheno.pkm')` is 'pheno'. */
export function fileStem(path: string): string {
  const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/**
 * `relative` anchored at `directory`, with '.' and '..' segments collapsed; an absolute
 * `relative` is returned normalized. Example: `joinPath('/a/models', '../data/x.csv')` is '/a/data/x.csv'.
 */
export function joinPath(directory: string, relative: string): string {
  const full = isAbsolutePath(relative) || directory === '' ? relative : `${directory}/${relative}`;
  const prefix = /^[A-Za-z]:[\\/]/.test(full) ? full.slice(0, 3) : full.startsWith('/') ? '/' : '';
  const out: string[] = [];
  for (const part of full.slice(prefix.length).split(/[\\/]+/)) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (part !== '..' || prefix === '') out.push(part);
  }
  const joined = prefix + out.join('/');
  return joined === '' ? '.' : joined;
}
