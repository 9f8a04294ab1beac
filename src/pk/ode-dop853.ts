/**
 * The explicit Runge–Kutta method of popkit's ODE path: the Dormand–Prince pair of order 8
 * with error estimators of orders 5 and 3, "DOP853" (P. J. Prince & J. R. Dormand, High order
 * embedded Runge–Kutta formulae, J. Comput. Appl. Math. 7:67–75, 1981; the 12-stage variant
 * with its combined 5th/3rd-order error estimate and step size control as published with the
 * code DOP853 in E. Hairer, S. P. Nørsett & G. Wanner, Solving Ordinary Differential
 * Equations I, 2nd ed., Springer 1993, Chapter II; its stiffness detection as in Hairer &
 * Wanner, Solving Ordinary Differential Equations II, Sec. IV.2). The coefficients below are
 * those published tables (checked against the order conditions in test/pk/ode-methods.test.ts).
 *
 * Why this method, and not the ode45-cash-karp package used before. On the benchmark workload
 * (bench/pk-ode.bench.mjs: 2-compartment oral model, 28 daily doses, 50 observations, relTol
 * 1e-8, absTol 1e-12, 1000 subjects) the package's Cash–Karp 4(5) pair needs 25,811
 * right-hand-side evaluations per subject and this 8th-order pair 13,739 (each compartment,
 * the depot included, is controlled relative to its own amount, so the step stays near
 * 0.5/KA while a dose is being absorbed); with the stage combinations written out below the
 * whole prediction runs 2.1× as many subjects per second (interleaved CPU-time
 * measurements of both builds in one process), and its largest error against the closed form
 * is smaller too (1.6e-10 relative against 1.9e-9). At relTol 1e-4 the two cost the same (and
 * DOP853 is still the more accurate), so the package is used nowhere on the prediction path.
 *
 * Error test, per compartment i (max norm, so that each compartment is controlled relative
 * to its own amount): with e5 and e3 the two embedded error estimates and
 * s_i = absTol + relTol·max(|a_i(t)|, |a_i(t+h)|), the step is accepted when
 * max_i |h|·e5_i² / sqrt(e5_i² + 0.01·e3_i²) / s_i ≤ 1 (Hairer's combination, taken per
 * component), plus the amount the compartment changes within the clock's resolution,
 * 16·ε·|t|·|da_i/dt| (see TIME_RESOLUTION in src/pk/ode-problem.ts). For non-negative problems an amount below zero after the step counts as error
 * too, and the negative amounts of an accepted step are set to 0 (see OdeProblem.nonNegative).
 * FSAL: the derivative at the end of a step starts the next one (12 evaluations per step).
 * All buffers are allocated once per system.
 */
import { TIME_RESOLUTION, clampNegativeToZero, minimumStep, startingStep, type OdeProblem } from './ode-problem.js';

// Nodes c_i, and the coupling coefficients a_ij (zero ones omitted).
const C2 = 0.526001519587677318785587544488e-1;
const C3 = 0.789002279381515978178381316732e-1;
const C4 = 0.118350341907227396726757197510;
const C5 = 0.281649658092772603273242802490;
const C6 = 0.333333333333333333333333333333;
const C7 = 0.25;
const C8 = 0.307692307692307692307692307692;
const C9 = 0.651282051282051282051282051282;
const C10 = 0.6;
const C11 = 0.857142857142857142857142857142;

