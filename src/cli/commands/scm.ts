import { availableParallelism } from 'node:os';
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { PopkitError } from '../../errors.js';
import { ESTIMATION_METHODS } from '../../estimation/methods/index.js';
import type { EstimationMethod } from '../../estimation/types.js';
import { loadModelFile, readModelDataset } from '../../io/model-file.js';
import { writeModelFile } from '../../model/write.js';
import { CONTINUOUS_FORMS, DEFAULT_FORMS, scmCandidates, type ContinuousForm } from '../../tools/scm-candidates.js';
import { nodeSubjectThreads } from '../../io/threads/subject-pool.js';
import { inProcessFitter, type ScmFitter } from '../../tools/scm-fit.js';
import { formatFinal, formatScmStep, scmResultToJson } from '../../report/scm-log.js';
import { createWorkerFitter, type WorkerFitter } from '../../io/threads/fit-pool.js';
import { relationLabel, stepwiseCovariateSearch, type ScmProgress } from '../../tools/scm.js';
import type { CliCommand } from '../command.js';
import { makeOutputDirectory, writeOutputFile } from '../output.js';

interface ScmArgs {
  model: string;
  data?: string;
  parameters: string;
  covariates: string;
  categorical?: string;
  forms?: string;
  pForward: number;
  pBackward: number;
  backward: boolean;
  method: EstimationMethod;
  workers: number;
  out?: string;
}

