/**
 * popkit's public API, in namespaces that follow the data flow:
 *
 *   datasets    NONMEM-style datasets and tables (read, parse, build from columns)
 *   modeling    model files, Model → Model transforms, binding a model to a dataset
 *   pk          compartment systems, dosing events and the event loop
 *   estimation  FO / FOCE / FOCE-I / Laplace fits, covariance step, diagnostics, MAP posterior
 *   simulation  regimens, virtual populations, exposure, VPC, dose individualization
 *   lmm         linear mixed models with lme4's formulas and numbers, meta-analysis
 *   tools       stepwise covariate search
 *   report      summaries, tables, JSON and plots
 *   stats       normal and chi-square distributions, seeded random streams
 *
 * plus the error classes every user error is thrown as. Internals (kernels, workspaces,
 * optimizers) are in `popkit/internal`.
 * Example:
 *   import { modeling, estimation } from 'popkit';
 *   const model = modeling.loadModelFile('models/pheno.pkm');
 *   const fit = estimation.fitPopulation(modeling.bindModel(model, modeling.readModelDataset(model)));
 */
export * as datasets from './api/datasets.js';
export * as modeling from './api/modeling.js';
export * as pk from './api/pk.js';
export * as estimation from './api/estimation.js';
export * as simulation from './api/simulation.js';
export * as lmm from './api/lmm.js';
export * as tools from './api/tools.js';
export * as report from './api/report.js';
export * as stats from './api/stats.js';
export { DataError, ModelError, NumericalError, PopkitError, type DataProblem } from './errors.js';
export type { Dataset, Table } from './data/types.js';
export type { Model } from './model/types.js';
export type { BoundModel } from './subject/bound.js';
export type { FitOptions, FitResult } from './estimation/types.js';
export type { LmmFit } from './lmm/fit-types.js';
