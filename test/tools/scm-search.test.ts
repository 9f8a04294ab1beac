/**
 * The stepwise search logic on a fake fitter with known OFVs: the OFV of a model is
 * 1000 − Σ (drop of each relation it contains), so every likelihood-ratio test has a known
 * χ² p-value (e.g. drop 5, df 1: p = 0.0253; drop 4.5: p = 0.0339). Checks PsN's rules:
 * forward adds the lowest p below p_forward, backward removes the highest p above p_backward;
 * failed fits are recorded and the search goes on; criteria are pluggable.
 */
import { describe, expect, test } from 'vitest';
import { loadModelFile, readModelDataset } from '../../src/io/model-file.js';
import type { Model } from '../../src/model/types.js';
import { chiSquarePValue } from '../../src/stats/chi-square.js';
import { scmCandidates } from '../../src/tools/scm-candidates.js';
import { allOf, bic, lrt, maxRse, minEffect, relationEffectSize, type Criterion } from '../../src/tools/scm-criteria.js';
import type { ScmFit, ScmFitter } from '../../src/tools/scm-fit.js';
import { formatScmLog, scmResultToJson } from '../../src/report/scm-log.js';
import { relationLabel, stepwiseCovariateSearch, type ScmProgress } from '../../src/tools/scm.js';

const base = loadModelFile('models/pheno_base.pkm');
const data = readModelDataset(base);
// WT and APGR both continuous: 2 parameters × 2 covariates × 3 forms = 12 candidates.
const { relations } = scmCandidates(base, data, { parameters: ['CL', 'V'], covariates: ['WT', 'APGR'], forms: ['linear', 'piecewise-linear', 'power'] });

const LOG_N = Math.log(155);

function keyOf(model: Model): string[] {
  return model.effects.map((e) => `${e.parameter}-${e.covariate}-${e.form}`);
}

/** A fit summary with the given OFV; estimates = the model's initial estimates. */
function fakeFit(model: Model, ofv: number, seOf?: (name: string, value: number) => number): ScmFit {
  const k = model.theta.length + model.omega.length + model.sigma.length;
  const thetaSe: Record<string, number> = {};
  if (seOf) for (const t of model.theta) thetaSe[t.name] = seOf(t.name, t.init);
  return {
    ofv, nObs: 155, nParameters: k, aic: ofv + 2 * k, bic: ofv + k * LOG_N, converged: true, status: 'converged',
    thetaNames: model.theta.map((t) => t.name), theta: model.theta.map((t) => t.init),
    omegaNames: model.omega.map((b) => b.names[0]!), omega: [model.omega[0]!.lower[0]!, 0, 0, model.omega[1]!.lower[0]!],
    sigmaNames: ['eps_prop'], sigma: [model.sigma[0]!.lower[0]!], warnings: [],
    ...(seOf ? { thetaSe } : {}),
  };
}

function fakeFitter(drops: Record<string, number>, options: {
  fail?: (model: Model, label: string) => boolean; delay?: boolean; seOf?: (name: string, value: number) => number;
} = {}): { fitter: ScmFitter; labels: string[] } {
  const labels: string[] = [];
  const fitter: ScmFitter = async (model, label) => {
    labels.push(label);
    if (options.delay) await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 5)));
    if (options.fail?.(model, label)) throw new Error(`simulated failure of ${label}`);
    const ofv = 1000 - keyOf(model).reduce((s, k) => s + (drops[k] ?? 0), 0);
    return fakeFit(model, ofv, options.seOf);
  };
  return { fitter, labels };
}

const DROPS: Record<string, number> = {
  'V-WT-linear': 20, 'V-WT-piecewise-linear': 21, 'V-WT-power': 18,
  'CL-WT-linear': 10, 'CL-WT-piecewise-linear': 10.5, 'CL-WT-power': 9,
  'CL-APGR-linear': 5, 'CL-APGR-power': 3,
  'V-APGR-linear': 4.5, 'V-APGR-power': 1,
};

