/**
 * Pluggable rules that decide whether a relation is supported, in place of (or together with)
 * the likelihood-ratio test. A criterion judges one comparison of a model with the relation
 * (`full`) and the same model without it (`reduced`):
 *  - forward, the search adds the supported candidate with the lowest score;
 *  - backward, it removes the unsupported relation with the highest score.
 * With `lrt(p)` this is PsN's rule: forward adds the relation with the lowest p below
 * p_forward; backward removes the one with the highest p above p_backward.
 */
import { chiSquarePValue } from '../stats/chi-square.js';
import type { ScmRelation } from './scm-candidates.js';
import type { ScmFit } from './scm-fit.js';

/** One relation tested: the fits with and without it. */
export interface RelationTest {
  readonly direction: 'forward' | 'backward';
  readonly relation: ScmRelation;
  /** Fit of the model with the relation. */
  readonly full: ScmFit;
  /** Fit of the model without it (for an upgrade, e.g. linear → piecewise-linear: with the smaller relation). */
  readonly reduced: ScmFit;
  /** Degrees of freedom between the two models. */
  readonly df: number;
  /** OFV drop: reduced.ofv − full.ofv (positive when the relation lowers the OFV). */
  readonly drop: number;
  /** Likelihood-ratio p-value of the drop, χ²(df). */
  readonly p: number;
}

/** A criterion's judgement of one relation. */
export interface CriterionVerdict {
  /** True when the relation is supported (forward: may be added; backward: is kept). */
  readonly significant: boolean;
  /** Lower is stronger support (e.g. the p-value, or the BIC difference). */
  readonly score: number;
  /** Short text for the log, e.g. "p=0.0032 < 0.05". */
  readonly detail: string;
}

/** A rule deciding whether a relation is supported. */
export interface Criterion {
  /** What the criterion checks, for logs (e.g. "LRT p < 0.05"). */
  readonly name: string;
  /** True when the criterion reads standard errors; the search then runs the covariance step. */
  readonly needsStandardErrors?: boolean;
  judge(test: RelationTest): CriterionVerdict;
}

/** A RelationTest from two fits (drop and p computed here). */
export function relationTest(direction: 'forward' | 'backward', relation: ScmRelation, full: ScmFit, reduced: ScmFit, df: number): RelationTest {
  const drop = reduced.ofv - full.ofv;
  return { direction, relation, full, reduced, df, drop, p: chiSquarePValue(drop, df) };
}

function formatP(p: number): string {
  return p < 1e-4 ? p.toExponential(2) : p.toFixed(4);
}

/**
 * Likelihood-ratio test: supported when p < `alpha` (the OFV drop exceeds the χ²(df)
 * critical value, e.g. 3.84 for df 1 at 0.05); score p. PsN's gof = p_value.
 */
export function lrt(alpha = 0.05): Criterion {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`lrt: the significance level must be in (0, 1) (got ${alpha})`);
  return {
    name: `LRT p < ${alpha}`,
    judge: (t) => ({ significant: t.p < alpha, score: t.p, detail: `p=${formatP(t.p)}${t.p < alpha ? ' <' : ' ≥'} ${alpha}` }),
  };
}

/**
 * Bayesian information criterion (OFV + N log 2π + k log N, N observations): supported when
 * the relation lowers the BIC by more than `minDecrease` (default 0); score ΔBIC = BIC(full) − BIC(reduced).
 */
export function bic(minDecrease = 0): Criterion {
  return {
    name: minDecrease > 0 ? `BIC decrease > ${minDecrease}` : 'BIC decreases',
    judge: (t) => {
      const d = t.full.bic - t.reduced.bic;
      return { significant: d < -minDecrease, score: d, detail: `dBIC=${d.toFixed(2)}` };
    },
  };
}

/** Akaike information criterion: supported when the relation lowers the AIC by more than `minDecrease`; score ΔAIC. */
export function aic(minDecrease = 0): Criterion {
  return {
    name: minDecrease > 0 ? `AIC decrease > ${minDecrease}` : 'AIC decreases',
    judge: (t) => {
      const d = t.full.aic - t.reduced.aic;
      return { significant: d < -minDecrease, score: d, detail: `dAIC=${d.toFixed(2)}` };
    },
  };
}

/**
 * Precision: supported when every theta of the relation has a relative standard error
 * 100·SE/|θ| ≤ `maxPercent` in the full model (from its covariance step; a missing SE fails).
 * Score: the largest RSE (%). Use with another criterion: `allOf(lrt(0.05), maxRse(50))`.
 */
