/**
 * Models: the model-file language (read, parse, define in code, write), pure Model → Model
 * transforms for scripts and covariate searches (covariate effects, Ω blocks, FIX, error
 * models), and binding a model to a dataset (the BoundModel that estimation and simulation
 * use). A Model is immutable: every transform returns a new one.
 * Example: `modeling.setOmegaBlock(modeling.loadModelFile('models/pheno.pkm'), ['eta_CL', 'eta_V'])`.
 */
export { loadModelFile, readModelDataset, readModelText } from '../io/model-file.js';
export { parseModel, type ParseModelOptions } from '../model/parse.js';
export { defineModel, type ModelSpec, type RuleSpec, type VarianceSpec } from '../model/define.js';
export { writeModelFile } from '../model/write.js';
export { validateModel } from '../model/validate.js';
export { renderIndividual } from '../model/render.js';
export { usedSymbols, withoutLocations } from '../model/symbols.js';
export type * from '../model/types.js';
export type { CovarianceSpec, ParameterSpec, PopulationParameters, ThetaSpec } from '../model/parameter-spec.js';
export {
  addCovariateEffect, covariateStatistics, fixTheta, pruneUnused, removeCovariateEffect, setErrorModel,
  setInitialEstimates, setOmegaBlock, setOmegaDiagonal, unfixTheta,
  type CovariateEffectOptions, type CovariateStatistics, type ErrorModelOptions,
} from '../modeling/index.js';
export { bindModel, modelBinder, type BindOptions, type ModelBinding } from '../subject/bind.js';
export type { BoundModel, SubjectEvaluator } from '../subject/bound.js';
export { compileModel, type CompiledModel, type CompileOptions } from '../subject/compile.js';
export { etasFromTable, predictRecords, type PredictionTable, type PredictRecordsOptions } from '../subject/predict-records.js';
