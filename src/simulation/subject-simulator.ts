/**
 * Simulating one subject of a bound model: η ~ N(0, Ω), the model's predictions f and
 * h = ∂y/∂ε at (θ, η), and y = f + h ε with ε ~ N(0, Σ) drawn independently for every
 * observation (NONMEM's $SIMULATION with its $ERROR model). For a model that observes log DV,
 * f and y are on the log scale and are returned exponentiated (concentrations).
 * All buffers are allocated once per simulator; nothing is allocated per subject.
 */
import type { SubjectEvaluator } from '../subject/bound.js';
import { NumericalError } from '../errors.js';
import { lowerTimesInto, semidefiniteCholesky } from './mvn.js';
import type { RandomStream } from '../stats/random.js';

/** θ, Ω (nEta×nEta) and Σ (nEps×nEps), row-major: the parameters a simulation uses. */
export type { PopulationParameters } from '../model/parameter-spec.js';
import type { PopulationParameters } from '../model/parameter-spec.js';

/** The scale the model's predictions are on: concentrations, or log concentrations (log DV). */
export type ObservationScale = 'linear' | 'log';

export class SubjectSimulator {
  readonly eta: Float64Array;
  readonly f: Float64Array;
  readonly h: Float64Array;
  private readonly z: Float64Array;
  private readonly eps: Float64Array;
  private readonly zEps: Float64Array;
  private readonly omegaL: Float64Array;
  private readonly sigmaL: Float64Array;

  /**
   * @param values population parameters (Ω and Σ may be semi-definite)
   * @param maxObs the largest number of observations of any subject simulated
   */
  constructor(
    readonly values: PopulationParameters, readonly nEta: number, readonly nEps: number, maxObs: number,
    readonly scale: ObservationScale = 'linear', names?: { omega?: readonly string[]; sigma?: readonly string[] },
  ) {
    if (values.omega.length !== nEta * nEta) throw new RangeError(`SubjectSimulator: OMEGA has ${values.omega.length} entries for ${nEta} etas`);
    if (values.sigma.length !== nEps * nEps) throw new RangeError(`SubjectSimulator: SIGMA has ${values.sigma.length} entries for ${nEps} epsilons`);
    this.omegaL = semidefiniteCholesky(values.omega, nEta, 'OMEGA', names?.omega);
    this.sigmaL = semidefiniteCholesky(values.sigma, nEps, 'SIGMA', names?.sigma);
    this.eta = new Float64Array(nEta);
    this.z = new Float64Array(nEta);
    this.f = new Float64Array(maxObs);
    this.h = new Float64Array(maxObs * nEps);
    this.eps = new Float64Array(nEps);
    this.zEps = new Float64Array(nEps);
  }

  /** this.eta = L_Ω z with z from `stream` (nEta deviates). */
  drawEta(stream: RandomStream): Float64Array {
    stream.normalsInto(this.z, this.nEta);
    lowerTimesInto(this.eta, this.omegaL, this.z, this.nEta);
    return this.eta;
  }

  /**
   * f and h of `subject` at (θ, eta) into this.f / this.h. Throws NumericalError naming the
   * subject when the model gives no valid or finite prediction there.
   */
  predict(subject: SubjectEvaluator, eta: Float64Array, label: string): void {
    if (!subject.evaluate(this.values.theta, eta, this.f, this.h)) {
      throw new NumericalError(`${label}: the model gives no valid prediction at η = [${Array.from(eta, (x) => x.toPrecision(4)).join(', ')}] `
        + '(e.g. a negative volume or clearance); check the parameters and the population');
    }
    for (let j = 0; j < subject.nObs; j++) {
      if (!Number.isFinite(this.f[j]!)) {
        throw new NumericalError(`${label}: the prediction of observation ${j + 1} is ${this.f[j]} at η = [${Array.from(eta, (x) => x.toPrecision(4)).join(', ')}]`);
      }
    }
  }

  /** Individual prediction of observation j on the concentration scale. */
  ipred(j: number): number {
    return this.scale === 'log' ? Math.exp(this.f[j]!) : this.f[j]!;
  }

  /**
   * One simulated observation y_j = f_j + h_j ε (concentration scale), ε = L_Σ z with z from
   * `stream` (nEps deviates). With `residual` false, returns the prediction.
   */
  observe(j: number, stream: RandomStream | undefined): number {
    const nEps = this.nEps;
    let y = this.f[j]!;
    if (stream !== undefined && nEps > 0) {
      stream.normalsInto(this.zEps, nEps);
      lowerTimesInto(this.eps, this.sigmaL, this.zEps, nEps);
      for (let k = 0; k < nEps; k++) y += this.h[j * nEps + k]! * this.eps[k]!;
    }
    return this.scale === 'log' ? Math.exp(y) : y;
  }
}
