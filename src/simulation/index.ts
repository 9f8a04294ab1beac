/**
 * Simulation: regimens, virtual populations, regimen simulations with exposure metrics and
 * target attainment, VPCs, and MAP Bayesian dose individualization.
 */
export { SpecError } from './spec-text.js';
export * from './regimen.js';
export { parseRegimen, parseRegimenText, type RegimenParseOptions, type ParsedRegimen } from './regimen-parse.js';
export { parseTimes, defaultTimes, uniformGrid } from './times.js';
export * from './population.js';
export { parsePopulation } from './population-parse.js';
export { virtualPopulation, checkModelCovariates, covariatesReadBy, type PopulationOptions } from './population-options.js';
export { randomStream, checkSeed, STREAMS, RandomStream } from '../stats/random.js';
export { semidefiniteCholesky } from './mvn.js';
export {
  buildDesignDataset, defaultWindow, parseWindow, windowGrid, DEFAULT_WINDOW_STEPS,
  type DesignDataset, type MetricsWindow, type SimulationDesign,
} from './design.js';
export { SubjectSimulator, type ObservationScale, type PopulationParameters } from './subject-simulator.js';
export { simulateRegimen, type ModelBinder, type RegimenSimulation, type SimulationSettings } from './simulate.js';
export {
  METRIC, METRIC_NAMES, aucLinearUpLogDown, exposureMetricsInto, terminalSlope, timeAbove,
  type MetricName, type MetricOptions,
} from './metrics.js';
export {
  SUMMARY_PROBABILITIES, checkTargetWindow, meetsTarget, parseTarget, quantileSorted, summarize, targetAttainment,
  type QuantitySummary, type Target, type TargetAttainment,
} from './summary.js';
export {
  attainments, formatSimulationSummary, formatValue, metricSummaries, profilePercentilesCsv, profilesCsv,
  simulatedDataCsv, subjectsCsv, type SimulationSummaryInput,
} from '../report/simulation-tables.js';
export { doseTargetsOf, observationScaleOf } from './model-targets.js';
export { initialValues, fitJsonModel, fittedModelFromJson, valuesFor, valuesForModel, type FittedModel, type NamedValues } from './fitted-model.js';
export { binEdges, vpc, type VpcBin, type VpcBinning, type VpcObservation, type VpcOptions, type VpcResult } from './vpc.js';
export { niceTicks, vpcBinsCsv, vpcObservationsCsv, vpcSvg, type VpcPlotOptions } from '../report/vpc-tables.js';
export { etaPosterior, type EtaPosterior, type PosteriorOptions } from '../estimation/map-posterior.js';
export { patientHistory, planDataset, type PatientHistory, type PlanDataset, type PredictionPoint } from './dose-patient.js';
export { checkModelCovariatesInData } from './patient-check.js';
export { individualizeDose, type DoseOption, type DoseOptions, type DoseRecommendation } from './dose.js';
