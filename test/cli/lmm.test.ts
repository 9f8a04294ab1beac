import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { DATASETS, lme4Reference, relErr } from '../support/lmm.js';

/** Runs the command line, returning exit code, stdout and stderr. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out += String(s); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { err += String(s); return true; });
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('popkit lmm', () => {
  // Source: lme4 1.1.31 (reference_values.json); tolerances as in lmm-fit-reference.test.ts.
  it('--json prints one object with lme4 names and values', async () => {
    const ref = lme4Reference('lmm_sleepstudy_reml');
    const { code, out } = await run(['lmm', '--data', join(DATASETS, 'sleepstudy.csv'), '--formula', ref.formula, '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out);
    for (const key of ['fixef', 'se', 'varcomp', 'sigma', 'logLik', 'deviance', 'aic', 'bic', 'reml', 'converged', 'blups', 'elapsed_s']) {
      expect(j).toHaveProperty(key);
    }
    expect(j.reml).toBe(true);
    expect(j.converged).toBe(true);
    expect(relErr(j.fixef.Days, ref.fixef.Days)).toBeLessThan(1e-4);
    expect(relErr(j.se['(Intercept)'], ref.se['(Intercept)'])).toBeLessThan(1e-4);
    expect(Math.abs(j.logLik - ref.logLik)).toBeLessThan(1e-6);
    const resid = j.varcomp.find((v: { group: string }) => v.group === 'Residual');
    expect(resid.name1).toBeNull();
    expect(relErr(resid.variance, ref.varcomp['Residual:NA:'])).toBeLessThan(1e-4);
    const cov = j.varcomp.find((v: { name2: string | null }) => v.name2 === 'Days');
    expect(cov.sd).toBeNull();
    expect(relErr(cov.variance, ref.varcomp['Subject:(Intercept):Days'])).toBeLessThan(1e-4);
    expect(relErr(j.blups.Subject['308'].Days, ref.blup_subject_308!.Days)).toBeLessThan(1e-4);
    expect(j.elapsed_s).toBeGreaterThan(0);
  });
  it('--ml fits by maximum likelihood and prints an lme4-style summary', async () => {
    const ref = lme4Reference('lmm_orthodont_ml');
    const { code, out } = await run(['lmm', '--data', join(DATASETS, 'orthodont.csv'), '--formula', ref.formula, '--ml']);
    expect(code).toBe(0);
    expect(out).toContain('Linear mixed model fit by maximum likelihood');
    expect(out).toMatch(/Groups\s+Name\s+Variance\s+Std\.Dev\.\s+Corr/);
    expect(out).toContain('Number of obs: 108, groups:  Subject, 27');
    expect(out).toMatch(/age:SexMale\s+0\.30483/);
    expect(out).toContain('-213.90');
  });
  it('--categorical makes a numeric column a factor (R names the coefficient service1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'popkit-lmm-'));
    const lines = readFileSync(join(DATASETS, 'insteval.csv'), 'utf8').trim().split('\n').slice(0, 2001);
    const file = join(dir, 'insteval-head.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    const { code, out } = await run(['lmm', '--data', file, '--formula', 'y ~ service + (1 | s) + (1 | d)', '--categorical', 'service', '--ml', '--json']);
    expect(code).toBe(0);
    expect(Object.keys(JSON.parse(out).fixef)).toEqual(['(Intercept)', 'service1']);
  });
  it('reports rows left out for missing values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'popkit-lmm-'));
    const text = readFileSync(join(DATASETS, 'sleepstudy.csv'), 'utf8').split('\n');
    text[3] = text[3].replace(/^[^,]*/, '.');
    const file = join(dir, 'sleep-missing.csv');
    writeFileSync(file, text.join('\n'));
    const { code, err, out } = await run(['lmm', '--data', file, '--formula', 'Reaction ~ Days + (Days | Subject)', '--json']);
    expect(code).toBe(0);
    expect(err).toMatch(/1 row left out for missing values: line 4 \(Reaction\)/);
    expect(JSON.parse(out).nobs).toBe(179);
  });
  it('a formula naming an unknown column is a user error (exit 2, no stack trace)', async () => {
    const { code, err } = await run(['lmm', '--data', join(DATASETS, 'sleepstudy.csv'), '--formula', 'Reaction ~ Dayz + (1 | Subject)']);
    expect(code).toBe(2);
    expect(err).toContain('Dayz');
    expect(err).not.toContain('    at ');
  });
});
