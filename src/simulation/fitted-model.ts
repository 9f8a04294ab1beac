/**
 * The model a simulation runs: a model file with its initial estimates, or a fit.json written
 * by `popkit fit` (the model text it carries, with the final estimates, their covariance
 * matrix and each subject's EBEs). See src/report/fit-json.ts for the fit.json layout.
 */
import { PopkitError } from '../errors.js';
import type { BoundModel } from '../subject/bound.js';
import { covarianceSpec } from '../model/covariance.js';
import type { Model } from '../model/types.js';
import type { PopulationParameters } from './subject-simulator.js';

/** Population values by name, as a model file or a fit gives them. */
export interface NamedValues {
  readonly theta: ReadonlyMap<string, number>;
  readonly omega: { readonly names: readonly string[]; readonly matrix: Float64Array };
  readonly sigma: { readonly names: readonly string[]; readonly matrix: Float64Array };
}

export interface FittedModel {
  readonly model: Model;
  /** 'fit' for a fit.json (final estimates), 'model' for a model file (initial estimates). */
  readonly source: 'fit' | 'model';
  /** The file given by the user. */
  readonly file: string;
  /** The dataset the fit used (absolute path), when known. */
  readonly dataFile?: string;
  readonly values: NamedValues;
  /** Estimation method of the fit. */
  readonly method?: string;
  /** Each subject's EBEs (η̂ by name), from a fit.json. */
  readonly ebes?: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

interface FitJsonShape {
  model?: { name?: string; file?: string | null; text?: string | null };
  data?: { file?: string | null };
  method?: string;
  theta?: { name: string; value: number | null }[];
  omega?: { names: string[]; matrix: (number | null)[][] };
  sigma?: { names: string[]; matrix: (number | null)[][] };
  subjects?: { id: string; eta: Record<string, number | null> }[];
}

/** The model section of a fit.json: the model text it carries, or the model file it names. */
export interface FitJsonModel {
  readonly text?: string;
  readonly file?: string;
}

/**
 * The model section of a parsed fit.json (`json`, read from `path`), for the caller to turn
 * into a Model (src/io/fitted-model-file.ts parses the text, or reads the file). Throws
 * PopkitError when `json` is not a fit.json written by `popkit fit`.
 */
export function fitJsonModel(json: unknown, path: string): FitJsonModel {
  const m = (json as FitJsonShape | null)?.model;
  if (typeof json !== 'object' || json === null || m === undefined) throw new PopkitError(`${path}: not a fit.json written by popkit fit (no model section)`);
  if (typeof m.text === 'string') return { text: m.text, ...(typeof m.file === 'string' ? { file: m.file } : {}) };
  if (typeof m.file === 'string') return { file: m.file };
  throw new PopkitError(`${path}: not a fit.json written by popkit fit (the model has neither text nor file)`);
}

/**
 * The fitted model of a parsed fit.json (`json`, read from `path`) whose model is `model`:
 * final estimates, EBEs, method and dataset. Throws PopkitError for an incomplete fit.json.
 * Example: `fittedModelFromJson(JSON.parse(text), 'pheno-fit/fit.json', model).values.theta.get('CL_WT')`.
 */
export function fittedModelFromJson(json: unknown, path: string, model: Model): FittedModel {
  const bad = (what: string): never => { throw new PopkitError(`${path}: not a fit.json written by popkit fit (${what})`); };
  if (typeof json !== 'object' || json === null) bad('not a JSON object');
  const fit = json as FitJsonShape;
  const theta = new Map<string, number>();
  for (const t of fit.theta ?? bad('no theta')) {
    if (typeof t.value !== 'number') bad(`theta ${t.name} has no value`);
    theta.set(t.name, t.value!);
  }
  const matrix = (what: 'omega' | 'sigma'): { names: string[]; matrix: Float64Array } => {
    const mm = fit[what] ?? bad(`no ${what}`);
    const n = mm.names.length;
    const out = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = mm.matrix[i]?.[j];
        if (typeof v !== 'number') bad(`${what} element (${i + 1}, ${j + 1}) has no value`);
        out[i * n + j] = v!;
      }
    }
    return { names: mm.names, matrix: out };
  };
  const ebes = new Map<string, Map<string, number>>();
  for (const s of fit.subjects ?? []) {
    ebes.set(String(s.id), new Map(Object.entries(s.eta).filter(([, v]) => typeof v === 'number') as [string, number][]));
  }
  return {
    model, source: 'fit', file: path,
    ...(typeof fit.data?.file === 'string' ? { dataFile: fit.data.file } : {}),
    ...(fit.method !== undefined ? { method: fit.method } : {}),
    values: { theta, omega: matrix('omega'), sigma: matrix('sigma') },
    ebes,
  };
}

/** The initial estimates of a model, by name. */
export function initialValues(model: Model): NamedValues {
  const omega = covarianceSpec(model.omega);
  const sigma = covarianceSpec(model.sigma);
  return {
    theta: new Map(model.theta.map((t) => [t.name, t.init])),
    omega: { names: omega.names, matrix: omega.init },
    sigma: { names: sigma.names, matrix: sigma.init },
  };
}

/**
 * θ, Ω and Σ in the order of `bound`'s parameters (matched by name). Throws PopkitError when a
 * parameter of the bound model has no value.
 */
export function valuesFor(bound: Pick<BoundModel, 'parameters'>, values: NamedValues): PopulationParameters {
  const theta = Float64Array.from(bound.parameters.theta, (t) => {
    const v = values.theta.get(t.name);
    if (v === undefined) throw new PopkitError(`no value for theta ${t.name} (the fit's thetas: ${[...values.theta.keys()].join(', ')})`);
    return v;
  });
  const reorder = (what: string, names: readonly string[], from: { names: readonly string[]; matrix: Float64Array }): Float64Array => {
    const n = names.length;
    const m = from.names.length;
    const idx = names.map((nm) => {
      const k = from.names.indexOf(nm);
      if (k < 0) throw new PopkitError(`no value for ${what} ${nm} (the fit's ${what} names: ${from.names.join(', ') || 'none'})`);
      return k;
    });
    const out = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = from.matrix[idx[i]! * m + idx[j]!]!;
    return out;
  };
  return {
    theta,
    omega: reorder('omega', bound.parameters.omega.names, values.omega),
    sigma: reorder('sigma', bound.parameters.sigma.names, values.sigma),
  };
}

/**
 * θ, Ω and Σ in the order bindModel gives a model's parameters (model-file order), matched
 * by name from `values`.
 */
export function valuesForModel(model: Model, values: NamedValues): PopulationParameters {
  return valuesFor({
    parameters: {
      theta: model.theta.map((t) => ({ name: t.name, init: t.init, lower: t.lower, upper: t.upper, fixed: t.fixed })),
      omega: covarianceSpec(model.omega),
      sigma: covarianceSpec(model.sigma),
    },
  }, values);
}
