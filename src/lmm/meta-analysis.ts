/**
 * Random-effects meta-analysis on the LMM core: y_i = μ + b_i + e_i with b_i ~ N(0, τ²) and
 * e_i ~ N(0, v_i), v_i known. This is a linear mixed model with one random intercept per
 * study, prior weights w_i = 1/v_i and the residual scale fixed (σ = 1), so τ = θ.
 * τ² by REML or ML as in metafor's rma() (Viechtbauer 2005, J Educ Behav Stat 30:261;
 * Viechtbauer 2010, J Stat Softw 36(3)); heterogeneity statistics: Cochran's Q with the
 * fixed-effect weights (DerSimonian & Laird 1986, Control Clin Trials 7:177), I² and H² with
 * the "typical" within-study variance s² = (k−1)Σw / ((Σw)² − Σw²) (Higgins & Thompson 2002,
 * Stat Med 21:1539), as metafor computes them.
 */
import { ModelError } from '../errors.js';
import { chiSquarePValue } from '../stats/chi-square.js';
import { normalQuantile, normalUpperTail } from '../stats/normal.js';
import { fitLmm } from './fit.js';
import type { LmmOptimization } from './fit-types.js';
import type { LmmFrame } from './frame-types.js';

export interface MetaAnalysisInput {
  /** Observed effect sizes (e.g. log relative risks), one per study. */
  readonly yi: ArrayLike<number>;
  /** Their sampling variances (known), > 0. */
  readonly vi: ArrayLike<number>;
  /** τ² estimator (default 'REML', as metafor). */
  readonly method?: 'REML' | 'ML';
  /** Confidence level of the interval for μ, in percent (default 95). */
  readonly level?: number;
  /** Study labels (default "1", "2", ...). */
  readonly labels?: readonly string[];
}

export interface MetaAnalysisResult {
  readonly method: 'REML' | 'ML';
  /** Number of studies. */
  readonly k: number;
  /** Between-study variance τ² and its square root. */
  readonly tau2: number;
  readonly tau: number;
  /** Pooled effect μ̂ with its standard error, z statistic, two-sided p-value and CI. */
  readonly mu: number;
  readonly se: number;
  readonly z: number;
  readonly p: number;
  readonly ciLower: number;
  readonly ciUpper: number;
  /** I² in percent and H². */
  readonly I2: number;
  readonly H2: number;
  /** Cochran's Q (fixed-effect weights), its degrees of freedom (k − 1) and p-value. */
  readonly Q: number;
  readonly Qdf: number;
  readonly Qp: number;
  /**
   * Log-likelihood (ML) or restricted log-likelihood (REML) at the estimates. The REML value
   * omits metafor's constant ½ log|XᵀX| (= ½ log k), which does not depend on τ².
   */
  readonly logLik: number;
  /** Random-effects weights 1/(v_i + τ²) as percentages of their sum. */
  readonly weights: Float64Array;
  /** Conditional modes of the study effects b_i (BLUPs). */
  readonly blups: Float64Array;
  readonly optimization: LmmOptimization;
}

/**
 * Fits the random-effects model to effect sizes yi with known variances vi.
 * Example (BCG trials, log relative risks): `metaAnalysis({ yi, vi }).tau2` ≈ 0.3132 and
 * `.mu` ≈ −0.7145 (metafor rma(), REML).
 */
export function metaAnalysis(input: MetaAnalysisInput): MetaAnalysisResult {
  const k = input.yi.length;
  const method = input.method ?? 'REML';
  const level = input.level ?? 95;
  if (input.vi.length !== k) throw new ModelError(`meta-analysis: ${k} effect sizes but ${input.vi.length} variances`);
  if (input.labels !== undefined && input.labels.length !== k) {
    throw new ModelError(`meta-analysis: ${k} effect sizes but ${input.labels.length} study labels`);
  }
  if (k < 2) throw new ModelError('meta-analysis: at least 2 studies are needed to estimate τ²');
  for (let i = 0; i < k; i++) {
    if (!Number.isFinite(input.yi[i])) throw new ModelError(`meta-analysis: effect size of study ${i + 1} is not finite`);
    if (!(input.vi[i] > 0) || !Number.isFinite(input.vi[i])) throw new ModelError(`meta-analysis: variance of study ${i + 1} must be positive, got ${input.vi[i]}`);
  }
  if (!(level > 0 && level < 100)) throw new ModelError(`meta-analysis: level must be a percentage in (0, 100), got ${level}`);
  const labels = input.labels ?? Array.from({ length: k }, (_, i) => String(i + 1));
  const w = Float64Array.from(input.vi, (v) => 1 / v);
  const frame: LmmFrame = {
    n: k,
    responseName: 'yi',
    y: Float64Array.from(input.yi),
    X: new Float64Array(k).fill(1),
    fixedNames: ['(Intercept)'],
    terms: [{
      group: 'study', levels: labels, groupIndex: Int32Array.from({ length: k }, (_, i) => i),
      columnNames: ['(Intercept)'], z: new Float64Array(k).fill(1), correlated: true,
    }],
    weights: w,
    rows: Int32Array.from({ length: k }, (_, i) => i + 1),
  };
  const fit = fitLmm(frame, { reml: method === 'REML', residualScale: 'known', rhoEnd: 1e-8 });
  const tau = fit.optimization.thetaEnd[0];
  const tau2 = tau * tau;
  const mu = fit.fixef[0].estimate;
  const se = fit.fixef[0].se;
  const z = mu / se;
  const crit = normalQuantile(1 - (1 - level / 100) / 2);

  let sw = 0;
  let sw2 = 0;
  let swy = 0;
  for (let i = 0; i < k; i++) {
    sw += w[i];
    sw2 += w[i] * w[i];
    swy += w[i] * input.yi[i];
  }
  const yFixed = swy / sw;
  let Q = 0;
  for (let i = 0; i < k; i++) Q += w[i] * (input.yi[i] - yFixed) ** 2;
  const s2 = ((k - 1) * sw) / (sw * sw - sw2);
  const reWeights = Float64Array.from(input.vi, (v) => 1 / (v + tau2));
  const reSum = reWeights.reduce((a, b) => a + b, 0);
  return {
    method, k, tau2, tau, mu, se, z,
    p: 2 * normalUpperTail(Math.abs(z)),
    ciLower: mu - crit * se,
    ciUpper: mu + crit * se,
    I2: (100 * tau2) / (tau2 + s2),
    H2: (tau2 + s2) / s2,
    Q, Qdf: k - 1, Qp: chiSquarePValue(Q, k - 1),
    logLik: fit.logLik,
    weights: reWeights.map((v) => (100 * v) / reSum),
    blups: Float64Array.from(fit.ranef[0].values),
    optimization: fit.optimization,
  };
}
