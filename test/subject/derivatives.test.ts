/**
 * Derivatives against finite differences: the symbolic rules (src/subject/derivative.ts) and
 * evaluateWithDerivatives (∂f/∂η, ∂h/∂η) of bound models, closed-form and ODE.
 * Reference: central differences of `evaluate` in η with step 1e-6 (error ~1e-9 relative
 * for closed forms); tolerances stated per case.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../../src/data/dataset.js';
import { bindModel } from '../../src/subject/bind.js';
import { emitJs, RUNTIME_SOURCE } from '../../src/subject/codegen.js';
import { defineModel } from '../../src/model/define.js';
import { differentiate } from '../../src/subject/derivative.js';
import { loadModelFile, readModelDataset } from '../../src/io/model-file.js';
import { parseModel } from '../../src/model/parse.js';
import type { SubjectEvaluator } from '../../src/subject/bound.js';
import type { Model } from '../../src/model/types.js';
import type { Dataset } from '../../src/data/types.js';

function compileExpression(text: string): (x: number, y: number) => number {
  const js = emitJs(parse(text), (name) => name);
  return new Function('x', 'y', `${RUNTIME_SOURCE}\nreturn ${js};`) as (x: number, y: number) => number;
}

describe('symbolic partial derivatives (mathjs derivative with rules for conditionals, min, max, abs, logit, expit)', () => {
  it.each([
    ['x^2 * exp(y)', 0.7, 0.3],
    ['(x / 70) ^ y', 55, 0.75],
    ['x < 1 ? y * x^3 : log(x) * y', 0.5, 2],
    ['x < 1 ? y * x^3 : log(x) * y', 1.5, 2],
    ['min(x * y, 2) + max(x, y^2)', 0.8, 1.3],
    ['abs(x - y) * sqrt(x)', 0.4, 1.1],
    ['logit(x / 2) + expit(x * y)', 0.6, -0.4],
    ['(1 + y * (x - 40)) * exp(-x / 10)', 33, 0.01],
    ['x == 2 ? 1 : pow(x, y)', 1.7, 0.5],
  ])('∂/∂x of %s at x = %d, y = %d', (text, x, y) => {
    const d = compileExpression(differentiate(parse(text), 'x').toString());
    const f = compileExpression(text);
    const h = 1e-6 * Math.max(1, Math.abs(x));
    const fd = (f(x + h, y) - f(x - h, y)) / (2 * h);
    expect(Math.abs(d(x, y) - fd)).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(fd)));
  });

  it('gives 0 for expressions that do not depend on the variable', () => {
    expect(differentiate(parse('a * (b < 5 ? 1 : 2)'), 'x').toString()).toBe('0');
  });
});

interface Check { f: number; h: number }

function compareWithFiniteDifferences(
  subjects: readonly SubjectEvaluator[], theta: Float64Array, eta: Float64Array, nEps: number, tol: Check,
): number {
  const nEta = eta.length;
  let compared = 0;
  for (const s of subjects) {
    const n = s.nObs;
    const f = new Float64Array(n), h = new Float64Array(n * nEps);
    const df = new Float64Array(n * nEta), dh = new Float64Array(n * nEps * nEta);
    expect(s.evaluateWithDerivatives!(theta, eta, f, h, df, dh)).toBe(true);
    const f0 = new Float64Array(n), h0 = new Float64Array(n * nEps);
    expect(s.evaluate(theta, eta, f0, h0)).toBe(true);
    expect(Array.from(f)).toEqual(Array.from(f0));
    const fp = new Float64Array(n), hp = new Float64Array(n * nEps), fm = new Float64Array(n), hm = new Float64Array(n * nEps);
    for (let e = 0; e < nEta; e++) {
      const step = 1e-6;
      const plus = eta.slice(), minus = eta.slice();
      plus[e]! += step; minus[e]! -= step;
      s.evaluate(theta, plus, fp, hp);
      s.evaluate(theta, minus, fm, hm);
      for (let j = 0; j < n; j++) {
        const fdF = (fp[j]! - fm[j]!) / (2 * step);
        const scaleF = Math.max(Math.abs(fdF), 1e-3 * Math.abs(f[j]!), 1e-12);
        expect(Math.abs(df[j * nEta + e]! - fdF)).toBeLessThanOrEqual(tol.f * scaleF);
        for (let k = 0; k < nEps; k++) {
          const fdH = (hp[j * nEps + k]! - hm[j * nEps + k]!) / (2 * step);
          const scaleH = Math.max(Math.abs(fdH), 1e-3 * Math.abs(h[j * nEps + k]!), 1e-12);
          expect(Math.abs(dh[(j * nEps + k) * nEta + e]! - fdH)).toBeLessThanOrEqual(tol.h * scaleH);
        }
        compared++;
      }
    }
  }
  return compared;
}

function boundFile(file: string, subjects?: number) {
  const model = loadModelFile(file);
  const bound = bindModel(model, readModelDataset(model));
  return { model, bound, subjects: subjects === undefined ? bound.subjects : bound.subjects.slice(0, subjects) };
}

describe('evaluateWithDerivatives against central differences of evaluate', () => {
  it('pheno (1 cmt iv bolus, proportional error), all 59 subjects: 1e-6 relative', () => {
    const { bound, subjects } = boundFile('models/pheno.pkm');
    const n = compareWithFiniteDifferences(subjects, Float64Array.of(0.00469555, 0.984258, 0.15892), Float64Array.of(0.15, -0.1), bound.nEps, { f: 1e-6, h: 1e-6 });
    expect(n).toBe(155 * 2);
  });

  it("pheno with derivativeDifferences 'forward' (one event-loop run per eta): 1e-5 relative", () => {
    const model = loadModelFile('models/pheno.pkm');
    const bound = bindModel(model, readModelDataset(model), { derivativeDifferences: 'forward' });
    compareWithFiniteDifferences(bound.subjects, Float64Array.of(0.00469555, 0.984258, 0.15892), Float64Array.of(0.15, -0.1), bound.nEps, { f: 1e-5, h: 1e-5 });
  });

  it('warfarin (oral with lag, allometry, combined error: h depends on η): 1e-6 relative', () => {
    const { model, bound, subjects } = boundFile('models/warfarin.pkm', 8);
    const theta = Float64Array.from(model.theta.map((t) => t.init));
    compareWithFiniteDifferences(subjects, theta, Float64Array.of(0.1, -0.2, 0.3), bound.nEps, { f: 1e-6, h: 1e-6 });
  });

  it('theo_sd (oral, log-normal KA, CL, V with log-scale thetas): 1e-6 relative', () => {
    const { model, bound, subjects } = boundFile('models/theo_sd.pkm');
    compareWithFiniteDifferences(subjects, Float64Array.from(model.theta.map((t) => t.init)), Float64Array.of(-0.2, 0.1, 0.05), bound.nEps, { f: 1e-6, h: 1e-6 });
  });

  it('bolus_2cpt (2 cmt closed form, steady-state doses): 1e-6 relative', () => {
    const { model, bound, subjects } = boundFile('models/bolus_2cpt.pkm', 6);
    compareWithFiniteDifferences(subjects, Float64Array.from(model.theta.map((t) => t.init)), Float64Array.of(0.1, -0.1, 0.2, -0.2), bound.nEps, { f: 1e-6, h: 1e-6 });
  });

  it('oral_1cpt_mm (Michaelis–Menten ODEs): 1e-4 relative (integration tolerance 1e-8)', () => {
    const { model, bound, subjects } = boundFile('models/oral_1cpt_mm.pkm', 3);
    compareWithFiniteDifferences(subjects, Float64Array.from(model.theta.map((t) => t.init)), Float64Array.of(0.1, -0.1, 0.05, 0.2), bound.nEps, { f: 1e-4, h: 1e-4 });
  });

  it('wang2007 exponential error (no compartments; h constant): exact derivatives', () => {
    const model = defineModel({
      name: 'wang_exp', theta: { TKE: 0.5 }, omega: { eta_KE: 0.04 }, sigma: { eps: 0.1 }, individual: { KE: 'TKE * exp(eta_KE)' },
      observe: { outputs: { IPRED: '10 * exp(-KE * TIME)' }, rules: ['exponential(IPRED, eps)'] },
    });
    const bound = bindModel(model, parseDataset('ID,TIME,DV\n1,0.5,8\n1,2,4\n', 'w.csv'));
    compareWithFiniteDifferences(bound.subjects, Float64Array.of(0.5), Float64Array.of(0.2), 1, { f: 1e-7, h: 1e-7 });
  });

  it('time-varying covariate with a logit-normal fraction and a dosing-item F: 1e-6 relative', () => {
    const model = defineModel({
      name: 'tv', covariates: ['WT'], theta: { TCL: 0.1, TF: 0.6, TKA: 1.2 }, omega: [{ names: ['eta_CL', 'eta_F'], lower: [0.1, 0.02, 0.2] }],
      sigma: { eps: 0.01 },
      individual: { CL: 'TCL * WT ^ 0.75 * exp(eta_CL)', V: '10', KA: 'TKA', BIO: 'expit(logit(TF) + eta_F)' },
      structure: '1cmt oral', dosing: { 'F(depot)': 'BIO' },
      observe: { outputs: { CP: 'central / V' }, rules: ['proportional(CP, eps)'] },
    });
    const data = 'ID,TIME,AMT,DV,WT,EVID,MDV,CMT\n1,0,100,.,10,1,1,1\n1,2,0,3,12,0,0,2\n1,5,0,2,15,0,0,2\n1,8,50,.,18,1,1,1\n1,12,0,1,20,0,0,2\n';
    const bound = bindModel(model, parseDataset(data, 'tv.csv'));
    expect((bound.subjects[0] as unknown as { constant: boolean }).constant).toBe(false);
    compareWithFiniteDifferences(bound.subjects, Float64Array.of(0.1, 0.6, 1.2), Float64Array.of(0.1, -0.3), 1, { f: 1e-6, h: 1e-6 });
  });
});

/** ∂f/∂η and ∂h/∂η of every subject under `bound`. */
function derivativesOf(subjects: readonly SubjectEvaluator[], theta: Float64Array, eta: Float64Array, nEps: number): number[] {
  const all: number[] = [];
  for (const s of subjects) {
    const n = s.nObs, nEta = eta.length;
    const f = new Float64Array(n), h = new Float64Array(n * nEps);
    const df = new Float64Array(n * nEta), dh = new Float64Array(n * nEps * nEta);
    expect(s.evaluateWithDerivatives!(theta, eta, f, h, df, dh)).toBe(true);
    all.push(...df, ...dh);
  }
  return all;
}

