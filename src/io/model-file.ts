/**
 * Reading model files and their default datasets.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ModelError } from '../errors.js';
import { readDataset } from './data-files.js';
import type { Dataset, DatasetOptions } from '../data/types.js';
import { parseModel } from '../model/parse.js';
import type { Model } from '../model/types.js';

/**
 * Read and check the model file at `path` (grammar: docs/model-format.md). Throws
 * ModelError naming file:line:column for any problem.
 * Example: `loadModelFile('models/pheno.pkm').dataFile` ends with datasets/pheno_sd.csv.
 */
export function loadModelFile(path: string): Model {
  return parseModel(readModelText(path), path, { baseDir: dirname(resolve(path)) });
}

/** The text of the model file at `path`; throws ModelError naming the file when it cannot be read. */
export function readModelText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelError(code === 'ENOENT' ? 'model file not found' : `cannot read the model file (${code ?? String(err)})`, { file: path });
  }
}

/**
 * The dataset for `model`: the file `path` when given, else the model's default dataset
 * (`data` line). The model's column mapping (e.g. `DV=Y`) applies to either.
 * Throws ModelError when neither exists, DataError for a faulty file.
 */
export function readModelDataset(model: Model, path?: string, options: DatasetOptions = {}): Dataset {
  const file = path ?? model.dataFile;
  if (file === undefined) {
    throw new ModelError(`the model ${model.name} names no dataset (no 'data' line); give one with --data`, model.file !== undefined ? { file: model.file } : undefined);
  }
  return readDataset(file, { ...options, columns: { ...(model.dataColumns ?? {}), ...(options.columns ?? {}) } });
}
