/**
 * The inner problem of one subject (the conditional mode of η) and the pieces every
 * estimation method's contribution is made of (src/estimation/methods/). Definitions follow
 * Wang (2007), J Pharmacokinet Pharmacodyn 34:575, as summarised in the project's METHODS.md:
 *   l_i(η) = Σ_j [ (y_j − f_j(η))² / R_j(η) + log R_j(η) ] + ηᵀ Ω⁻¹ η,
 *   H_i    = Ω⁻¹ + Σ_j [ a_j a_jᵀ / R_j + ½ r′_j r′_jᵀ / R_j² ]   (a = ∂f/∂η, r′ = ∂R/∂η),
 * which is the expected (Gauss–Newton / Fisher) form of ½ ∇²l_i.
 *   FO:      the linearized model at η = 0 through the Gaussian kernel.
 *   FOCE:    R fixed at η = 0 (no interaction); the linearized model at η̂ through the kernel,
 *            which equals l_i(η̂) + log|Ω| + log|H_i| with r′ = 0.
 *   FOCE-I:  l_i(η̂) + log|Ω| + log|H_i| with R and r′ at η̂.
 *   Laplace: l_i(η̂) + log|Ω| + log|½ ∇²l_i(η̂)| with the exact Hessian of l_i, obtained by
 *            central differences of the analytic gradient of l_i.
 */
import { GaussianMarginalKernel } from './gaussian-kernel.js';
import { choleskyInPlace, choleskySolveInPlace, logDetFromCholesky } from '../linalg/cholesky.js';
import type { SubjectWorkspace } from './subject-workspace.js';

/** Population values and derived Ω quantities shared by all subjects in one evaluation. */
export interface EvaluationContext {
  readonly theta: Float64Array;
  readonly sigma: Float64Array;
  /** Ω, q×q. */
  readonly omega: Float64Array;
  /** Ω⁻¹, q×q. */
  readonly omegaInv: Float64Array;
  /** log|Ω|. */
  readonly logDetOmega: number;
}

/** Inner-problem settings (resolved). */
export interface InnerSettings {
  readonly stepTolerance: number;
  readonly maxIterations: number;
}

/**
 * Newton steps below this (η units) are taken without a line search: this close to the mode
 * the corrected Newton step is a contraction, and the decrease of l it brings can be below
 * the precision of l (an ODE solution's).
 */
const SMALL_STEP = 1e-6;
/** At most this many such steps per inner problem. */
const MAX_SMALL_STEPS = 20;
/** A line search that fails on a step below this (η units) has reached l's numerical precision. */
const NOISE_FLOOR_STEP = 1e-4;

/** Scratch buffers for one fit, shared by all subjects (evaluated one after another). */
export class SubjectScratch {
  readonly g: Float64Array;
  readonly hMat: Float64Array;
  readonly step: Float64Array;
  readonly etaTrial: Float64Array;
  readonly gPlus: Float64Array;
  readonly gMinus: Float64Array;
  readonly hessian: Float64Array;
  readonly gPrevious: Float64Array;
  readonly stepPrevious: Float64Array;
  readonly work: Float64Array;
  readonly residual: Float64Array;
  /** ∂f/∂η transposed to the kernel's column-major n×q layout. */
  readonly gColumnMajor: Float64Array;
  readonly kernel: GaussianMarginalKernel;
  readonly zeros: Float64Array;
  /** Subjects whose inner problem did not meet its tolerance in the last evaluation. */
  innerFailures = 0;

  constructor(readonly q: number, maxObs: number) {
    this.g = new Float64Array(q);
    this.hMat = new Float64Array(q * q);
    this.step = new Float64Array(q);
    this.etaTrial = new Float64Array(q);
    this.gPlus = new Float64Array(q);
    this.gMinus = new Float64Array(q);
    this.hessian = new Float64Array(q * q);
    this.gPrevious = new Float64Array(q);
    this.stepPrevious = new Float64Array(q);
    this.work = new Float64Array(q);
    this.residual = new Float64Array(maxObs);
    this.gColumnMajor = new Float64Array(maxObs * q);
    this.kernel = new GaussianMarginalKernel(Math.max(maxObs, 1), q);
    this.zeros = new Float64Array(q);
  }
}

/**
 * l_i(η) from the workspace's current f and R (or R fixed at `rFixed`). −2·log scale, no constant.
 */
export function conditionalObjective(ws: SubjectWorkspace, eta: Float64Array, omegaInv: Float64Array, rVar: Float64Array): number {
  const { n, nEta: q } = ws;
  const y = ws.subject.dv;
  let s = 0;
  for (let j = 0; j < n; j++) {
    const e = y[j] - ws.f[j];
    s += (e * e) / rVar[j] + Math.log(rVar[j]);
  }
  for (let m = 0; m < q; m++) {
    let t = 0;
    for (let k = 0; k < q; k++) t += omegaInv[m * q + k] * eta[k];
    s += eta[m] * t;
  }
  return s;
}

/**
 * Gradient g of l_i at η (from the workspace's f, R, a, r′) and, when `hOut` is given, the
 * expected Hessian form H_i (= ½ ∇²l_i in expectation). `interaction` false: R fixed at
 * `rVar` and r′ = 0.
 */
