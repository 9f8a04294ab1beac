/**
 * popkit's library API. Each layer is exported from its own module; see README.md.
 */
export * from './errors.js';
export type * from './data/types.js';
export { STANDARD_ITEMS } from './data/types.js';
export * from './data/dataset.js';
export type * from './events/types.js';
export * from './events/build.js';
export * from './pk/closed-form.js';
export * from './pk/parameters.js';
export * from './pk/predict.js';
export type * from './pk/types.js';
export * from './pk/ode.js';
export * from './pk/ode-library.js';
export type * from './model/bound.js';
export type * from './lmm/frame-types.js';
export { parseFormula, FormulaError } from './lmm/formula.js';
export type * from './lmm/formula-types.js';
export { buildFrame, frameNotices, type BuildFrameOptions } from './lmm/frame.js';
export type { LevelCollation } from './lmm/formula-levels.js';
export * from './linalg/cholesky.js';
export * from './linalg/dense.js';
export type * from './optim/types.js';
export * from './optim/finite-diff.js';
export * from './optim/line-search.js';
export * from './optim/bfgs.js';
export * from './optim/newton.js';
export { describeStopReason, isConvergedReason } from './optim/stop-reason.js';
export { GaussianMarginalKernel, type GaussianKernelStatus } from './lmm/gaussian-kernel.js';
