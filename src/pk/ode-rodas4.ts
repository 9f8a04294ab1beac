/**
 * The stiff ODE method of popkit: RODAS4, the L-stable, stiffly accurate Rosenbrock method of
 * order 4 with 6 stages and an embedded method of order 3 (E. Hairer & G. Wanner, Solving
 * Ordinary Differential Equations II: Stiff and Differential-Algebraic Problems, 2nd ed.,
 * Springer 1996, Sec. IV.7; the coefficients are those published with their code RODAS, in
 * the transformed variables of that section, with γ = 1/4).
 *
 * One step from (t, y) with step h: with G = I/(h·γ) − J (J = ∂f/∂a at (t, y)),
 *   G·K_i = f(t + α_i·h, y + Σ_{j<i} a_ij·K_j) + Σ_{j<i} (c_ij/h)·K_j + γ_i·h·∂f/∂t,
 *   y_new = y + Σ m_i·K_i, and the error estimate is K_6 (y_new minus the embedded solution).
 * L-stability makes very fast processes (KA = 1e6/h, Michaelis–Menten elimination below
 * KM = 1e-9) cost no more than slow ones once they have decayed, and stiff accuracy (y_new is
 * the last stage) keeps their equilibria exact. The order was checked by observed convergence
 * (test/pk/ode-methods.test.ts).
 *
 * The Jacobian J and ∂f/∂t are finite differences (forward, n + 1 evaluations; ∂f/∂t
 * skipped for autonomous systems), recomputed after every accepted step and reused after a
 * rejection; G is factored by LU with partial pivoting (src/pk/ode-lu.ts). Step size control:
 * per-compartment error test max_i |K_6,i| / (absTol + relTol·max(|y_i|, |y_new,i|) +
 * 16·ε·|t|·|f_i|) ≤ 1 (the last term: see TIME_RESOLUTION in src/pk/ode-problem.ts),
 * new step h·min(6, max(0.2, 0.9·err^(-1/4))), no growth right after a rejection. For
 * non-negative problems a negative amount counts as error and the negative amounts of an
 * accepted step are set to 0 (see OdeProblem.nonNegative). Buffers are allocated once.
 */
import { luFactorInto, luSolveInto } from './ode-lu.js';
import { TIME_RESOLUTION, clampNegativeToZero, minimumStep, negativeAmountReason, startingStep, type OdeProblem } from './ode-problem.js';

const GAMMA = 0.25;
/** Stage times α_i and the sums γ_i of the Γ matrix rows (for ∂f/∂t). */
const ALPHA = [0, 0.386, 0.21, 0.63, 1, 1];
const GAMMA_SUM = [0.25, -0.1043, 0.1035, -0.3620000000000023e-1, 0, 0];
/** Transformed coefficients a_ij (rows 2..6, j < i). */
const A = [
  [],
  [0.1544e1],
  [0.9466785280815826, 0.2557011698983284],
  [0.3314825187068521e1, 0.2896124015972201e1, 0.9986419139977817],
  [0.1221224509226641e1, 0.6019134481288629e1, 0.1253708332932087e2, -0.687886036105895],
  [0.1221224509226641e1, 0.6019134481288629e1, 0.1253708332932087e2, -0.687886036105895, 1],
];
/** Transformed coefficients c_ij (rows 2..6, j < i). */
const C = [
  [],
  [-0.56688e1],
  [-0.2430093356833875e1, -0.2063599157091915],
  [-0.1073529058151375, -0.9594562251023355e1, -0.2047028614809616e2],
  [0.7496443313967647e1, -0.1024680431464352e2, -0.3399990352819905e2, 0.117089089320616e2],
  [0.8083246795921522e1, -0.7981132988064893e1, -0.3152159432874371e2, 0.1631930543123136e2, -0.6058818238834054e1],
];
const STAGES = 6;
/** a and c as flat row-major 6×6 arrays (row s at s·6), for the stage loops. */
const A_FLAT = new Float64Array(STAGES * STAGES);
const C_FLAT = new Float64Array(STAGES * STAGES);
A.forEach((row, s) => row.forEach((x, j) => { A_FLAT[s * STAGES + j] = x; }));
C.forEach((row, s) => row.forEach((x, j) => { C_FLAT[s * STAGES + j] = x; }));
// The weights m_i of the solution are the last row of a followed by m_6 = 1 (stiff
// accuracy): y_new = (argument of the 6th stage) + K_6.

const SAFETY = 0.9;
const MOST_SHRINK = 5; // h_new ≥ 0.2h
const MOST_GROWTH = 6;
const SQRT_EPS = Math.sqrt(Number.EPSILON);

