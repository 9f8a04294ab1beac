/**
 * Fitting a linear mixed model: the stages of lme4's lmer (build the structure, make the
 * deviance function, optimize over θ with BOBYQA, check convergence, assemble the result),
 * each a separate function here or in its module.
 */
import { minimizeBobyqa } from '../optim/bobyqa.js';
import { derivativeCheck, isSingularTheta } from './convergence.js';
import { createWorkspace, devianceFunction, objective, setTheta, updateL, type ResidualScale } from './deviance.js';
import { conditionalCovarianceBlocks, fixedEffectEstimates, sphericalModes } from './estimates.js';
import type { LmmFit, LmmOptimization, RandomEffectsModes, ThetaEvaluation, VarianceComponent } from './fit-types.js';
import { ModelError } from '../errors.js';
import type { LmmFrame } from './frame-types.js';
import { buildStructure, type LmmStructure } from './structure.js';
import { momentStartTheta } from './start.js';
import { lambdaBlockInto, relativeCovariance, thetaIsDiagonal, thetaLowerBounds, thetaStart, type ThetaTermLayout } from './theta.js';

export interface LmmFitOptions {
  /** REML (default, as lme4) or maximum likelihood. */
  readonly reml?: boolean;
  /**
   * 'profiled' (default): residual variance σ² estimated, Var(e_i) = σ²/w_i.
   * 'known': σ = 1, Var(e_i) = 1/w_i known (a random-effects meta-analysis).
   */
  readonly residualScale?: ResidualScale;
  /**
   * Starting θ: 'moments' (default with an estimated residual variance; see start.ts),
   * 'identity' (Λ = I, lme4's start; the default with a known residual variance), or values
   * in the order of `optimization.thetaNames`.
   */
  readonly thetaStart?: 'moments' | 'identity' | ArrayLike<number>;
  /**
   * BOBYQA's initial and final trust-region radius in θ. Defaults: rhoEnd 1e-6; rhoBegin 0.2
   * from Λ = I, and a quarter of the smallest positive diagonal θ (within [0.02, 0.2]) from
   * a moment start.
   */
  readonly rhoBegin?: number;
  readonly rhoEnd?: number;
  /**
   * Relative function tolerance of the optimizer (NLopt's ftol_rel; MixedModels.jl uses
   * 1e-12). Default 0 (off): on ill-conditioned problems (orthodont) it stops while θ is
   * still 1e-4 (relative) from the optimum; popkit stops on the trust-region radius only.
   */
  readonly fTolRel?: number;
  /** Evaluation limit of the optimizer (default 10,000). */
  readonly maxEvaluations?: number;
  /** Compute conditional variances of the random effects (default true). */
  readonly conditionalVariances?: boolean;
  /**
   * Finite-difference gradient/Hessian check at the optimum (costs about 2k² + 1 deviance
   * evaluations for k = |θ|). 'auto' (default): only when n ≤ 10,000.
   */
  readonly checkDerivatives?: boolean | 'auto';
}

/**
 * Fits a linear mixed model to a frame by (RE)ML.
 * Example: `fitLmm(frame, { reml: true }).fixef[1].estimate` is 10.4673 for sleepstudy
 * `Reaction ~ Days + (Days | Subject)` (lme4 1.1.31: 10.467286).
 */
