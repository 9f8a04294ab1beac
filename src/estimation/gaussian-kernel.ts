/**
 * The Gaussian marginal-likelihood kernel for one subject of a linearized mixed model:
 *
 *   r ~ N(0, V),   V = G Ω Gᵀ + diag(R),
 *
 * with r the residual (n), G the random-effect design (n×q, column-major; ∂f/∂η for the
 * nonlinear methods), Ω the random-effect covariance (q×q) and R the residual variances (n).
 * It returns −2 log-likelihood WITHOUT the n·log(2π) constant (NONMEM's convention):
 *
 *   −2LL = log|V| + rᵀ V⁻¹ r.
 *
 * FO, FOCE and FOCE-I linearize each subject as y ≈ f + G(η − η̂) + ε (METHODS.md); FO uses
 * η̂ = 0, r = y − f(0); FOCE uses r = y − f(η̂) + G η̂ (`evaluateOffset`; Wang 2007,
 * J Pharmacokinet Pharmacodyn 34:575, the linearized-at-η̂ FOCE objective). At the exact mode
 * η̂ of l(η) = (y − f)ᵀR⁻¹(y − f) + ηᵀΩ⁻¹η (R not depending on η) this equals
 * l(η̂) + Σ log R_j + log|Ω| + log|Ω⁻¹ + GᵀR⁻¹G|, the form written in METHODS.md.
 *
 * Computation (never forms the n×n V): Woodbury and the matrix-determinant lemma,
 *   log|V| = log|R| + log|Ω| + log|Ω⁻¹ + GᵀR⁻¹G|,
 * evaluated in the well-conditioned form of Bates et al. (2015, J Stat Softw 67(1), §3):
 * with Ω = Λ Λᵀ (Cholesky) and B = G Λ,
 *   C = I + Bᵀ R⁻¹ B = Λᵀ (Ω⁻¹ + GᵀR⁻¹G) Λ,   log|V| = log|R| + log|C|,
 *   rᵀV⁻¹r = min_u ‖R^(−½)(r − B u)‖² + ‖u‖²  (attained at C u = Bᵀ R⁻¹ r),
 * a sum of non-negative terms, so there is no cancellation and Ω⁻¹ is never formed
 * (Ω may be nearly singular or strongly correlated). One q×q Cholesky of C per subject.
 *
 * Ω must be positive definite and every R_j > 0. On failure `evaluate` returns +Infinity
 * (never NaN) and `status` names the cause; the pieces are then not valid.
 */
import { choleskyInPlace, choleskySolveInPlace, logDetFromCholesky } from '../linalg/cholesky.js';

export type GaussianKernelStatus =
  | 'ok'
  /** Ω has no Cholesky factor (not positive definite, or not finite). */
  | 'omega-not-positive-definite'
  /** Some residual variance R_j is ≤ 0 or not finite. */
  | 'residual-variance-not-positive'
  /** r or G contains non-finite values, or the result overflowed. */
  | 'not-finite';

/**
 * Reusable kernel, sized once for the largest subject (maxN observations) and maxQ random
 * effects; `evaluate` allocates nothing.
 *
 * Example:
 * ```ts
 * const k = new GaussianMarginalKernel(50, 2);
 * const m2ll = k.evaluate(r, G, omega, R, n, 2); // Infinity if Ω is not positive definite
 * ```
 */
export class GaussianMarginalKernel {
  readonly maxN: number;
  readonly maxQ: number;
  /** Outcome of the last evaluation. */
  status: GaussianKernelStatus = 'ok';
  /** Dimensions of the last evaluation. */
  n = 0;
  q = 0;
  /** log|V| of the last evaluation (natural log). */
  logDetV = NaN;
  /** Σ log R_j. */
  logDetR = NaN;
  /** log|Ω|. */
  logDetOmega = NaN;
  /** log|Ω⁻¹ + GᵀR⁻¹G| (= log|C| − log|Ω|). */
  logDetPrecision = NaN;
  /** rᵀ V⁻¹ r. */
  quadraticForm = NaN;
  /** The residual r used (n); for evaluateOffset, y − f + G η̂. */
  readonly residual: Float64Array;
  /** V⁻¹ r (n). */
  readonly vInvR: Float64Array;
  /** Λ, the Cholesky factor of Ω (q×q column-major, leading dimension q, lower triangle). */
  readonly omegaFactor: Float64Array;
  /** Cholesky factor of C = I + ΛᵀGᵀR⁻¹GΛ (q×q column-major, leading dimension q, lower triangle). */
  readonly innerFactor: Float64Array;
  /** u = C⁻¹ Bᵀ R⁻¹ r (q): the posterior mean of η is Λ u. */
  readonly u: Float64Array;
  /** B = G Λ (n×q column-major, leading dimension n). */
  private readonly b: Float64Array;
  /** 1 / R_j (n). */
  private readonly w: Float64Array;
  /** Scratch: q×n for vInverseInto, q×q for posteriorCovarianceInto; a q-vector. */
  private readonly kqn: Float64Array;
  private readonly tq: Float64Array;

