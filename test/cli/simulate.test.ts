/**
 * The simulate, vpc and dose commands through the command line entry point: exit codes,
 * files written, reproducibility by seed, and user errors reported without a stack trace.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

const modelPath = (name: string): string => new URL(`../../models/${name}`, import.meta.url).pathname;
const dataPath = (name: string): string => new URL(`../../datasets/${name}`, import.meta.url).pathname;

let out: string[] = [];
let err: string[] = [];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out.push(String(s)); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { err.push(String(s)); return true; });
});
afterEach(() => { vi.restoreAllMocks(); });

const dir = mkdtempSync(join(tmpdir(), 'popkit-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('popkit simulate', () => {
  test('writes the tables and the summary; the same seed gives the same files', async () => {
    const args = ['simulate', modelPath('theo_sd.pkm'), '--regimen', '320 mg po q24h x3', '--n', '40', '--times', '0-72 by 2',
      '--target', 'trough 1-5', '--target', 'auc24 >= 100', '--threshold', '2'];
    expect(await main([...args, '--out', join(dir, 'a')])).toBe(0);
    expect(out.join('')).toMatch(/Simulated 40 subjects of theo_sd/);
    expect(out.join('')).toMatch(/Probability of target attainment:\n {2}trough 1-5 +\d+\.\d%/);
    for (const f of ['profiles.csv', 'percentiles.csv', 'subjects.csv', 'data.csv', 'summary.json']) expect(existsSync(join(dir, 'a', f))).toBe(true);
    expect(await main([...args, '--out', join(dir, 'b')])).toBe(0);
    expect(readFileSync(join(dir, 'b', 'profiles.csv'), 'utf8')).toBe(readFileSync(join(dir, 'a', 'profiles.csv'), 'utf8'));
    const summary = JSON.parse(readFileSync(join(dir, 'a', 'summary.json'), 'utf8'));
    expect(summary.window).toEqual({ start: 48, end: 72 });
    expect(summary.target_attainment).toHaveLength(2);
    expect(readFileSync(join(dir, 'a', 'profiles.csv'), 'utf8').split('\n')[0]).toBe('ID,TIME,IPRED,DV');
  });
  test('resampled covariates and per-kg doses (pheno)', async () => {
    expect(await main(['simulate', modelPath('pheno.pkm'), '--regimen', 'loading 20 mg/kg iv, then 5 mg/kg iv q12h x6', '--n', '30',
      '--covariates', dataPath('pheno_sd.csv'), '--out', join(dir, 'c')])).toBe(0);
    const subjects = readFileSync(join(dir, 'c', 'subjects.csv'), 'utf8').split('\n');
    expect(subjects[0]).toBe('ID,SOURCE_ID,WT,APGR,eta_CL,eta_V,CMAX,TMAX,CMIN,CTROUGH,AUC,AUCINF,LAMBDAZ,TABOVE,FTABOVE');
  });
  test('user errors exit with 2 and say what is wrong', async () => {
    expect(await main(['simulate', modelPath('theo_sd.pkm'), '--regimen', '320 mg px q24h x3', '--out', join(dir, 'd')])).toBe(2);
    expect(err.join('')).toMatch(/regimen: unknown word 'px'[^\n]*\n {2}320 mg px q24h x3\n {9}\^\^/);
    err = [];
    expect(await main(['simulate', modelPath('pheno.pkm'), '--regimen', '20 mg/kg iv', '--out', join(dir, 'd')])).toBe(2);
    expect(err.join('')).toMatch(/reads the covariates WT .*APGR/);
    expect(err.join('')).not.toMatch(/at .*\.js:\d+/);
    err = [];
    expect(await main(['simulate', modelPath('theo_sd.pkm'), '--regimen', '320 mg po q24h x3', '--n', '2', '--threshold', 'abc', '--out', join(dir, 'd')])).toBe(2);
    expect(err.join('')).toMatch(/--threshold must be a concentration \(got NaN\)/);
  });
});

describe('popkit vpc and popkit dose', () => {
  test('vpc writes CSV and SVG', async () => {
    expect(await main(['vpc', modelPath('pheno.pkm'), '--n', '20', '--pc', '--bins', '5', '--out', join(dir, 'v')])).toBe(0);
    expect(readFileSync(join(dir, 'v', 'vpc.svg'), 'utf8')).toMatch(/^<svg/);
    expect(readFileSync(join(dir, 'v', 'vpc.csv'), 'utf8').split('\n').length).toBe(1 + 5 + 1);
    expect(out.join('')).toMatch(/Prediction-corrected VPC of pheno/);
  });
  test('vpc says how many observations fall outside fixed bin edges', async () => {
    expect(await main(['vpc', modelPath('pheno.pkm'), '--n', '5', '--bins', '0,24,48', '--out', join(dir, 'v2')])).toBe(0);
    // pheno_sd.csv: 155 observations, 64 of them at times 0-48 h (counted from the file).
    expect(out.join('')).toMatch(/155 observations, 2 bins; 91 observation\(s\) outside the bin edges 0-48 h are left out/);
  });
  test('an --out that is a file is a user error, not a stack trace (vpc, simulate)', async () => {
    const file = join(dir, 'in-the-way');
    writeFileSync(file, 'x');
    expect(await main(['vpc', modelPath('pheno.pkm'), '--n', '5', '--out', file])).toBe(2);
    expect(err.join('')).toMatch(/--out .*in-the-way: cannot create the output directory \(a file of that name is in the way\)/);
    err = [];
    expect(await main(['simulate', modelPath('theo_sd.pkm'), '--regimen', '320 mg po q24h x3', '--n', '2', '--out', file])).toBe(2);
    expect(err.join('')).toMatch(/cannot create the output directory/);
  });
  test('dose recommends a dose and writes dose.json', async () => {
    const patient = join(dir, 'patient.csv');
    writeFileSync(patient, 'ID,TIME,AMT,WT,APGR,DV,MDV,EVID\n7,0,25,1.4,7,.,1,1\n7,12,3.5,1.4,7,.,1,1\n7,20,0,1.4,7,20.1,0,0\n');
    expect(await main(['dose', modelPath('pheno.pkm'), '--patient', patient, '--target', 'trough 15-25', '--interval', '12,24',
      '--regimen-form', 'mg iv', '--doses', '4', '--samples', '200', '--out', join(dir, 'dose')])).toBe(0);
    expect(out.join('')).toMatch(/MAP estimate: eta_CL = /);
    expect(out.join('')).toMatch(/Recommended: [\d.]+ mg iv q(12|24)h x4 \(from 24 h\)/);
    const json = JSON.parse(readFileSync(join(dir, 'dose', 'dose.json'), 'utf8'));
    expect(json.options).toHaveLength(2);
    expect(json.options.filter((o: { recommended: boolean }) => o.recommended)).toHaveLength(1);
  });
});
