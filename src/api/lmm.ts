/**
 * Linear mixed models with lme4's formulas and numbers: formula parsing, model frames
 * (contrasts, R's level order, rows left out for missing values), REML/ML fits by the
 * profiled deviance, likelihood-ratio tests, intraclass correlations and random-effects
 * meta-analysis (metafor's REML/ML).
 * Example: `lmm.fitLmm(lmm.buildFrame(lmm.parseFormula('Reaction ~ Days + (Days | Subject)'), table)).logLik`.
 */
export { parseFormula, FormulaError } from '../lmm/formula.js';
export type * from '../lmm/formula-types.js';
export { buildFrame, frameNotices, type BuildFrameOptions } from '../lmm/frame.js';
export type * from '../lmm/frame-types.js';
export type { LevelCollation } from '../lmm/formula-levels.js';
export { fitLmm, thetaNames, type LmmFitOptions } from '../lmm/fit.js';
export type * from '../lmm/fit-types.js';
export { intraclassCorrelation, likelihoodRatioTest, type IntraclassCorrelation, type LikelihoodRatioTest } from '../lmm/compare.js';
export { metaAnalysis, type MetaAnalysisInput, type MetaAnalysisResult } from '../lmm/meta-analysis.js';
