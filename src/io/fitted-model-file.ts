/**
 * Reading the model a simulation runs from a file: a model file (initial estimates) or a
 * fit.json written by `popkit fit` (final estimates; src/simulation/fitted-model.ts).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PopkitError } from '../errors.js';
import { parseModel } from '../model/parse.js';
import type { Model } from '../model/types.js';
import { fitJsonModel, fittedModelFromJson, initialValues, type FittedModel } from '../simulation/fitted-model.js';
import { loadModelFile } from './model-file.js';

/**
 * Load a model file (initial estimates) or a fit.json (final estimates): a path ending in
 * .json is read as a fit. Throws PopkitError for an unreadable or incomplete fit.json,
 * ModelError for a faulty model.
 * Example: `loadFittedModel('pheno-fit/fit.json').values.theta.get('CL_WT')`.
 */
export function loadFittedModel(path: string): FittedModel {
  if (!path.toLowerCase().endsWith('.json')) {
    const model = loadModelFile(path);
    return { model, source: 'model', file: path, values: initialValues(model), ...(model.dataFile !== undefined ? { dataFile: model.dataFile } : {}) };
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PopkitError(`${path}: cannot read the fit (${code === 'ENOENT' ? 'no such file' : code ?? (err as Error).message})`);
  }
  const source = fitJsonModel(json, path);
  const model: Model = source.text !== undefined
    ? parseModel(source.text, source.file ?? path, { baseDir: dirname(resolve(source.file ?? path)) })
    : loadModelFile(source.file!);
  return fittedModelFromJson(json, path, model);
}