  constructor(maxN: number, maxQ: number) {
    this.maxN = maxN;
    this.maxQ = maxQ;
    this.residual = new Float64Array(maxN);
    this.vInvR = new Float64Array(maxN);
    this.omegaFactor = new Float64Array(maxQ * maxQ);
    this.innerFactor = new Float64Array(maxQ * maxQ);
    this.u = new Float64Array(maxQ);
    this.b = new Float64Array(maxN * maxQ);
    this.w = new Float64Array(maxN);
    this.kqn = new Float64Array(maxQ * Math.max(maxN, maxQ));
    this.tq = new Float64Array(maxQ);
  }

  /**
   * −2 log N(r; 0, G Ω Gᵀ + diag(R)) without n·log(2π), or +Infinity with `status` set.
   * r: n; G: n×q column-major (leading dimension n); omega: q×q column-major (lower triangle
   * read); R: n residual variances (units of r²).
   */
  evaluate(r: Float64Array, G: Float64Array, omega: Float64Array, R: Float64Array, n: number, q: number): number {
    this.checkSize(n, q);
    const res = this.residual;
    for (let j = 0; j < n; j++) res[j] = r[j];
    return this.evaluateResidual(G, omega, R, n, q);
  }

  /**
   * The FOCE form: evaluates the kernel at r = y − f + G η̂ (Wang 2007; METHODS.md), the
   * residual of the model linearized at η̂. y, f: n; etaHat: q; others as in `evaluate`.
   */
  evaluateOffset(
    y: Float64Array, f: Float64Array, G: Float64Array, etaHat: Float64Array,
    omega: Float64Array, R: Float64Array, n: number, q: number,
  ): number {
    this.checkSize(n, q);
    const res = this.residual;
    for (let j = 0; j < n; j++) res[j] = y[j] - f[j];
    for (let k = 0; k < q; k++) {
      const e = etaHat[k];
      if (e === 0) continue;
      const gk = k * n;
      for (let j = 0; j < n; j++) res[j] += G[gk + j] * e;
    }
    return this.evaluateResidual(G, omega, R, n, q);
  }

  private checkSize(n: number, q: number): void {
    if (n > this.maxN || q > this.maxQ || n < 0 || q < 0) {
      throw new RangeError(`GaussianMarginalKernel sized for n ≤ ${this.maxN}, q ≤ ${this.maxQ}; got n = ${n}, q = ${q}`);
    }
  }

  private fail(status: GaussianKernelStatus): number {
    this.status = status;
    this.quadraticForm = NaN;
    this.logDetV = NaN;
    return Infinity;
  }

  private evaluateResidual(G: Float64Array, omega: Float64Array, R: Float64Array, n: number, q: number): number {
    this.n = n;
    this.q = q;
    const { residual: r, w, b, omegaFactor: lam, innerFactor: c, u, vInvR } = this;
    let logDetR = 0;
    for (let j = 0; j < n; j++) {
      const v = R[j];
      if (!(v > 0) || v === Infinity) return this.fail('residual-variance-not-positive');
      w[j] = 1 / v;
      logDetR += Math.log(v);
    }
    this.logDetR = logDetR;

    // Λ = chol(Ω).
    for (let k = 0; k < q; k++) {
      for (let i = k; i < q; i++) lam[i + k * q] = omega[i + k * q];
    }
    if (!choleskyInPlace(lam, q)) return this.fail('omega-not-positive-definite');
    this.logDetOmega = logDetFromCholesky(lam, q);

    // B = G Λ: column k is Σ_{l ≥ k} G[:, l] Λ[l, k].
    for (let k = 0; k < q; k++) {
      const bk = k * n;
      for (let j = 0; j < n; j++) b[bk + j] = 0;
      for (let l = k; l < q; l++) {
        const t = lam[l + k * q];
        if (t === 0) continue;
        const gl = l * n;
        for (let j = 0; j < n; j++) b[bk + j] += G[gl + j] * t;
      }
    }
    // C = I + Bᵀ W B (lower triangle), u = Bᵀ W r.
    for (let k = 0; k < q; k++) {
      const bk = k * n;
      for (let l = k; l < q; l++) {
        const bl = l * n;
        let s = 0;
        for (let j = 0; j < n; j++) s += b[bl + j] * w[j] * b[bk + j];
        c[l + k * q] = (l === k ? 1 : 0) + s;
      }
      let s = 0;
      for (let j = 0; j < n; j++) s += b[bk + j] * w[j] * r[j];
      u[k] = s;
    }
    if (!choleskyInPlace(c, q)) return this.fail('not-finite'); // I + PSD: fails only on NaN/∞
    const logDetC = logDetFromCholesky(c, q);
    choleskySolveInPlace(c, q, u);

    // V⁻¹ r = W (r − B u); rᵀV⁻¹r = Σ w_j (r − Bu)_j² + ‖u‖².
    let quad = 0;
    for (let k = 0; k < q; k++) quad += u[k] * u[k];
    for (let j = 0; j < n; j++) vInvR[j] = r[j];
    for (let k = 0; k < q; k++) {
      const uk = u[k];
      if (uk === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) vInvR[j] -= b[bk + j] * uk;
    }
    for (let j = 0; j < n; j++) {
      const e = vInvR[j];
      quad += e * e * w[j];
      vInvR[j] = e * w[j];
    }
    const logDetV = logDetR + logDetC;
    const total = logDetV + quad;
    if (!Number.isFinite(total)) return this.fail('not-finite');
    this.logDetPrecision = logDetC - this.logDetOmega;
    this.logDetV = logDetV;
    this.quadraticForm = quad;
    this.status = 'ok';
    return total;
  }

