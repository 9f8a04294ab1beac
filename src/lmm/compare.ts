/**
 * Comparing fits: the likelihood-ratio test between nested models (as lme4's anova, which
 * refits REML models by ML before comparing them) and the intraclass correlation of a
 * random-intercept model (the variance decomposition).
 */
import { PopkitError } from '../errors.js';
import { chiSquarePValue } from '../stats/chi-square.js';
import { fitLmm } from './fit.js';
import type { LmmFit } from './fit-types.js';

export interface LikelihoodRatioTest {
  /** Deviances (−2 log L, ML unless both fits are REML and refit was declined). */
  readonly devianceSmall: number;
  readonly devianceBig: number;
  readonly dfSmall: number;
  readonly dfBig: number;
  /** χ² = deviance(small) − deviance(big), with df = df(big) − df(small). */
  readonly chisq: number;
  readonly df: number;
  readonly p: number;
  /** True when REML fits were refitted by ML for the comparison (lme4's anova default). */
  readonly refitted: boolean;
  /** The fits compared (the ML refits when refitted). */
  readonly small: LmmFit;
  readonly big: LmmFit;
  /** Notes the user must read, e.g. that a variance on its boundary makes p conservative. */
  readonly notes: readonly string[];
}

/**
 * Likelihood-ratio test of `small` against `big` (small nested in big).
 * REML fits are refitted by ML first, as lme4's anova does (`refit: true`, default); with
 * `refit: false`, REML fits are compared only when their fixed effects are the same, and a
 * PopkitError is thrown otherwise (REML likelihoods of different fixed effects are not
 * comparable).
 * Example: sleepstudy `(Days || Subject)` against `(Days | Subject)` (ML): χ² ≈ 0.0639 on 1 df.
 */
export function likelihoodRatioTest(small: LmmFit, big: LmmFit, options: { refit?: boolean } = {}): LikelihoodRatioTest {
  if (small.nobs !== big.nobs) {
    throw new PopkitError(`the fits have different numbers of observations (${small.nobs} and ${big.nobs}); a likelihood-ratio test needs the same data`);
  }
  if (small.residualScale !== big.residualScale) throw new PopkitError('the fits differ in how the residual variance is treated');
  const refit = options.refit ?? true;
  const anyReml = small.reml || big.reml;
  let a = small;
  let b = big;
  let refitted = false;
  if (anyReml && refit) {
    a = small.reml ? fitLmm(small.frame, { reml: false, residualScale: small.residualScale }) : small;
    b = big.reml ? fitLmm(big.frame, { reml: false, residualScale: big.residualScale }) : big;
    refitted = true;
  } else if (anyReml) {
    if (!(small.reml && big.reml)) throw new PopkitError('cannot compare a REML fit with an ML fit; refit both by ML');
    const same = small.fixef.length === big.fixef.length && small.fixef.every((f, j) => f.name === big.fixef[j].name);
    if (!same) {
      throw new PopkitError('REML fits with different fixed effects cannot be compared by a likelihood-ratio test; refit them by ML (refit: true)');
    }
  }
  const df = b.df - a.df;
  if (df <= 0) throw new PopkitError(`the second model must have more parameters than the first (df ${a.df} vs ${b.df})`);
  const chisq = Math.max(0, a.deviance - b.deviance);
  const notes: string[] = [];
  if (a.deviance < b.deviance - 1e-6) notes.push('the larger model fits worse than the smaller one: the models may not be nested or a fit did not converge');
  if (b.optimization.singular || a.optimization.singular) {
    notes.push('a variance component is on its boundary (zero): the χ² p-value is conservative (the null distribution is a mixture)');
  }
  return {
    devianceSmall: a.deviance, devianceBig: b.deviance, dfSmall: a.df, dfBig: b.df,
    chisq, df, p: chiSquarePValue(chisq, df), refitted, small: a, big: b, notes,
  };
}

/** Share of the total variance due to one grouping factor. */
export interface IntraclassCorrelation {
  readonly group: string;
  readonly variance: number;
  /** variance / (Σ random-intercept variances + σ²). */
  readonly icc: number;
}

/**
 * Intraclass correlations of a random-intercept model (every term `(1 | g)`): for each
 * grouping factor, σ²_g / (Σ_h σ²_h + σ²). Throws PopkitError for a model with random
 * slopes, where the share of variance depends on the covariates.
 * Example: penicillin `(1 | plate) + (1 | sample)`: sample ≈ 0.784, plate ≈ 0.151.
 */
export function intraclassCorrelation(fit: LmmFit): IntraclassCorrelation[] {
  for (const t of fit.frame.terms) {
    if (t.columnNames.length !== 1 || t.columnNames[0] !== '(Intercept)') {
      throw new PopkitError(`the intraclass correlation needs random intercepts only; the term for ${t.group} has columns ${t.columnNames.join(', ')}`);
    }
  }
  if (fit.residualScale !== 'profiled') throw new PopkitError('the intraclass correlation needs an estimated residual variance');
  const comps = fit.varcomp.filter((v) => v.group !== 'Residual' && v.name2 === null);
  const total = comps.reduce((s, v) => s + v.variance, 0) + fit.sigma * fit.sigma;
  return comps.map((v) => ({ group: v.group, variance: v.variance, icc: v.variance / total }));
}