export function conditionalGradient(
  ws: SubjectWorkspace, eta: Float64Array, omegaInv: Float64Array, rVar: Float64Array, interaction: boolean,
  g: Float64Array, hOut?: Float64Array,
): void {
  const { n, nEta: q } = ws;
  const y = ws.subject.dv;
  const a = ws.a;
  const dr = ws.dr;
  for (let m = 0; m < q; m++) {
    let t = 0;
    for (let k = 0; k < q; k++) t += omegaInv[m * q + k] * eta[k];
    g[m] = 2 * t;
  }
  if (hOut) hOut.set(omegaInv);
  for (let j = 0; j < n; j++) {
    const e = y[j] - ws.f[j];
    const w = 1 / rVar[j];
    const c1 = -2 * e * w;
    const c2 = interaction ? (1 - e * e * w) * w : 0;
    for (let m = 0; m < q; m++) {
      g[m] += c1 * a[j * q + m] + c2 * dr[j * q + m];
      if (hOut) {
        const am = a[j * q + m] * w;
        const rm = interaction ? 0.5 * dr[j * q + m] * w * w : 0;
        for (let k = 0; k <= m; k++) hOut[m * q + k] += am * a[j * q + k] + rm * dr[j * q + k];
      }
    }
  }
  if (hOut) for (let m = 0; m < q; m++) for (let k = 0; k < m; k++) hOut[k * q + m] = hOut[m * q + k];
}

/**
 * Find the conditional mode η̂ = argmin l_i from ws.eta (the warm start) by a structured
 * quasi-Newton method with a backtracking Armijo line search: the Newton matrix is
 * 2H_i (the expected Hessian, exact in its data-fit part) plus a symmetric correction C for
 * the residual-curvature part that the expected Hessian leaves out, updated from successive
 * gradients by the Powell-symmetric-Broyden secant formula (Dennis, Gay & Welsch 1981, ACM
 * TOMS 7:348, NL2SOL's structured update). C is kept per subject, so later inner problems
 * start with it; it is dropped whenever it does not give a positive definite matrix or a
 * descent step (pure Fisher scoring then). Without C, strongly nonlinear subjects (e.g.
 * Michaelis–Menten) converge only linearly and slowly.
 * On return ws.eta holds η̂ and the workspace's f, R, a, r′ are evaluated there. Returns false
 * when no valid prediction could be made at the start; counts a subject that missed its
 * tolerance in scratch.innerFailures.
 */
