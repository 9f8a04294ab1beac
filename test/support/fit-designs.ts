/**
 * The 12 simulated designs of Schoemaker et al. (ACoP 2016; CPT Pharmacometrics Syst
 * Pharmacol 2019), nlmixr2data: 120 subjects each, IIV 30%, proportional error 20%.
 * The simulated truth: each dataset carries every subject's true individual parameters
 * (columns CL, V, V1, Q, V2, KA, VM, KM); the population value is their geometric mean and
 * the IIV variance the variance of their logarithms. Shared by the design tests and bench.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { fitPopulation } from '../../src/estimation/fit.js';
import { fileURLToPath } from 'node:url';
import type { BoundModel } from '../../src/subject/bound.js';
import { bindModel } from '../../src/subject/bind.js';
import { loadModelFile, readModelDataset } from '../../src/io/model-file.js';

export const DESIGNS = [
  'Bolus_1CPT', 'Bolus_2CPT', 'Infusion_1CPT', 'Infusion_2CPT', 'Oral_1CPT', 'Oral_2CPT',
  'Bolus_1CPTMM', 'Bolus_2CPTMM', 'Infusion_1CPTMM', 'Infusion_2CPTMM', 'Oral_1CPTMM', 'Oral_2CPTMM',
] as const;

/** models/bolus_1cpt_mm.pkm for Bolus_1CPTMM. */
export function designModelPath(design: string): string {
  const file = design.toLowerCase().replace(/mm$/, '_mm');
  return fileURLToPath(new URL(`../../models/${file}.pkm`, import.meta.url));
}

/** Geometric mean and variance of the log of each true individual parameter column. */
export function designTruth(design: string): Map<string, { typical: number; logVariance: number }> {
  const text = readFileSync(fileURLToPath(new URL(`../../datasets/${design}.csv`, import.meta.url)), 'utf8').trim().split(/\r?\n/);
  const header = text[0].split(',');
  const idCol = header.indexOf('ID');
  const firstRows = new Map<string, string[]>();
  for (const line of text.slice(1)) {
    const cells = line.split(',');
    if (!firstRows.has(cells[idCol])) firstRows.set(cells[idCol], cells);
  }
  const truth = new Map<string, { typical: number; logVariance: number }>();
  for (const p of ['CL', 'V', 'V1', 'Q', 'V2', 'KA', 'VM', 'KM']) {
    const c = header.indexOf(p);
    if (c < 0) continue;
    const logs = [...firstRows.values()].map((r) => Math.log(Number(r[c])));
    const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
    const variance = logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (logs.length - 1);
    truth.set(p, { typical: Math.exp(mean), logVariance: variance });
  }
  return truth;
}

/** True value for theta POP_X (V and V1 name the central volume interchangeably). */
export function truthForTheta(truth: ReturnType<typeof designTruth>, thetaName: string): { typical: number; logVariance: number } | undefined {
  const p = thetaName.replace(/^POP_/, '');
  return truth.get(p) ?? (p === 'V' ? truth.get('V1') : p === 'V1' ? truth.get('V') : undefined);
}

/**
 * The design's model bound to its dataset, with initial estimates moved away from the truth
 * the model file starts at: θ alternately ×1.5 and ×0.7, every ω² 0.2, σ² 0.1.
 */
export function designBound(design: string, perturb = true): BoundModel {
  const model = loadModelFile(designModelPath(design));
  const bound = bindModel(model, readModelDataset(model));
  if (!perturb) return bound;
  const p = bound.parameters;
  const nEta = p.omega.names.length;
  const omega = new Float64Array(nEta * nEta);
  for (let i = 0; i < nEta; i++) omega[i * nEta + i] = 0.2;
  return {
    ...bound,
    parameters: {
      theta: p.theta.map((t, i) => ({ ...t, init: t.init * (i % 2 === 0 ? 1.5 : 0.7) })),
      omega: { ...p.omega, init: omega },
      sigma: { ...p.sigma, init: Float64Array.of(0.1) },
    },
  };
}

/**
 * FOCE-I fit of `design` from initial estimates moved away from the truth; expects
 * convergence, every typical value within 10% of the truth and σ² within 10% of 0.04.
 */
export function checkDesign(design: string): void {
  const bound = designBound(design);
  const fit = fitPopulation(bound, { method: 'focei', covariance: 'none', npdeSamples: 0 });
  const truth = designTruth(design);
  const lines: string[] = [];
  fit.thetaNames.forEach((name, i) => {
    const t = truthForTheta(truth, name)!;
    lines.push(`${name} ${fit.theta[i]!.toPrecision(4)} (truth ${t.typical.toPrecision(4)})`);
  });
  process.stderr.write(`${design}: OFV ${fit.ofv.toFixed(3)}, ${fit.iterations} iterations, ${fit.elapsedSeconds.estimation.toFixed(1)} s; ${lines.join(', ')}\n`);
  expect(fit.converged).toBe(true);
  fit.thetaNames.forEach((name, i) => {
    const t = truthForTheta(truth, name);
    expect(t, `truth for ${name}`).toBeDefined();
    expect(Math.abs(fit.theta[i]! / t!.typical - 1), `${design} ${name}`).toBeLessThan(0.1);
  });
  expect(Math.abs(fit.sigma[0]! / 0.04 - 1)).toBeLessThan(0.1);
}