  /**
   * Posterior (conditional) mean of η given r in the linear model: Ω Gᵀ V⁻¹ r
   * = (Ω⁻¹ + GᵀR⁻¹G)⁻¹ GᵀR⁻¹ r = Λ u (q, into out). Valid after a successful evaluation.
   */
  posteriorMeanInto(out: Float64Array): void {
    const { q, omegaFactor: lam, u } = this;
    for (let i = 0; i < q; i++) {
      let s = 0;
      for (let k = 0; k <= i; k++) s += lam[i + k * q] * u[k];
      out[i] = s;
    }
  }

  /**
   * Posterior covariance of η: (Ω⁻¹ + GᵀR⁻¹G)⁻¹ = Λ C⁻¹ Λᵀ (q×q full symmetric, into out).
   * Computed as (L_C⁻¹ Λᵀ)ᵀ (L_C⁻¹ Λᵀ). Valid after a successful evaluation.
   */
  posteriorCovarianceInto(out: Float64Array): void {
    const { q, omegaFactor: lam, innerFactor: c } = this;
    const t = this.kqn; // q×q scratch: column i = L_C⁻¹ (Λᵀ)[:, i] = L_C⁻¹ Λ[i, :]ᵀ
    for (let i = 0; i < q; i++) {
      const ti = i * q;
      for (let k = 0; k < q; k++) t[ti + k] = k <= i ? lam[i + k * q] : 0;
      for (let l = 0; l < q; l++) {
        const v = t[ti + l] / c[l + l * q];
        t[ti + l] = v;
        for (let k = l + 1; k < q; k++) t[ti + k] -= c[k + l * q] * v;
      }
    }
    for (let j = 0; j < q; j++) {
      for (let i = j; i < q; i++) {
        let s = 0;
        for (let k = 0; k < q; k++) s += t[k + i * q] * t[k + j * q];
        out[i + j * q] = s;
        out[j + i * q] = s;
      }
    }
  }

  /** out = V⁻¹ x for any x (n); Woodbury: W x − W B C⁻¹ Bᵀ W x. Valid after a successful evaluation. */
  solveInto(out: Float64Array, x: Float64Array): void {
    const { n, q, w, b, innerFactor: c, tq } = this;
    for (let k = 0; k < q; k++) {
      const bk = k * n;
      let s = 0;
      for (let j = 0; j < n; j++) s += b[bk + j] * w[j] * x[j];
      tq[k] = s;
    }
    choleskySolveInPlace(c, q, tq);
    for (let j = 0; j < n; j++) out[j] = x[j];
    for (let k = 0; k < q; k++) {
      const t = tq[k];
      const bk = k * n;
      for (let j = 0; j < n; j++) out[j] -= b[bk + j] * t;
    }
    for (let j = 0; j < n; j++) out[j] *= w[j];
  }

  /**
   * out = V⁻¹ (n×n full symmetric, column-major) = W − KᵀK with K = L_C⁻¹ Bᵀ W (q×n).
   * O(n²q); for gradients that need traces. Valid after a successful evaluation.
   */
  vInverseInto(out: Float64Array): void {
    const { n, q, w, b, innerFactor: c, kqn: k } = this;
    // K column j (length q) = L_C⁻¹ (w_j B[j, :])ᵀ, solved in place.
    for (let j = 0; j < n; j++) {
      const kj = j * q;
      for (let l = 0; l < q; l++) k[kj + l] = b[j + l * n] * w[j];
      for (let l = 0; l < q; l++) {
        const v = k[kj + l] / c[l + l * q];
        k[kj + l] = v;
        for (let i = l + 1; i < q; i++) k[kj + i] -= c[i + l * q] * v;
      }
    }
    for (let j = 0; j < n; j++) {
      for (let i = j; i < n; i++) {
        let s = 0;
        for (let l = 0; l < q; l++) s += k[l + i * q] * k[l + j * q];
        const v = (i === j ? w[j] : 0) - s;
        out[i + j * n] = v;
        out[j + i * n] = v;
      }
    }
  }
}
