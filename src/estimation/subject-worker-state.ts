/**
 * The state of a population objective that outlives one evaluation, in flat buffers that can
 * be shared between the main thread and worker threads (SharedArrayBuffer), and the control
 * block through which the main thread hands commands to the workers.
 *
 * Float64 state, per subject i of nSubjects (q = nEta):
 *   perSubject[i], eta, etaAccepted, correction (q×q), etaScratch: as in SubjectWorkspace;
 *   backup*: a subject's perSubject, eta, correction and sensitivity column as they were
 *   before a parallel evaluation touched it (restored when an earlier subject failed, so a
 *   failed parallel evaluation leaves exactly the state a serial one leaves);
 * and the evaluation context θ, Σ, Ω, Ω⁻¹, log|Ω|. Int32 state: per subject, whether its
 * inner problem missed its tolerance in the last evaluation.
 */

/** Sizes of an objective's state. */
export interface SubjectStateShape {
  readonly nSubjects: number;
  readonly nEta: number;
  readonly nTheta: number;
  readonly nEps: number;
}

/** Float64 count of each per-subject array, in buffer order. */
function float64Count(s: SubjectStateShape): number {
  const { nSubjects: n, nEta: q } = s;
  const perSubject = n * (1 + q + q + q * q + q);
  const backups = n * (1 + q + q * q + q);
  return perSubject + backups + s.nTheta + s.nEps * s.nEps + 2 * q * q + 1;
}

/** The persistent arrays of one subject's workspace (views on the state buffer). */
export interface PersistentSubjectArrays {
  readonly eta: Float64Array;
  readonly etaAccepted: Float64Array;
  readonly correction: Float64Array;
  readonly etaScratch: Float64Array;
}

/** Views on the state buffers of one objective (see the file comment). */
export class SubjectState {
  readonly perSubject: Float64Array;
  readonly eta: Float64Array;
  readonly etaAccepted: Float64Array;
  readonly correction: Float64Array;
  readonly etaScratch: Float64Array;
  readonly backupPerSubject: Float64Array;
  readonly backupEta: Float64Array;
  readonly backupCorrection: Float64Array;
  readonly backupSensitivity: Float64Array;
  readonly theta: Float64Array;
  readonly sigma: Float64Array;
  readonly omega: Float64Array;
  readonly omegaInv: Float64Array;
  /** log|Ω| in element 0. */
  readonly logDetOmega: Float64Array;
  /** 1 when subject i's inner problem missed its tolerance in the last evaluation. */
  readonly innerFailed: Int32Array;

  private constructor(
    readonly shape: SubjectStateShape,
    readonly buffer: ArrayBuffer | SharedArrayBuffer,
    readonly flagBuffer: ArrayBuffer | SharedArrayBuffer,
  ) {
    const { nSubjects: n, nEta: q } = shape;
    let at = 0;
    const take = (count: number): Float64Array => {
      const v = new Float64Array(buffer, at * 8, count);
      at += count;
      return v;
    };
    this.perSubject = take(n);
    this.eta = take(n * q);
    this.etaAccepted = take(n * q);
    this.correction = take(n * q * q);
    this.etaScratch = take(n * q);
    this.backupPerSubject = take(n);
    this.backupEta = take(n * q);
    this.backupCorrection = take(n * q * q);
    this.backupSensitivity = take(n * q);
    this.theta = take(shape.nTheta);
    this.sigma = take(shape.nEps * shape.nEps);
    this.omega = take(q * q);
    this.omegaInv = take(q * q);
    this.logDetOmega = take(1);
    this.innerFailed = new Int32Array(flagBuffer, 0, n);
  }

  /** New zeroed state; `shared` puts it in SharedArrayBuffers (for worker threads). */
  static allocate(shape: SubjectStateShape, shared: boolean): SubjectState {
    const bytes = float64Count(shape) * 8;
    const flagBytes = Math.max(1, shape.nSubjects) * 4;
    return shared
      ? new SubjectState(shape, new SharedArrayBuffer(bytes), new SharedArrayBuffer(flagBytes))
      : new SubjectState(shape, new ArrayBuffer(bytes), new ArrayBuffer(flagBytes));
  }

