/**
 * `popkit fit` end to end on models/pheno.pkm (NONMEM's pheno example): the --json result
 * object, fit.json (enough to rebuild the fitted model) and table.csv (one row per record).
 * Reference: NONMEM 7 pheno FOCE-I (reference_values.json), OFV within 0.01.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

const reference = JSON.parse(readFileSync(new URL('../../reference/reference_values.json', import.meta.url), 'utf8'));
const nm = reference.pheno_focei_nonmem;
const modelPath = new URL('../../models/pheno.pkm', import.meta.url).pathname;

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { stdout += String(chunk); return true; });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { stderr += String(chunk); return true; });
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('popkit fit models/pheno.pkm --json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'popkit-fit-'));
  let result: { code: number; stdout: string; stderr: string };
  beforeAll(async () => { result = await run(['fit', modelPath, '--out', dir, '--json', '--npde', '200', '--seed', '3']); }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('exit code 0 and the documented result object on stdout', () => {
    expect(result.code).toBe(0);
    const r = JSON.parse(result.stdout);
    expect(r.method).toBe('focei');
    expect(Math.abs(r.ofv - nm.ofv)).toBeLessThan(0.01);
    expect(r.ofv_with_constant - r.ofv).toBeCloseTo(155 * Math.log(2 * Math.PI), 8);
    expect(r.n_obs).toBe(155);
    expect(r.n_subjects).toBe(59);
    expect(r.theta.map((t: { name: string }) => t.name)).toEqual(['CL_WT', 'V_WT', 'APGR_V']);
    for (const t of r.theta) {
      expect(Object.keys(t).sort()).toEqual(['fixed', 'name', 'rse', 'se', 'value']);
      expect(t.se).toBeGreaterThan(0);
      expect(t.rse).toBeCloseTo((100 * t.se) / Math.abs(t.value), 8);
    }
    expect(Math.abs(r.theta[0].se / nm.theta_se.CL_per_kg - 1)).toBeLessThan(0.05);
    expect(r.omega.names).toEqual(['eta_CL', 'eta_V']);
    expect(r.omega.matrix[0][1]).toBe(0);
    expect(Math.abs(r.omega.matrix[0][0] / nm.omega_variance.CL - 1)).toBeLessThan(0.01);
    expect(Math.abs(r.omega.se[1][1] / nm.omega_se.V - 1)).toBeLessThan(0.05);
    expect(r.omega.se[1][0]).toBeNull();
    expect(Math.abs(r.sigma.matrix[0][0] / nm.sigma_proportional_variance - 1)).toBeLessThan(0.01);
    expect(Math.abs(r.shrinkage.eta_sd_percent.eta_CL - nm.shrinkage_sd_percent.eta_CL)).toBeLessThan(2);
    expect(Math.abs(r.shrinkage.eps_sd_percent - nm.shrinkage_sd_percent.eps)).toBeLessThan(2);
    expect(r.covariance.status).toBe('ok');
    expect(r.covariance.method).toBe('rsr');
    expect(r.converged).toBe(true);
    expect(r.iterations).toBeGreaterThan(0);
    expect(r.elapsed_s).toBeGreaterThan(0);
    expect(r.threads).toBe(1); // pheno is too small for 'auto' to use threads
  });
  test('fit.json carries the model text, data file, estimates and covariance matrix', () => {
    const f = JSON.parse(readFileSync(join(dir, 'fit.json'), 'utf8'));
    expect(f.model.text).toBe(readFileSync(modelPath, 'utf8'));
    expect(f.model.file).toBe(modelPath);
    expect(f.data.file).toMatch(/pheno_sd\.csv$/);
    expect(f.estimates.map((e: { label: string }) => e.label)).toEqual(['THETA(1)', 'THETA(2)', 'THETA(3)', 'OMEGA(1,1)', 'OMEGA(2,2)', 'SIGMA(1,1)']);
    expect(f.covariance.matrix.length).toBe(6);
    expect(f.covariance.matrix[0][0]).toBeCloseTo(f.estimates[0].se ** 2, 15);
    expect(f.subjects.length).toBe(59);
    expect(Object.keys(f.subjects[0].eta)).toEqual(['eta_CL', 'eta_V']);
  });
  test('table.csv has one row per data record with the residual columns', () => {
    const lines = readFileSync(join(dir, 'table.csv'), 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    expect(header.slice(0, 11)).toEqual(['ID', 'TIME', 'DV', 'MDV', 'PRED', 'IPRED', 'RES', 'WRES', 'IWRES', 'CWRES', 'NPDE']);
    expect(header).toContain('ETA_CL');
    expect(header).toContain('CL');
    expect(lines.length - 1).toBe(744);
    const rows = lines.slice(1).map((l) => l.split(','));
    const obs = rows.filter((r) => r[3] === '0');
    expect(obs.length).toBe(155);
    for (const r of obs) for (let c = 4; c <= 10; c++) expect(Number.isFinite(Number(r[c]))).toBe(true);
    const doses = rows.filter((r) => r[3] === '1');
    expect(doses.every((r) => r[4] === '.')).toBe(true);
  });
});

describe('popkit fit: user errors and the text summary', () => {
  test('a missing model file is a user error (exit code 2, no stack trace)', async () => {
    const r = await run(['fit', '/nonexistent/model.pkm']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/model file not found/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
  test('an --out that names an existing file is a user error before the fit starts (exit code 2, no stack trace)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'popkit-fit-'));
    try {
      const file = join(dir, 'taken');
      writeFileSync(file, '');
      const r = await run(['fit', modelPath, '--out', file, '--npde', '0', '--max-iter', '0']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`popkit: --out ${file}: cannot create the output directory (a file of that name is in the way)\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('an unknown method is refused by the argument parser', async () => {
    const r = await run(['fit', modelPath, '--method', 'saem']);
    expect(r.code).toBe(2);
  });
  test('the summary names the OFV, the parameters, shrinkage and the covariance step', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'popkit-fit-'));
    try {
      const r = await run(['fit', modelPath, '--out', dir, '--method', 'foce', '--cov', 'r', '--npde', '0']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/MINIMIZATION SUCCESSFUL/);
      expect(r.stdout).toMatch(/OBJECTIVE FUNCTION VALUE \(without constant\): \d+\.\d{3}/);
      expect(r.stdout).toMatch(/THETA\(1\)\s+CL_WT/);
      expect(r.stdout).toMatch(/OMEGA\(2,2\)\s+eta_V/);
      expect(r.stdout).toMatch(/ETA SHRINKAGE/);
      expect(r.stdout).toMatch(/COVARIANCE STEP: covariance step successful \(2R⁻¹\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
