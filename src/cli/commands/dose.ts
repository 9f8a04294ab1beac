import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { readTable } from '../../io/data-files.js';
import { PopkitError } from '../../errors.js';
import { modelBinder } from '../../subject/bind.js';
import { individualizeDose, type DoseRecommendation } from '../../simulation/dose.js';
import { patientHistory, type PatientHistory } from '../../simulation/dose-patient.js';
import { valuesForModel } from '../../simulation/fitted-model.js';
import { loadFittedModel } from '../../io/fitted-model-file.js';
import { doseTargetsOf, observationScaleOf } from '../../simulation/model-targets.js';
import { formatValue } from '../../report/simulation-tables.js';
import { checkModelCovariatesInData } from '../../simulation/patient-check.js';
import { checkSeed } from '../../stats/random.js';
import { doses, type Regimen } from '../../simulation/regimen.js';
import { parseRegimenText } from '../../simulation/regimen-parse.js';
import { parseTarget } from '../../simulation/summary.js';
import type { CliCommand } from '../command.js';
import { makeOutputDirectory, writeOutputFile } from '../output.js';

interface DoseArgs {
  fit: string;
  patient: string;
  id?: string;
  target: string;
  interval?: string;
  regimenForm?: string;
  doses?: number;
  start?: number;
  samples: number;
  seed: number;
  confidence: number;
  round?: number;
  amountUnit?: string;
  out?: string;
  json: boolean;
}

/**
 * `popkit dose <fit.json> --patient <csv> --target "trough 10-15" [--interval 8,12,24]
 * [--regimen-form "iv over 1 h"]`: MAP Bayesian dose individualization.
 */