describe('forward inclusion and backward elimination (LRT, PsN rules)', async () => {
  const events: ScmProgress[] = [];
  const { fitter } = fakeFitter(DROPS, { delay: true });
  const result = await stepwiseCovariateSearch({ model: base, relations, fitter, onProgress: (e) => events.push(e) });
  const forward = result.steps.filter((s) => s.direction === 'forward');
  const backward = result.steps.filter((s) => s.direction === 'backward');

  test('forward picks the lowest p below 0.05, not the largest drop', () => {
    const first = forward[0]!;
    expect(first.candidates).toHaveLength(12);
    // V-WT-piecewise (drop 21, df 2, p 2.8e-5) loses to V-WT-linear (drop 20, df 1, p 7.7e-6).
    const pw = first.candidates.find((c) => relationLabel(c) === 'V-WT-piecewise-linear')!;
    const lin = first.candidates.find((c) => relationLabel(c) === 'V-WT-linear')!;
    expect(pw.p).toBeCloseTo(chiSquarePValue(21, 2), 15);
    expect(lin.p).toBeCloseTo(chiSquarePValue(20, 1), 15);
    expect(pw.dofv).toBeCloseTo(21, 9);
    expect(first.chosen).toEqual({ parameter: 'V', covariate: 'WT', form: 'linear' });
    // Step 5 tries only the piecewise-linear upgrades; none is significant.
    expect(forward.map((s) => s.chosen && relationLabel(s.chosen))).toEqual(['V-WT-linear', 'CL-WT-linear', 'CL-APGR-linear', 'V-APGR-linear', undefined]);
    expect(forward[4]!.candidates.every((c) => c.replaces === 'linear')).toBe(true);
    expect(forward.at(-1)!.included).toHaveLength(4);
  });

  test('candidates keep the order of the relations whatever order the fits finish in', () => {
    expect(forward[0]!.candidates.map(relationLabel)).toEqual(relations.map(relationLabel));
  });

  test('an included linear relation is offered the piecewise-linear upgrade with df 1', () => {
    const up = forward[1]!.candidates.find((c) => c.replaces === 'linear')!;
    expect(relationLabel(up)).toBe('V-WT-piecewise-linear');
    expect(up.df).toBe(1);
    expect(up.dofv).toBeCloseTo(1, 9);
    expect(up.significant).toBe(false);
    // Power has PsN state 5 but no more thetas than linear: no upgrade to it.
    expect(forward[1]!.candidates.some((c) => c.form === 'power' && c.covariate === 'WT' && c.parameter === 'V')).toBe(false);
  });

  test('backward removes the highest p above 0.01 first, then stops when all are significant', () => {
    expect(backward.map((s) => s.chosen && relationLabel(s.chosen))).toEqual(['V-APGR-linear', 'CL-APGR-linear', undefined]);
    const first = backward[0]!;
    const vApgr = first.candidates.find((c) => relationLabel(c) === 'V-APGR-linear')!;
    expect(vApgr.p).toBeCloseTo(chiSquarePValue(4.5, 1), 15);
    expect(vApgr.dofv).toBeCloseTo(-4.5, 9);
    expect(vApgr.df).toBe(-1);
    expect(result.final.map(relationLabel)).toEqual(['V-WT-linear', 'CL-WT-linear']);
    expect(result.finalFit.ofv).toBeCloseTo(970, 9);
    expect(result.forwardRelations).toHaveLength(4);
  });

  test('progress events and reports', () => {
    expect(events[0]!.kind).toBe('base');
    expect(events.filter((e) => e.kind === 'step')).toHaveLength(result.steps.length);
    expect(events.filter((e) => e.kind === 'candidate')).toHaveLength(result.steps.reduce((n, s) => n + s.candidates.length, 0));
    const log = formatScmLog(result);
    expect(log).toContain('Parameter-covariate relation chosen in this forward step: V-WT-linear');
    expect(log).toContain('Parameter-covariate relation chosen in this backward step: V-APGR-linear');
    expect(log).toMatch(/V-WT-linear\s+1000\.00000\s+980\.00000\s+20\.00000\s+1\s+YES!/);
    const json = scmResultToJson(result) as { steps: { direction: string; candidates: { dofv: number; status: string }[]; chosen: unknown }[]; final: { parameter: string }[] };
    expect(json.steps[0]!.candidates[0]).toMatchObject({ parameter: 'CL', covariate: 'WT', form: 'linear', ofv: 990, dofv: 10, df: 1, status: 'ok' });
    expect(json.final.map((f) => f.parameter)).toEqual(['V', 'CL']);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});

describe('failed fits', () => {
  test('a failed candidate is recorded with its reason and the search goes on', async () => {
    const { fitter } = fakeFitter(DROPS, { fail: (m) => keyOf(m).includes('CL-WT-linear') });
    const result = await stepwiseCovariateSearch({ model: base, relations, fitter });
    const failed = result.steps[0]!.candidates.find((c) => relationLabel(c) === 'CL-WT-linear')!;
    expect(failed).toMatchObject({ status: 'failed', significant: false });
    expect(failed.message).toMatch(/simulated failure of forward 1: CL-WT-linear/);
    expect(Number.isNaN(failed.ofv)).toBe(true);
    // CL-WT enters with its next-best form instead (power: drop 9, p 0.0027).
    expect(result.final.map(relationLabel)).toEqual(['V-WT-linear', 'CL-WT-power']);
    expect(formatScmLog(result)).toMatch(/CL-WT-linear\s+1000\.00000\s+FAILED/);
  });

  test('a relation whose removal cannot be fitted is kept', async () => {
    const { fitter } = fakeFitter(DROPS, { fail: (_m, label) => label.includes('without CL-APGR-linear') });
    const result = await stepwiseCovariateSearch({ model: base, relations, fitter });
    const back = result.steps.filter((s) => s.direction === 'backward');
    expect(back[0]!.candidates.find((c) => c.covariate === 'APGR' && c.parameter === 'CL')!.status).toBe('failed');
    expect(result.final.map(relationLabel)).toEqual(['V-WT-linear', 'CL-WT-linear', 'CL-APGR-linear']);
  });

  test('a base model that cannot be fitted stops the search with the reason', async () => {
    const { fitter } = fakeFitter(DROPS, { fail: (_m, label) => label === 'base model' });
    await expect(stepwiseCovariateSearch({ model: base, relations, fitter })).rejects.toThrow(/base model pheno_base could not be fitted.*simulated failure/);
  });

  test('requireConvergence treats a fit that did not converge as failed', async () => {
    const fitter: ScmFitter = (model) => ({ ...fakeFit(model, 1000 - keyOf(model).reduce((s, k) => s + (DROPS[k] ?? 0), 0)), converged: keyOf(model).length === 0 || !keyOf(model).includes('V-WT-linear'), status: 'rounding errors' });
    const result = await stepwiseCovariateSearch({ model: base, relations, fitter, requireConvergence: true, backward: false, maxForwardSteps: 1 });
    const c = result.steps[0]!.candidates.find((x) => relationLabel(x) === 'V-WT-linear')!;
    expect(c).toMatchObject({ status: 'failed', message: 'not converged: rounding errors' });
    expect(result.steps[0]!.chosen).toEqual({ parameter: 'V', covariate: 'WT', form: 'power' });
  });
});

describe('pluggable criteria', () => {
  test('BIC: a relation enters when it lowers OFV + k log N (drop > log 155 = 5.04 per theta)', async () => {
    const { fitter } = fakeFitter(DROPS);
    const result = await stepwiseCovariateSearch({ model: base, relations, fitter, forward: bic(), backward: bic() });
    expect(result.forwardRelations.map(relationLabel)).toEqual(['V-WT-linear', 'CL-WT-linear']);
    expect(result.final.map(relationLabel)).toEqual(['V-WT-linear', 'CL-WT-linear']);
    const c = result.steps[0]!.candidates.find((x) => relationLabel(x) === 'CL-APGR-linear')!;
    expect(c.score).toBeCloseTo(-5 + LOG_N, 9);
    expect(c.significant).toBe(false);
  });

  test('a user criterion and combinators', async () => {
    const weightOnly: Criterion = { name: 'weight only', judge: (t) => ({ significant: t.relation.covariate === 'WT', score: t.p, detail: '' }) };
    const { fitter } = fakeFitter(DROPS);
    const result = await stepwiseCovariateSearch({ model: base, relations, fitter, forward: allOf(lrt(0.05), weightOnly), backward: false });
    expect(result.final.map(relationLabel)).toEqual(['V-WT-linear', 'CL-WT-linear']);
    expect(result.steps[0]!.criterion).toBe('LRT p < 0.05 and weight only');
  });

  test('maxRse: a relation with an imprecise estimate does not enter', async () => {
    // RSE 20% for every theta, 1000% for those of WT on CL.
    const { fitter } = fakeFitter(DROPS, { seOf: (name, v) => Math.abs(v) * (name.startsWith('CL_WT') ? 10 : 0.2) });
    const criterion = allOf(lrt(0.05), maxRse(50));
    expect(criterion.needsStandardErrors).toBe(true);
    const result = await stepwiseCovariateSearch({ model: base, relations, fitter, forward: criterion, backward: false });
    expect(result.final.map(relationLabel)).toEqual(['V-WT-linear', 'CL-APGR-linear', 'V-APGR-linear']);
    expect(result.steps[0]!.candidates[0]!.detail).toMatch(/RSE=1000\.0%/);
  });

  test('minEffect: the change of the parameter over the observed covariate range', () => {
    const power = relations.find((r) => relationLabel(r) === 'CL-WT-power')!;
    const fit = { ...fakeFit(base, 0), thetaNames: ['CL_WT'], theta: [0.75] };
    // (3.6/1.3)^0.75 − 1 = 1.1474 at the maximum weight.
    expect(relationEffectSize(power, fit)).toBeCloseTo((3.6 / 1.3) ** 0.75 - 1, 12);
    const verdict = minEffect(0.2).judge({ direction: 'forward', relation: power, full: fit, reduced: fit, df: 1, drop: 0, p: 1 });
    expect(verdict.significant).toBe(true);
    expect(minEffect(2).judge({ direction: 'forward', relation: power, full: fit, reduced: fit, df: 1, drop: 0, p: 1 }).significant).toBe(false);
  });
});