/** RODAS4 integrator with its work buffers, for systems of `n` compartments. */
export class Rodas4 {
  /** Steps (accepted and rejected) of the last `integrate`. */
  steps = 0;
  /** Accepted steps of the last `integrate`. */
  accepted = 0;
  /**
   * The compartment whose negative amount rejected the last step (non-negative problems),
   * else -1.
   */
  negativeCompartment = -1;
  private readonly f0: Float64Array;
  private readonly dfdt: Float64Array;
  private readonly jacobian: Float64Array;
  private readonly g: Float64Array;
  private readonly pivots: Int32Array;
  /** Stage vectors K_1..K_6, stage s at [s·n, (s+1)·n), and a view of each. */
  private readonly k: Float64Array;
  private readonly kStage: Float64Array[];
  private readonly stage: Float64Array;
  private readonly yNew: Float64Array;
  private readonly work: Float64Array;

  constructor(readonly n: number) {
    this.f0 = new Float64Array(n);
    this.dfdt = new Float64Array(n);
    this.jacobian = new Float64Array(n * n);
    this.g = new Float64Array(n * n);
    this.pivots = new Int32Array(n);
    this.k = new Float64Array(STAGES * n);
    this.kStage = Array.from({ length: STAGES }, (_, s) => this.k.subarray(s * n, (s + 1) * n));
    this.stage = new Float64Array(n);
    this.yNew = new Float64Array(n);
    this.work = new Float64Array(n);
  }

  /**
   * Integrates `y` (amounts, in place) from t0 to t1 > t0 (time units). Throws (through
   * problem.fail) when problem.maxSteps steps do not suffice or the step size collapses.
   * Depends only on its arguments, never on earlier calls.
   */
  integrate(problem: OdeProblem, y: Float64Array, t0: number, t1: number): void {
    const n = this.n;
    const { relTol, absTol, maxSteps, nonNegative } = problem;
    const { yNew } = this;
    const length = t1 - t0;
    const startMin = Math.min(minimumStep(t0, length), length);
    this.start(problem, y, t0);
    let h = Math.max(startingStep(problem, y, this.f0, t0, length, 4, this.work, this.stage), startMin);
    let t = t0;
    let rejectedLast = false;
    let jacobianCurrent = false;
    this.steps = 0;
    this.accepted = 0;
    this.negativeCompartment = -1;
    for (;;) {
      if (this.steps >= maxSteps) {
        problem.fail(`the stiff method (RODAS4) needed more than ${maxSteps} steps (reached t=${t}); ` +
          'raise maxSteps or loosen relTol/absTol.');
      }
      const minStep = minimumStep(t, length);
      if (h < minStep && t1 - t > minStep) {
        if (this.negativeCompartment >= 0) problem.fail(negativeAmountReason(problem, this.negativeCompartment, t));
        problem.fail(`the stiff method (RODAS4) could not meet the tolerances relTol=${relTol}, ` +
          `absTol=${absTol}: its step size collapsed to ${h} at t=${t}; the equations are probably ` +
          'singular or discontinuous there.');
      }
      this.steps++;
      let last = false;
      if (t + 1.01 * h >= t1) {
        h = t1 - t;
        last = true;
      }
      if (!jacobianCurrent) {
        this.differentiate(problem, y, t, h);
        jacobianCurrent = true;
      }
      if (!this.factor(h)) { // 1/(hγ) hit an eigenvalue of J: change h
        h *= 0.5;
        rejectedLast = true;
        continue;
      }
      const err = this.attempt(problem, y, t, h);
      const factor = err === err ? Math.min(MOST_GROWTH, Math.max(1 / MOST_SHRINK, SAFETY / Math.sqrt(Math.sqrt(err)))) : 1 / MOST_SHRINK;
      if (!(err <= 1)) {
        h *= factor;
        rejectedLast = true;
        continue;
      }
      this.accepted++;
      if (nonNegative) clampNegativeToZero(yNew, problem.amountCount ?? n);
      for (let i = 0; i < n; i++) y[i] = yNew[i];
      t = last ? t1 : t + h;
      if (last) return;
      this.start(problem, y, t);
      jacobianCurrent = false;
      h *= rejectedLast ? Math.min(1, factor) : factor;
      rejectedLast = false;
    }
  }

  /** Sets f(t, y), the first stage's derivative, before {@link Rodas4.prepare}. */
  start(problem: OdeProblem, y: Float64Array, t: number): void {
    problem.f(t, y, this.f0);
  }

  /**
   * Jacobian (and ∂f/∂t) at (t, y) after {@link Rodas4.start}, and the factors of
   * I/(hγ) − J; false when that matrix is singular for this h.
   */
  prepare(problem: OdeProblem, y: Float64Array, t: number, h: number): boolean {
    this.differentiate(problem, y, t, h);
    return this.factor(h);
  }