const A21 = 5.26001519587677318785587544488e-2;
const A31 = 1.97250569845378994544595329183e-2;
const A32 = 5.91751709536136983633785987549e-2;
const A41 = 2.95875854768068491816892993775e-2;
const A43 = 8.87627564304205475450678981324e-2;
const A51 = 2.41365134159266685502369798665e-1;
const A53 = -8.84549479328286085344864962717e-1;
const A54 = 9.24834003261792003115737966543e-1;
const A61 = 3.7037037037037037037037037037e-2;
const A64 = 1.70828608729473871279604482173e-1;
const A65 = 1.25467687566822425016691814123e-1;
const A71 = 3.7109375e-2;
const A74 = 1.70252211019544039314978060272e-1;
const A75 = 6.02165389804559606850219397283e-2;
const A76 = -1.7578125e-2;
const A81 = 3.70920001185047927108779319836e-2;
const A84 = 1.70383925712239993810214054705e-1;
const A85 = 1.07262030446373284651809199168e-1;
const A86 = -1.53194377486244017527936158236e-2;
const A87 = 8.27378916381402288758473766002e-3;
const A91 = 6.24110958716075717114429577812e-1;
const A94 = -3.36089262944694129406857109825;
const A95 = -8.68219346841726006818189891453e-1;
const A96 = 2.75920996994467083049415600797e1;
const A97 = 2.01540675504778934086186788979e1;
const A98 = -4.34898841810699588477366255144e1;
const A101 = 4.77662536438264365890433908527e-1;
const A104 = -2.48811461997166764192642586468;
const A105 = -5.90290826836842996371446475743e-1;
const A106 = 2.12300514481811942347288949897e1;
const A107 = 1.52792336328824235832596922938e1;
const A108 = -3.32882109689848629194453265587e1;
const A109 = -2.03312017085086261358222928593e-2;
const A111 = -9.3714243008598732571704021658e-1;
const A114 = 5.18637242884406370830023853209;
const A115 = 1.09143734899672957818500254654;
const A116 = -8.14978701074692612513997267357;
const A117 = -1.85200656599969598641566180701e1;
const A118 = 2.27394870993505042818970056734e1;
const A119 = 2.49360555267965238987089396762;
const A1110 = -3.0467644718982195003823669022;
const A121 = 2.27331014751653820792359768449;
const A124 = -1.05344954667372501984066689879e1;
const A125 = -2.00087205822486249909675718444;
const A126 = -1.79589318631187989172765950534e1;
const A127 = 2.79488845294199600508499808837e1;
const A128 = -2.85899827713502369474065508674;
const A129 = -8.87285693353062954433549289258;
const A1210 = 1.23605671757943030647266201528e1;
const A1211 = 6.43392746015763530355970484046e-1;

// Weights of the 8th-order solution.
const B1 = 5.42937341165687622380535766363e-2;
const B6 = 4.45031289275240888144113950566;
const B7 = 1.89151789931450038304281599044;
const B8 = -5.8012039600105847814672114227;
const B9 = 3.1116436695781989440891606237e-1;
const B10 = -1.52160949662516078556178806805e-1;
const B11 = 2.01365400804030348374776537501e-1;
const B12 = 4.47106157277725905176885569043e-2;

// 3rd-order error estimator: e3 = Σ b_i k_i − (BHH1 k1 + BHH2 k9 + BHH3 k12).
const BHH1 = 0.244094488188976377952755905512;
const BHH2 = 0.733846688281611857341361741547;
const BHH3 = 0.220588235294117647058823529412e-1;

// 5th-order error estimator: e5 = Σ ER_i k_i.
const ER1 = 0.1312004499419488073250102996e-1;
const ER6 = -0.1225156446376204440720569753e1;
const ER7 = -0.4957589496572501915214079952;
const ER8 = 0.1664377182454986536961530415e1;
const ER9 = -0.3503288487499736816886487290;
const ER10 = 0.3341791187130174790297318841;
const ER11 = 0.8192320648511571246570742613e-1;
const ER12 = -0.2235530786388629525884427845e-1;

/** The published tableau, for tests of its order conditions: c (12), a (12×12 row-major), b, bhh, er. */
export const DOP853_TABLEAU = Object.freeze({
  c: [0, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, 1],
  a: [
    [],
    [A21],
    [A31, A32],
    [A41, 0, A43],
    [A51, 0, A53, A54],
    [A61, 0, 0, A64, A65],
    [A71, 0, 0, A74, A75, A76],
    [A81, 0, 0, A84, A85, A86, A87],
    [A91, 0, 0, A94, A95, A96, A97, A98],
    [A101, 0, 0, A104, A105, A106, A107, A108, A109],
    [A111, 0, 0, A114, A115, A116, A117, A118, A119, A1110],
    [A121, 0, 0, A124, A125, A126, A127, A128, A129, A1210, A1211],
  ],
  b: [B1, 0, 0, 0, 0, B6, B7, B8, B9, B10, B11, B12],
  bhh: [BHH1, 0, 0, 0, 0, 0, 0, 0, BHH2, 0, 0, BHH3],
  er: [ER1, 0, 0, 0, 0, ER6, ER7, ER8, ER9, ER10, ER11, ER12],
});

