/**
 * Exposure metrics and target attainment. References: closed-form integrals and extrema of
 * the 1-cmt superposition formulas (Gibaldi & Perrier), R 4.x `quantile(type = 7)` values, and
 * a probability of target attainment worked by hand.
 */
import { describe, expect, test } from 'vitest';
import { aucLinearUpLogDown, METRIC, METRIC_NAMES, terminalSlope, timeAbove } from '../../src/simulation/metrics.js';
import { parseRegimen } from '../../src/simulation/regimen-parse.js';
import { simulateRegimen } from '../../src/simulation/simulate.js';
import { emptyPopulation, type VirtualPopulation } from '../../src/simulation/population.js';
import { checkTargetWindow, parseTarget, quantileSorted, summarize, targetAttainment } from '../../src/simulation/summary.js';
import { windowGrid } from '../../src/simulation/design.js';
import { binderOf, diag, infusionConcentration, oneCompartment, oralConcentration, thetaOf } from '../support/simulation.js';

const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
const W = METRIC_NAMES.length;

describe('building blocks', () => {
  test('log-down is exact for an exponential decline; linear-up for a rise', () => {
    expect(aucLinearUpLogDown([0, 1], [2, 1])).toBeCloseTo(1 / Math.LN2, 14);
    expect(aucLinearUpLogDown([0, 1, 1, 2], [0, 2, 4, 4])).toBe(1 + 4);
    expect(timeAbove([0, 2], [0, 4], 2)).toBe(1);
    expect(timeAbove([0, 1, 2], [3, 3, 1], 2)).toBe(1.5);
    expect(terminalSlope([0, 1, 2], [8, 4, 2], 3, 0, 2)).toBeCloseTo(Math.LN2, 14);
    expect(terminalSlope([0, 1, 2], [1, 2, 4], 3, 0, 2)).toBeNaN();
  });
  test('percentiles as R quantile(type = 7): quantile(c(1,2,3,4,10), c(.05,.5,.95)) = 1.2, 3, 8.8', () => {
    const x = Float64Array.of(1, 2, 3, 4, 10);
    expect(quantileSorted(x, 0.05)).toBeCloseTo(1.2, 14);
    expect(quantileSorted(x, 0.5)).toBe(3);
    expect(quantileSorted(x, 0.95)).toBeCloseTo(8.8, 14);
    const s = summarize('x', Float64Array.of(1, NaN, 2, 3, 4, 10), 6);
    expect(s.n).toBe(5);
    expect(s.notEstimable).toBe(1);
    expect(s.mean).toBe(4);
    expect(s.sd).toBeCloseTo(Math.sqrt(12.5), 14);
    expect(s.geometricMean).toBeCloseTo(Math.pow(240, 1 / 5), 12);
  });
  test('the window grid has a point before and after a dose inside the window', () => {
    const g = windowGrid({ start: 0, end: 24, steps: 4 }, [0, 12, 24], [1]);
    expect(g.times).toEqual([0, 1, 6, 12, 12, 18, 24]);
    expect(g.phases).toEqual([1, 0, 0, 0, 1, 0, 0]);
  });
  test('target texts', () => {
    expect(parseTarget('trough 10-15')).toMatchObject({ metric: 'CTROUGH', lower: 10, upper: 15 });
    expect(parseTarget('auc24 400-600')).toMatchObject({ metric: 'AUC', aucHours: 24, lower: 400, upper: 600 });
    expect(parseTarget('peak < 30')).toMatchObject({ metric: 'CMAX', upper: 30, upperStrict: true });
    expect(parseTarget('ftabove >= 50%')).toMatchObject({ metric: 'FTABOVE', lower: 0.5, lowerStrict: false });
    expect(() => parseTarget('troff 10-15')).toThrow(/unknown exposure metric 'troff'/);
    expect(() => parseTarget('trough 15-10')).toThrow(/below its start/);
    expect(() => checkTargetWindow(parseTarget('auc24 1-2'), 12)).toThrow(/24 h/);
  });
});

