/**
 * Quadratic interpolation models for BOBYQA (Powell 2009, "The BOBYQA algorithm for bound
 * constrained optimization without derivatives", Cambridge DAMTP 2009/NA06, sections 2–3).
 *
 * The model interpolates the objective at m points and, among all such quadratics, has the
 * Hessian closest (in Frobenius norm) to the previous model's Hessian (Powell 2004, "Least
 * Frobenius norm updating of quadratic models that satisfy interpolation conditions",
 * Math. Program. 100:183). Powell updates the inverse of the KKT matrix of that problem in
 * O(m²) work per iteration; for the small dimensions popkit optimizes (a handful of
 * covariance parameters) we solve the (m+n+1)² KKT system directly each iteration, as
 * Py-BOBYQA does (Cartis, Fiala, Marteau, Roberts 2019, ACM TOMS 45(3):32), which is
 * simpler and numerically robust. The system is solved in coordinates scaled by the
 * largest distance from the centre so that it stays well conditioned as the radius shrinks.
 *
 * With s_k = y_k − x_opt, the model is
 *   Q(x_opt + d) = f_opt + c + gᵀd + ½ dᵀ H_prev d + ½ Σ_k μ_k (s_kᵀ d)²,
 * and the KKT system [A P; Pᵀ 0][μ; c; g] = [f − f_opt − ½ sᵀH_prev s; 0] has
 * A_kj = ½ (s_kᵀ s_j)², P_k = [1, s_kᵀ]. The Lagrange function ℓ_t (ℓ_t(y_k) = δ_tk, H_prev = 0)
 * has coefficients W⁻¹ e_t, so ℓ(x) for all t at once is the first m entries of W⁻¹ w(x).
 */

/** LU factorization with partial pivoting of an N×N column-major matrix, in place. */
function luFactorInPlace(a: Float64Array, n: number, piv: Int32Array): boolean {
  let maxAbs = 0;
  for (let i = 0; i < n * n; i++) maxAbs = Math.max(maxAbs, Math.abs(a[i]));
  const tiny = maxAbs * 1e-14;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(a[k + k * n]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i + k * n]);
      if (v > best) { best = v; p = i; }
    }
    if (!(best > tiny)) return false;
    piv[k] = p;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[k + j * n]; a[k + j * n] = a[p + j * n]; a[p + j * n] = t;
      }
    }
    const inv = 1 / a[k + k * n];
    for (let i = k + 1; i < n; i++) a[i + k * n] *= inv;
    for (let j = k + 1; j < n; j++) {
      const akj = a[k + j * n];
      if (akj === 0) continue;
      const cj = j * n;
      const ck = k * n;
      for (let i = k + 1; i < n; i++) a[i + cj] -= a[i + ck] * akj;
    }
  }
  return true;
}

/** Solves A x = b in place with the factors from luFactorInPlace. */
function luSolveInPlace(lu: Float64Array, n: number, piv: Int32Array, b: Float64Array): void {
  // Row interchanges first: the factorization swapped whole rows, so L is in final row order.
  for (let k = 0; k < n; k++) {
    const p = piv[k];
    if (p !== k) { const t = b[k]; b[k] = b[p]; b[p] = t; }
  }
  for (let k = 0; k < n; k++) {
    const bk = b[k];
    if (bk !== 0) for (let i = k + 1; i < n; i++) b[i] -= lu[i + k * n] * bk;
  }
  for (let k = n - 1; k >= 0; k--) {
    b[k] /= lu[k + k * n];
    const bk = b[k];
    if (bk !== 0) for (let i = 0; i < k; i++) b[i] -= lu[i + k * n] * bk;
  }
}

/**
 * The interpolation model of one BOBYQA iteration: built around the best point from the
 * interpolation set, then queried for its gradient, Hessian and Lagrange functions.
 * All buffers are allocated once.
 */
export class InterpolationModel {
  readonly n: number;
  readonly m: number;
  /** Offsets s_k = y_k − x_opt, scaled by 1/scale, row k at k·n. */
  readonly s: Float64Array;
  /** Model gradient at x_opt (unscaled). */
  readonly g: Float64Array;
  /** Model Hessian (n×n, full symmetric, unscaled). */
  readonly h: Float64Array;
  /** Scale of the offsets: the largest distance from x_opt to an interpolation point. */
  scale = 1;
  private readonly size: number;
  private readonly kkt: Float64Array;
  private readonly piv: Int32Array;
  private readonly rhs: Float64Array;

  constructor(n: number, m: number) {
    this.n = n;
    this.m = m;
    this.size = m + n + 1;
    this.s = new Float64Array(m * n);
    this.g = new Float64Array(n);
    this.h = new Float64Array(n * n);
    this.kkt = new Float64Array(this.size * this.size);
    this.piv = new Int32Array(this.size);
    this.rhs = new Float64Array(this.size);
  }

