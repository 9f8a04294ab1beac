/**
 * Simulation: dosing regimens (values and their text form), virtual populations, regimen
 * simulations with exposure metrics and target attainment, visual predictive checks, and
 * MAP Bayesian dose individualization. Seeded random streams make every run reproducible.
 * Example: `simulation.parseRegimen('1000 mg iv over 1 h q12h x14')`.
 */
export { SpecError } from '../simulation/spec-text.js';
export {
  doses, doseTimes, isPerKg, regimenToDoses,
  type DoseBlock, type DoseBlockSpec, type DoseRecord, type DoseRoute, type DoseTargets, type Regimen,
} from '../simulation/regimen.js';
export { parseRegimen, parseRegimenText, type ParsedRegimen, type RegimenParseOptions } from '../simulation/regimen-parse.js';
export { defaultTimes, parseTimes, uniformGrid } from '../simulation/times.js';
export {
  checkDistribution, drawCovariate, drawPopulation, emptyPopulation, mergePopulations, populationValue, resamplePopulation,
  type CovariateDistribution, type CovariateSpec, type VirtualPopulation,
} from '../simulation/population.js';
export { parsePopulation } from '../simulation/population-parse.js';
export { checkModelCovariates, covariatesReadBy, virtualPopulation, type PopulationOptions } from '../simulation/population-options.js';
export { checkSeed, randomStream, RandomStream, STREAMS } from '../stats/random.js';
export {
  buildDesignDataset, defaultWindow, parseWindow, windowGrid, DEFAULT_WINDOW_STEPS,
  type DesignDataset, type MetricsWindow, type SimulationDesign,
} from '../simulation/design.js';
export { SubjectSimulator, type ObservationScale, type PopulationParameters } from '../simulation/subject-simulator.js';
export { simulateRegimen, type ModelBinder, type RegimenSimulation, type SimulationSettings } from '../simulation/simulate.js';
export {
  METRIC, METRIC_NAMES, aucLinearUpLogDown, exposureMetricsInto, terminalSlope, timeAbove, type MetricName, type MetricOptions,
} from '../simulation/metrics.js';
export {
  SUMMARY_PROBABILITIES, checkTargetWindow, meetsTarget, parseTarget, quantileSorted, summarize, targetAttainment,
  type QuantitySummary, type Target, type TargetAttainment,
} from '../simulation/summary.js';
export { doseTargetsOf, observationScaleOf } from '../simulation/model-targets.js';
export { loadFittedModel } from '../io/fitted-model-file.js';
export { fittedModelFromJson, initialValues, valuesFor, valuesForModel, type FittedModel, type NamedValues } from '../simulation/fitted-model.js';
export { binEdges, vpc, type VpcBin, type VpcBinning, type VpcObservation, type VpcOptions, type VpcResult } from '../simulation/vpc.js';
export { patientHistory, planDataset, type PatientHistory, type PlanDataset, type PredictionPoint } from '../simulation/dose-patient.js';
export { checkModelCovariatesInData } from '../simulation/patient-check.js';
export { individualizeDose, type DoseOption, type DoseOptions, type DoseRecommendation } from '../simulation/dose.js';