export function maxRse(maxPercent: number): Criterion {
  return {
    name: `RSE ≤ ${maxPercent}%`,
    needsStandardErrors: true,
    judge: (t) => {
      let worst = 0;
      for (const name of t.relation.effect.thetas) {
        const i = t.full.thetaNames.indexOf(name);
        const se = t.full.thetaSe?.[name];
        const value = i >= 0 ? t.full.theta[i]! : NaN;
        const rse = se !== undefined && value !== 0 ? 100 * se / Math.abs(value) : Infinity;
        worst = Math.max(worst, Number.isNaN(rse) ? Infinity : rse);
      }
      return { significant: worst <= maxPercent, score: worst, detail: Number.isFinite(worst) ? `RSE=${worst.toFixed(1)}%` : 'RSE unavailable' };
    },
  };
}

/**
 * The factor a relation multiplies its parameter by, at covariate value `x`, given its theta
 * values (in `relation.effect.thetas` order). Example: power with θ = 0.75, reference 70: x = 35 gives 0.5^0.75.
 */
export function relationFactor(relation: ScmRelation, thetas: readonly number[], x: number | string): number {
  const e = relation.effect;
  if (e.form === 'categorical') {
    const k = (e.categories ?? []).indexOf(x);
    return k < 0 ? 1 : 1 + thetas[k]!;
  }
  const ref = e.reference as number;
  const v = x as number;
  switch (e.form) {
    case 'linear': return 1 + thetas[0]! * (v - ref);
    case 'piecewise-linear': return 1 + (v <= ref ? thetas[0]! : thetas[1]!) * (v - ref);
    case 'exponential': return Math.exp(thetas[0]! * (v - ref));
    case 'power': return (v / ref) ** thetas[0]!;
  }
}

/** Largest |factor − 1| of the relation over the observed covariate range (or categories), at the full fit's estimates. */
export function relationEffectSize(relation: ScmRelation, fit: ScmFit): number {
  const thetas = relation.effect.thetas.map((name) => fit.theta[fit.thetaNames.indexOf(name)] ?? NaN);
  const s = relation.statistics;
  const points: (number | string)[] = s.kind === 'continuous' ? [s.min, s.max] : s.categories.map((c) => c.value);
  let size = 0;
  for (const x of points) size = Math.max(size, Math.abs(relationFactor(relation, thetas, x) - 1));
  return size;
}

/**
 * Clinical relevance: supported when the relation changes its parameter by at least
 * `minFraction` (e.g. 0.2 = 20%) somewhere in the observed covariate range (continuous:
 * at the minimum or maximum; categorical: in some category). Score: −(largest change).
 */
export function minEffect(minFraction: number): Criterion {
  return {
    name: `effect ≥ ${Math.round(minFraction * 100)}%`,
    judge: (t) => {
      const size = relationEffectSize(t.relation, t.full);
      return { significant: size >= minFraction, score: -size, detail: `effect=${(100 * size).toFixed(1)}%` };
    },
  };
}

function needsSe(criteria: readonly Criterion[]): boolean {
  return criteria.some((c) => c.needsStandardErrors === true);
}

/** Supported when every criterion supports the relation; score of the first criterion. */
export function allOf(...criteria: Criterion[]): Criterion {
  if (criteria.length === 0) throw new RangeError('allOf needs at least one criterion');
  return {
    name: criteria.map((c) => c.name).join(' and '),
    needsStandardErrors: needsSe(criteria),
    judge: (t) => {
      const verdicts = criteria.map((c) => c.judge(t));
      return { significant: verdicts.every((v) => v.significant), score: verdicts[0]!.score, detail: verdicts.map((v) => v.detail).join(', ') };
    },
  };
}

/** Supported when any criterion supports the relation; score of the first criterion. */
export function anyOf(...criteria: Criterion[]): Criterion {
  if (criteria.length === 0) throw new RangeError('anyOf needs at least one criterion');
  return {
    name: criteria.map((c) => c.name).join(' or '),
    needsStandardErrors: needsSe(criteria),
    judge: (t) => {
      const verdicts = criteria.map((c) => c.judge(t));
      return { significant: verdicts.some((v) => v.significant), score: verdicts[0]!.score, detail: verdicts.map((v) => v.detail).join(', ') };
    },
  };
}
