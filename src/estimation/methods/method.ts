/**
 * What an estimation method is to the estimation room: one module per method (fo.ts,
 * foce.ts, focei.ts, laplace.ts), each declaring what it supports and giving each subject's
 * contribution to the objective. The registry (index.ts) lists them and refuses, in one
 * place, a method asked for something it does not support.
 *
 * The methods here approximate the marginal likelihood subject by subject; the population
 * objective sums the contributions and the quasi-Newton minimizer (src/optim) moves θ, Ω
 * and Σ. A method with its own algorithm (e.g. a stochastic EM) is a further module kind
 * beside 'objective'.
 */
import type { EvaluationContext, InnerSettings, SubjectScratch } from '../subject-objective.js';
import type { SubjectWorkspace } from '../subject-workspace.js';
import type { EstimationMethod } from '../types.js';

/** What a method supports; a fit that needs more is refused (methods/index.ts). */
export interface MethodSupport {
  /** The residual variance depends on η at the modes (η–ε interaction). */
  readonly interaction: boolean;
  /** Each evaluation solves every subject's inner problem (conditional modes of η). */
  readonly conditionalModes: boolean;
  /** The subject's Hessian is the exact one, not its expected (Gauss–Newton) form. */
  readonly exactHessian: boolean;
  /** Likelihoods of censored observations (below or above a limit of quantification). */
  readonly censoring: boolean;
}

/** A method whose objective is a sum of per-subject approximations of −2 log-likelihood. */
export interface ObjectiveMethod {
  readonly kind: 'objective';
  readonly name: EstimationMethod;
  /** The method as NONMEM's $ESTIMATION names it. */
  readonly nonmem: string;
  readonly supports: MethodSupport;
  /** The per-subject matrix in the objective, in words (fit.json's `hessian`). */
  readonly hessian: string;
  /** The method whose conditional modes are the post hoc EBEs, when this one has none (FO). */
  readonly posthoc?: EstimationMethod;
  /**
   * The subject's contribution (−2LL without constant) at the population values in `ctx`,
   * solving its inner problem first when the method has one. +Infinity when the model gives
   * no valid prediction or a Hessian is not positive definite.
   */
  subjectObjective(ws: SubjectWorkspace, ctx: EvaluationContext, settings: InnerSettings, scratch: SubjectScratch): number;
}

/** Every kind of estimation method. */
export type EstimationMethodModule = ObjectiveMethod;
