/**
 * Models and closed-form references shared by the simulation tests. The references are the
 * textbook superposition formulas (Gibaldi & Perrier, Pharmacokinetics, 2nd ed., ch. 1-3):
 * one-compartment bolus, zero-order infusion and first-order absorption (Bateman function).
 */
import { modelBinder } from '../../src/subject/bind.js';
import { defineModel } from '../../src/model/define.js';
import type { Model } from '../../src/model/types.js';
import type { Dataset } from '../../src/data/types.js';
import type { BoundModel } from '../../src/subject/bound.js';

/** 1-cmt model, CL = TVCL·(WT/70)·e^ηCL, V = TVV·e^ηV, error model as given. */
export function oneCompartment(route: 'iv' | 'oral', error: 'proportional' | 'additive' | 'exponential' = 'proportional', withWeight = false): Model {
  return defineModel({
    name: `one_cmt_${route}_${error}`,
    covariates: withWeight ? ['WT'] : [],
    theta: { TVCL: { init: 2, lower: 0 }, TVV: { init: 20, lower: 0 }, ...(route === 'oral' ? { TVKA: { init: 1.5, lower: 0 } } : {}) },
    omega: { eta_CL: 0.09, eta_V: 0.04, ...(route === 'oral' ? { eta_KA: 0.1 } : {}) },
    sigma: { eps: 0.01 },
    individual: {
      CL: withWeight ? 'TVCL * (WT / 70) * exp(eta_CL)' : 'TVCL * exp(eta_CL)',
      V: 'TVV * exp(eta_V)',
      ...(route === 'oral' ? { KA: 'TVKA * exp(eta_KA)' } : {}),
    },
    structure: `1cmt ${route}`,
    observe: { outputs: { CP: 'central / V' }, rules: [`${error}(CP, eps)`] },
  });
}

/** 2-cmt iv model with fixed typical values (for the biexponential reference). */
export function twoCompartmentIv(): Model {
  return defineModel({
    name: 'two_cmt_iv',
    theta: { TVCL: { init: 3, lower: 0 }, TVV1: { init: 10, lower: 0 }, TVQ: { init: 5, lower: 0 }, TVV2: { init: 40, lower: 0 } },
    omega: { eta_CL: 0.09 },
    sigma: { eps: 0.01 },
    individual: { CL: 'TVCL * exp(eta_CL)', V1: 'TVV1', Q: 'TVQ', V2: 'TVV2' },
    structure: '2cmt iv',
    observe: { outputs: { CP: 'central / V1' }, rules: ['proportional(CP, eps)'] },
  });
}

/** A binder for `model`. */
export const binderOf = (model: Model): ((ds: Dataset) => BoundModel) => modelBinder(model);

/** θ of a model's initial estimates. */
export const thetaOf = (model: Model): Float64Array => Float64Array.from(model.theta, (t) => t.init);

/** Diagonal matrix with the given diagonal, row-major. */
export function diag(...d: number[]): Float64Array {
  const n = d.length;
  const m = new Float64Array(n * n);
  d.forEach((v, i) => { m[i * n + i] = v; });
  return m;
}

/** Doses before time t (a dose at t itself excluded: the sample is taken before it). */
const before = (doseTimes: readonly number[], t: number): number[] => doseTimes.filter((d) => d < t);

/** 1-cmt iv bolus superposition: Σ D/V e^(−k(t − t_d)). */
export function bolusConcentration(t: number, dose: number, doseTimes: readonly number[], cl: number, v: number): number {
  const k = cl / v;
  return before(doseTimes, t).reduce((s, d) => s + (dose / v) * Math.exp(-k * (t - d)), 0);
}

/** 1-cmt first-order absorption (Bateman): Σ D ka/(V(ka − k)) (e^(−kΔ) − e^(−ka Δ)). */
export function oralConcentration(t: number, dose: number, doseTimes: readonly number[], cl: number, v: number, ka: number): number {
  const k = cl / v;
  return before(doseTimes, t).reduce((s, d) => s + ((dose * ka) / (v * (ka - k))) * (Math.exp(-k * (t - d)) - Math.exp(-ka * (t - d))), 0);
}

/** 1-cmt zero-order infusion of `dose` over `duration`: R/CL (1 − e^(−kΔ)) during, then decay. */
export function infusionConcentration(t: number, dose: number, duration: number, doseTimes: readonly number[], cl: number, v: number): number {
  const k = cl / v;
  const rate = dose / duration;
  return before(doseTimes, t).reduce((s, d) => {
    const dt = t - d;
    if (dt <= duration) return s + (rate / cl) * (1 - Math.exp(-k * dt));
    return s + (rate / cl) * (1 - Math.exp(-k * duration)) * Math.exp(-k * (dt - duration));
  }, 0);
}

/**
 * 2-cmt iv bolus: C(t) = A e^(−αt) + B e^(−βt) with α, β the roots of
 * s² − (k10 + k12 + k21) s + k10 k21 and A = D(α − k21)/(V1(α − β)), B = D(k21 − β)/(V1(α − β)).
 */
export function twoCompartmentBolus(t: number, dose: number, cl: number, v1: number, q: number, v2: number): number {
  const k10 = cl / v1, k12 = q / v1, k21 = q / v2;
  const sum = k10 + k12 + k21;
  const disc = Math.sqrt(sum * sum - 4 * k10 * k21);
  const alpha = (sum + disc) / 2, beta = (sum - disc) / 2;
  const a = (dose * (alpha - k21)) / (v1 * (alpha - beta));
  const b = (dose * (k21 - beta)) / (v1 * (alpha - beta));
  return t > 0 ? a * Math.exp(-alpha * t) + b * Math.exp(-beta * t) : 0;
}

/** Sample mean and variance (n − 1). */
export function meanVariance(x: ArrayLike<number>): { mean: number; variance: number } {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i]!;
  m /= x.length;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - m) ** 2;
  return { mean: m, variance: s / (x.length - 1) };
}
