/**
 * Etas with a variance fixed at 0 (NONMEM's `$OMEGA 0 FIX`). Reference: the same model
 * written without that eta, which is what the fixed-zero variance means; the fit must give
 * the same OFV, estimates and standard errors (1e-9 relative: the computations are the same),
 * reported in the full model's terms (Ω with a zero row and column, NONMEM labels of the full
 * model, EBEs 0, shrinkage undefined). The MAP posterior is checked the same way.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.js';
import { fitPopulation } from '../../src/estimation/fit.js';
import type { FitResult } from '../../src/estimation/types.js';
import { bindModel } from '../../src/subject/bind.js';
import { readModelDataset } from '../../src/io/model-file.js';
import { parseModel } from '../../src/model/parse.js';
import { fitResultToJson } from '../../src/report/fit-json.js';
import { formatFitSummary } from '../../src/report/fit-summary.js';
import { etaPosterior } from '../../src/estimation/map-posterior.js';

const PHENO = new URL('../../models/pheno.pkm', import.meta.url).pathname;

/** pheno's text with the eta on CL switched off (variance 0 FIX), or removed altogether. */
function phenoVariant(kind: 'pinned' | 'removed'): string {
  const base = readFileSync(PHENO, 'utf8');
  if (kind === 'pinned') return base.replace(/eta_CL ~ 0\.0309626/, 'eta_CL ~ 0 FIX');
  return base.replace(/\s*eta_CL ~ 0\.0309626[^\n]*/, '').replace('CL   = TVCL * exp(eta_CL)', 'CL   = TVCL');
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('an omega variance fixed at 0 switches its eta off', () => {
  let pinned: FitResult;
  let removed: FitResult;
  beforeAll(() => {
    const fitOf = (source: string): FitResult => {
      const model = parseModel(source, PHENO);
      return fitPopulation(bindModel(model, readModelDataset(model)), { method: 'focei', npdeSamples: 0 });
    };
    pinned = fitOf(phenoVariant('pinned'));
    removed = fitOf(phenoVariant('removed'));
  });

  it('gives the fit of the model without the eta', () => {
    expect(rel(pinned.ofv, removed.ofv)).toBeLessThan(1e-9);
    pinned.theta.forEach((v, k) => expect(rel(v, removed.theta[k]!)).toBeLessThan(1e-9));
    expect(rel(pinned.omega[3]!, removed.omega[0]!)).toBeLessThan(1e-9);
    expect(rel(pinned.sigma[0]!, removed.sigma[0]!)).toBeLessThan(1e-9);
    expect(pinned.covariance?.status).toBe('ok');
    pinned.covariance!.se!.forEach((se, k) => expect(rel(se, removed.covariance!.se![k]!)).toBeLessThan(1e-9));
    expect(pinned.nParameters).toBe(removed.nParameters);
  });

  it("reports Ω, labels, EBEs and shrinkage in the full model's terms", () => {
    expect(pinned.omegaNames).toEqual(['eta_CL', 'eta_V']);
    expect(Array.from(pinned.omega.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(pinned.estimated.map((e) => e.label)).toEqual(['THETA(1)', 'THETA(2)', 'THETA(3)', 'OMEGA(2,2)', 'SIGMA(1,1)']);
    expect(pinned.covariance!.parameters.map((e) => e.label)).toEqual(pinned.estimated.map((e) => e.label));
    for (const s of pinned.subjects) expect(s.eta[0]).toBe(0);
    pinned.subjects.forEach((s, i) => expect(Math.abs(s.eta[1]! - removed.subjects[i]!.eta[0]!)).toBeLessThan(1e-9));
    expect(Number.isNaN(pinned.shrinkage.etaSd[0])).toBe(true);
    expect(rel(pinned.shrinkage.etaSd[1]!, removed.shrinkage.etaSd[0]!)).toBeLessThan(1e-9);
    expect(pinned.warnings[0]).toMatch(/eta_CL: variance fixed at 0/);
    const json = fitResultToJson(pinned, {}) as { shrinkage: { eta_sd_percent: Record<string, number | null> } };
    expect(json.shrinkage.eta_sd_percent.eta_CL).toBeNull();
    expect(formatFitSummary(pinned)).toMatch(/eta_CL n\/a/);
  });

  it('a MAP posterior pins the eta at 0 with no variance', () => {
    const model = parseModel(phenoVariant('pinned'), PHENO);
    const bound = bindModel(model, readModelDataset(model));
    const values = { theta: pinned.theta, omega: pinned.omega, sigma: pinned.sigma };
    const without = parseModel(phenoVariant('removed'), PHENO);
    const boundWithout = bindModel(without, readModelDataset(without));
    for (const k of [0, 9, 30]) {
      const post = etaPosterior(bound.subjects[k]!, 2, 1, values);
      const reference = etaPosterior(boundWithout.subjects[k]!, 1, 1, { ...values, omega: Float64Array.of(pinned.omega[3]!) });
      expect(post.eta[0]).toBe(0);
      expect(rel(post.eta[1]!, reference.eta[0]!)).toBeLessThan(1e-12);
      expect(Array.from(post.covariance.subarray(0, 3))).toEqual([0, 0, 0]);
      expect(rel(post.covariance[3]!, reference.covariance[0]!)).toBeLessThan(1e-12);
    }
  });

  it('a variance of 0 that is not fixed is refused with the way out', () => {
    expect(() => parseModel(phenoVariant('pinned').replace('eta_CL ~ 0 FIX', 'eta_CL ~ 0'), PHENO))
      .toThrow(ModelError);
    expect(() => parseModel(phenoVariant('pinned').replace('eta_CL ~ 0 FIX', 'eta_CL ~ 0'), PHENO))
      .toThrow(/to switch the random effect off, fix it at 0: eta_CL ~ 0 FIX/);
  });
});
