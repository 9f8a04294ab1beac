/**
 * Forward sensitivities of an ODE compartment system: the amounts a and their derivatives
 * S = ∂a/∂(direction) (n × nDir) integrated together, as one system of n·(1 + nDir) states,
 *   da/dt = f(t, a, p) + r,        dS/dt = (∂f/∂a)·S + (∂f/∂p)·∂p/∂(direction),
 * with the Jacobians ∂f/∂a and ∂f/∂p supplied by the system (symbolic for model files). The
 * sensitivities enter the error test like the amounts (full error control, as CVODES offers:
 * A. C. Hindmarsh et al., ACM TOMS 31:363–396, 2005): leaving them out would let the step grow
 * past the stability limit of a compartment whose amount has become negligible (an emptied
 * depot with a large KA) while its sensitivity is still integrated, which then diverges. So
 * the amounts of the augmented system differ from a plain integration's within the
 * tolerances; callers that need the plain amounts bit for bit integrate them separately
 * (src/subject/evaluator.ts does). Only the amounts are kept non-negative.
 */
import type { OdeProblem } from './ode-problem.js';

/**
 * Jacobians of an ODE right-hand side at (t, a) with parameters p: dfda (n × n, row-major,
 * ∂f_i/∂a_j) and dfdp (n × nParameters, row-major, ∂f_i/∂p_k). Must not allocate.
 */
export type OdeJacobian = (t: number, a: Float64Array, p: Float64Array, dfda: Float64Array, dfdp: Float64Array) => void;

/** The augmented problem [a; S] over one interval (see the module comment). */
export class SensitivityProblem implements OdeProblem {
  readonly n: number;
  readonly amountCount: number;
  private readonly a: Float64Array;
  private readonly dadt: Float64Array;
  private readonly dfda: Float64Array;
  private readonly dfdp: Float64Array;
  private params: Float64Array = new Float64Array(0);
  /** The non-zero entries of ∂p/∂(direction): parameter, direction and value of each. */
  private readonly dpParameter: Int32Array;
  private readonly dpDirection: Int32Array;
  private readonly dpValue: Float64Array;
  private dpCount = 0;

  constructor(
    private readonly base: OdeProblem, private readonly jacobian: OdeJacobian,
    private readonly nParameters: number, readonly nDir: number,
  ) {
    const n = base.n;
    this.n = n * (1 + nDir);
    this.amountCount = n;
    this.a = new Float64Array(n);
    this.dadt = new Float64Array(n);
    this.dfda = new Float64Array(n * n);
    this.dfdp = new Float64Array(n * nParameters);
    this.dpParameter = new Int32Array(nParameters * nDir);
    this.dpDirection = new Int32Array(nParameters * nDir);
    this.dpValue = new Float64Array(nParameters * nDir);
  }

  get relTol(): number { return this.base.relTol; }
  get absTol(): number { return this.base.absTol; }
  get maxSteps(): number { return this.base.maxSteps; }
  get autonomous(): boolean { return this.base.autonomous; }
  get nonNegative(): boolean { return this.base.nonNegative; }

  /** Parameters p and their tangents dp (nParameters × nDir) of the coming interval. */
  begin(p: Float64Array, dp: Float64Array): void {
    this.params = p;
    // Each eta usually moves one or two parameters: keep dp's non-zero entries only.
    let count = 0;
    for (let q = 0; q < this.nParameters; q++) {
      for (let k = 0; k < this.nDir; k++) {
        const v = dp[q * this.nDir + k]!;
        if (v === 0) continue;
        this.dpParameter[count] = q;
        this.dpDirection[count] = k;
        this.dpValue[count] = v;
        count++;
      }
    }
    this.dpCount = count;
  }

  f(t: number, y: Float64Array, dydt: Float64Array): void {
    const n = this.base.n, nDir = this.nDir, nPar = this.nParameters;
    const { a, dadt, dfda, dfdp, dpParameter, dpDirection, dpValue, dpCount } = this;
    for (let i = 0; i < n; i++) a[i] = y[i]!;
    this.base.f(t, a, dadt);
    this.jacobian(t, a, this.params, dfda, dfdp);
    let nonFinite = 0; // stays 0 unless a derivative is ±Infinity or NaN
    for (let i = 0; i < n; i++) {
      dydt[i] = dadt[i]!;
      const out = n + i * nDir;
      for (let k = 0; k < nDir; k++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += dfda[i * n + j]! * y[n + j * nDir + k]!;
        dydt[out + k] = s;
      }
      for (let e = 0; e < dpCount; e++) dydt[out + dpDirection[e]!] += dfdp[i * nPar + dpParameter[e]!]! * dpValue[e]!;
      for (let k = 0; k < nDir; k++) nonFinite += dydt[out + k]! * 0;
    }
    if (nonFinite !== 0) this.nonFiniteSensitivity(t, dydt);
  }

  private nonFiniteSensitivity(t: number, dydt: Float64Array): never {
    const n = this.base.n;
    let q = n;
    while (q < this.n && Number.isFinite(dydt[q])) q++;
    return this.base.fail(`the derivative of the sensitivity of compartment '${this.base.compartment(Math.floor((q - n) / this.nDir))}' `
      + `is ${dydt[q]} at t=${t}; check the model equations' derivatives`);
  }

  fail(reason: string): never {
    return this.base.fail(reason);
  }

  compartment(i: number): string {
    const n = this.base.n;
    return i < n ? this.base.compartment(i) : `sensitivity of ${this.base.compartment(Math.floor((i - n) / this.nDir))}`;
  }
}
