/**
 * FOCE-I (NONMEM METHOD=1 INTERACTION): l_i(η̂) + log|Ω| + log|H_i|, with R and r′ = ∂R/∂η at
 * the conditional mode η̂ and H_i the expected (Gauss–Newton) form of ½ ∇²l_i.
 * Wang (2007), J Pharmacokinet Pharmacodyn 34:575.
 */
import { conditionalGradient, conditionalObjective, findConditionalMode, laplaceForm } from '../subject-objective.js';
import type { ObjectiveMethod } from './method.js';

export const focei: ObjectiveMethod = {
  kind: 'objective',
  name: 'focei',
  nonmem: 'METHOD=1 INTERACTION',
  supports: { interaction: true, conditionalModes: true, exactHessian: false, censoring: false },
  hessian: 'expected (Gauss–Newton) Hessian of each subject objective',
  subjectObjective(ws, ctx, settings, scratch) {
    const q = ws.nEta;
    if (!findConditionalMode(ws, ctx, true, settings, scratch)) return Infinity;
    const lHat = conditionalObjective(ws, ws.eta, ctx.omegaInv, ws.r);
    conditionalGradient(ws, ws.eta, ctx.omegaInv, ws.r, true, scratch.g, scratch.hMat);
    return laplaceForm(lHat, ctx, scratch.hMat, q);
  },
};
