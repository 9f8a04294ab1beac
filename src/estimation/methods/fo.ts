/**
 * FO (NONMEM METHOD=0): the model linearized at η = 0, y ~ N(f(0), G Ω Gᵀ + R(0)), its
 * −2 log-likelihood through the Gaussian marginal kernel. No inner problem; the post hoc
 * EBEs are FOCE's conditional modes. Wang (2007), J Pharmacokinet Pharmacodyn 34:575.
 */
import { toColumnMajor } from '../subject-objective.js';
import type { ObjectiveMethod } from './method.js';

export const fo: ObjectiveMethod = {
  kind: 'objective',
  name: 'fo',
  nonmem: 'METHOD=0',
  supports: { interaction: false, conditionalModes: false, exactHessian: false, censoring: false },
  hessian: 'first-order linearization at η = 0',
  posthoc: 'foce',
  subjectObjective(ws, ctx, _settings, scratch) {
    const { n, nEta: q } = ws;
    const y = ws.subject.dv;
    const res = scratch.residual;
    ws.eta.fill(0);
    if (!ws.evaluateWithDerivatives(ctx.theta, ws.eta, ctx.sigma)) return Infinity;
    for (let j = 0; j < n; j++) res[j] = y[j]! - ws.f[j]!;
    return scratch.kernel.evaluate(res, toColumnMajor(ws.a, n, q, scratch.gColumnMajor), ctx.omega, ws.r, n, q);
  },
};
