/**
 * Population estimation: FO, FOCE, FOCE-I and Laplace (NONMEM's objective), the covariance
 * step (R⁻¹SR⁻¹, R, S), diagnostics (PRED, IPRED, CWRES, NPDE, EBEs, shrinkage) and the MAP
 * posterior of one patient's random effects. `fitPopulation` here evaluates the subjects in
 * worker threads when that pays (`workers`, default 'auto'); results are bit-identical to
 * one thread.
 * Example: `estimation.fitPopulation(bound, { method: 'focei' }).ofv`.
 */
import { fitPopulation as fitInThreads } from '../estimation/fit.js';
import type { FitOptions, FitResult } from '../estimation/types.js';
import { nodeSubjectThreads } from '../io/threads/subject-pool.js';
import type { BoundModel } from '../subject/bound.js';

/**
 * Fit a population model (see src/estimation/fit.ts), with Node's worker threads as the
 * thread backend unless `options.threads` names another.
 * Example: `const fit = fitPopulation(bindModel(model, data), { method: 'focei' }); fit.covariance?.se`.
 */
export function fitPopulation(bound: BoundModel, options: FitOptions = {}): FitResult {
  return fitInThreads(bound, { threads: nodeSubjectThreads, ...options });
}

export { covarianceStep } from '../estimation/covariance-step.js';
export { ESTIMATION_METHODS, estimationMethod, type EstimationMethodModule, type MethodSupport } from '../estimation/methods/index.js';
export { etaPosterior, type EtaPosterior, type PosteriorOptions } from '../estimation/map-posterior.js';
export type {
  CovarianceMethod, CovarianceStepResult, EstimatedParameter, EstimationMethod, FitOptions, FitResult, InnerOptions,
  ShrinkageResult, SubjectDiagnostics,
} from '../estimation/types.js';
