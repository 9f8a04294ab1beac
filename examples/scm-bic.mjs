#!/usr/bin/env node
// A covariate search on phenobarbital in neonates with the Bayesian information criterion in
// place of the likelihood-ratio test: a relation enters when it lowers the BIC and stays while
// removing it would raise the BIC. Weight (linear, hockey-stick, power) and the Apgar score
// (categorical) are tried on clearance and volume; fits run in two worker threads.
//
// Run from the repository after `npm install` (which builds dist/):
//   node examples/scm-bic.mjs [final.pkm]   # prints the step log, writes the final model
// In your own project, import from 'popkit' instead of '../dist/index.js'.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modeling, report, tools } from '../dist/index.js';

const { loadModelFile, readModelDataset, writeModelFile } = modeling;
const { bic, createWorkerFitter, relationLabel, scmCandidates, stepwiseCovariateSearch } = tools;
const { formatScmLog } = report;

const model = loadModelFile(fileURLToPath(new URL('../models/pheno_base.pkm', import.meta.url)));
const dataset = readModelDataset(model);

const { relations, skipped } = scmCandidates(model, dataset, {
  parameters: ['CL', 'V'],
  covariates: ['WT', 'APGR'],
  categorical: ['APGR'],
  forms: ['linear', 'piecewise-linear', 'power'],
});
for (const s of skipped) console.error(`not tested: ${relationLabel(s)} (${s.reason})`);

const pool = createWorkerFitter({
  dataFile: dataset.file, datasetOptions: { columns: model.dataColumns }, workers: 2, fit: { method: 'focei' },
});
let result;
try {
  result = await stepwiseCovariateSearch({
    model, relations, fitter: pool.fitter,
    forward: bic(),
    backward: bic(),
    onProgress: (e) => {
      if (e.kind === 'candidate') console.error(`${e.direction} ${e.number} [${e.done}/${e.of}] ${relationLabel(e.candidate)}: ${e.candidate.detail}`);
    },
  });
} finally {
  await pool.close();
}

console.log(formatScmLog(result, 'pheno: covariate search by BIC'));
const out = resolve(process.argv[2] ?? 'pheno_bic.pkm');
writeFileSync(out, writeModelFile({ ...result.finalModel, dataPath: resolve(dataset.file) }));
console.log(`final model: ${out}`);
