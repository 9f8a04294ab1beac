/**
 * FOCE (NONMEM METHOD=1): the model linearized at the conditional mode η̂, with the residual
 * variance fixed at the population prediction (η = 0, no η–ε interaction):
 * r = y − f(η̂) + G η̂ ~ N(0, G Ω Gᵀ + diag R(0)), through the Gaussian marginal kernel; equal
 * to l_i(η̂) + log|Ω| + log|H_i| with r′ = 0. Wang (2007), J Pharmacokinet Pharmacodyn 34:575.
 */
import { findConditionalMode, toColumnMajor } from '../subject-objective.js';
import type { ObjectiveMethod } from './method.js';

export const foce: ObjectiveMethod = {
  kind: 'objective',
  name: 'foce',
  nonmem: 'METHOD=1',
  supports: { interaction: false, conditionalModes: true, exactHessian: false, censoring: false },
  hessian: 'expected (Gauss–Newton) Hessian of each subject objective',
  subjectObjective(ws, ctx, settings, scratch) {
    const { n, nEta: q } = ws;
    if (!ws.evaluate(ctx.theta, scratch.zeros, ctx.sigma)) return Infinity;
    ws.r0.set(ws.r);
    if (!findConditionalMode(ws, ctx, false, settings, scratch)) return Infinity;
    return scratch.kernel.evaluateOffset(ws.subject.dv, ws.f, toColumnMajor(ws.a, n, q, scratch.gColumnMajor), ws.eta, ctx.omega, ws.r0, n, q);
  },
};