  /** Views on buffers allocated elsewhere (in a worker, on the main thread's shared buffers). */
  static attach(shape: SubjectStateShape, buffer: SharedArrayBuffer, flagBuffer: SharedArrayBuffer): SubjectState {
    return new SubjectState(shape, buffer, flagBuffer);
  }

  /** Subject i's persistent workspace arrays. */
  persistentOf(i: number): PersistentSubjectArrays {
    const q = this.shape.nEta;
    return {
      eta: this.eta.subarray(i * q, (i + 1) * q),
      etaAccepted: this.etaAccepted.subarray(i * q, (i + 1) * q),
      correction: this.correction.subarray(i * q * q, (i + 1) * q * q),
      etaScratch: this.etaScratch.subarray(i * q, (i + 1) * q),
    };
  }
}

/**
 * Per-subject sensitivities dη̂/dx (nEta × nx, row-major, subject after subject) and the
 * displacement dx of the evaluation under way, in one buffer.
 */
export class SensitivityBuffers {
  readonly jacobian: Float64Array;
  readonly dx: Float64Array;

  private constructor(readonly buffer: ArrayBuffer | SharedArrayBuffer, readonly nSubjects: number, readonly nEta: number, readonly nx: number) {
    this.jacobian = new Float64Array(buffer, 0, nSubjects * nEta * nx);
    this.dx = new Float64Array(buffer, nSubjects * nEta * nx * 8, nx);
  }

  static allocate(nSubjects: number, nEta: number, nx: number, shared: boolean): SensitivityBuffers {
    const bytes = (nSubjects * nEta * nx + nx) * 8;
    return new SensitivityBuffers(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes), nSubjects, nEta, nx);
  }

  static attach(buffer: SharedArrayBuffer, nSubjects: number, nEta: number, nx: number): SensitivityBuffers {
    return new SensitivityBuffers(buffer, nSubjects, nEta, nx);
  }

  /** Subject i's nEta × nx block. */
  of(i: number): Float64Array {
    const size = this.nEta * this.nx;
    return this.jacobian.subarray(i * size, (i + 1) * size);
  }
}

/** Commands of the control block. */
export const COMMAND = { evaluate: 1, improve: 2, stop: 3 } as const;

/** A worker's state in its control slots. */
export const WORKER_STATE = { starting: 0, ready: 1, failed: 2, exited: 3 } as const;

/** Int32 slots of the control block shared by the main thread and all workers. */
export const CONTROL = {
  /** Incremented by the main thread for every command (workers wait on it). */
  sequence: 0,
  command: 1,
  /** Coordinate whose sensitivity column the evaluation learns, −1 for none. */
  coordinate: 2,
  /** 1 when the evaluation has a displacement dx (in the sensitivity buffer). */
  hasDx: 3,
} as const;

const HEADER_SLOTS = 8;
const SLOTS_PER_WORKER = 8;

/** Int32 slots of worker w (add to workerSlotBase(w)). */
export const WORKER_SLOT = {
  /** Sequence number of the last command the worker finished (the main thread waits on it). */
  done: 0,
  state: 1,
  /** Subjects the worker has finished since it started (a stall detector). */
  progress: 2,
  /** After an evaluation: the first subject of the block with no finite value, or −1. */
  failedAt: 3,
  /** After an improve command: subjects whose mode improved, and inner problems that missed their tolerance. */
  improved: 4,
  innerFailures: 5,
  exitCode: 6,
} as const;

/** First control slot of worker w. */
export function workerSlotBase(w: number): number {
  return HEADER_SLOTS + w * SLOTS_PER_WORKER;
}

/** A control block for `nWorkers` workers. */
export function allocateControl(nWorkers: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer((HEADER_SLOTS + nWorkers * SLOTS_PER_WORKER) * 4));
}
