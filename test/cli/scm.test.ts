/**
 * `popkit scm` end to end on a small simulated dataset (test/support/scm.ts: genotype effect
 * on CL, 24 subjects): argument checks, the files it writes (scmlog.txt, scm.json, final.pkm)
 * and its exit code. One process (--workers 1), FOCE-I.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadModelFile } from '../../src/io/model-file.js';
import { baseModelText, simulatedCsv } from '../support/scm.js';

const dir = mkdtempSync(join(tmpdir(), 'popkit-scm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'sim.csv'), simulatedCsv(7, 24));
writeFileSync(join(dir, 'base.pkm'), baseModelText);

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('popkit scm', () => {
  test('user errors exit with status 2 and say what is wrong', async () => {
    const base = ['scm', join(dir, 'base.pkm'), '--data', join(dir, 'sim.csv')];
    let r = await run([...base, '--parameters', 'CL', '--covariates', 'HEIGHT']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/covariate HEIGHT is not a column of .*sim\.csv \(its covariate columns: WT, AGE, GENO\)/);
    r = await run([...base, '--parameters', 'KA', '--covariates', 'WT']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/parameter KA is not defined/);
    r = await run([...base, '--parameters', 'CL', '--covariates', 'WT', '--forms', 'cubic']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--forms: unknown relation 'cubic'/);
    r = await run([...base, '--parameters', 'CL', '--covariates', 'WT', '--p-forward', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--p-forward must be between 0 and 1/);
  });

  test('a search writes the step log, scm.json and the final model', async () => {
    const out = join(dir, 'out');
    const r = await run(['scm', join(dir, 'base.pkm'), '--data', join(dir, 'sim.csv'), '--parameters', 'CL',
      '--covariates', 'GENO', '--categorical', 'GENO', '--workers', '1', '--out', out]);
    expect(r.stderr).toMatch(/forward step 1: 1 fits/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Relations kept after the final step:\nCL {6}GENO-categorical/);
    const log = readFileSync(join(out, 'scmlog.txt'), 'utf8');
    expect(log).toMatch(/Forward step 1 \(criterion: LRT p < 0\.05\)/);
    expect(log).toMatch(/CL-GENO-categorical\s+\S+\s+\S+\s+\S+\s+2\s+YES!/);
    const json = JSON.parse(readFileSync(join(out, 'scm.json'), 'utf8'));
    expect(json.steps[0]).toMatchObject({ direction: 'forward', chosen: { parameter: 'CL', covariate: 'GENO', form: 'categorical' } });
    expect(Object.keys(json.steps[0].candidates[0])).toEqual(expect.arrayContaining(['parameter', 'covariate', 'form', 'ofv', 'dofv', 'df', 'p', 'status']));
    expect(json.final).toHaveLength(1);
    expect(json.final[0].thetas.map((t: { name: string }) => t.name)).toEqual(['CL_GENO_PM', 'CL_GENO_UM']);
    const final = loadModelFile(join(out, 'final.pkm'));
    expect(final.effects).toHaveLength(1);
    expect(final.effects[0]).toMatchObject({ parameter: 'CL', covariate: 'GENO', reference: 'EM', categories: ['PM', 'UM'] });
    expect(final.dataFile).toBe(join(dir, 'sim.csv'));
  });
});
