/**
 * First-order sensitivities of one closed-form step (src/pk/closed-form.ts) with respect to
 * the structural parameters, propagated along given directions (forward mode): for each
 * direction k the step maps (x, ∂x/∂k) to (x(t), ∂x(t)/∂k), where ∂p/∂k is the parameters'
 * tangent. The inputs (zero-order rates) are taken as independent of the parameters.
 *
 * In scaled coordinates w = T⁻¹x (T = diag √V) the disposition is w' = Bw + input with B
 * symmetric, B = UΛUᵀ (src/pk/mammillary.ts), and the step is a sum of matrix functions of B
 * applied to vectors: w(t) = f₀(B)w₀ + f₁(B)T⁻¹r + ka·D₀·f₂(B)ĉ + ka·R_d·f₃(B)ĉ with
 *   f₀(λ) = e^{λt}, f₁(λ) = t·g[0, λt], f₂(λ) = t·g[λt, b], f₃(λ) = t²·g[0, λt, b],
 * b = −ka·t, ĉ = e₁/√V1, D₀ and R_d the depot's amount and input rate (g: divided differences
 * of exp, src/pk/exp-divided-differences.ts). The derivative of f(B)v along δB is the
 * Fréchet derivative U((UᵀδBU) ∘ F⁽¹⁾)Uᵀv, where F⁽¹⁾ᵢⱼ = f[λᵢ, λⱼ] is the divided
 * difference of f (the Daleckiĭ–Kreĭn formula; R. Bhatia, Matrix Analysis, Springer 1997,
 * Theorem V.3.3). It needs no eigenvector derivatives, so it stays exact when eigenvalues
 * coincide, vanish or equal KA — the cases where differentiating Λ and U separately fails.
 */
import { expDivided1, expDivided2, expDivided3, expm1OverX } from './exp-divided-differences.js';
import type { DispositionModes } from './mammillary.js';

/** Buffers of one compartment system's tangent steps; `prepare` caches per parameter set. */
export class ClosedFormTangents {
  private readonly n: number;
  private readonly off: number;
  private readonly nPar: number;
  private nDir = 0;
  /** UᵀδBU per direction (nDir × n × n). */
  private m = new Float64Array(0);
  /** δ√Vᵢ per direction (nDir × n). */
  private dSqrtV = new Float64Array(0);
  /** δKA per direction. */
  private dKa = new Float64Array(0);
  private readonly cachedP: Float64Array;
  private cachedDp = new Float64Array(0);
  private cacheValid = false;
  private readonly h: Float64Array;
  private readonly kaTerm: Float64Array;
  private readonly w1: Float64Array;
  private readonly s: Float64Array;
  private readonly s1: Float64Array;
  private readonly zeta: Float64Array;
  private readonly zeta1: Float64Array;
  private readonly yHat: Float64Array;
  private readonly db: Float64Array;
  private readonly f0: Float64Array;
  private readonly f1: Float64Array;
  private readonly f2: Float64Array;
  private readonly f3: Float64Array;

  constructor(n: number, oral: boolean) {
    this.n = n;
    this.off = oral ? 1 : 0;
    this.nPar = 2 * n + (oral ? 1 : 0);
    this.cachedP = new Float64Array(this.nPar);
    this.h = new Float64Array(n * n);
    this.kaTerm = new Float64Array(n);
    this.w1 = new Float64Array(n);
    this.s = new Float64Array(n);
    this.s1 = new Float64Array(n);
    this.zeta = new Float64Array(n);
    this.zeta1 = new Float64Array(n);
    this.yHat = new Float64Array(n);
    this.db = new Float64Array(n * n);
    this.f0 = new Float64Array(n);
    this.f1 = new Float64Array(n);
    this.f2 = new Float64Array(n);
    this.f3 = new Float64Array(n);
  }

