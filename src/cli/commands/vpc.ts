import { basename, join } from 'node:path';
import cliProgress from 'cli-progress';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { PopkitError } from '../../errors.js';
import { bindModel } from '../../subject/bind.js';
import { readModelDataset } from '../../io/model-file.js';
import { valuesFor } from '../../simulation/fitted-model.js';
import { loadFittedModel } from '../../io/fitted-model-file.js';
import { observationScaleOf } from '../../simulation/model-targets.js';
import { formatValue } from '../../report/simulation-tables.js';
import { checkSeed } from '../../stats/random.js';
import { vpc, type VpcBinning } from '../../simulation/vpc.js';
import { vpcBinsCsv, vpcObservationsCsv, vpcSvg } from '../../report/vpc-tables.js';
import type { CliCommand } from '../command.js';
import { makeOutputDirectory, writeOutputFile } from '../output.js';

interface VpcArgs {
  fit: string;
  data?: string;
  n: number;
  seed: number;
  bins: string;
  pc: boolean;
  stratify?: string;
  pi: number;
  logY: boolean;
  out?: string;
}

/**
 * `popkit vpc <fit.json> [--data csv] [--n 500] [--bins 8 | --bins 0,2,4,8,24] [--pc]
 * [--stratify COV] --out <dir>`: visual predictive check of a fitted model on its data;
 * writes vpc.csv, vpc_observations.csv and vpc.svg.
 */
export const vpcCommand: CliCommand<VpcArgs> = {
  command: 'vpc <fit>',
  describe: 'Visual predictive check (optionally prediction-corrected, stratified): CSV and SVG',
  builder: (y: Argv) => y
    .positional('fit', { type: 'string', demandOption: true, describe: 'fit.json from popkit fit (or a model file: initial estimates)' })
    .option('data', { type: 'string', describe: 'dataset (default: the data of the fit)' })
    .option('n', { type: 'number', default: 500, describe: 'number of simulated replicates of the dataset' })
    .option('seed', { type: 'number', default: 12345, describe: 'seed of the simulations' })
    .option('bins', { type: 'string', default: '8', describe: 'number of bins (by observation count) or bin edges in h, e.g. 0,2,4,8,24' })
    .option('pc', { type: 'boolean', default: false, describe: 'prediction-corrected VPC (Bergstrand et al. 2011)' })
    .option('stratify', { type: 'string', describe: 'covariate to stratify by (at most 12 values)' })
    .option('pi', { type: 'number', default: 0.9, describe: 'coverage of the prediction intervals of the simulated percentiles' })
    .option('log-y', { type: 'boolean', default: false, describe: 'log-scaled y axis in the plot' })
    .option('out', { type: 'string', describe: 'output directory (default: <model name>-vpc)' }) as unknown as Argv<VpcArgs>,

  async run(args: ArgumentsCamelCase<VpcArgs>): Promise<number> {
    checkSeed(args.seed);
    const fitted = loadFittedModel(args.fit);
    const model = fitted.model;
    const dataset = readModelDataset(model, args.data ?? fitted.dataFile);
    const bound = bindModel(model, dataset);
    const values = valuesFor(bound, fitted.values);
    const binning = parseBins(args.bins);
    const bar = new cliProgress.SingleBar({ format: 'vpc [{bar}] {value}/{total} replicates {duration_formatted}', stream: process.stderr }, cliProgress.Presets.shades_classic);
    const showBar = args.n * bound.subjects.length >= 20000;
    if (showBar) bar.start(args.n, 0);
    let result;
    try {
      result = vpc(bound, dataset, values, {
        replicates: args.n, seed: args.seed, binning, predictionCorrected: args.pc, interval: args.pi,
        observationScale: observationScaleOf(model),
        ...(args.stratify !== undefined ? { stratify: args.stratify } : {}),
        onProgress: (done) => { if (showBar) bar.update(done); },
      });
    } finally {
      if (showBar) bar.stop();
    }
    const outDir = args.out ?? `${model.name}-vpc`;
    makeOutputDirectory(outDir);
    writeOutputFile(join(outDir, 'vpc.csv'), vpcBinsCsv(result));
    writeOutputFile(join(outDir, 'vpc_observations.csv'), vpcObservationsCsv(result));
    writeOutputFile(join(outDir, 'vpc.svg'), vpcSvg(result, { title: `${result.predictionCorrected ? 'pcVPC' : 'VPC'} of ${model.name} (${basename(dataset.file)})`, logY: args.logY }));

    const unbinned = result.observations.filter((o) => o.bin < 0).length;
    const lines = [
      `${result.predictionCorrected ? 'Prediction-corrected VPC' : 'VPC'} of ${model.name} on ${dataset.file}: ${result.replicates} replicates, seed ${args.seed}, `
        + `${fitted.source === 'fit' ? 'final estimates' : 'initial estimates'}`,
      `  ${result.observations.length} observations, ${result.bins.length} bins${result.stratify ? `, stratified by ${result.stratify} (${result.strata.join(', ')})` : ''}`
        + `${unbinned > 0 ? `; ${unbinned} observation(s) outside the bin edges ${formatValue(result.bins[0]!.lower, 4)}-${formatValue(result.bins[result.bins.length - 1]!.upper, 4)} h are left out` : ''}`,
      '',
      `  ${'stratum'.padEnd(10)}${'bin (h)'.padEnd(18)}${'n'.padStart(5)}   observed ${pct(result.probabilities)} vs simulated median [${Math.round(result.interval * 100)}% PI]`,
    ];
    let outside = 0;
    for (const b of result.bins) {
      const cells = b.observed.map((o, q) => {
        const [lo, med, hi] = b.simulated[q]!;
        const flag = o < lo || o > hi ? '*' : ' ';
        if (flag === '*') outside++;
        return `${formatValue(o, 4)}${flag} vs ${formatValue(med, 4)} [${formatValue(lo, 4)}, ${formatValue(hi, 4)}]`;
      });
      lines.push(`  ${b.stratum.padEnd(10)}${`${formatValue(b.lower, 4)}-${formatValue(b.upper, 4)}`.padEnd(18)}${String(b.nObs).padStart(5)}   ${cells.join('; ')}`);
    }
    lines.push('', `  ${outside} observed percentile(s) outside their prediction interval (marked *)`);
    lines.push(`Wrote ${['vpc.csv', 'vpc_observations.csv', 'vpc.svg'].map((f) => join(outDir, f)).join(', ')}`);
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};

function pct(p: readonly number[]): string {
  return p.map((x) => `P${Math.round(x * 100)}`).join('/');
}

/** '8' → 8 bins by count; '0,2,4,8,24' → fixed edges. */
export function parseBins(text: string): VpcBinning {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const nums = parts.map(Number);
  if (parts.length === 0 || nums.some((x) => !Number.isFinite(x))) {
    throw new PopkitError(`--bins '${text}': give a number of bins (e.g. 8) or bin edges in h (e.g. 0,2,4,8,24)`);
  }
  if (parts.length === 1) return { kind: 'count', count: nums[0]! };
  return { kind: 'edges', edges: nums };
}
