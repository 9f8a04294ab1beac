import type { ArgumentsCamelCase, Argv } from 'yargs';
import { readTable } from '../../io/data-files.js';
import { PopkitError } from '../../errors.js';
import { fitLmm } from '../../lmm/fit.js';
import { buildFrame, frameNotices } from '../../lmm/frame.js';
import { formatLmmSummary, lmmFitToJson } from '../../report/lmm-summary.js';
import type { CliCommand } from '../command.js';

interface LmmArgs {
  data: string;
  formula: string;
  ml: boolean;
  reml: boolean;
  categorical?: string;
  weights?: string;
  json: boolean;
}

/**
 * `popkit lmm --data <csv> --formula "<lme4 formula>"`: fit a linear mixed model by REML
 * (default) or ML and print an lme4-style summary, or with --json one JSON object whose
 * `elapsed_s` is the time of the fit alone (not reading the file or building the frame).
 * Rows left out for missing values are reported on stderr. Exit code 0 when the fit
 * converged, 1 when the optimizer or the convergence check failed.
 */
export const lmmCommand: CliCommand<LmmArgs> = {
  command: 'lmm',
  describe: 'Fit a linear mixed model (lme4 formula syntax) by REML or ML',
  builder: (y: Argv) => y
    .option('data', { type: 'string', demandOption: true, describe: 'data file (CSV or whitespace-separated, one header row)' })
    .option('formula', { type: 'string', demandOption: true, describe: 'model formula, e.g. "Reaction ~ Days + (Days | Subject)"' })
    .option('ml', { type: 'boolean', default: false, describe: 'maximum likelihood' })
    .option('reml', { type: 'boolean', default: false, describe: 'restricted maximum likelihood (the default)' })
    .option('categorical', { type: 'string', describe: 'numeric columns to treat as factors, comma-separated (e.g. service,dept)' })
    .option('weights', { type: 'string', describe: 'column of prior weights (residual variance σ²/w)' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result as one JSON object' }) as unknown as Argv<LmmArgs>,

  async run(args: ArgumentsCamelCase<LmmArgs>): Promise<number> {
    if (args.ml && args.reml) throw new PopkitError('choose one of --ml and --reml');
    const reml = !args.ml;
    const categorical = args.categorical
      ? args.categorical.split(',').map((s) => s.trim()).filter((s) => s !== '')
      : undefined;
    const table = readTable(args.data);
    const frame = buildFrame(args.formula, table, { categorical, weights: args.weights });
    for (const note of frameNotices(frame, args.data)) process.stderr.write(`popkit: ${note}\n`);
    const started = performance.now();
    const fit = fitLmm(frame, { reml });
    const elapsed = (performance.now() - started) / 1000;
    const json = lmmFitToJson(fit, { formula: args.formula, data: args.data });
    if (args.json) {
      process.stdout.write(JSON.stringify({ ...json, elapsed_s: elapsed }, null, 2) + '\n');
    } else {
      process.stdout.write(formatLmmSummary(fit, { formula: args.formula, data: args.data }));
    }
    return json.converged ? 0 : 1;
  },
};
