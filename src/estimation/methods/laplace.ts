/**
 * Laplace (NONMEM METHOD=1 LAPLACE INTERACTION): l_i(η̂) + log|Ω| + log|½ ∇²l_i(η̂)| with the
 * exact Hessian of l_i, obtained by central differences of its analytic gradient.
 * Wang (2007), J Pharmacokinet Pharmacodyn 34:575.
 */
import {
  conditionalGradient, conditionalObjective, findConditionalMode, laplaceForm,
  type EvaluationContext, type SubjectScratch,
} from '../subject-objective.js';
import type { SubjectWorkspace } from '../subject-workspace.js';
import type { ObjectiveMethod } from './method.js';

/** Step of the central differences of the gradient used for the Hessian (η units). */
const LAPLACE_HESSIAN_STEP = 1e-4;

export const laplace: ObjectiveMethod = {
  kind: 'objective',
  name: 'laplace',
  nonmem: 'METHOD=1 LAPLACE INTERACTION',
  supports: { interaction: true, conditionalModes: true, exactHessian: true, censoring: false },
  hessian: 'exact Hessian of each subject objective (central differences of its analytic gradient)',
  subjectObjective(ws, ctx, settings, scratch) {
    const q = ws.nEta;
    if (!findConditionalMode(ws, ctx, true, settings, scratch)) return Infinity;
    const lHat = conditionalObjective(ws, ws.eta, ctx.omegaInv, ws.r);
    if (!laplaceHessian(ws, ctx, scratch)) return Infinity;
    return laplaceForm(lHat, ctx, scratch.hMat, q);
  },
};

/**
 * scratch.hMat = ½ ∇²l_i(η̂), by central differences of the analytic gradient of l_i
 * (step LAPLACE_HESSIAN_STEP), symmetrized. Leaves the workspace evaluated at η̂.
 */
function laplaceHessian(ws: SubjectWorkspace, ctx: EvaluationContext, scratch: SubjectScratch): boolean {
  const q = ws.nEta;
  const { etaTrial, gPlus, gMinus, hessian, hMat } = scratch;
  const eta = ws.eta;
  const d = LAPLACE_HESSIAN_STEP;
  for (let m = 0; m < q; m++) {
    etaTrial.set(eta);
    etaTrial[m] = eta[m]! + d;
    if (!ws.evaluateWithDerivatives(ctx.theta, etaTrial, ctx.sigma)) return false;
    conditionalGradient(ws, etaTrial, ctx.omegaInv, ws.r, true, gPlus);
    etaTrial[m] = eta[m]! - d;
    if (!ws.evaluateWithDerivatives(ctx.theta, etaTrial, ctx.sigma)) return false;
    conditionalGradient(ws, etaTrial, ctx.omegaInv, ws.r, true, gMinus);
    for (let k = 0; k < q; k++) hessian[k * q + m] = (gPlus[k]! - gMinus[k]!) / (2 * d);
  }
  for (let m = 0; m < q; m++) {
    for (let k = 0; k < q; k++) hMat[m * q + k] = 0.25 * (hessian[m * q + k]! + hessian[k * q + m]!);
  }
  return ws.evaluateWithDerivatives(ctx.theta, eta, ctx.sigma);
}
