import { basename, extname, join } from 'node:path';
import cliProgress from 'cli-progress';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { readTable } from '../../io/data-files.js';
import { PopkitError } from '../../errors.js';
import { modelBinder } from '../../subject/bind.js';
import { parseWindow } from '../../simulation/design.js';
import { valuesForModel } from '../../simulation/fitted-model.js';
import { loadFittedModel } from '../../io/fitted-model-file.js';
import { doseTargetsOf, observationScaleOf } from '../../simulation/model-targets.js';
import { attainments, formatSimulationSummary, formatValue, metricSummaries, profilePercentilesCsv, profilesCsv, simulatedDataCsv, subjectsCsv } from '../../report/simulation-tables.js';
import { checkModelCovariates, covariatesReadBy, virtualPopulation } from '../../simulation/population-options.js';
import { parseRegimenText } from '../../simulation/regimen-parse.js';
import { checkSeed } from '../../stats/random.js';
import { simulateRegimen } from '../../simulation/simulate.js';
import { checkTargetWindow, parseTarget } from '../../simulation/summary.js';
import { defaultTimes, parseTimes } from '../../simulation/times.js';
import type { CliCommand } from '../command.js';
import { makeOutputDirectory, writeOutputFile } from '../output.js';

interface SimulateArgs {
  model: string;
  regimen: string;
  n: number;
  seed: number;
  covariates?: string;
  population?: string;
  times?: string;
  window?: string;
  target?: string[];
  threshold?: number;
  amountUnit?: string;
  residual: boolean;
  iiv: boolean;
  out?: string;
  json: boolean;
}

/**
 * `popkit simulate <model|fit.json> --regimen "<spec>" --n <N> ...`: simulate a regimen in a
 * virtual population; write profiles.csv, percentiles.csv, subjects.csv, data.csv (a NONMEM-style
 * dataset of the simulated subjects) and summary.json to
 * --out and print a summary of exposure and target attainment.
 */
