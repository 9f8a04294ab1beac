/**
 * Reports: every table, summary, JSON object and plot popkit writes — fit summaries laid out
 * as NONMEM prints them, fit.json and table.csv, lme4-style LMM summaries, simulation and VPC
 * tables and plots, and the covariate search's PsN-style log.
 * Example: `report.formatFitSummary(fit)`.
 */
export { csvField } from '../report/csv.js';
export { fitResultToJson, standardErrorsByLabel, type FitSource } from '../report/fit-json.js';
export { formatFitSummary } from '../report/fit-summary.js';
export { fitTableCsv } from '../report/fit-table.js';
export { formatLmmSummary, lmmFitToJson } from '../report/lmm-summary.js';
export {
  attainments, formatSimulationSummary, formatValue, metricSummaries, profilePercentilesCsv, profilesCsv,
  simulatedDataCsv, subjectsCsv, type SimulationSummaryInput,
} from '../report/simulation-tables.js';
export { niceTicks, vpcBinsCsv, vpcObservationsCsv, vpcSvg, type VpcPlotOptions } from '../report/vpc-tables.js';
export { formatFinal, formatIncluded, formatScmLog, formatScmStep, scmResultToJson, type ScmSource } from '../report/scm-log.js';
