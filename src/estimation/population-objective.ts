/**
 * The population objective: OFV(θ, Ω, Σ) = Σ_i OFV_i, −2 log-likelihood in NONMEM's
 * convention (without N·log 2π), for one estimation method. Owns the per-subject workspaces
 * and the warm starts of the conditional modes: every evaluation starts each subject's inner
 * problem from its mode at the last accepted point, so finite differences around that point
 * see a smooth function.
 */
import type { BoundModel } from '../model/bound.js';
import type { PopulationValues } from './parameter-map.js';
import { spdInverseInto } from '../linalg/cholesky.js';
import { SubjectScratch, subjectObjective, type EvaluationContext, type InnerSettings } from './subject-objective.js';
import { SubjectWorkspace } from './subject-workspace.js';
import type { EstimationMethod, InnerOptions } from './types.js';

/** OFV(θ, Ω, Σ) of one BoundModel and method, with the workspaces and warm starts of one fit. */
export class PopulationObjective {
  readonly workspaces: readonly SubjectWorkspace[];
  /** Each subject's contribution at the last evaluation. */
  readonly perSubject: Float64Array;
  readonly nObs: number;
  readonly settings: InnerSettings;
  /** Number of objective evaluations so far. */
  evaluations = 0;
  private readonly scratch: SubjectScratch;
  private readonly omegaInv: Float64Array;

  constructor(readonly bound: BoundModel, readonly method: EstimationMethod, inner: InnerOptions = {}) {
    const q = bound.nEta;
    const fdStep = inner.fdStepEta ?? 1e-5;
    this.workspaces = bound.subjects.map((s) => new SubjectWorkspace(s, q, bound.nEps, fdStep));
    this.perSubject = new Float64Array(bound.subjects.length);
    this.nObs = bound.subjects.reduce((s, x) => s + x.nObs, 0);
    this.settings = { stepTolerance: inner.stepTolerance ?? 1e-9, maxIterations: inner.maxIterations ?? 100 };
    const maxObs = bound.subjects.reduce((m, s) => Math.max(m, s.nObs), 0);
    this.scratch = new SubjectScratch(q, maxObs);
    this.omegaInv = new Float64Array(q * q);
  }

  /** Subjects whose inner problem missed its tolerance in the last evaluation. */
  get innerFailures(): number {
    return this.scratch.innerFailures;
  }

  /**
   * OFV at the given population values; +Infinity when Ω is not positive definite or some
   * subject has no valid prediction. Fills `perSubject`; leaves each subject's mode in ws.eta.
   *
   * `dx`, when given, is the displacement of the optimizer's x from the last accepted point:
   * each inner problem then starts from the first-order prediction η̂_acc + J·dx, with J the
   * sensitivity dη̂/dx learnt from earlier coordinate perturbations (finite-difference
   * gradients perturb one coordinate at a time, which is exactly a column of J). This leaves
   * the modes unchanged and only saves inner iterations.
   */
  evaluate(values: PopulationValues, dx?: Float64Array): number {
    this.evaluations++;
    const ctx = this.context(values);
    if (ctx === undefined) return Infinity;
    this.scratch.innerFailures = 0;
    const q = this.bound.nEta;
    let coordinate = -1;
    if (dx !== undefined) {
      this.ensureSensitivities(dx.length);
      let nonzero = 0;
      for (let k = 0; k < dx.length; k++) if (dx[k] !== 0) { nonzero++; coordinate = k; }
      if (nonzero !== 1) coordinate = -1;
    }
    let total = 0;
    for (let i = 0; i < this.workspaces.length; i++) {
      const ws = this.workspaces[i];
      ws.eta.set(ws.etaAccepted);
      if (dx !== undefined && this.method !== 'fo') {
        const jac = this.sensitivities[i];
        const nx = dx.length;
        for (let m = 0; m < q; m++) {
          let s = 0;
          for (let k = 0; k < nx; k++) s += jac[m * nx + k] * dx[k];
          ws.eta[m] += s;
        }
      }
      const v = subjectObjective(ws, ctx, this.method, this.settings, this.scratch);
      if (!Number.isFinite(v)) return Infinity;
      this.perSubject[i] = v;
      total += v;
      if (coordinate >= 0) {
        const jac = this.sensitivities[i];
        const nx = dx!.length;
        for (let m = 0; m < q; m++) jac[m * nx + coordinate] = (ws.eta[m] - ws.etaAccepted[m]) / dx![coordinate];
      }
    }
    return total;
  }

