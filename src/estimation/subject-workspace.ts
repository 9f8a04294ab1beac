/**
 * Per-subject buffers and the quantities every method needs at one η: predictions f,
 * residual variances R_j = h_j Σ h_jᵀ, and their derivatives a = ∂f/∂η (n×nEta) and
 * r′ = ∂R/∂η (n×nEta), from the model's analytic derivatives when it gives them and by central
 * differences in η otherwise. All buffers are allocated once per subject and fit.
 */
import type { SubjectEvaluator } from '../subject/bound.js';
import type { PersistentSubjectArrays } from './subject-worker-state.js';

/** One subject's buffers and evaluations for one fit (see the file comment). */
export class SubjectWorkspace {
  readonly n: number;
  readonly f: Float64Array;
  readonly h: Float64Array;
  /** R_j = h_j Σ h_jᵀ. */
  readonly r: Float64Array;
  /** ∂f/∂η, n×nEta row-major. */
  readonly a: Float64Array;
  /** ∂R/∂η, n×nEta row-major. */
  readonly dr: Float64Array;
  /** Current conditional mode (the warm start of the next evaluation). */
  readonly eta: Float64Array;
  /** Mode at the last accepted outer point. */
  readonly etaAccepted: Float64Array;
  /** Secant correction of the inner Newton matrix (nEta×nEta), kept across evaluations. */
  readonly correction: Float64Array;
  /** Spare η buffer for callers that must restore etaAccepted. */
  readonly etaScratch: Float64Array;
  /** R at η = 0 (FOCE without interaction). */
  readonly r0: Float64Array;
  private readonly dfdeta: Float64Array;
  private readonly dhdeta: Float64Array;
  private readonly fPlus: Float64Array;
  private readonly hPlus: Float64Array;
  private readonly rPlus: Float64Array;
  private readonly etaWork: Float64Array;
  readonly hasDerivatives: boolean;

  /**
   * `persistent`, when given, supplies the arrays that outlive one evaluation (eta,
   * etaAccepted, correction, etaScratch), e.g. views on buffers shared with worker threads;
   * otherwise they are allocated here.
   */
  constructor(readonly subject: SubjectEvaluator, readonly nEta: number, readonly nEps: number, readonly fdStep: number,
    persistent?: PersistentSubjectArrays) {
    const n = subject.nObs;
    this.n = n;
    this.f = new Float64Array(n);
    this.h = new Float64Array(n * nEps);
    this.r = new Float64Array(n);
    this.a = new Float64Array(n * nEta);
    this.dr = new Float64Array(n * nEta);
    this.eta = persistent?.eta ?? new Float64Array(nEta);
    this.etaAccepted = persistent?.etaAccepted ?? new Float64Array(nEta);
    this.r0 = new Float64Array(n);
    this.etaScratch = persistent?.etaScratch ?? new Float64Array(nEta);
    this.correction = persistent?.correction ?? new Float64Array(nEta * nEta);
    if (this.eta.length !== nEta || this.etaAccepted.length !== nEta || this.etaScratch.length !== nEta || this.correction.length !== nEta * nEta) {
      throw new RangeError(`SubjectWorkspace: persistent arrays of subject ${subject.id} do not fit nEta = ${nEta}`);
    }
    this.dfdeta = new Float64Array(n * nEta);
    this.dhdeta = new Float64Array(n * nEps * nEta);
    this.fPlus = new Float64Array(n);
    this.hPlus = new Float64Array(n * nEps);
    this.rPlus = new Float64Array(n);
    this.etaWork = new Float64Array(nEta);
    this.hasDerivatives = typeof subject.evaluateWithDerivatives === 'function';
  }

  /** f, h and R at (θ, η). Returns false when the model gives no valid prediction or some R_j ≤ 0. */
  evaluate(theta: Float64Array, eta: Float64Array, sigma: Float64Array): boolean {
    if (!this.subject.evaluate(theta, eta, this.f, this.h)) return false;
    return residualVariances(this.h, sigma, this.n, this.nEps, this.r) && allFinite(this.f);
  }

  /** f, h, R and their η-derivatives a and r′ at (θ, η). */
  evaluateWithDerivatives(theta: Float64Array, eta: Float64Array, sigma: Float64Array): boolean {
    const { n, nEta, nEps } = this;
    if (this.hasDerivatives) {
      if (!this.subject.evaluateWithDerivatives!(theta, eta, this.f, this.h, this.dfdeta, this.dhdeta)) return false;
      if (!residualVariances(this.h, sigma, n, nEps, this.r) || !allFinite(this.f)) return false;
      this.a.set(this.dfdeta);
      // r′_jm = 2 h_j Σ (∂h_j/∂η_m)ᵀ; dhdeta is n × nEps × nEta.
      for (let j = 0; j < n; j++) {
        for (let m = 0; m < nEta; m++) {
          let s = 0;
          for (let k = 0; k < nEps; k++) {
            const hk = this.h[j * nEps + k];
            if (hk === 0) continue;
            for (let l = 0; l < nEps; l++) s += hk * sigma[k * nEps + l] * this.dhdeta[(j * nEps + l) * nEta + m];
          }
          this.dr[j * nEta + m] = 2 * s;
        }
      }
      return allFinite(this.a);
    }
    // Central differences in η (truncation error O(step²)).
    const step = this.fdStep;
    const w = this.etaWork;
    w.set(eta);
    for (let m = 0; m < nEta; m++) {
      w[m] = eta[m] + step;
      if (!this.subject.evaluate(theta, w, this.fPlus, this.hPlus)) return false;
      if (!residualVariances(this.hPlus, sigma, n, nEps, this.rPlus)) return false;
      for (let j = 0; j < n; j++) {
        this.a[j * nEta + m] = this.fPlus[j];
        this.dr[j * nEta + m] = this.rPlus[j];
      }
      w[m] = eta[m] - step;
      if (!this.subject.evaluate(theta, w, this.fPlus, this.hPlus)) return false;
      if (!residualVariances(this.hPlus, sigma, n, nEps, this.rPlus)) return false;
      for (let j = 0; j < n; j++) {
        this.a[j * nEta + m] = (this.a[j * nEta + m] - this.fPlus[j]) / (2 * step);
        this.dr[j * nEta + m] = (this.dr[j * nEta + m] - this.rPlus[j]) / (2 * step);
      }
      w[m] = eta[m];
    }
    if (!allFinite(this.a)) return false;
    return this.evaluate(theta, eta, sigma);
  }
}

/** out_j = h_j Σ h_jᵀ; false when some value is not positive and finite. */
export function residualVariances(h: Float64Array, sigma: Float64Array, n: number, nEps: number, out: Float64Array): boolean {
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < nEps; k++) {
      const hk = h[j * nEps + k];
      if (hk === 0) continue;
      for (let l = 0; l < nEps; l++) s += hk * sigma[k * nEps + l] * h[j * nEps + l];
    }
    if (!(s > 0) || !Number.isFinite(s)) return false;
    out[j] = s;
  }
  return true;
}

function allFinite(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  return true;
}