export const simulateCommand: CliCommand<SimulateArgs> = {
  command: 'simulate <model>',
  describe: 'Simulate a dosing regimen in a virtual population: profiles, exposure metrics, target attainment',
  builder: (y: Argv) => y
    .positional('model', { type: 'string', demandOption: true, describe: 'model file (initial estimates) or fit.json (final estimates)' })
    .option('regimen', { type: 'string', demandOption: true, describe: 'e.g. "1000 mg iv over 1 h q12h x14, then 500 mg po q24h x7"' })
    .option('n', { type: 'number', default: 100, describe: 'number of subjects' })
    .option('seed', { type: 'number', default: 12345, describe: 'seed of every draw (same seed, same output)' })
    .option('covariates', { type: 'string', describe: 'CSV of subjects whose covariate vectors are resampled (first row per ID)' })
    .option('population', { type: 'string', describe: 'covariate distributions, e.g. "WT~lognormal(70,0.2) trunc(40,150); CYP=EM:0.6,IM:0.3,PM:0.1"' })
    .option('times', { type: 'string', describe: 'sampling times in h, e.g. "0-24 by 0.5, 48" (default: 0 to the end of the regimen)' })
    .option('window', { type: 'string', describe: 'exposure metrics window: last (default), first, none, or a range such as 144-168' })
    .option('target', { type: 'string', array: true, describe: 'exposure target, e.g. "trough 10-15", "auc24 400-600", "cmax < 30" (repeatable)' })
    .option('threshold', { type: 'number', describe: 'concentration threshold for the time above it (T>threshold)' })
    .option('amount-unit', { type: 'string', describe: 'the model\'s amount unit (e.g. mg); regimen amounts are converted to it (default: the first unit written)' })
    .option('residual', { type: 'boolean', default: true, describe: 'add residual error to DV (--no-residual: DV = IPRED)' })
    .option('iiv', { type: 'boolean', default: true, describe: 'draw between-subject variability (--no-iiv: typical subjects)' })
    .option('out', { type: 'string', describe: 'output directory (default: <model name>-sim)' })
    .option('json', { type: 'boolean', default: false, describe: 'print summary.json instead of the text summary' }) as unknown as Argv<SimulateArgs>,

  async run(args: ArgumentsCamelCase<SimulateArgs>): Promise<number> {
    if (!(Number.isInteger(args.n) && args.n >= 1)) throw new PopkitError(`--n must be a whole number ≥ 1 (got ${args.n})`);
    checkSeed(args.seed);
    if (args.threshold !== undefined && !Number.isFinite(args.threshold)) throw new PopkitError(`--threshold must be a concentration (got ${args.threshold})`);
    const fitted = loadFittedModel(args.model);
    const model = fitted.model;
    const { regimen, amountUnit } = parseRegimenText(args.regimen, args.amountUnit !== undefined ? { amountUnit: args.amountUnit } : {});
    const horizon = regimen.end > regimen.lastDoseTime ? regimen.end : regimen.lastDoseTime + 48;
    const times = args.times !== undefined ? parseTimes(args.times) : defaultTimes(horizon);
    const window = parseWindow(args.window, regimen, Math.max(times[times.length - 1]!, regimen.lastDoseTime));
    const targets = (args.target ?? []).map((t) => parseTarget(t));
    if (targets.length > 0 && window === undefined) throw new PopkitError('--target needs a metrics window (not --window none)');
    if (window !== undefined) for (const t of targets) checkTargetWindow(t, window.end - window.start);
    const population = virtualPopulation({
      n: args.n, seed: args.seed,
      ...(args.covariates !== undefined ? { covariates: readTable(args.covariates) } : {}),
      ...(args.population !== undefined ? { population: args.population } : {}),
    });
    checkModelCovariates(model, population);
    const values = valuesForModel(model, fitted.values);

    const design = { regimen, doseTargets: doseTargetsOf(model), times, ...(window !== undefined ? { window } : {}) };
    const bar = args.n >= 2000 ? new cliProgress.SingleBar({ format: 'simulating [{bar}] {value}/{total} subjects {duration_formatted}', stream: process.stderr }, cliProgress.Presets.shades_classic) : undefined;
    bar?.start(args.n, 0);
    const start = performance.now();
    let sim;
    try {
      sim = simulateRegimen(modelBinder(model), values, design, population,
        {
          seed: args.seed, residualError: args.residual, randomEffects: args.iiv, observationScale: observationScaleOf(model),
          modelCovariates: covariatesReadBy(model, population),
          ...(args.threshold !== undefined ? { metrics: { threshold: args.threshold } } : {}),
          onProgress: (done) => bar?.update(done),
        });
    } finally {
      bar?.stop();
    }
    const seconds = (performance.now() - start) / 1000;

    const outDir = args.out ?? `${basename(fitted.source === 'fit' ? model.name : args.model, extname(args.model))}-sim`;
    makeOutputDirectory(outDir);
    writeOutputFile(join(outDir, 'profiles.csv'), profilesCsv(sim));
    writeOutputFile(join(outDir, 'percentiles.csv'), profilePercentilesCsv(sim));
    writeOutputFile(join(outDir, 'subjects.csv'), subjectsCsv(sim));
    writeOutputFile(join(outDir, 'data.csv'), simulatedDataCsv(sim, design));
    const populationText = args.covariates !== undefined
      ? `resampled from ${args.covariates}${args.population !== undefined ? ` and ${args.population}` : ''}`
      : args.population ?? 'no covariates';
    const summary = {
      model: { name: model.name, file: fitted.file, estimates: fitted.source === 'fit' ? 'final (fit)' : 'initial (model file)' },
      regimen: { text: args.regimen, parsed: regimen.toString(amountUnit), doses: regimen.doseCount, amount_unit: amountUnit ?? null },
      n: sim.n, seed: args.seed, population: populationText, bound_subjects: sim.boundSubjects,
      residual_error: args.residual, iiv: args.iiv,
      times: { count: times.length, first: times[0], last: times[times.length - 1] },
      window: window ?? null,
      metrics: metricSummaries(sim).map((s) => ({
        name: s.name, n: s.n, not_estimable: s.notEstimable, mean: num(s.mean), sd: num(s.sd), geometric_mean: num(s.geometricMean),
        percentiles: Object.fromEntries(s.probabilities.map((p, k) => [`p${Math.round(p * 100)}`, num(s.percentiles[k]!)])),
      })),
      target_attainment: attainments(sim, targets).map((a) => ({ target: a.target.text, attained: a.attained, evaluable: a.evaluable, probability: num(a.probability) })),
      elapsed_s: seconds,
    };
    writeOutputFile(join(outDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    if (args.json) {
      process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(formatSimulationSummary({
      title: `Simulated ${sim.n} subjects of ${model.name} (${fitted.source === 'fit' ? 'final estimates from' : 'initial estimates of'} ${fitted.file}), seed ${args.seed}, ${formatValue(seconds, 3)} s`,
      lines: [
        `regimen: ${regimen.toString(amountUnit)} — ${regimen.doseCount} dose${regimen.doseCount === 1 ? '' : 's'}${amountUnit === undefined ? ' (amounts in the model\'s unit)' : ''}`,
        `population: ${populationText}`,
        `sampling: ${times.length} times from ${formatValue(times[0]!)} to ${formatValue(times[times.length - 1]!)} h; residual error ${args.residual ? 'on' : 'off'}; IIV ${args.iiv ? 'on' : 'off'}`,
      ],
      sim, targets, ...(args.threshold !== undefined ? { threshold: args.threshold } : {}),
    }));
    process.stdout.write(`\nWrote ${['profiles.csv', 'percentiles.csv', 'subjects.csv', 'data.csv', 'summary.json'].map((f) => join(outDir, f)).join(', ')}\n`);
    return 0;
  },
};

function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