describe('exact sensitivities of the amounts equal their central differences', () => {
  // The default binding carries exact sensitivities through the closed forms; the reference
  // is the same model bound with amountDerivatives 'differences' (central, error ~1e-10).
  // Tolerance 1e-7 relative to the largest derivative of the case; the two must also differ
  // (they are computed by different paths).
  function agree(model: Model, dataset: Dataset, eta: Float64Array, subjects = 10): void {
    const theta = Float64Array.from(model.theta.map((t) => t.init));
    const exact = bindModel(model, dataset);
    const differences = bindModel(model, dataset, { amountDerivatives: 'differences' });
    const a = derivativesOf(exact.subjects.slice(0, subjects), theta, eta, exact.nEps);
    const b = derivativesOf(differences.subjects.slice(0, subjects), theta, eta, exact.nEps);
    const scale = Math.max(...b.map(Math.abs));
    let largest = 0;
    for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i]! - b[i]!));
    expect(largest).toBeLessThanOrEqual(1e-7 * scale);
    expect(largest).toBeGreaterThan(0);
  }

  it('oral_2cpt (2 cmt oral, 5 etas on CL, V1, Q, V2, KA)', () => {
    const model = loadModelFile('models/oral_2cpt.pkm');
    agree(model, readModelDataset(model), Float64Array.of(0.2, -0.1, 0.3, -0.25, 0.15));
  });

  it('bolus_2cpt (steady-state doses) and infusion_2cpt (infusions)', () => {
    for (const file of ['models/bolus_2cpt.pkm', 'models/infusion_2cpt.pkm']) {
      const model = loadModelFile(file);
      agree(model, readModelDataset(model), Float64Array.of(0.1, -0.1, 0.2, -0.2), 6);
    }
  });

  it('time-varying weight on CL, last observation carried forward, and a steady-state start', () => {
    const model = defineModel({
      name: 'tv_locf', covariates: ['WT'], timeVarying: 'locf', theta: { TCL: 0.1, TV: 10, TKA: 1.2 },
      omega: { eta_CL: 0.1, eta_V: 0.1, eta_KA: 0.2 }, sigma: { eps: 0.01 },
      individual: { CL: 'TCL * WT ^ 0.75 * exp(eta_CL)', V: 'TV * exp(eta_V)', KA: 'TKA * exp(eta_KA)' },
      structure: '1cmt oral',
      observe: { outputs: { CP: 'central / V' }, rules: ['proportional(CP, eps)'] },
    });
    const data = 'ID,TIME,AMT,DV,WT,EVID,MDV,CMT,SS,II\n1,0,100,.,10,1,1,1,1,12\n1,2,0,3,12,0,0,2,0,0\n'
      + '1,5,0,2,15,0,0,2,0,0\n1,8,50,.,18,1,1,1,0,0\n1,12,0,1,20,0,0,2,0,0\n';
    const dataset = parseDataset(data, 'tv.csv');
    expect((bindModel(model, dataset).subjects[0] as unknown as { constant: boolean }).constant).toBe(false);
    agree(model, dataset, Float64Array.of(0.1, -0.3, 0.2));
  });
});

