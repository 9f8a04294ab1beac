/**
 * Workflows over models and fits: stepwise covariate modelling as PsN's scm (forward
 * inclusion, backward elimination, PsN's relations centred on the median), with your own
 * criteria in scripts, fitting candidates in this thread or in parallel worker threads.
 * Example: `await tools.stepwiseCovariateSearch({ model, relations, fitter: tools.inProcessFitter(dataset) })`.
 */
import type { Dataset } from '../data/types.js';
import { nodeSubjectThreads } from '../io/threads/subject-pool.js';
import { inProcessFitter as fitterInThread, type ScmFitOptions, type ScmFitter } from '../tools/scm-fit.js';

/**
 * A fitter that fits in this thread, one model at a time (large models evaluate their
 * subjects in worker threads when that pays, as `estimation.fitPopulation` does).
 * Example: `stepwiseCovariateSearch({ ..., fitter: inProcessFitter(dataset, { method: 'focei' }) })`.
 */
export function inProcessFitter(dataset: Dataset, options: ScmFitOptions = {}): ScmFitter {
  return fitterInThread(dataset, options, nodeSubjectThreads);
}

export { fitForSearch, summarizeFit, type ScmFit, type ScmFitOptions, type ScmFitter } from '../tools/scm-fit.js';
export { createWorkerFitter, type WorkerFitter, type WorkerFitterOptions } from '../io/threads/fit-pool.js';
export {
  relationLabel, stepwiseCovariateSearch,
  type RelationRef, type ScmCandidateResult, type ScmOptions, type ScmProgress, type ScmResult, type ScmStep,
} from '../tools/scm.js';
export {
  CONTINUOUS_FORMS, DEFAULT_FORMS, DEFAULT_GLOBAL_INIT, buildRelation, covariateDataColumn, isRelation,
  relationDegreesOfFreedom, scmCandidates,
  type CandidateSpec, type Candidates, type ContinuousForm, type ScmRelation, type SkippedRelation,
} from '../tools/scm-candidates.js';
export {
  aic, allOf, anyOf, bic, lrt, maxRse, minEffect, relationEffectSize, relationFactor, relationTest,
  type Criterion, type CriterionVerdict, type RelationTest,
} from '../tools/scm-criteria.js';
export { addRelation, findEffect, removeRelation, withEstimates } from '../tools/scm-model.js';
export {
  scmCategoricalStatistics, scmContinuousStatistics,
  type ScmCategoricalStatistics, type ScmCategoryCount, type ScmContinuousStatistics, type ScmCovariateStatistics,
} from '../tools/scm-statistics.js';
