/**
 * The covariate search on phenobarbital in neonates (models/pheno_base.pkm, no covariates,
 * with datasets/pheno_sd.csv), FOCE-I, PsN's default relations (linear and hockey-stick for
 * WT, categorical APGR with the most common score as reference), on CL and V.
 * Reference: PsN scm with NONMEM on this data chooses WT on V in the first forward step and
 * WT on CL in the second. Fits run in two worker threads (the compiled library in dist/,
 * built by `npm test`), the path `popkit scm --workers 2` takes.
 */
import { describe, expect, test } from 'vitest';
import { loadModelFile, readModelDataset } from '../../src/io/model-file.js';
import { scmCandidates } from '../../src/tools/scm-candidates.js';
import { createWorkerFitter } from '../../src/io/threads/fit-pool.js';
import { relationLabel, stepwiseCovariateSearch } from '../../src/tools/scm.js';

describe('pheno: first forward steps (PsN + NONMEM: WT on V, then WT on CL)', async () => {
  const model = loadModelFile('models/pheno_base.pkm');
  const data = readModelDataset(model);
  const { relations } = scmCandidates(model, data, { parameters: ['CL', 'V'], covariates: ['WT', 'APGR'], categorical: ['APGR'] });
  const pool = createWorkerFitter({ dataFile: data.file, datasetOptions: { columns: model.dataColumns }, workers: 2, fit: { method: 'focei' } });
  let result;
  try {
    result = await stepwiseCovariateSearch({ model, relations, fitter: pool.fitter, maxForwardSteps: 2, backward: false });
  } finally {
    await pool.close();
  }
  const [first, second] = result.steps;

  test('six candidates per first step, all fitted', () => {
    expect(first!.candidates.map(relationLabel)).toEqual([
      'CL-WT-linear', 'CL-WT-piecewise-linear', 'CL-APGR-categorical', 'V-WT-linear', 'V-WT-piecewise-linear', 'V-APGR-categorical',
    ]);
    expect(first!.candidates.every((c) => c.status === 'ok')).toBe(true);
    expect(first!.candidates.find((c) => c.covariate === 'APGR')!.df).toBe(9);
  });

  test('step 1 chooses WT on V', () => {
    expect(first!.chosen).toMatchObject({ parameter: 'V', covariate: 'WT' });
    const chosen = first!.candidates.find((c) => relationLabel(c) === relationLabel(first!.chosen!))!;
    expect(chosen.p).toBeLessThan(1e-10);
    // Every candidate lowers the OFV of the base model (nested models, fits started from the base estimates).
    for (const c of first!.candidates) expect(c.dofv).toBeGreaterThan(0);
  });

  test('step 2 chooses WT on CL', () => {
    expect(second!.chosen).toMatchObject({ parameter: 'CL', covariate: 'WT' });
    expect(second!.baseOfv).toBeCloseTo(first!.ofv, 9);
    expect(second!.included.map((r) => `${r.parameter}-${r.covariate}`)).toEqual(['V-WT', 'CL-WT']);
  });
});