describe('forward sensitivities of ODE models', () => {
  const theta = (model: Model): Float64Array => Float64Array.from(model.theta.map((t) => t.init));

  it('the ODE form of oral_2cpt gives the closed form\'s exact derivatives (1e-6 relative; integration relTol 1e-8)', () => {
    const text = readFileSync('models/oral_2cpt.pkm', 'utf8');
    const odes = text.replace('structure 2cmt oral', [
      'odes',
      '  d/dt(depot) = -KA * depot',
      '  d/dt(central) = KA * depot - CL / V1 * central - Q / V1 * central + Q / V2 * peripheral',
      '  d/dt(peripheral) = Q / V1 * central - Q / V2 * peripheral',
    ].join('\n'));
    const closed = parseModel(text, 'models/oral_2cpt.pkm');
    const ode = parseModel(odes, 'models/oral_2cpt.pkm');
    const dataset = readModelDataset(closed);
    const eta = Float64Array.of(0.2, -0.1, 0.3, -0.25, 0.15);
    const viaOde = bindModel(ode, dataset).subjects.slice(0, 8);
    const exact = derivativesOf(bindModel(closed, dataset).subjects.slice(0, 8), theta(closed), eta, 1);
    const a = derivativesOf(viaOde, theta(ode), eta, 1);
    const scale = Math.max(...exact.map(Math.abs));
    let largest = 0;
    for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i]! - exact[i]!));
    expect(largest).toBeLessThanOrEqual(1e-6 * scale);
  });

  it('Michaelis–Menten with a steady-state start, ADDL and an infusion: central differences at relTol 1e-12 (1e-6 relative)', () => {
    const model = loadModelFile('models/oral_1cpt_mm.pkm');
    const data = [
      'ID,TIME,AMT,DV,EVID,MDV,CMT,SS,II,ADDL,RATE',
      '1,0,6000,.,1,1,1,1,12,2,0', '1,1,0,150,0,0,2,0,0,0,0', '1,6,0,90,0,0,2,0,0,0,0', '1,13,0,140,0,0,2,0,0,0,0',
      '1,30,0,60,0,0,2,0,0,0,0', '1,36,6000,.,1,1,2,0,0,0,2000', '1,37,0,200,0,0,2,0,0,0,0', '1,48,0,40,0,0,2,0,0,0,0',
    ].join('\n') + '\n';
    const dataset = parseDataset(data, 'mm.csv');
    const eta = Float64Array.of(0.1, -0.1, 0.05, 0.2);
    const tight = { relTol: 1e-12, absTol: 1e-14 };
    const sens = derivativesOf(bindModel(model, dataset, { odeTolerances: tight }).subjects, theta(model), eta, 1);
    const fd = derivativesOf(bindModel(model, dataset, { odeTolerances: tight, amountDerivatives: 'differences', derivativeStep: 1e-4 }).subjects, theta(model), eta, 1);
    const scale = Math.max(...fd.map(Math.abs));
    let largest = 0;
    for (let i = 0; i < sens.length; i++) largest = Math.max(largest, Math.abs(sens[i]! - fd[i]!));
    expect(largest).toBeLessThanOrEqual(1e-6 * scale);
    expect(largest).toBeGreaterThan(0);
  });

  it('fast absorption (KA 500/h, an emptied depot): sensitivities stay finite and agree (1e-6 relative)', () => {
    const model = loadModelFile('models/oral_1cpt_mm.pkm');
    const th = theta(model);
    th[model.theta.findIndex((t) => t.name === 'POP_KA')] = 500;
    const data = 'ID,TIME,AMT,DV,EVID,MDV,CMT\n1,0,6000,.,1,1,1\n1,0.5,0,80,0,0,2\n1,4,0,50,0,0,2\n1,24,0,10,0,0,2\n1,48,0,1,0,0,2\n';
    const dataset = parseDataset(data, 'fast.csv');
    const eta = Float64Array.of(0.1, -0.1, 0.05, 0.2);
    const tight = { relTol: 1e-12, absTol: 1e-14 };
    const sens = derivativesOf(bindModel(model, dataset).subjects, th, eta, 1);
    const fd = derivativesOf(bindModel(model, dataset, { odeTolerances: tight, amountDerivatives: 'differences', derivativeStep: 1e-4 }).subjects, th, eta, 1);
    const scale = Math.max(...fd.map(Math.abs));
    for (let i = 0; i < sens.length; i++) expect(Math.abs(sens[i]! - fd[i]!)).toBeLessThanOrEqual(1e-6 * scale);
  });
});