export const doseCommand: CliCommand<DoseArgs> = {
  command: 'dose <fit>',
  describe: 'Individualize a dose from a patient\'s history and levels (MAP Bayesian) to reach a target',
  builder: (y: Argv) => y
    .positional('fit', { type: 'string', demandOption: true, describe: 'fit.json from popkit fit (or a model file: initial estimates)' })
    .option('patient', { type: 'string', demandOption: true, describe: 'NONMEM-style CSV: the patient\'s doses, levels (DV) and covariates' })
    .option('id', { type: 'string', describe: 'patient ID when the file holds several' })
    .option('target', { type: 'string', demandOption: true, describe: 'e.g. "trough 10-15", "auc24 400-600", "peak 20-30", "trough >= 10" (model units)' })
    .option('interval', { type: 'string', describe: 'dosing interval in h, or candidates: 8,12,24 (default: the form\'s, else the patient\'s current one)' })
    .option('regimen-form', { type: 'string', describe: 'the planned regimen without its amount, e.g. "iv over 1 h q12h x10" (default: as the last dose)' })
    .option('doses', { type: 'number', describe: 'number of planned doses (default: the form\'s count, else a course long enough to reach steady state)' })
    .option('start', { type: 'number', describe: 'time of the first planned dose in h (default: last dose + current interval)' })
    .option('samples', { type: 'number', default: 1000, describe: 'posterior draws for the uncertainty' })
    .option('seed', { type: 'number', default: 12345, describe: 'seed of the posterior draws' })
    .option('confidence', { type: 'number', default: 0.9, describe: 'required probability of attainment for one-sided targets' })
    .option('round', { type: 'number', describe: 'round the dose to a multiple of this amount' })
    .option('amount-unit', { type: 'string', describe: 'the data\'s amount unit, when the form writes another one' })
    .option('out', { type: 'string', describe: 'directory to write dose.json to' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' }) as unknown as Argv<DoseArgs>,

  async run(args: ArgumentsCamelCase<DoseArgs>): Promise<number> {
    checkSeed(args.seed);
    const fitted = loadFittedModel(args.fit);
    const model = fitted.model;
    const target = parseTarget(args.target);
    const table = readTable(args.patient);
    checkModelCovariatesInData(model, table);
    const history = patientHistory(table, args.id, model.dataColumns);
    const intervals = args.interval !== undefined ? parseIntervals(args.interval) : undefined;
    const parsedForm = args.regimenForm !== undefined ? parseForm(args.regimenForm, args.amountUnit) : { regimen: formOfLastDose(history), amountUnit: args.amountUnit };
    const form = parsedForm.regimen;
    const unit = parsedForm.amountUnit;
    const values = valuesForModel(model, fitted.values);
    const result = individualizeDose(history, {
      bind: modelBinder(model), values, target, form, doseTargets: doseTargetsOf(model),
      observationScale: observationScaleOf(model), seed: args.seed, samples: args.samples, confidence: args.confidence,
      ...(intervals !== undefined ? { intervals } : {}),
      ...(args.doses !== undefined ? { doses: args.doses } : {}),
      ...(args.start !== undefined ? { start: args.start } : {}),
      ...(args.round !== undefined ? { roundTo: args.round } : {}),
    });
    const json = resultJson(result, history, args, fitted.file, unit);
    if (args.out !== undefined) {
      makeOutputDirectory(args.out);
      writeOutputFile(join(args.out, 'dose.json'), JSON.stringify(json, null, 2) + '\n');
    }
    if (args.json) {
      process.stdout.write(JSON.stringify(json, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(formatDoseSummary(result, history, model.name, fitted, args.target, unit));
    if (args.out !== undefined) process.stdout.write(`Wrote ${join(args.out, 'dose.json')}\n`);
    return 0;
  },
};

function parseIntervals(text: string): number[] {
  const xs = text.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => !(x > 0))) throw new PopkitError(`--interval '${text}': give positive intervals in h, e.g. 12 or 8,12,24`);
  return xs;
}

/** The form text with '?' for the amount (added in front when the text has no amount). */
function parseForm(text: string, amountUnit?: string): { regimen: Regimen; amountUnit: string | undefined } {
  const withAmount = text.includes('?') ? text : `? ${text}`;
  return parseRegimenText(withAmount, { countOptional: true, ...(amountUnit !== undefined ? { amountUnit } : {}) });
}

/** A form like the patient's last dose: same compartment, same infusion duration. */
function formOfLastDose(history: PatientHistory): Regimen {
  const d = history.lastDose;
  const duration = d.dur > 0 ? d.dur : d.rate > 0 ? d.amt / d.rate : 0;
  return doses({ amount: NaN, ...(d.cmt > 0 ? { cmt: d.cmt } : {}), duration });
}

function resultJson(r: DoseRecommendation, history: PatientHistory, args: DoseArgs, fitFile: string, unit: string | undefined): Record<string, unknown> {
  const q = r.etaNames.length;
  return {
    fit: fitFile, patient: { file: args.patient, id: history.id, doses: history.doseTimes.length, levels: history.levels.length },
    target: args.target,
    map: {
      eta: Object.fromEntries(r.etaNames.map((n, i) => [n, r.posterior.eta[i]])),
      posterior_sd: Object.fromEntries(r.etaNames.map((n, i) => [n, Math.sqrt(r.posterior.covariance[i * q + i]!)])),
      posterior_covariance: Array.from({ length: q }, (_, i) => Array.from(r.posterior.covariance.subarray(i * q, i * q + q))),
      converged: r.posterior.converged,
      individual_parameters: Object.fromEntries(r.individualParameters.map((p) => [p.name, p.value])),
    },
    levels: r.levels,
    options: r.options.map((o, i) => ({
      interval: o.interval, amount: o.amount, amount_unit: unit ?? null, regimen: o.regimen.toString(unit), window: o.window,
      predicted_map: o.predicted, p5: o.percentiles[0], p50: o.percentiles[1], p95: o.percentiles[2],
      probability_of_target: o.probability, failed_draws: o.failedDraws, recommended: i === r.recommended,
      steady_state: o.steadyState,
    })),
  };
}

function formatDoseSummary(
  r: DoseRecommendation, history: PatientHistory, modelName: string, fitted: { file: string; source: string }, targetText: string, unit: string | undefined,
): string {
  const f = (x: number): string => formatValue(x, 4);
  const q = r.etaNames.length;
  const out: string[] = [
    `Dose individualization for patient ${history.id} (${history.dataset.file}) with ${modelName} (${fitted.source === 'fit' ? 'final estimates from' : 'initial estimates of'} ${fitted.file})`,
    `  history: ${history.doseTimes.length} dose${history.doseTimes.length === 1 ? '' : 's'} from ${f(history.doseTimes[0]!)} to ${f(history.lastDoseTime)} h; ${history.levels.length} level${history.levels.length === 1 ? '' : 's'}`,
    r.posterior.nObs > 0
      ? `  MAP estimate: ${r.etaNames.map((n, i) => `${n} = ${f(r.posterior.eta[i]!)} (posterior SD ${f(Math.sqrt(r.posterior.covariance[i * q + i]!))})`).join(', ')}`
      : '  no levels: a priori recommendation from the covariates (η = 0, posterior = prior Ω)',
  ];
  if (r.individualParameters.length > 0) out.push(`  individual parameters: ${r.individualParameters.map((p) => `${p.name} ${f(p.value)}`).join(', ')}`);
  if (!r.posterior.converged) out.push('  warning: the MAP search did not meet its tolerance');
  if (r.levels.length > 0) {
    out.push(`  levels:  ${'time (h)'.padStart(10)}${'observed'.padStart(12)}${'individual'.padStart(12)}${'population'.padStart(12)}`);
    for (const l of r.levels) out.push(`           ${f(l.time).padStart(10)}${f(l.observed).padStart(12)}${f(l.ipred).padStart(12)}${f(l.pred).padStart(12)}`);
  }
  out.push('', `Target: ${targetText}, in the last dosing interval of the plan (P5-P95: uncertainty of the patient's parameters; residual error not included)`);
  out.push(`  ${'interval'.padEnd(10)}${'dose'.padStart(12)}${'MAP'.padStart(12)}${'P5'.padStart(12)}${'median'.padStart(12)}${'P95'.padStart(12)}${'P(target)'.padStart(12)}`);
  r.options.forEach((o, i) => {
    out.push(`  ${`${f(o.interval)} h`.padEnd(10)}${f(o.amount).padStart(12)}${f(o.predicted).padStart(12)}${o.percentiles.map((x) => f(x).padStart(12)).join('')}`
      + `${(Number.isNaN(o.probability) ? 'NA' : `${(100 * o.probability).toFixed(1)}%`).padStart(12)}${i === r.recommended && r.options.length > 1 ? '  <- recommended' : ''}`
      + `${o.failedDraws > 0 ? ` (${o.failedDraws} draws without a valid prediction)` : ''}`);
  });
  for (const o of r.options) {
    if (!o.steadyState) out.push(`  warning: with a ${f(o.interval)} h interval the target's interval is not at steady state even after a year; the dose is for the plan's last interval`);
  }
  const best = r.options[r.recommended]!;
  out.push('', `Recommended: ${best.regimen.toString(unit, 4)}${unit === undefined ? ' (amounts in the data\'s unit)' : ''}`);
  return out.join('\n') + '\n';
}