  /**
   * Computes, for each direction, UᵀδBU, δ√V and δKA from the parameters `p` and their
   * tangents `dp` (nPar × nDir, row-major); reuses the last result when both are unchanged.
   * `modes` must hold the decomposition for `p`.
   */
  prepare(modes: DispositionModes, p: Float64Array, dp: Float64Array, nDir: number): void {
    const { n, nPar } = this;
    const size = nPar * nDir;
    if (this.cacheValid && nDir === this.nDir) {
      let same = true;
      for (let i = 0; i < nPar && same; i++) if (p[i] !== this.cachedP[i]) same = false;
      for (let i = 0; i < size && same; i++) if (dp[i] !== this.cachedDp[i]) same = false;
      if (same) return;
    }
    if (this.m.length < nDir * n * n) {
      this.m = new Float64Array(nDir * n * n);
      this.dSqrtV = new Float64Array(nDir * n);
      this.dKa = new Float64Array(nDir);
      this.cachedDp = new Float64Array(size);
    }
    if (this.cachedDp.length < size) this.cachedDp = new Float64Array(size);
    this.nDir = nDir;
    const { u, sqrtV } = modes;
    const cl = p[0]!, v1 = p[1]!;
    let qSum = 0;
    for (let j = 0; j < n - 1; j++) qSum += p[2 + 2 * j]!;
    const db = this.db;
    for (let k = 0; k < nDir; k++) {
      const dCl = dp[k]!, dV1 = dp[nDir + k]!;
      let dqSum = 0;
      db.fill(0);
      for (let j = 0; j < n - 1; j++) {
        const q = p[2 + 2 * j]!, v = p[3 + 2 * j]!;
        const dq = dp[(2 + 2 * j) * nDir + k]!, dv = dp[(3 + 2 * j) * nDir + k]!;
        dqSum += dq;
        const bcj = q / (sqrtV[0]! * sqrtV[j + 1]!);
        const dbcj = dq / (sqrtV[0]! * sqrtV[j + 1]!) - bcj * (dV1 / (2 * v1) + dv / (2 * v));
        db[j + 1] = dbcj;
        db[(j + 1) * n] = dbcj;
        db[(j + 1) * n + j + 1] = -dq / v + q * dv / (v * v);
        this.dSqrtV[k * n + j + 1] = dv / (2 * sqrtV[j + 1]!);
      }
      db[0] = -(dCl + dqSum) / v1 + (cl + qSum) * dV1 / (v1 * v1);
      this.dSqrtV[k * n] = dV1 / (2 * sqrtV[0]!);
      // M = Uᵀ δB U.
      const mo = k * n * n;
      for (let a = 0; a < n; a++) {
        for (let b = a; b < n; b++) {
          let sum = 0;
          for (let i = 0; i < n; i++) {
            let row = 0;
            for (let j = 0; j < n; j++) row += db[i * n + j]! * u[j * n + b]!;
            sum += u[i * n + a]! * row;
          }
          this.m[mo + a * n + b] = sum;
          this.m[mo + b * n + a] = sum;
        }
      }
      this.dKa[k] = this.off === 1 ? dp[(nPar - 1) * nDir + k]! : 0;
    }
    for (let i = 0; i < nPar; i++) this.cachedP[i] = p[i]!;
    for (let i = 0; i < size; i++) this.cachedDp[i] = dp[i]!;
    this.cacheValid = true;
  }