/** Safety factor and bounds of the step size change (Hairer's DOP853 defaults). */
const SAFETY = 0.9;
const MOST_SHRINK = 3; // h_new ≥ h/3
const MOST_GROWTH = 6; // h_new ≤ 6h
/**
 * Stiffness test (Hairer & Wanner, Solving ODEs II, Sec. IV.2; as in DOP853): |h|·λ
 * estimated from the last stage and the end point; above the stability boundary 6.1 on
 * STIFF_STEPS steps (with fewer than 6 non-stiff steps in between) the problem is stiff.
 */
const STABILITY_BOUNDARY = 6.1;
const STIFF_STEPS = 15;
const NON_STIFF_RESET = 6;

/** What ended an explicit integration. */
export type ExplicitOutcome = 'done' | 'stiff' | 'step-limit' | 'collapse';

const STAGES = 12;
const NODES = Float64Array.from(DOP853_TABLEAU.c);

/** DOP853 integrator with its work buffers, for systems of `n` compartments. */
export class Dop853 {
  /** Time reached by the last `integrate` (t1 when it returned 'done'). */
  reached = 0;
  /** Steps (accepted and rejected) of the last `integrate`. */
  steps = 0;
  /**
   * The compartment whose negative amount rejected the last step (non-negative problems),
   * else -1: after a 'collapse', the reason for it.
   */
  negativeCompartment = -1;
  /** Stage derivatives k_1..k_12, stage s at [s·n, (s+1)·n). */
  private readonly k: Float64Array;
  /** Views of `k`, one per stage, for the right-hand side to write into. */
  private readonly stage: Float64Array[];
  private readonly kNext: Float64Array;
  private readonly w: Float64Array;
  private readonly yNew: Float64Array;

  constructor(readonly n: number) {
    this.k = new Float64Array(STAGES * n);
    this.stage = Array.from({ length: STAGES }, (_, s) => this.k.subarray(s * n, (s + 1) * n));
    this.kNext = new Float64Array(n);
    this.w = new Float64Array(n);
    this.yNew = new Float64Array(n);
  }