function list(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** The data path as written in a model file in `dir`: relative when both lie under the working directory, else absolute. */
function dataPathFrom(dir: string, dataFile: string): string {
  const cwd = process.cwd();
  const inside = (p: string) => !relative(cwd, p).startsWith('..') && !isAbsolute(relative(cwd, p));
  return inside(resolve(dir)) && inside(dataFile) ? relative(resolve(dir), dataFile) : dataFile;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * `popkit scm <model>`: stepwise covariate search (PsN scm): forward inclusion by
 * likelihood-ratio test, then backward elimination. Writes <out>/scmlog.txt (the step log),
 * <out>/scm.json and <out>/final.pkm (the final model with its estimates); progress on
 * stderr. Exit code 0 when every fit ran and the final model converged, 1 otherwise.
 */
export const scmCommand: CliCommand<ScmArgs> = {
  command: 'scm <model>',
  describe: 'Stepwise covariate search: forward inclusion and backward elimination by likelihood-ratio tests (as PsN scm)',
  builder: (y: Argv) => y
    .positional('model', { type: 'string', demandOption: true, describe: 'base model file' })
    .option('data', { type: 'string', describe: "dataset (CSV); default: the model's `data` line" })
    .option('parameters', { type: 'string', demandOption: true, describe: 'individual parameters to relate, e.g. CL,V' })
    .option('covariates', { type: 'string', demandOption: true, describe: 'covariates to test, e.g. WT,AGE,SEX,CYP' })
    .option('categorical', { type: 'string', describe: 'which covariates are categorical (string columns always are), e.g. SEX,CYP' })
    .option('forms', { type: 'string', describe: `relations tried for continuous covariates (${CONTINUOUS_FORMS.join(', ')}); default ${DEFAULT_FORMS.join(',')} (PsN's default)` })
    .option('p-forward', { type: 'number', default: 0.05, describe: 'significance level of forward inclusion' })
    .option('p-backward', { type: 'number', default: 0.01, describe: 'significance level of backward elimination' })
    .option('backward', { type: 'boolean', default: true, describe: 'run the backward elimination (--no-backward skips it)' })
    .option('method', { choices: ESTIMATION_METHODS as EstimationMethod[], default: 'focei' as EstimationMethod, describe: 'estimation method of every fit' })
    .option('workers', { type: 'number', default: availableParallelism(), describe: 'fits run in parallel (worker threads); 1 fits in this process' })
    .option('out', { type: 'string', describe: 'output directory (default: <model name>-scm)' }) as unknown as Argv<ScmArgs>,

  async run(args: ArgumentsCamelCase<ScmArgs>): Promise<number> {
    for (const [name, p] of [['--p-forward', args.pForward], ['--p-backward', args.pBackward]] as const) {
      if (!(p > 0 && p < 1)) throw new PopkitError(`${name} must be between 0 and 1 (got ${p})`);
    }
    if (!Number.isInteger(args.workers) || args.workers < 1) throw new PopkitError(`--workers must be a positive integer (got ${args.workers})`);
    const parameters = list(args.parameters);
    const covariates = list(args.covariates);
    if (parameters.length === 0) throw new PopkitError('--parameters names no parameter (e.g. --parameters CL,V)');
    if (covariates.length === 0) throw new PopkitError('--covariates names no covariate (e.g. --covariates WT,AGE)');
    const forms = args.forms !== undefined ? list(args.forms) : [...DEFAULT_FORMS];
    for (const f of forms) {
      if (!(CONTINUOUS_FORMS as readonly string[]).includes(f)) throw new PopkitError(`--forms: unknown relation '${f}' (choose from ${CONTINUOUS_FORMS.join(', ')})`);
    }

    const modelFile = args.model;
    const model = loadModelFile(modelFile);
    const dataset = readModelDataset(model, args.data);
    const { relations, skipped } = scmCandidates(model, dataset, {
      parameters, covariates, categorical: list(args.categorical), forms: forms as ContinuousForm[],
    });
    const log = (line: string): void => { process.stderr.write(`${line}\n`); };
    for (const s of skipped) log(`not tested: ${relationLabel(s)}: ${s.reason}`);
    const timeVarying = [...new Set(relations.filter((r) => r.statistics.timeVarying).map((r) => r.covariate))];
    if (timeVarying.length > 0) log(`note: ${timeVarying.join(', ')} change within subjects; medians use each subject's distinct values (as PsN)`);
    if (relations.length === 0) throw new PopkitError('no candidate relation to test (see the reasons above)');
    log(`${relations.length} candidate relations; method ${args.method}; ${args.workers} worker${args.workers === 1 ? '' : 's'}`);

    // The output directory first, so that a path that cannot be written fails before the search.
    const outDir = args.out ?? `${basename(modelFile, extname(modelFile))}-scm`;
    makeOutputDirectory(outDir);
    const fitOptions = { method: args.method };
    let pool: WorkerFitter | undefined;
    let fitter: ScmFitter;
    if (args.workers > 1) {
      pool = createWorkerFitter({ dataFile: dataset.file, datasetOptions: { columns: model.dataColumns }, fit: fitOptions, workers: args.workers });
      fitter = pool.fitter;
    } else {
      fitter = inProcessFitter(dataset, fitOptions, nodeSubjectThreads);
    }
    const start = performance.now();
    const onProgress = (e: ScmProgress): void => {
      const t = seconds(performance.now() - start);
      if (e.kind === 'base') log(`base model: OFV ${e.fit.ofv.toFixed(3)}${e.fit.converged ? '' : ' (not converged)'}  ${t}`);
      else if (e.kind === 'step-start') log(`${e.direction} step ${e.number}: ${e.candidates} fits`);
      else if (e.kind === 'candidate') {
        const c = e.candidate;
        const what = `${e.direction === 'backward' ? 'without ' : ''}${relationLabel(c)}`;
        log(`  [${e.done}/${e.of}] ${what}: ${c.status === 'failed' ? `FAILED: ${c.message}` : `OFV ${c.ofv.toFixed(3)}, p ${c.p.toPrecision(3)}${c.significant ? ' *' : ''}`}  ${t}`);
      } else log(formatScmStep(e.step));
    };
    let result;
    try {
      result = await stepwiseCovariateSearch({
        model, relations, fitter, pForward: args.pForward, pBackward: args.pBackward,
        backward: args.backward ? undefined : false, onProgress,
      });
    } finally {
      await pool?.close();
    }

    const finalFile = join(outDir, 'final.pkm');
    const dataFile = resolve(dataset.file);
    const header = [
      `popkit scm ${modelFile} --parameters ${parameters.join(',')} --covariates ${covariates.join(',')}`
        + `${args.categorical ? ` --categorical ${list(args.categorical).join(',')}` : ''} --forms ${forms.join(',')}`
        + ` --p-forward ${args.pForward} --p-backward ${args.pBackward} --method ${args.method}`,
      `data: ${dataFile}`,
    ].join('\n');
    const logText = [header, '', `Base model OFV: ${result.baseFit.ofv.toFixed(5)}`, '', ...result.steps.map(formatScmStep), formatFinal(result)].join('\n');
    writeOutputFile(join(outDir, 'scmlog.txt'), logText);
    const json = {
      ...scmResultToJson(result, { modelFile: resolve(modelFile), dataFile, method: args.method, finalModelFile: resolve(finalFile) }),
      pForward: args.pForward, pBackward: args.backward ? args.pBackward : null,
      skipped,
    };
    writeOutputFile(join(outDir, 'scm.json'), `${JSON.stringify(json, null, 2)}\n`);
    const finalModel = {
      ...result.finalModel,
      description: [...result.finalModel.description, `Covariate search (popkit scm): ${result.final.map(relationLabel).join(', ') || 'no relation kept'}; OFV ${result.finalFit.ofv.toFixed(3)}`],
      dataPath: dataPathFrom(outDir, dataFile),
    };
    writeOutputFile(finalFile, writeModelFile(finalModel));

    process.stdout.write(formatFinal(result));
    process.stdout.write(`Wrote ${join(outDir, 'scmlog.txt')}, ${join(outDir, 'scm.json')} and ${finalFile} (${seconds(performance.now() - start)})\n`);
    const anyFailed = result.steps.some((s) => s.candidates.some((c) => c.status === 'failed'));
    if (anyFailed) log('some candidate fits failed: see FAILED lines in scmlog.txt');
    return result.finalFit.converged && !anyFailed ? 0 : 1;
  },
};