  /**
   * Advances the tangents (n_all × nDir, row-major, in place) over an interval `dt`, given
   * the state `x0` at its start (all compartments, depot first for oral models), the input
   * `rates`, the modal quantities of the value step (`z` = UᵀT⁻¹x₀, `rho` = UᵀT⁻¹r, `y` the
   * modal state at the end) and KA. Call `prepare` first.
   */
  advance(
    tangent: Float64Array, nDir: number, dt: number, x0: Float64Array, rates: Float64Array,
    modes: DispositionModes, z: Float64Array, rho: Float64Array, y: Float64Array, ka: number,
  ): void {
    const { n, off, h, kaTerm, w1, s, s1, zeta, zeta1, yHat, f0, f1, f2, f3 } = this;
    const { lambda, u, sqrtV } = modes;
    const t = dt;
    const oral = off === 1;
    const d0 = oral ? x0[0]! : 0;
    const rd = oral ? rates[0]! : 0;
    const b = -ka * t;
    let anyRate = false;
    for (let i = 0; i < n; i++) if (rho[i] !== 0) { anyRate = true; break; }

    // The matrix functions at the eigenvalues, f(λᵢ), and per-interval matrices H (Σ over the matrix functions of F⁽¹⁾ᵢⱼ · (Uᵀv)ⱼ) and the KA terms.
    for (let i = 0; i < n; i++) {
      const ai = lambda[i]! * t;
      f0[i] = Math.exp(ai);
      f1[i] = anyRate ? t * expm1OverX(ai) : 0;
      f2[i] = oral ? t * expDivided1(ai, b) : 0;
      f3[i] = oral && rd !== 0 ? t * t * expDivided2(0, ai, b) : 0;
      for (let j = i; j < n; j++) {
        const aj = lambda[j]! * t;
        const g0 = t * expDivided1(ai, aj);
        const g1 = anyRate ? t * t * expDivided2(0, ai, aj) : 0;
        const g2 = d0 !== 0 ? t * t * expDivided2(ai, aj, b) : 0;
        const g3 = rd !== 0 ? t * t * t * expDivided3(0, ai, aj, b) : 0;
        const ci = u[i]! / sqrtV[0]!, cj = u[j]! / sqrtV[0]!;
        h[i * n + j] = g0 * z[j]! + g1 * rho[j]! + ka * cj * (d0 * g2 + rd * g3);
        h[j * n + i] = g0 * z[i]! + g1 * rho[i]! + ka * ci * (d0 * g2 + rd * g3);
      }
      if (oral) {
        const ci = u[i]! / sqrtV[0]!;
        let kt = 0;
        if (d0 !== 0) kt -= d0 * t * t * expDivided2(ai, b, b);
        if (rd !== 0) kt -= rd * t * t * t * expDivided3(0, ai, b, b);
        kaTerm[i] = ka * ci * kt;
      }
    }
    // w(t) = U y (scaled amounts at the end).
    for (let i = 0; i < n; i++) {
      let wi = 0;
      for (let k = 0; k < n; k++) wi += u[i * n + k]! * y[k]!;
      w1[i] = wi;
    }
    const eb = Math.exp(b);
    const depotKa = oral ? -t * d0 * eb - (rd !== 0 ? rd * t * t * expDivided2(0, b, b) : 0) : 0;

    for (let k = 0; k < nDir; k++) {
      const mo = k * n * n;
      const so = k * n;
      let anyScale = false;
      for (let i = 0; i < n; i++) {
        const ds = this.dSqrtV[so + i]!;
        if (ds !== 0) anyScale = true;
        const vi = sqrtV[i]! * sqrtV[i]!;
        s[i] = tangent[(off + i) * nDir + k]! / sqrtV[i]! - x0[off + i]! * ds / vi;
        s1[i] = anyRate ? -rates[off + i]! * ds / vi : 0;
      }
      for (let a = 0; a < n; a++) {
        let za = 0, z1 = 0;
        for (let i = 0; i < n; i++) {
          za += u[i * n + a]! * s[i]!;
          z1 += u[i * n + a]! * s1[i]!;
        }
        zeta[a] = za;
        zeta1[a] = z1;
      }
      const dka = this.dKa[k]!;
      const dd0 = oral ? tangent[k]! : 0;
      const dsq0 = this.dSqrtV[so]!;
      const v1 = sqrtV[0]! * sqrtV[0]!;
      const scalar2 = oral ? (dka * d0 + ka * dd0) / sqrtV[0]! - ka * d0 * dsq0 / v1 : 0;
      const scalar3 = oral && rd !== 0 ? dka * rd / sqrtV[0]! - ka * rd * dsq0 / v1 : 0;
      for (let i = 0; i < n; i++) {
        let yi = f0[i]! * zeta[i]!;
        for (let j = 0; j < n; j++) yi += this.m[mo + i * n + j]! * h[i * n + j]!;
        if (anyRate) yi += f1[i]! * zeta1[i]!;
        if (oral) yi += u[i]! * (scalar2 * f2[i]! + scalar3 * f3[i]!) + dka * kaTerm[i]!;
        yHat[i] = yi;
      }
      for (let i = 0; i < n; i++) {
        let wi = 0;
        for (let a = 0; a < n; a++) wi += u[i * n + a]! * yHat[a]!;
        tangent[(off + i) * nDir + k] = sqrtV[i]! * wi + (anyScale ? this.dSqrtV[so + i]! * w1[i]! : 0);
      }
      if (oral) tangent[k] = eb * dd0 + dka * depotKa;
    }
  }
}
