/**
 * The JSON form of a fit: what `popkit fit --json` prints and what `<out>/fit.json` holds.
 * fit.json carries everything a later command needs to rebuild the fitted model: the model
 * file path and text, the data file, the final estimates (θ, Ω, Σ), their covariance matrix,
 * and each subject's EBEs. Non-finite numbers are written as null.
 */
import type { FitResult } from '../estimation/types.js';

/** Where the fit came from; all optional for fits run through the API. */
export interface FitSource {
  readonly modelFile?: string;
  readonly modelText?: string;
  readonly dataFile?: string;
  readonly popkitVersion?: string;
}

/** One θ in the JSON result. */
export interface ThetaJson {
  readonly name: string;
  readonly value: number | null;
  readonly se: number | null;
  /** 100·SE/|value|. */
  readonly rse: number | null;
  readonly fixed: boolean;
}

/** Ω or Σ in the JSON result: full matrices (row arrays). */
export interface MatrixJson {
  readonly names: readonly string[];
  readonly matrix: (number | null)[][];
  /** SE of each element; null where not estimated or no covariance step. */
  readonly se: (number | null)[][];
  readonly fixed: boolean[];
}

/** Standard error of each estimated parameter by its NONMEM label (THETA(1), OMEGA(2,1), …); empty without a successful covariance step. */
export function standardErrorsByLabel(fit: FitResult): Map<string, number> {
  const seOf = new Map<string, number>();
  const se = fit.covariance?.status === 'ok' ? fit.covariance.se : undefined;
  if (se) fit.estimated.forEach((e, k) => seOf.set(e.label, se[k]!));
  return seOf;
}

/** The fit as a plain JSON-ready object (snake_case keys, as the command line documents). */
export function fitResultToJson(fit: FitResult, source: FitSource = {}, options: { includeSubjects?: boolean; includeModelText?: boolean } = {}): Record<string, unknown> {
  const cov = fit.covariance;
  const seOf = standardErrorsByLabel(fit);
  const theta: ThetaJson[] = fit.thetaNames.map((name, i) => {
    const se = seOf.get(`THETA(${i + 1})`);
    return {
      name, value: num(fit.theta[i]), se: num(se), rse: num(se !== undefined ? (100 * se) / Math.abs(fit.theta[i]) : undefined),
      fixed: fit.thetaFixed[i],
    };
  });
  const matrixJson = (kind: 'omega' | 'sigma', names: readonly string[], m: Float64Array): MatrixJson => {
    const n = names.length;
    const tag = kind === 'omega' ? 'OMEGA' : 'SIGMA';
    const estimatedLabels = new Set(fit.estimated.filter((e) => e.kind === kind).map((e) => `${e.row},${e.col}`));
    return {
      names,
      matrix: rows(n, (i, j) => num(m[i * n + j])),
      se: rows(n, (i, j) => num(seOf.get(`${tag}(${Math.max(i, j) + 1},${Math.min(i, j) + 1})`))),
      fixed: names.map((_, i) => !estimatedLabels.has(`${i},${i}`)),
    };
  };
  const pct = (names: readonly string[], v: Float64Array): Record<string, number | null> =>
    Object.fromEntries(names.map((nm, i) => [nm, num(100 * v[i])]));
  const out: Record<string, unknown> = {
    popkit_version: source.popkitVersion ?? null,
    model: {
      name: fit.modelName, file: source.modelFile ?? null,
      ...(options.includeModelText !== false ? { text: source.modelText ?? null } : {}),
    },
    data: { file: source.dataFile ?? null },
    method: fit.method,
    ofv: num(fit.ofv),
    ofv_with_constant: num(fit.ofvWithConstant),
    n_obs: fit.nObs,
    n_subjects: fit.nSubjects,
    n_parameters: fit.nParameters,
    aic: num(fit.aic),
    bic: num(fit.bic),
    theta,
    omega: matrixJson('omega', fit.omegaNames, fit.omega),
    sigma: matrixJson('sigma', fit.sigmaNames, fit.sigma),
    shrinkage: {
      eta_sd_percent: pct(fit.omegaNames, fit.shrinkage.etaSd),
      eta_variance_percent: pct(fit.omegaNames, fit.shrinkage.etaVariance),
      eps_sd_percent: num(100 * fit.shrinkage.epsSd),
      eps_variance_percent: num(100 * fit.shrinkage.epsVariance),
      eps_sd_percent_per_eps: pct(fit.sigmaNames, fit.shrinkage.epsSdPerEps),
      eps_variance_percent_per_eps: pct(fit.sigmaNames, fit.shrinkage.epsVariancePerEps),
    },
    covariance: cov === undefined ? { status: 'not requested', method: 'none' } : {
      status: cov.status,
      method: cov.method,
      message: cov.message,
      parameters: cov.parameters.map((e) => e.label),
      matrix: cov.covariance ? rows(cov.parameters.length, (i, j) => num(cov.covariance![i * cov.parameters.length + j])) : null,
      correlation: cov.correlation ? rows(cov.parameters.length, (i, j) => num(cov.correlation![i * cov.parameters.length + j])) : null,
      eigenvalues: cov.eigenvalues ? Array.from(cov.eigenvalues, num) : null,
      condition_number: num(cov.conditionNumber),
      elapsed_s: cov.elapsedSeconds,
    },
    estimates: fit.estimated.map((e, k) => ({ label: e.label, name: e.name, value: num(fit.estimates[k]), se: num(seOf.get(e.label)) })),
    converged: fit.converged,
    status: fit.status,
    message: fit.optimization.message,
    significant_digits: num(fit.significantDigits),
    gradient_norm: num(fit.optimization.gradientNorm),
    iterations: fit.iterations,
    evaluations: fit.evaluations,
    hessian: fit.hessian,
    warnings: fit.warnings,
    elapsed_s: fit.elapsedSeconds.total,
    elapsed: fit.elapsedSeconds,
    threads: fit.workers ?? 1,
  };
  if (options.includeSubjects !== false) {
    out.subjects = fit.subjects.map((s) => ({
      id: s.id,
      eta: Object.fromEntries(fit.omegaNames.map((n, i) => [n, num(s.eta[i])])),
      ofv: num(s.ofv),
      ...(s.individualParameters
        ? { individual_parameters: Object.fromEntries(fit.individualParameterNames.map((n, i) => [n, num(s.individualParameters![i])])) }
        : {}),
    }));
  }
  return out;
}

/** A finite number, or null. */
function num(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}

function rows<T>(n: number, f: (i: number, j: number) => T): T[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => f(i, j)));
}
