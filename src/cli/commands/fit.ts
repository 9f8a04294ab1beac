import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { PopkitError } from '../../errors.js';
import { nodeSubjectThreads } from '../../io/threads/subject-pool.js';
import { fitPopulation } from '../../estimation/fit.js';
import { ESTIMATION_METHODS } from '../../estimation/methods/index.js';
import type { CovarianceMethod, EstimationMethod } from '../../estimation/types.js';
import { bindModel } from '../../subject/bind.js';
import { readModelDataset, readModelText } from '../../io/model-file.js';
import { parseModel } from '../../model/parse.js';
import { fitResultToJson } from '../../report/fit-json.js';
import { formatFitSummary } from '../../report/fit-summary.js';
import { fitTableCsv } from '../../report/fit-table.js';
import type { CliCommand } from '../command.js';
import { makeOutputDirectory, writeOutputFile } from '../output.js';

interface FitArgs {
  model: string;
  data?: string;
  method: EstimationMethod;
  out?: string;
  json: boolean;
  cov: CovarianceMethod;
  seed: number;
  npde: number;
  maxIter: number;
  workers: string;
}

/**
 * `popkit fit <model>`: estimate a population model, run the covariance step and the
 * diagnostics, write <out>/fit.json and <out>/table.csv, and print a summary (or, with
 * --json, the result object). Exit code 0 when the minimization converged and the
 * covariance step (if requested) succeeded, 1 otherwise.
 */
export const fitCommand: CliCommand<FitArgs> = {
  command: 'fit <model>',
  describe: 'Estimate a population model (FO, FOCE, FOCE-I, Laplace) with covariance step and diagnostics',
  builder: (y: Argv) => y
    .positional('model', { type: 'string', demandOption: true, describe: 'model file' })
    .option('data', { type: 'string', describe: "dataset (CSV); default: the model's `data` line" })
    .option('method', { choices: ESTIMATION_METHODS as EstimationMethod[], default: 'focei' as EstimationMethod, describe: 'estimation method' })
    .option('out', { type: 'string', describe: 'output directory for fit.json and table.csv (default: <model name>-fit)' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON on stdout' })
    .option('cov', { choices: ['rsr', 'r', 's', 'none'] as CovarianceMethod[], default: 'rsr' as CovarianceMethod, describe: 'covariance matrix: R⁻¹SR⁻¹, 2R⁻¹, 4S⁻¹ or none' })
    .option('seed', { type: 'number', default: 12345, describe: 'seed of the NPDE simulations' })
    .option('npde', { type: 'number', default: 1000, describe: 'NPDE simulations per subject (0 skips NPDE)' })
    .option('max-iter', { type: 'number', default: 500, describe: 'outer iteration limit' })
    .option('workers', { type: 'string', default: 'auto', describe: "threads evaluating the subjects: a positive integer (1 = serial) or 'auto' (up to 4 when the data is large enough); results are identical" }) as unknown as Argv<FitArgs>,

  async run(args: ArgumentsCamelCase<FitArgs>): Promise<number> {
    for (const [name, v] of [['--seed', args.seed], ['--npde', args.npde], ['--max-iter', args.maxIter]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new PopkitError(`${name} must be a non-negative integer (got ${v})`);
    }
    const workers = parseWorkers(args.workers);
    const modelFile = args.model;
    const modelText = readModelText(modelFile);
    const model = parseModel(modelText, modelFile, { baseDir: dirname(resolve(modelFile)) });
    const dataset = readModelDataset(model, args.data);
    const dataFile = dataset.file;
    const bound = bindModel(model, dataset);
    const outDir = args.out ?? `${basename(modelFile, extname(modelFile))}-fit`;
    makeOutputDirectory(outDir);
    const start = performance.now();
    let lastReport = start;
    const fit = fitPopulation(bound, {
      method: args.method, covariance: args.cov, seed: args.seed, npdeSamples: args.npde, maxIterations: args.maxIter, workers, threads: nodeSubjectThreads,
      onIteration: (iteration, ofv, evaluations) => {
        const now = performance.now();
        if (now - start > 1000 && now - lastReport > 1000) {
          lastReport = now;
          process.stderr.write(`iteration ${iteration}  OFV ${ofv.toFixed(3)}  evaluations ${evaluations}  ${((now - start) / 1000).toFixed(1)} s\n`);
        }
      },
    });
    const source = { modelFile: resolve(modelFile), modelText, dataFile: resolve(dataFile), popkitVersion: popkitVersion() };
    writeOutputFile(join(outDir, 'fit.json'), JSON.stringify(fitResultToJson(fit, source), null, 2) + '\n');
    writeOutputFile(join(outDir, 'table.csv'), fitTableCsv(fit, dataset.records));
    if (args.json) {
      process.stdout.write(JSON.stringify(fitResultToJson(fit, source, { includeSubjects: false, includeModelText: false }), null, 2) + '\n');
    } else {
      process.stdout.write(formatFitSummary(fit));
      process.stdout.write(`Wrote ${join(outDir, 'fit.json')} and ${join(outDir, 'table.csv')}\n`);
    }
    const covOk = fit.covariance === undefined || fit.covariance.status === 'ok';
    return fit.converged && covOk ? 0 : 1;
  },
};

/** --workers: 'auto' or a positive integer. */
function parseWorkers(text: string): number | 'auto' {
  if (String(text).trim().toLowerCase() === 'auto') return 'auto';
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new PopkitError(`--workers must be a positive integer or 'auto' (got ${text})`);
  return n;
}

function popkitVersion(): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}