  /** Factors G = I/(hγ) − J into `g`; false when singular. */
  private factor(h: number): boolean {
    const n = this.n;
    const { g, jacobian } = this;
    const diagonal = 1 / (h * GAMMA);
    for (let i = 0; i < n * n; i++) g[i] = -jacobian[i];
    for (let i = 0; i < n; i++) g[i * n + i] += diagonal;
    return luFactorInto(g, n, this.pivots);
  }

  /**
   * One step of size h from (t, y), G factored for this h: the solution goes to the buffer
   * returned by {@link Rodas4.solution}, and the scaled error estimate is returned (≤ 1:
   * acceptable; NaN when not finite). For non-negative problems a negative amount counts as
   * error (`negativeCompartment` names the compartment when it decided).
   */
  attempt(problem: OdeProblem, y: Float64Array, t: number, h: number): number {
    const n = this.n;
    const { relTol, absTol, nonNegative } = problem;
    const nonNegativeCount = nonNegative ? (problem.amountCount ?? n) : 0;
    const { f0, dfdt, g, pivots, k, kStage, stage, yNew } = this;
    const timeDependent = !problem.autonomous;
    for (let s = 0; s < STAGES; s++) {
      const offset = s * n;
      if (s === 0) {
        for (let i = 0; i < n; i++) k[i] = f0[i];
      } else {
        const row = s * STAGES;
        for (let i = 0; i < n; i++) {
          let sum = y[i];
          for (let j = 0, ji = i; j < s; j++, ji += n) sum += A_FLAT[row + j] * k[ji];
          stage[i] = sum;
        }
        problem.f(t + ALPHA[s] * h, stage, kStage[s]);
        for (let i = 0; i < n; i++) {
          let sum = k[offset + i];
          for (let j = 0, ji = i; j < s; j++, ji += n) sum += (C_FLAT[row + j] / h) * k[ji];
          k[offset + i] = sum;
        }
      }
      if (timeDependent && GAMMA_SUM[s] !== 0) {
        const hg = h * GAMMA_SUM[s];
        for (let i = 0; i < n; i++) k[offset + i] += hg * dfdt[i];
      }
      luSolveInto(g, n, pivots, kStage[s]);
    }
    // y_new = (6th stage argument) + K_6; error estimate K_6.
    const k6 = kStage[STAGES - 1];
    const clock = TIME_RESOLUTION * Math.abs(t + h);
    let err = 0;
    let negative = -1;
    for (let i = 0; i < n; i++) {
      const next = stage[i] + k6[i];
      yNew[i] = next;
      const scale = absTol + relTol * Math.max(Math.abs(y[i]), Math.abs(next)) + clock * Math.abs(f0[i]);
      let e = Math.abs(k6[i]) / scale;
      if (i < nonNegativeCount && next < 0) {
        const below = -next / scale;
        if (below > e) e = below;
        if (below > 1) negative = i;
      }
      if (e > err || e !== e) err = e;
    }
    this.negativeCompartment = err > 1 ? negative : -1;
    return err;
  }

  /** The solution of the last {@link Rodas4.attempt} (a view, overwritten by the next one). */
  solution(): Float64Array {
    return this.yNew;
  }

  /**
   * Forward-difference Jacobian of f at (t, y) (f(t, y) in f0) into `jacobian` (row-major,
   * ∂f_i/∂a_j at i·n + j), and ∂f/∂t into `dfdt` unless the problem is autonomous. The
   * increment of compartment j is √ε·max(|a_j|, |h·f_j|, absTol): relative to the amount, or
   * to its change over the step when the amount is near zero.
   */
  private differentiate(problem: OdeProblem, y: Float64Array, t: number, h: number): void {
    const n = this.n;
    const { f0, jacobian, work, stage } = this;
    stage.set(y);
    for (let j = 0; j < n; j++) {
      const yj = y[j];
      const delta = SQRT_EPS * Math.max(Math.abs(yj), Math.abs(h * f0[j]), problem.absTol);
      stage[j] = yj + delta;
      const actual = stage[j] - yj;
      problem.f(t, stage, work);
      stage[j] = yj;
      for (let i = 0; i < n; i++) jacobian[i * n + j] = (work[i] - f0[i]) / actual;
    }
    if (!problem.autonomous) {
      const delta = SQRT_EPS * Math.max(Math.abs(t), Math.abs(h));
      const tPlus = t + delta;
      problem.f(tPlus, y, work);
      const actual = tPlus - t;
      for (let i = 0; i < n; i++) this.dfdt[i] = (work[i] - f0[i]) / actual;
    }
  }
}