export function findConditionalMode(
  ws: SubjectWorkspace, ctx: EvaluationContext, interaction: boolean, settings: InnerSettings, scratch: SubjectScratch,
): boolean {
  const q = ws.nEta;
  const { g, hMat, step, etaTrial } = scratch;
  const eta = ws.eta;
  const rVar = interaction ? ws.r : ws.r0;
  if (!ws.evaluateWithDerivatives(ctx.theta, eta, ctx.sigma)) {
    // A warm start can fall outside the model's domain after a large outer step: retry from
    // the last accepted mode, then from 0.
    eta.set(ws.etaAccepted);
    if (!ws.evaluateWithDerivatives(ctx.theta, eta, ctx.sigma)) {
      eta.fill(0);
      if (!ws.evaluateWithDerivatives(ctx.theta, eta, ctx.sigma)) return false;
    }
  }
  let l = conditionalObjective(ws, eta, ctx.omegaInv, rVar);
  let converged = false;
  let smallSteps = 0;
  let previousSmallStep = Infinity;
  let havePrevious = false;
  let correctionDropped = false;
  const corr = ws.correction;
  const { gPrevious, stepPrevious, work } = scratch;
  for (let iter = 0; iter < settings.maxIterations; iter++) {
    conditionalGradient(ws, eta, ctx.omegaInv, rVar, interaction, g, hMat);
    if (havePrevious && !correctionDropped) updateCorrection(corr, hMat, stepPrevious, g, gPrevious, work, q);
    gPrevious.set(g);
    // Newton matrix ½(2H + C) = H + C/2; Fisher scoring (C = 0) when it is not positive definite.
    for (let k = 0; k < q * q; k++) scratch.hessian[k] = hMat[k] + 0.5 * corr[k];
    // The Newton matrix is symmetric, so its row-major layout is also its column-major one.
    if (choleskyInPlace(scratch.hessian, q)) {
      hMat.set(scratch.hessian);
    } else {
      corr.fill(0);
      if (!choleskyInPlace(hMat, q)) break;
    }
    for (let m = 0; m < q; m++) step[m] = -0.5 * g[m];
    choleskySolveInPlace(hMat, q, step);
    let maxStep = 0;
    let slope = 0;
    for (let m = 0; m < q; m++) {
      maxStep = Math.max(maxStep, Math.abs(step[m]));
      slope += g[m] * step[m];
    }
    if (maxStep < settings.stepTolerance) { converged = true; break; }
    if (maxStep < SMALL_STEP) {
      // Steps that stop shrinking (by half per iteration after the first three; corrected Newton steps converge
      // superlinearly) are at the precision of the model's predictions, e.g. of an ODE
      // solution: the mode is as accurate as it can be.
      if ((++smallSteps > 3 && maxStep > 0.5 * previousSmallStep) || smallSteps > MAX_SMALL_STEPS) { converged = true; break; }
      previousSmallStep = maxStep;
      // Close to the mode the scoring step is a contraction, and a change of l this small is
      // below its rounding error: take the step without a line search.
      for (let m = 0; m < q; m++) etaTrial[m] = eta[m] + step[m];
      if (ws.evaluateWithDerivatives(ctx.theta, etaTrial, ctx.sigma)) {
        eta.set(etaTrial);
        stepPrevious.set(step);
        havePrevious = true;
        l = conditionalObjective(ws, eta, ctx.omegaInv, rVar);
        continue;
      }
      if (!ws.evaluateWithDerivatives(ctx.theta, eta, ctx.sigma)) return false;
      break;
    }
    // Limit a wild first step (e.g. from a poor warm start) to 5 standard units of η.
    let alpha = maxStep > 5 ? 5 / maxStep : 1;
    let accepted = false;
    // With analytic derivatives the full step is evaluated with them, so accepting it needs no
    // second evaluation; shorter trials (and all trials with finite differences) are plain.
    let trialHasDerivatives = false;
    for (let tries = 0; tries < 40 && alpha * maxStep > 1e-12; tries++) {
      for (let m = 0; m < q; m++) etaTrial[m] = eta[m] + alpha * step[m];
      trialHasDerivatives = ws.hasDerivatives && tries === 0;
      const ok = trialHasDerivatives
        ? ws.evaluateWithDerivatives(ctx.theta, etaTrial, ctx.sigma)
        : ws.evaluate(ctx.theta, etaTrial, ctx.sigma);
      if (ok) {
        const lt = conditionalObjective(ws, etaTrial, ctx.omegaInv, rVar);
        if (lt <= l + 1e-4 * alpha * slope) {
          accepted = true;
          l = lt;
          break;
        }
      }
      alpha *= 0.5;
    }
    if (!accepted) {
      ws.evaluateWithDerivatives(ctx.theta, eta, ctx.sigma);
      if (!correctionDropped && corr.some((c) => c !== 0)) {
        // The correction led astray: retry from here with pure Fisher scoring.
        corr.fill(0);
        correctionDropped = true;
        havePrevious = false;
        continue;
      }
      // No decrease possible: at the floor of l's precision when the step or the predicted
      // decrease is tiny (an ODE solution's tolerance limits l to ~1e-8 relative).
      converged = -slope < 1e-8 || maxStep < NOISE_FLOOR_STEP;
      break;
    }
    for (let m = 0; m < q; m++) stepPrevious[m] = alpha * step[m];
    havePrevious = true;
    eta.set(etaTrial);
    if (!trialHasDerivatives && !ws.evaluateWithDerivatives(ctx.theta, eta, ctx.sigma)) return false;
  }
  if (!converged) scratch.innerFailures++;
  return true;
}

/**
 * Powell-symmetric-Broyden update of the correction C so that (2H + C) s = y, with H the
 * expected Hessian form at the new point (`hNew`, q×q), s the last step and y the change of
 * the gradient over it: with r = y − 2H s − C s,
 *   C ← C + (r sᵀ + s rᵀ)/(sᵀs) − (rᵀs) s sᵀ/(sᵀs)².
 */
function updateCorrection(c: Float64Array, hNew: Float64Array, s: Float64Array, g: Float64Array, gOld: Float64Array,
  r: Float64Array, q: number): void {
  let ss = 0;
  for (let m = 0; m < q; m++) ss += s[m] * s[m];
  if (!(ss > 0)) return;
  for (let m = 0; m < q; m++) {
    let t = g[m] - gOld[m];
    for (let k = 0; k < q; k++) t -= (2 * hNew[m * q + k] + c[m * q + k]) * s[k];
    r[m] = t;
  }
  let rs = 0;
  for (let m = 0; m < q; m++) rs += r[m] * s[m];
  for (let m = 0; m < q; m++) {
    for (let k = 0; k < q; k++) c[m * q + k] += (r[m] * s[k] + s[m] * r[k]) / ss - (rs * s[m] * s[k]) / (ss * ss);
  }
}

/**
 * The Laplace form of a subject's contribution, l_i(η̂) + log|Ω| + log|H| with H (q×q, in
 * `hMat`, factored in place) the matrix of the method; +Infinity when H is not positive definite.
 */
export function laplaceForm(lHat: number, ctx: EvaluationContext, hMat: Float64Array, q: number): number {
  if (!choleskyInPlace(hMat, q)) return Infinity;
  return lHat + ctx.logDetOmega + logDetFromCholesky(hMat, q);
}

/** out (n×q column-major) = a (n×q row-major). */
export function toColumnMajor(a: Float64Array, n: number, q: number, out: Float64Array): Float64Array {
  for (let j = 0; j < n; j++) for (let m = 0; m < q; m++) out[m * n + j] = a[j * q + m];
  return out;
}