  /**
   * Builds the model through the points `y` (m×n row-major, absolute) with values `f`,
   * centred at point `kopt`; the Hessian changes least from the current `h`.
   * Returns false when the interpolation set is degenerate (the KKT matrix is singular).
   */
  build(y: Float64Array, f: Float64Array, kopt: number): boolean {
    const { n, m, s, size, kkt } = this;
    let maxDist = 0;
    for (let k = 0; k < m; k++) {
      let d2 = 0;
      for (let i = 0; i < n; i++) {
        const v = y[k * n + i] - y[kopt * n + i];
        s[k * n + i] = v;
        d2 += v * v;
      }
      maxDist = Math.max(maxDist, d2);
    }
    const scale = Math.sqrt(maxDist) || 1;
    this.scale = scale;
    for (let i = 0; i < m * n; i++) s[i] /= scale;

    kkt.fill(0);
    for (let k = 0; k < m; k++) {
      for (let j = 0; j <= k; j++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += s[k * n + i] * s[j * n + i];
        const a = 0.5 * dot * dot;
        kkt[k + j * size] = a;
        kkt[j + k * size] = a;
      }
      kkt[k + m * size] = 1;
      kkt[m + k * size] = 1;
      for (let i = 0; i < n; i++) {
        kkt[k + (m + 1 + i) * size] = s[k * n + i];
        kkt[m + 1 + i + k * size] = s[k * n + i];
      }
    }
    if (!luFactorInPlace(kkt, size, this.piv)) return false;

    // Right-hand side: f_k − f_opt − ½ s_kᵀ H_prev s_k (in unscaled offsets).
    const { rhs, h } = this;
    rhs.fill(0);
    const fopt = f[kopt];
    for (let k = 0; k < m; k++) {
      let quad = 0;
      for (let i = 0; i < n; i++) {
        let hs = 0;
        for (let j = 0; j < n; j++) hs += h[i + j * n] * s[k * n + j];
        quad += s[k * n + i] * hs;
      }
      rhs[k] = f[k] - fopt - 0.5 * quad * scale * scale;
    }
    luSolveInPlace(kkt, size, this.piv, rhs);
    // Unscale: g = g̃ / scale, H += Σ μ̃_k s̃_k s̃_kᵀ / scale².
    for (let i = 0; i < n; i++) this.g[i] = rhs[m + 1 + i] / scale;
    const inv2 = 1 / (scale * scale);
    for (let k = 0; k < m; k++) {
      const mu = rhs[k] * inv2;
      if (mu === 0) continue;
      for (let j = 0; j < n; j++) {
        const sj = mu * s[k * n + j];
        for (let i = 0; i < n; i++) h[i + j * n] += sj * s[k * n + i];
      }
    }
    return true;
  }

  /** Q(x_opt + d) − f_opt = gᵀd + ½ dᵀHd. */
  change(d: Float64Array): number {
    const { n, g, h } = this;
    let lin = 0;
    let quad = 0;
    for (let i = 0; i < n; i++) {
      lin += g[i] * d[i];
      let hd = 0;
      for (let j = 0; j < n; j++) hd += h[i + j * n] * d[j];
      quad += d[i] * hd;
    }
    return lin + 0.5 * quad;
  }

  /** ℓ_t(x_opt + d) for every interpolation point t, written into `out` (length m). */
  lagrangeValues(d: Float64Array, out: Float64Array): void {
    const { n, m, s, rhs, scale } = this;
    for (let k = 0; k < m; k++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += s[k * n + i] * d[i];
      dot /= scale;
      rhs[k] = 0.5 * dot * dot;
    }
    rhs[m] = 1;
    for (let i = 0; i < n; i++) rhs[m + 1 + i] = d[i] / scale;
    luSolveInPlace(this.kkt, this.size, this.piv, rhs);
    for (let k = 0; k < m; k++) out[k] = rhs[k];
  }

  /**
   * The Lagrange function ℓ_t: writes its gradient at x_opt (unscaled) into `grad`, the
   * weights μ of its Hessian Σ_k μ_k s̃_k s̃_kᵀ (scaled offsets) into `mu`, and returns
   * its value at x_opt.
   */
  lagrangeFunction(t: number, grad: Float64Array, mu: Float64Array): number {
    const { n, m, rhs, scale } = this;
    rhs.fill(0);
    rhs[t] = 1;
    luSolveInPlace(this.kkt, this.size, this.piv, rhs);
    for (let k = 0; k < m; k++) mu[k] = rhs[k];
    for (let i = 0; i < n; i++) grad[i] = rhs[m + 1 + i] / scale;
    return rhs[m];
  }

  /** uᵀ H_t u for the Lagrange function with Hessian weights `mu` (unscaled u). */
  lagrangeCurvature(mu: Float64Array, u: Float64Array): number {
    const { n, m, s, scale } = this;
    let q = 0;
    for (let k = 0; k < m; k++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += s[k * n + i] * u[i];
      q += mu[k] * dot * dot;
    }
    return q / (scale * scale);
  }
}