  /**
   * Integrates `y` (amounts, in place) from t0 to t1 > t0 (time units). Returns 'done' on
   * arrival. Otherwise `y` holds the state at `this.reached` and the reason is returned:
   * 'stiff' (only when `detectStiffness`), 'step-limit' (problem.maxSteps steps taken) or
   * 'collapse' (the step size fell below 32 ulp of the time, see minimumStep). Depends only on
   * its arguments, never on earlier calls.
   */
  integrate(problem: OdeProblem, y: Float64Array, t0: number, t1: number, detectStiffness: boolean): ExplicitOutcome {
    const n = this.n;
    const { maxSteps, nonNegative } = problem;
    const { k, stage, kNext, w, yNew } = this;
    const length = t1 - t0;
    const startMin = Math.min(minimumStep(t0, length), length);
    this.start(problem, y, t0);
    let h = Math.max(startingStep(problem, y, stage[0], t0, length, 8, w, kNext), startMin);
    let t = t0;
    let rejectedLast = false;
    let stiff = 0;
    let nonStiff = 0;
    this.steps = 0;
    this.negativeCompartment = -1;
    for (;;) {
      if (this.steps >= maxSteps) return this.stop(t, 'step-limit');
      const minStep = minimumStep(t, length);
      if (h < minStep && t1 - t > minStep) return this.stop(t, 'collapse');
      this.steps++;
      let last = false;
      if (t + 1.01 * h >= t1) {
        h = t1 - t;
        last = true;
      }
      const tNew = last ? t1 : t + h;
      const err = this.attempt(problem, y, t, h, tNew);
      const fac = Math.sqrt(Math.sqrt(Math.sqrt(err))) / SAFETY; // err^(1/8)

      if (!(err <= 1)) { // rejected (or not finite: shrink as much as allowed)
        h /= err === err ? Math.min(MOST_SHRINK, fac) : MOST_SHRINK;
        rejectedLast = true;
        continue;
      }
      if (nonNegative) clampNegativeToZero(yNew, problem.amountCount ?? n);
      if (last) {
        for (let i = 0; i < n; i++) y[i] = yNew[i];
        this.reached = t1;
        return 'done';
      }
      problem.f(tNew, yNew, kNext); // first stage of the next step
      if (detectStiffness) {
        let num = 0;
        let den = 0;
        const k12 = stage[STAGES - 1];
        for (let i = 0; i < n; i++) {
          const df = kNext[i] - k12[i];
          const dy = yNew[i] - w[i];
          num += df * df;
          den += dy * dy;
        }
        if (den > 0 && h * Math.sqrt(num / den) > STABILITY_BOUNDARY) {
          nonStiff = 0;
          if (++stiff >= STIFF_STEPS) {
            for (let i = 0; i < n; i++) y[i] = yNew[i];
            return this.stop(tNew, 'stiff');
          }
        } else if (++nonStiff >= NON_STIFF_RESET) {
          stiff = 0;
        }
      }
      for (let i = 0; i < n; i++) {
        y[i] = yNew[i];
        k[i] = kNext[i];
      }
      t = tNew;
      let hNew = h / Math.max(1 / MOST_GROWTH, Math.min(MOST_SHRINK, fac));
      if (rejectedLast) hNew = Math.min(hNew, h);
      rejectedLast = false;
      h = hNew;
    }
  }

  /**
   * One step of size h from (t, y) with k_1 = f(t, y) in place: the solution goes to
   * `yNew` (read it with {@link Dop853.solution}) and the scaled error estimate is returned
   * (≤ 1: acceptable; NaN when not finite). For non-negative problems a negative amount
   * counts as error (`negativeCompartment` names the compartment when it decided).
   */
  attempt(problem: OdeProblem, y: Float64Array, t: number, h: number, tNew: number): number {
    const n = this.n;
    const { relTol, absTol, nonNegative } = problem;
    const nonNegativeCount = nonNegative ? (problem.amountCount ?? n) : 0;
    const { k, yNew } = this;
    const clock = TIME_RESOLUTION * Math.abs(tNew);
    this.stages(problem, y, t, h, tNew);
    let err = 0;
    let negative = -1;
    for (let i = 0; i < n; i++) {
      const k1 = k[i], k6 = k[5 * n + i], k7 = k[6 * n + i], k8 = k[7 * n + i], k9 = k[8 * n + i];
      const k10 = k[9 * n + i], k11 = k[10 * n + i], k12 = k[11 * n + i];
      const direction = B1 * k1 + B6 * k6 + B7 * k7 + B8 * k8 + B9 * k9 + B10 * k10 + B11 * k11 + B12 * k12;
      const next = y[i] + h * direction;
      yNew[i] = next;
      const e3 = direction - BHH1 * k1 - BHH2 * k9 - BHH3 * k12;
      const e5 = ER1 * k1 + ER6 * k6 + ER7 * k7 + ER8 * k8 + ER9 * k9 + ER10 * k10 + ER11 * k11 + ER12 * k12;
      const squared = e5 * e5;
      const scale = absTol + relTol * Math.max(Math.abs(y[i]), Math.abs(next)) + clock * Math.abs(k1);
      let e = squared === 0 ? 0 : (Math.abs(h) * squared) / (Math.sqrt(squared + 0.01 * e3 * e3) * scale);
      if (i < nonNegativeCount && next < 0) {
        const below = -next / scale;
        if (below > e) e = below;
        if (below > 1) negative = i;
      }
      if (e > err || e !== e) err = e; // a NaN stays
    }
    this.negativeCompartment = err > 1 ? negative : -1;
    return err;
  }

  /** The solution of the last {@link Dop853.attempt} (a view, overwritten by the next one). */
  solution(): Float64Array {
    return this.yNew;
  }