  /** Forget the learnt sensitivities (before displacements in another coordinate system). */
  resetSensitivities(): void {
    for (const j of this.sensitivities) j.fill(0);
  }

  /** Per-subject dη̂/dx estimates (nEta × nx, row-major), allocated on first use. */
  private sensitivities: Float64Array[] = [];

  private ensureSensitivities(nx: number): void {
    const size = this.bound.nEta * nx;
    if (this.sensitivities.length === this.workspaces.length && this.sensitivities[0]?.length === size) return;
    this.sensitivities = this.workspaces.map(() => new Float64Array(size));
  }

  /**
   * Size of the OFV's numerical noise at `values`: the largest change of the OFV when every
   * inner problem starts 1e-4 away from its accepted mode (±, two evaluations). Closed-form
   * models give ~1e-9 (the inner tolerance); ODE models more (integration tolerance). Finite
   * differences over the population parameters size their steps from it. The accepted modes
   * are left as they were (the workspaces are not); returns +Infinity when an evaluation
   * fails. `base`: the OFV at `values` from the accepted modes, when the caller has it.
   */
  estimateNoise(values: PopulationValues, base: number = this.evaluate(values)): number {
    if (!Number.isFinite(base)) return Infinity;
    let noise = 0;
    for (const sign of [1, -1]) {
      this.workspaces.forEach((ws, i) => {
        ws.etaScratch.set(ws.etaAccepted);
        for (let m = 0; m < ws.etaAccepted.length; m++) ws.etaAccepted[m] += sign * (((i + m) % 2) * 2 - 1) * 1e-4;
      });
      const v = this.evaluate(values);
      for (const ws of this.workspaces) ws.etaAccepted.set(ws.etaScratch);
      if (!Number.isFinite(v)) return Infinity;
      noise = Math.max(noise, Math.abs(v - base));
    }
    return noise;
  }

  /**
   * Guard against inner problems trapped in an inferior local mode by their warm starts: at
   * `values`, solve each subject's inner problem again from η = 0 and keep that mode when it
   * gives a lower OFV contribution. Returns the number of subjects whose mode changed; the
   * accepted modes and `perSubject` then hold the better ones. No-op for FO.
   */
  improveModes(values: PopulationValues): number {
    if (this.method === 'fo') return 0;
    const base = this.evaluate(values);
    const ctx = this.context(values);
    if (!Number.isFinite(base) || ctx === undefined) return 0;
    this.acceptModes();
    let improved = 0;
    this.workspaces.forEach((ws, i) => {
      ws.eta.fill(0);
      const v = subjectObjective(ws, ctx, this.method, this.settings, this.scratch);
      if (Number.isFinite(v) && v < this.perSubject[i] - 1e-6 * (1 + Math.abs(v))) {
        ws.etaAccepted.set(ws.eta);
        ws.correction.fill(0);
        this.perSubject[i] = v;
        improved++;
      }
    });
    return improved;
  }

  /** Make the modes of the last evaluation the warm starts of the next ones. */
  acceptModes(): void {
    for (const ws of this.workspaces) ws.etaAccepted.set(ws.eta);
  }

  /** Reset the warm starts to η = 0. */
  resetModes(): void {
    for (const ws of this.workspaces) { ws.etaAccepted.fill(0); ws.eta.fill(0); }
  }

  /** Ω⁻¹ and log|Ω| with θ and Σ; undefined when Ω is not positive definite. */
  context(values: PopulationValues): EvaluationContext | undefined {
    const q = this.bound.nEta;
    // Ω is symmetric, so its row-major and column-major layouts coincide, and so do Ω⁻¹'s.
    const logDetOmega = spdInverseInto(this.omegaInv, values.omega, q);
    if (logDetOmega === null) return undefined;
    return { theta: values.theta, sigma: values.sigma, omega: values.omega, omegaInv: this.omegaInv, logDetOmega };
  }
}
