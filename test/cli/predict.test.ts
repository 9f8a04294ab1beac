/**
 * `popkit predict` through the command line entry point: the CSV it writes, individual
 * predictions from an etas table, and user errors (exit code 2, message without a stack).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { bindModel } from '../../src/subject/bind.js';
import { loadModelFile, readModelDataset } from '../../src/io/model-file.js';

const dir = mkdtempSync(join(tmpdir(), 'popkit-predict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const [head, ...lines] = text.trim().split('\n');
  return { header: head!.split(','), rows: lines.map((l) => l.split(',')) };
}

describe('popkit predict (command line)', () => {
  it('writes every record of nmtest_events.csv with PRED and CP, matching NONMEM 7.4.3 cp to 1e-4', async () => {
    const out = join(dir, 'nmtest.csv');
    expect(await main(['predict', 'models/nmtest_oral1.pkm', '--out', out])).toBe(0);
    const { header, rows } = parseCsv(readFileSync(out, 'utf8'));
    expect(header.slice(-2)).toEqual(['PRED', 'CP']);
    expect(rows).toHaveLength(3439);
    const cp = header.indexOf('cp'), CP = header.indexOf('CP');
    for (const r of rows) {
      const nonmem = Number(r[cp]), popkit = Number(r[CP]);
      expect(Math.abs(popkit - nonmem)).toBeLessThanOrEqual(Math.max(1e-4 * Math.abs(nonmem), 1e-6));
    }
  });

  it('with --etas adds IPRED from individual etas (pheno, pheno.dta with WGT)', async () => {
    const etas = join(dir, 'etas.csv');
    writeFileSync(etas, `ID,eta_CL,eta_V,other\n${Array.from({ length: 59 }, (_, i) => `${i + 1},${(i % 5) * 0.05},${-(i % 3) * 0.04},x`).join('\n')}\n`);
    const out = join(dir, 'pheno.csv');
    expect(await main(['predict', 'models/pheno.pkm', '--data', 'datasets/pheno.dta', '--etas', etas, '--out', out])).toBe(0);
    const { header, rows } = parseCsv(readFileSync(out, 'utf8'));
    expect(header).toEqual(['ID', 'TIME', 'AMT', 'WGT', 'APGR', 'DV', 'FA1', 'FA2', 'PRED', 'IPRED', 'CP']);
    const model = loadModelFile('models/pheno.pkm');
    const bound = bindModel(model, readModelDataset(model, 'datasets/pheno.dta'));
    const theta = Float64Array.from(model.theta.map((t) => t.init));
    const s = bound.subjects[6]!;
    const f = new Float64Array(s.nObs), h = new Float64Array(s.nObs);
    s.evaluate(theta, Float64Array.of(6 % 5 * 0.05, -(6 % 3) * 0.04), f, h);
    s.obsRecords.forEach((r, j) => expect(Number(rows[r]![9])).toBeCloseTo(f[j]!, 12));
  });

  it('rejects an etas table whose rows of one ID disagree, naming the row and column', async () => {
    const etas = join(dir, 'etas-conflict.csv');
    writeFileSync(etas, 'ID,eta_CL,eta_V\n1,0.1,0.2\n1,0.1,0.2\n2,0,0\n2,0,0.3\n');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['predict', 'models/pheno.pkm', '--etas', etas, '--out', join(dir, 'conflict.csv')])).toBe(2);
      expect(String(stderr.mock.calls[0]![0])).toContain(`${etas}:5: column eta_V: ID 2: eta_V is 0.3 here but 0 on an earlier row of this ID`);
    } finally {
      stderr.mockRestore();
    }
  });

  it('names on stderr the subjects the model cannot predict instead of writing only missing values', async () => {
    const modelFile = join(dir, 'zero-cl.pkm');
    writeFileSync(modelFile, readFileSync('models/bolus_1cpt.pkm', 'utf8').replace('POP_CL = 4 (0, )', 'POP_CL = 0 (, )'));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['predict', modelFile, '--data', 'datasets/Bolus_1CPT.csv', '--out', join(dir, 'zero-cl.csv')])).toBe(0);
      expect(String(stderr.mock.calls[0]![0])).toMatch(/^popkit: the model gives no prediction for 120 of 120 subjects \(ID 1, 2, .*, …\) at the initial estimates/);
    } finally {
      stderr.mockRestore();
    }
  });

  it('refuses, as the fit does, a covariate the model computes with that is text on a record', async () => {
    const data = join(dir, 'pheno-text-wt.csv');
    const lines = readFileSync('datasets/pheno_sd.csv', 'utf8').split('\n');
    lines[2] = lines[2]!.split(',').map((v, k) => (k === 3 ? 'heavy' : v)).join(',');
    writeFileSync(data, lines.join('\n'));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['predict', 'models/pheno.pkm', '--data', data, '--out', join(dir, 'text-wt.csv')])).toBe(2);
      expect(String(stderr.mock.calls[0]![0])).toBe(`popkit: ${data}:3: column WT: WT is not a number ('heavy'); the model uses WT in arithmetic (compare text categories with == "…")\n`);
    } finally {
      stderr.mockRestore();
    }
  });

  it('reports a user error with exit code 2 and no stack trace', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['predict', 'models/none.pkm'])).toBe(2);
      expect(String(stderr.mock.calls[0]![0])).toBe('popkit: models/none.pkm: model file not found\n');
    } finally {
      stderr.mockRestore();
    }
  });
});
