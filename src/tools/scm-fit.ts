/**
 * Fits as a covariate search sees them: a small, serializable summary of a FitResult (it
 * crosses worker-thread boundaries), and the fitter interface the search calls. A fitter
 * receives a complete model (with the current estimates as initial estimates) and returns
 * its summary, or throws: the search records the error message as the reason the candidate
 * failed. Scripts and tests can supply their own fitter (e.g. with known OFVs).
 */
import type { Dataset } from '../data/types.js';
import { fitPopulation } from '../estimation/fit.js';
import type { SubjectThreads } from '../estimation/subject-threads.js';
import type { CovarianceMethod, EstimationMethod, FitResult, InnerOptions } from '../estimation/types.js';
import { bindModel } from '../subject/bind.js';
import type { Model } from '../model/types.js';

/** What the search needs from one fit (plain data: numbers, strings, arrays). */
export interface ScmFit {
  /** −2 log-likelihood without N·log 2π (NONMEM's OFV). */
  readonly ofv: number;
  readonly nObs: number;
  /** Number of estimated parameters (θ, Ω and Σ elements not fixed). */
  readonly nParameters: number;
  /** AIC and BIC with the N·log 2π constant: OFV + N log 2π + 2k, and + k log N. */
  readonly aic: number;
  readonly bic: number;
  readonly converged: boolean;
  /** Plain-language minimization status. */
  readonly status: string;
  readonly thetaNames: readonly string[];
  /** Final θ, all of them (fixed included), in `thetaNames` order. */
  readonly theta: readonly number[];
  readonly omegaNames: readonly string[];
  /** Final Ω, row-major n×n. */
  readonly omega: readonly number[];
  readonly sigmaNames: readonly string[];
  /** Final Σ, row-major n×n. */
  readonly sigma: readonly number[];
  /** Standard errors of the estimated thetas by name, when a covariance step ran and succeeded. */
  readonly thetaSe?: Readonly<Record<string, number>>;
  readonly warnings: readonly string[];
  /** Seconds the fit took. */
  readonly seconds?: number;
}

/**
 * Fits one model; `label` names the candidate (e.g. "forward 2: CL-WT-power") for progress
 * messages. Throws (or rejects) when the model cannot be fitted; the message is recorded.
 */
export type ScmFitter = (model: Model, label: string) => ScmFit | Promise<ScmFit>;

/** Estimation settings of the fits of a search (plain data, so they can be sent to workers). */
export interface ScmFitOptions {
  /** Default 'focei'. */
  readonly method?: EstimationMethod;
  /** Covariance step; default 'none' (the search needs only OFVs unless a criterion asks for SEs). */
  readonly covariance?: CovarianceMethod;
  readonly maxIterations?: number;
  readonly inner?: InnerOptions;
}

/** The ScmFit of an estimation FitResult. */
export function summarizeFit(fit: FitResult): ScmFit {
  let thetaSe: Record<string, number> | undefined;
  const cov = fit.covariance;
  if (cov?.status === 'ok' && cov.se !== undefined) {
    thetaSe = {};
    fit.estimated.forEach((e, k) => { if (e.kind === 'theta') thetaSe![e.name] = cov.se![k]!; });
  }
  return {
    ofv: fit.ofv, nObs: fit.nObs, nParameters: fit.nParameters, aic: fit.aic, bic: fit.bic,
    converged: fit.converged, status: fit.status,
    thetaNames: [...fit.thetaNames], theta: Array.from(fit.theta),
    omegaNames: [...fit.omegaNames], omega: Array.from(fit.omega),
    sigmaNames: [...fit.sigmaNames], sigma: Array.from(fit.sigma),
    thetaSe, warnings: [...fit.warnings], seconds: fit.elapsedSeconds.total,
  };
}

/**
 * Bind `model` to `dataset` and fit it (no NPDE; covariance step only when asked), with
 * `threads` (a thread backend) for large models. Throws the binder's or the estimation's error.
 */
export function fitForSearch(model: Model, dataset: Dataset, options: ScmFitOptions = {}, threads?: SubjectThreads): ScmFit {
  const fit = fitPopulation(bindModel(model, dataset), {
    threads,
    method: options.method ?? 'focei',
    covariance: options.covariance ?? 'none',
    maxIterations: options.maxIterations,
    inner: options.inner,
    npdeSamples: 0,
  });
  return summarizeFit(fit);
}

/**
 * A fitter that fits in this thread, one model at a time (the `--workers 1` path). Each fit
 * waits for the event loop's next turn first, so progress of the previous fit is reported
 * (and other tasks run) between fits.
 * Example: `stepwiseCovariateSearch({ ..., fitter: inProcessFitter(dataset, { method: 'focei' }) })`.
 */
export function inProcessFitter(dataset: Dataset, options: ScmFitOptions = {}, threads?: SubjectThreads): ScmFitter {
  return async (model) => {
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    return fitForSearch(model, dataset, options, threads);
  };
}