export function fitLmm(frame: LmmFrame, options: LmmFitOptions = {}): LmmFit {
  const started = performance.now();
  const reml = options.reml ?? true;
  const scale: ResidualScale = options.residualScale ?? 'profiled';
  const structure = buildStructure(frame);
  if (scale === 'profiled') checkIdentifiable(frame);
  const ws = createWorkspace(structure);
  const deviance = devianceFunction(ws, reml, scale);
  const lower = thetaLowerBounds(structure.theta);
  const history: ThetaEvaluation[] = [];
  const recorded = (theta: Float64Array): number => {
    // The optimizer's first point is the start, already evaluated when the start was chosen.
    for (let k = Math.max(0, history.length - 2); k < history.length; k++) {
      if (history[k].theta.every((v, i) => v === theta[i])) return history[k].objective;
    }
    const v = deviance(theta);
    history.push({ theta: Float64Array.from(theta), objective: v });
    return v;
  };
  let startKind = options.thetaStart ?? (scale === 'profiled' ? 'moments' : 'identity');
  let start = startKind === 'moments' ? momentStartTheta(frame, structure)
    : startKind === 'identity' ? thetaStart(structure.theta) : Float64Array.from(startKind);
  if (startKind === 'moments' && options.thetaStart === undefined) {
    // The moment start is a heuristic: keep lme4's Λ = I when the deviance is lower there.
    const identity = thetaStart(structure.theta);
    if (recorded(identity) < recorded(start)) {
      start = identity;
      startKind = 'identity';
    }
  }
  if (start.length !== structure.nTheta) {
    throw new RangeError(`fitLmm: thetaStart has ${start.length} elements, the model has ${structure.nTheta}`);
  }
  let rhoBegin = options.rhoBegin ?? 0.2;
  if (options.rhoBegin === undefined && startKind === 'moments') {
    let smallest = Infinity;
    thetaIsDiagonal(structure.theta).forEach((isDiag, i) => { if (isDiag && start[i] > 0) smallest = Math.min(smallest, start[i]); });
    if (Number.isFinite(smallest)) rhoBegin = Math.min(0.2, Math.max(0.02, 0.25 * smallest));
  }
  const opt = minimizeBobyqa(recorded, start, {
    lower,
    rhoBegin,
    rhoEnd: options.rhoEnd ?? 1e-6,
    maxEvaluations: options.maxEvaluations ?? 10000,
    fTolRel: options.fTolRel ?? 0,
  });
  const thetaHat = opt.x;

  const warnings: string[] = [];
  if (structure.droppedFixed.length > 0) {
    warnings.push(`fixed-effect model matrix is rank deficient: dropped ${structure.droppedFixed.join(', ')}`);
  }
  const singular = isSingularTheta(thetaHat, structure.theta);
  if (singular) warnings.push(`boundary (singular) fit: ${singularReasons(thetaHat, structure).join('; ')}`);
  if (!opt.converged) warnings.push(`optimizer did not converge: ${opt.status}`);

  const doCheck = options.checkDerivatives ?? 'auto';
  let check: ReturnType<typeof derivativeCheck> | null = null;
  if (doCheck === true || (doCheck === 'auto' && structure.n <= 10000)) {
    check = derivativeCheck(deviance, thetaHat, opt.f, lower);
    if (check.maxScaledGradient !== null && check.maxScaledGradient > 0.002) {
      warnings.push(`model failed to converge with max|grad| = ${check.maxScaledGradient.toPrecision(3)} (tol = 0.002)`);
    }
    if (check.hessianPositiveDefinite === false && !singular) {
      warnings.push('the Hessian of the deviance at the optimum is not positive definite');
    }
  }

  // Final factorization at θ̂ and the estimates.
  const fHat = objective(updateL(setTheta(ws, thetaHat)), reml, scale);
  const optimization: LmmOptimization = {
    optimizer: 'BOBYQA',
    thetaNames: thetaNames(structure),
    thetaStart: start,
    thetaEnd: Float64Array.from(thetaHat),
    lowerBounds: lower,
    objectiveStart: opt.fInitial ?? history[0]?.objective ?? NaN,
    objectiveEnd: fHat,
    evaluations: history.length,
    iterations: opt.iterations,
    converged: opt.converged,
    status: opt.status,
    message: opt.message,
    history,
    gradient: check?.gradient ?? null,
    maxScaledGradient: check?.maxScaledGradient ?? null,
    hessianPositiveDefinite: check?.hessianPositiveDefinite ?? null,
    singular,
    warnings,
  };
  return assembleFit(frame, structure, ws, reml, scale, fHat, optimization, options.conditionalVariances ?? true, started);
}

/** lme4-style names of the θ elements: "Subject.(Intercept)", "Subject.Days.(Intercept)". */
export function thetaNames(structure: LmmStructure): string[] {
  const names: string[] = [];
  structure.terms.forEach((t, k) => {
    const cols = t.term.columnNames;
    const layout = structure.theta[k];
    if (!layout.correlated) {
      for (const c of cols) names.push(`${t.term.group}.${c}`);
      return;
    }
    for (let j = 0; j < t.q; j++) {
      for (let i = j; i < t.q; i++) names.push(i === j ? `${t.term.group}.${cols[i]}` : `${t.term.group}.${cols[i]}.${cols[j]}`);
    }
  });
  return names;
}

function singularReasons(theta: Float64Array, structure: LmmStructure): string[] {
  const out: string[] = [];
  structure.terms.forEach((t, k) => {
    const layout: ThetaTermLayout = structure.theta[k];
    const q = t.q;
    const lam = new Float64Array(q * q);
    lambdaBlockInto(lam, 0, theta, layout);
    for (let i = 0; i < q; i++) {
      if (lam[i + i * q] >= 1e-4) continue;
      let rowNorm = 0;
      for (let j = 0; j < i; j++) rowNorm += lam[i + j * q] ** 2;
      out.push(rowNorm < 1e-8
        ? `variance of '${t.term.columnNames[i]}' for ${t.term.group} is zero`
        : `'${t.term.columnNames[i]}' for ${t.term.group} is perfectly correlated with earlier columns`);
    }
  });
  return out;
}

