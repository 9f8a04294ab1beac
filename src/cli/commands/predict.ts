import type { ArgumentsCamelCase, Argv } from 'yargs';
import { readTable } from '../../io/data-files.js';
import type { Table } from '../../data/types.js';
import { loadModelFile, readModelDataset } from '../../io/model-file.js';
import { etasFromTable, predictRecords, type PredictionTable } from '../../subject/predict-records.js';
import { csvField } from '../../report/csv.js';
import type { CliCommand } from '../command.js';
import { writeOutputFile } from '../output.js';

interface PredictArgs {
  model: string;
  data?: string;
  out?: string;
  etas?: string;
}

/**
 * `popkit predict <model> [--data csv] [--out csv] [--etas csv]`: predictions for every
 * record, as CSV: the input columns, then PRED (η = 0), IPRED (with --etas) and each output
 * of the model's observe section. Writes to --out, or to standard output. Subjects the
 * model cannot predict (e.g. a non-positive clearance) are named on standard error.
 */
export const predictCommand: CliCommand<PredictArgs> = {
  command: 'predict <model>',
  describe: 'Predictions for every record (PRED, IPRED with --etas, and the model outputs) as CSV',
  builder: (y: Argv) => y
    .positional('model', { type: 'string', demandOption: true, describe: 'model file' })
    .option('data', { type: 'string', describe: "dataset (CSV); default: the model's `data` line" })
    .option('out', { type: 'string', describe: 'output CSV file (default: standard output)' })
    .option('etas', { type: 'string', describe: 'CSV with ID and one column per eta (named as in omega): individual predictions' }) as unknown as Argv<PredictArgs>,

  async run(args: ArgumentsCamelCase<PredictArgs>): Promise<number> {
    const model = loadModelFile(args.model);
    const dataset = readModelDataset(model, args.data);
    const etaNames = model.omega.flatMap((b) => b.names);
    const etas = args.etas !== undefined ? etasFromTable(readTable(args.etas), etaNames) : undefined;
    const table = predictRecords(model, dataset, { etas });
    if (table.unpredicted.length > 0) {
      const ids = table.unpredicted;
      process.stderr.write(`popkit: the model gives no prediction for ${ids.length} of ${dataset.subjects.length} subjects (ID ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}) at the initial estimates${etas !== undefined ? ' or the given etas' : ''}; their PRED${etas !== undefined ? '/IPRED' : ''} and outputs are written '.'\n`);
    }
    const csv = predictionCsv(dataset.table, table);
    if (args.out !== undefined) {
      writeOutputFile(args.out, csv);
    } else {
      process.stdout.write(csv);
    }
    return 0;
  },
};

/**
 * The input table with the prediction columns appended (missing values written '.').
 * A prediction column whose name the input already has is suffixed with `_MODEL`.
 */
export function predictionCsv(input: Table, predictions: PredictionTable): string {
  const taken = new Set(input.names);
  const extra = predictions.names.map((n) => (taken.has(n) ? `${n}_MODEL` : n));
  const lines = [[...input.names, ...extra].map(csvField).join(',')];
  const width = predictions.names.length;
  for (let r = 0; r < input.nRows; r++) {
    const fields: string[] = input.columns.map((c) => {
      if (c.kind === 'numeric') {
        const x = c.values[r]!;
        return Number.isNaN(x) ? '.' : String(x);
      }
      const s = c.values[r];
      return s === null || s === undefined ? '.' : csvField(s);
    });
    for (let k = 0; k < width; k++) {
      const x = predictions.values[r * width + k]!;
      fields.push(Number.isFinite(x) ? String(x) : '.');
    }
    lines.push(fields.join(','));
  }
  return `${lines.join('\n')}\n`;
}