describe('metrics of simulated profiles equal closed-form values', () => {
  test('1-cmt iv bolus q12h x5, last interval: AUC, Cmax, trough, λz, AUC∞ (relative 1e-9)', () => {
    const model = oneCompartment('iv');
    const sim = simulateRegimen(binderOf(model), { theta: thetaOf(model), omega: diag(0, 0), sigma: diag(0) },
      { regimen: parseRegimen('100 mg iv q12h x5'), doseTargets: { iv: 1 }, times: Float64Array.of(60), window: { start: 48, end: 60 } },
      emptyPopulation(1), { seed: 1, metrics: { threshold: 4 } });
    const k = 0.1;
    const doses = [0, 12, 24, 36, 48];
    const c = (t: number): number => doses.filter((d) => d <= t).reduce((s, d) => s + 5 * Math.exp(-k * (t - d)), 0);
    const auc = doses.reduce((s, d) => s + (100 / (20 * k)) * (Math.exp(-k * (48 - d)) - Math.exp(-k * (60 - d))), 0);
    const m = sim.metrics!;
    expect(relErr(m[METRIC.AUC]!, auc)).toBeLessThan(1e-9);
    expect(relErr(m[METRIC.CMAX]!, c(48))).toBeLessThan(1e-12);
    expect(m[METRIC.TMAX]).toBe(48);
    expect(relErr(m[METRIC.CTROUGH]!, c(60))).toBeLessThan(1e-12);
    expect(relErr(m[METRIC.CMIN]!, c(60))).toBeLessThan(1e-12);
    expect(relErr(m[METRIC.LAMBDAZ]!, k)).toBeLessThan(1e-9);
    expect(relErr(m[METRIC.AUCINF]!, auc + c(60) / k)).toBeLessThan(1e-9);
    // Time above 4: C(48 + s) = c(48) e^(−ks) > 4 for s < ln(c(48)/4)/k; linear interpolation on a 0.0625 h grid.
    expect(Math.abs(m[METRIC.TABOVE]! - Math.log(c(48) / 4) / k)).toBeLessThan(1e-3);
    expect(m[METRIC.FTABOVE]).toBeCloseTo(m[METRIC.TABOVE]! / 12, 14);
  });
  test('1-cmt oral q24h x3, last interval: AUC within 0.05%, Cmax within 0.05%, Tmax within one grid step', () => {
    const model = oneCompartment('oral');
    const sim = simulateRegimen(binderOf(model), { theta: thetaOf(model), omega: diag(0, 0, 0), sigma: diag(0) },
      { regimen: parseRegimen('250 mg po q24h x3'), doseTargets: { iv: 2, oral: 1 }, times: Float64Array.of(72), window: { start: 48, end: 72 } },
      emptyPopulation(1), { seed: 1 });
    const [cl, v, ka] = [2, 20, 1.5];
    const k = cl / v;
    const coef = (250 * ka) / (v * (ka - k));
    const auc = [0, 24, 48].reduce((s, d) => s + coef * ((Math.exp(-k * (48 - d)) - Math.exp(-k * (72 - d))) / k
      - (Math.exp(-ka * Math.max(0, 48 - d)) - Math.exp(-ka * (72 - d))) / ka), 0);
    let cmax = 0, tmax = 0;
    for (let t = 48; t <= 72; t += 1e-4) {
      const c = oralConcentration(t + 1e-12, 250, [0, 24, 48], cl, v, ka);
      if (c > cmax) { cmax = c; tmax = t; }
    }
    const m = sim.metrics!;
    expect(relErr(m[METRIC.AUC]!, auc)).toBeLessThan(5e-4);
    expect(relErr(m[METRIC.CMAX]!, cmax)).toBeLessThan(5e-4);
    expect(Math.abs(m[METRIC.TMAX]! - tmax)).toBeLessThanOrEqual(0.125);
    expect(relErr(m[METRIC.CTROUGH]!, oralConcentration(72, 250, [0, 24, 48], cl, v, ka))).toBeLessThan(1e-10);
  });
  test('an infusion peaks at its end, which is on the grid (relative 1e-10)', () => {
    const model = oneCompartment('iv');
    const sim = simulateRegimen(binderOf(model), { theta: thetaOf(model), omega: diag(0, 0), sigma: diag(0) },
      { regimen: parseRegimen('400 mg iv over 1.3 h q8h x2'), doseTargets: { iv: 1 }, times: Float64Array.of(16), window: { start: 8, end: 16 } },
      emptyPopulation(1), { seed: 1 });
    expect(relErr(sim.metrics![METRIC.CMAX]!, infusionConcentration(9.3, 400, 1.3, [0, 8], 2, 20))).toBeLessThan(1e-10);
    expect(sim.metrics![METRIC.TMAX]).toBeCloseTo(9.3, 12);
  });
});

describe('probability of target attainment, worked by hand', () => {
  test('three weights, 100 mg iv, trough at 12 h in 1-3 mg/L: 2 of 3', () => {
    // CL = 2·WT/70 L/h, V = 20 L: WT 35, 70, 140 give k = 0.05, 0.1, 0.2 /h and troughs
    // 5·e^(−0.6) = 2.744, 5·e^(−1.2) = 1.506, 5·e^(−2.4) = 0.454 mg/L at 12 h.
    const model = oneCompartment('iv', 'proportional', true);
    const pop: VirtualPopulation = { n: 3, names: ['WT'], columns: [Float64Array.of(35, 70, 140)] };
    const sim = simulateRegimen(binderOf(model), { theta: thetaOf(model), omega: diag(0, 0), sigma: diag(0) },
      { regimen: parseRegimen('100 mg iv'), doseTargets: { iv: 1 }, times: Float64Array.of(12), window: { start: 0, end: 12 } },
      pop, { seed: 1 });
    const troughs = [0, 1, 2].map((i) => sim.metrics![i * W + METRIC.CTROUGH]!);
    [2.744058, 1.505971, 0.453590].forEach((x, i) => expect(troughs[i]).toBeCloseTo(x, 5));
    const pta = targetAttainment(parseTarget('trough 1-3'), sim.metrics!, 3, W);
    expect(pta).toMatchObject({ attained: 2, evaluable: 3 });
    expect(pta.probability).toBeCloseTo(2 / 3, 15);
    expect(targetAttainment(parseTarget('trough > 2.75'), sim.metrics!, 3, W).attained).toBe(0);
    expect(targetAttainment(parseTarget('trough >= 0.4'), sim.metrics!, 3, W).probability).toBe(1);
  });
});
