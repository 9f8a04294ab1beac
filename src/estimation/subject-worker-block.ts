/**
 * A contiguous block of subjects evaluated one after another: all subjects when the
 * population objective runs serially, one worker thread's share when it runs in parallel
 * (src/io/threads/subject-worker.ts). Both paths run this same code on the same state
 * (src/estimation/subject-worker-state.ts), so a parallel evaluation is bit-identical to
 * the serial one: every subject's arithmetic is the same, and the main thread sums the
 * subjects' contributions in subject order.
 */
import { estimationMethod, type EstimationMethodModule } from './methods/index.js';
import type { EvaluationContext, InnerSettings, SubjectScratch } from './subject-objective.js';
import type { SensitivityBuffers, SubjectState } from './subject-worker-state.js';
import type { SubjectWorkspace } from './subject-workspace.js';
import type { EstimationMethod } from './types.js';

/** Outcome of re-solving a block's inner problems from η = 0. */
export interface ImproveOutcome {
  /** Subjects whose mode improved. */
  readonly improved: number;
  /** Inner problems that missed their tolerance. */
  readonly innerFailures: number;
}

/** Subjects first … first + workspaces.length − 1 of one objective (see the file comment). */
export class SubjectBlock {
  private readonly module: EstimationMethodModule;

  constructor(
    readonly first: number,
    readonly workspaces: readonly SubjectWorkspace[],
    readonly state: SubjectState,
    readonly method: EstimationMethod,
    readonly settings: InnerSettings,
    readonly scratch: SubjectScratch,
  ) {
    this.module = estimationMethod(method);
  }

  /** One past the block's last subject. */
  get end(): number {
    return this.first + this.workspaces.length;
  }

  /**
   * Each subject's contribution at `ctx`, in order, into state.perSubject, until one has no
   * finite value: returns that subject's index (later subjects of the block untouched), or
   * −1. Each inner problem starts from the accepted mode, moved by J·dx when `sensitivities`
   * is given (its dx the displacement); `coordinate` ≥ 0 learns that column of J. Sets
   * state.innerFailed per subject. With `backup`, saves each subject's state before touching
   * it (see SubjectState). `onSubject` is called after each subject (progress).
   */
  evaluate(ctx: EvaluationContext, sensitivities: SensitivityBuffers | undefined, coordinate: number, backup: boolean,
    onSubject?: () => void): number {
    const q = this.state.shape.nEta;
    const { perSubject, innerFailed } = this.state;
    const dx = sensitivities?.dx;
    const nx = dx?.length ?? 0;
    for (let k = 0; k < this.workspaces.length; k++) {
      const i = this.first + k;
      const ws = this.workspaces[k]!;
      if (backup) this.saveBackup(i, ws, sensitivities, coordinate);
      ws.eta.set(ws.etaAccepted);
      if (dx !== undefined && this.module.supports.conditionalModes) {
        const jac = sensitivities!.of(i);
        for (let m = 0; m < q; m++) {
          let s = 0;
          for (let c = 0; c < nx; c++) s += jac[m * nx + c]! * dx[c]!;
          ws.eta[m] += s;
        }
      }
      const failuresBefore = this.scratch.innerFailures;
      const v = this.module.subjectObjective(ws, ctx, this.settings, this.scratch);
      innerFailed[i] = this.scratch.innerFailures !== failuresBefore ? 1 : 0;
      onSubject?.();
      if (!Number.isFinite(v)) return i;
      perSubject[i] = v;
      if (coordinate >= 0) {
        const jac = sensitivities!.of(i);
        for (let m = 0; m < q; m++) jac[m * nx + coordinate] = (ws.eta[m]! - ws.etaAccepted[m]!) / dx![coordinate]!;
      }
    }
    return -1;
  }

  /**
   * Solve each subject's inner problem again from η = 0 at `ctx` and keep the mode (as the
   * accepted one, with its OFV contribution) when it lowers the subject's contribution in
   * state.perSubject by more than 1e-6 relative. ws.eta holds the new solution either way.
   */
  improve(ctx: EvaluationContext, onSubject?: () => void): ImproveOutcome {
    const { perSubject } = this.state;
    const failuresBefore = this.scratch.innerFailures;
    let improved = 0;
    for (let k = 0; k < this.workspaces.length; k++) {
      const i = this.first + k;
      const ws = this.workspaces[k]!;
      ws.eta.fill(0);
      const v = this.module.subjectObjective(ws, ctx, this.settings, this.scratch);
      if (Number.isFinite(v) && v < perSubject[i]! - 1e-6 * (1 + Math.abs(v))) {
        ws.etaAccepted.set(ws.eta);
        ws.correction.fill(0);
        perSubject[i] = v;
        improved++;
      }
      onSubject?.();
    }
    return { improved, innerFailures: this.scratch.innerFailures - failuresBefore };
  }

  private saveBackup(i: number, ws: SubjectWorkspace, sensitivities: SensitivityBuffers | undefined, coordinate: number): void {
    const s = this.state;
    const q = s.shape.nEta;
    s.backupPerSubject[i] = s.perSubject[i]!;
    s.backupEta.set(ws.eta, i * q);
    s.backupCorrection.set(ws.correction, i * q * q);
    if (coordinate >= 0) {
      const jac = sensitivities!.of(i);
      const nx = sensitivities!.nx;
      for (let m = 0; m < q; m++) s.backupSensitivity[i * q + m] = jac[m * nx + coordinate]!;
    }
  }
}

/**
 * Undo a parallel evaluation's changes to subject i (from its backup): its contribution,
 * current mode, Newton correction and the sensitivity column `coordinate` (if ≥ 0).
 */
export function restoreSubject(state: SubjectState, i: number, sensitivities: SensitivityBuffers | undefined, coordinate: number): void {
  const q = state.shape.nEta;
  state.perSubject[i] = state.backupPerSubject[i]!;
  state.eta.set(state.backupEta.subarray(i * q, (i + 1) * q), i * q);
  state.correction.set(state.backupCorrection.subarray(i * q * q, (i + 1) * q * q), i * q * q);
  if (coordinate >= 0 && sensitivities !== undefined) {
    const jac = sensitivities.of(i);
    const nx = sensitivities.nx;
    for (let m = 0; m < q; m++) jac[m * nx + coordinate] = state.backupSensitivity[i * q + m]!;
  }
}
