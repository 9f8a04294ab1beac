/**
 * Pure Model → Model transforms (the verbs of scripts and covariate searches). Each returns
 * a new checked model and leaves its input unchanged.
 */
export { addCovariateEffect, removeCovariateEffect, covariateStatistics } from './covariate-effects.js';
export type { CovariateEffectOptions, CovariateStatistics } from './covariate-effects.js';
export { fixTheta, unfixTheta, setInitialEstimates, setOmegaBlock, setOmegaDiagonal } from './parameters.js';
export { setErrorModel, type ErrorModelOptions } from './error-model.js';
export { pruneUnused } from './common.js';