/** Builds the LmmFit from the factorization at θ̂ in `ws`. */
function assembleFit(
  frame: LmmFrame, structure: LmmStructure, ws: ReturnType<typeof createWorkspace>, reml: boolean,
  scale: ResidualScale, fHat: number, optimization: LmmOptimization, withCondVar: boolean, started: number,
): LmmFit {
  const { n, p, terms } = structure;
  const { beta, unscaledVcov, pwrss } = fixedEffectEstimates(ws);
  const sigma = scale === 'known' ? 1 : Math.sqrt(pwrss / (reml ? n - p : n));
  const s2 = sigma * sigma;
  const vcov = Float64Array.from(unscaledVcov, (v) => v * s2);
  const fixef = structure.fixedNames.map((name, j) => {
    const se = Math.sqrt(vcov[j + j * p]);
    return { name, estimate: beta[j], se, t: beta[j] / se };
  });

  const { u1, u2 } = sphericalModes(ws, beta);
  const cov = withCondVar ? conditionalCovarianceBlocks(ws) : null;
  const theta = optimization.thetaEnd;
  const ranefBlocked: RandomEffectsModes[] = terms.map((t, k) => {
    const q = t.q;
    const lam = new Float64Array(q * q);
    lambdaBlockInto(lam, 0, theta, structure.theta[k]);
    const values = new Float64Array(t.nLevels * q);
    const condVar = cov ? new Float64Array(t.nLevels * q * q) : null;
    for (let l = 0; l < t.nLevels; l++) {
      const uOff = k === 0 ? l * q : structure.blockOffset[structure.blockOf[k][l]];
      const u = k === 0 ? u1 : u2;
      for (let i = 0; i < q; i++) {
        let s = 0;
        for (let j = 0; j <= i; j++) s += lam[i + j * q] * u[uOff + j];
        values[l * q + i] = s;
      }
      if (cov && condVar) {
        const c = k === 0 ? cov.c1 : cov.c2;
        const cOff = k === 0 ? l * q * q : cov.c2Ptr[structure.blockOf[k][l]];
        for (let j = 0; j < q; j++) {
          for (let i = 0; i < q; i++) {
            let s = 0;
            for (let a = 0; a <= i; a++) for (let b = 0; b <= j; b++) s += lam[i + a * q] * c[cOff + a + b * q] * lam[j + b * q];
            condVar[l * q * q + i + j * q] = s2 * s;
          }
        }
      }
    }
    return { group: t.term.group, columnNames: t.term.columnNames, levels: t.term.levels, values, condVar };
  });
  const ranef = frame.terms.map((_, orig) => ranefBlocked[terms.findIndex((t) => t.original === orig)]);

  const fitted = new Float64Array(n);
  for (let j = 0; j < p; j++) {
    const col = structure.keptFixed[j];
    for (let i = 0; i < n; i++) fitted[i] += frame.X[i + col * n] * beta[j];
  }
  frame.terms.forEach((term, orig) => {
    const re = ranef[orig];
    const q = term.columnNames.length;
    for (let i = 0; i < n; i++) {
      const g = term.groupIndex[i];
      for (let c = 0; c < q; c++) fitted[i] += term.z[i + c * n] * re.values[g * q + c];
    }
  });
  const residuals = Float64Array.from(frame.y, (y, i) => y - fitted[i]);

  const varcomp: VarianceComponent[] = [];
  frame.terms.forEach((term, orig) => {
    const k = terms.findIndex((t) => t.original === orig);
    const layout = structure.theta[k];
    const q = layout.q;
    const rc = relativeCovariance(theta, layout);
    const cols = term.columnNames;
    for (let i = 0; i < q; i++) {
      const v = s2 * rc[i + i * q];
      varcomp.push({ group: term.group, name1: cols[i], name2: null, variance: v, sd: Math.sqrt(v), corr: null });
    }
    if (layout.correlated) {
      for (let j = 0; j < q; j++) {
        for (let i = j + 1; i < q; i++) {
          const c = s2 * rc[i + j * q];
          const denom = Math.sqrt(rc[i + i * q] * rc[j + j * q]);
          varcomp.push({
            group: term.group, name1: cols[j], name2: cols[i], variance: c, sd: null,
            corr: denom > 0 ? rc[i + j * q] / denom : null,
          });
        }
      }
    }
  });
  if (scale === 'profiled') varcomp.push({ group: 'Residual', name1: null, name2: null, variance: s2, sd: sigma, corr: null });

  const groups: { group: string; levels: number }[] = [];
  for (const t of frame.terms) if (!groups.some((g) => g.group === t.group)) groups.push({ group: t.group, levels: t.levels.length });
  const df = p + structure.nTheta + (scale === 'profiled' ? 1 : 0);
  return {
    frame, responseName: frame.responseName, reml, residualScale: scale, nobs: n, groups,
    fixef, vcov, sigma, varcomp, ranef, fitted, residuals,
    logLik: -fHat / 2, deviance: fHat, aic: fHat + 2 * df, bic: fHat + df * Math.log(n), df,
    droppedFixed: [...(frame.droppedFixedNames ?? []), ...structure.droppedFixed], optimization,
    elapsedSeconds: (performance.now() - started) / 1000,
  };
}

/**
 * With an estimated residual variance, a term with at least as many random effects as
 * observations cannot be told apart from the residual: refused, as lme4's default
 * `check.nobs.vs.nlev` / `check.nobs.vs.nRE = "stop"` do.
 */
function checkIdentifiable(frame: LmmFrame): void {
  for (const t of frame.terms) {
    const q = t.levels.length * t.columnNames.length;
    if (q >= frame.n) {
      throw new ModelError(`the random-effects term for '${t.group}' has ${q} random effects (${t.levels.length} levels × ${t.columnNames.join(', ')}) ` +
        `for ${frame.n} observations; it and the residual variance cannot both be estimated (use a grouping with fewer levels)`);
    }
  }
}