  /** Sets k_1 = f(t, y) before a first {@link Dop853.attempt} from (t, y). */
  start(problem: OdeProblem, y: Float64Array, t: number): void {
    problem.f(t, y, this.stage[0]);
  }

  /**
   * Stages 2..12 of a step of size h from (t, y); stage 1 (k_1) is already in place. One call
   * site for the right-hand side, so that the compiler inlines it once (measured 1.3× faster
   * than twelve call sites), and the stage combinations written out with their nonzero
   * coefficients only (1.8× faster than loops over the full tableau).
   */
  private stages(problem: OdeProblem, y: Float64Array, t: number, h: number, tNew: number): void {
    const n = this.n;
    const { k, stage, w } = this;
    const k2 = n, k3 = 2 * n, k4 = 3 * n, k5 = 4 * n, k6 = 5 * n, k7 = 6 * n, k8 = 7 * n, k9 = 8 * n, k10 = 9 * n, k11 = 10 * n;
    for (let s = 1; s < STAGES; s++) {
      switch (s) {
        case 1:
          for (let i = 0; i < n; i++) w[i] = y[i] + h * A21 * k[i];
          break;
        case 2:
          for (let i = 0; i < n; i++) w[i] = y[i] + h * (A31 * k[i] + A32 * k[k2 + i]);
          break;
        case 3:
          for (let i = 0; i < n; i++) w[i] = y[i] + h * (A41 * k[i] + A43 * k[k3 + i]);
          break;
        case 4:
          for (let i = 0; i < n; i++) w[i] = y[i] + h * (A51 * k[i] + A53 * k[k3 + i] + A54 * k[k4 + i]);
          break;
        case 5:
          for (let i = 0; i < n; i++) w[i] = y[i] + h * (A61 * k[i] + A64 * k[k4 + i] + A65 * k[k5 + i]);
          break;
        case 6:
          for (let i = 0; i < n; i++) w[i] = y[i] + h * (A71 * k[i] + A74 * k[k4 + i] + A75 * k[k5 + i] + A76 * k[k6 + i]);
          break;
        case 7:
          for (let i = 0; i < n; i++) {
            w[i] = y[i] + h * (A81 * k[i] + A84 * k[k4 + i] + A85 * k[k5 + i] + A86 * k[k6 + i] + A87 * k[k7 + i]);
          }
          break;
        case 8:
          for (let i = 0; i < n; i++) {
            w[i] = y[i] + h * (A91 * k[i] + A94 * k[k4 + i] + A95 * k[k5 + i] + A96 * k[k6 + i] + A97 * k[k7 + i] +
              A98 * k[k8 + i]);
          }
          break;
        case 9:
          for (let i = 0; i < n; i++) {
            w[i] = y[i] + h * (A101 * k[i] + A104 * k[k4 + i] + A105 * k[k5 + i] + A106 * k[k6 + i] + A107 * k[k7 + i] +
              A108 * k[k8 + i] + A109 * k[k9 + i]);
          }
          break;
        case 10:
          for (let i = 0; i < n; i++) {
            w[i] = y[i] + h * (A111 * k[i] + A114 * k[k4 + i] + A115 * k[k5 + i] + A116 * k[k6 + i] + A117 * k[k7 + i] +
              A118 * k[k8 + i] + A119 * k[k9 + i] + A1110 * k[k10 + i]);
          }
          break;
        default:
          for (let i = 0; i < n; i++) {
            w[i] = y[i] + h * (A121 * k[i] + A124 * k[k4 + i] + A125 * k[k5 + i] + A126 * k[k6 + i] + A127 * k[k7 + i] +
              A128 * k[k8 + i] + A129 * k[k9 + i] + A1210 * k[k10 + i] + A1211 * k[k11 + i]);
          }
      }
      problem.f(s === STAGES - 1 ? tNew : t + NODES[s] * h, w, stage[s]);
    }
  }

  private stop(t: number, outcome: ExplicitOutcome): ExplicitOutcome {
    this.reached = t;
    return outcome;
  }
}
