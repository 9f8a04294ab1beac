/**
 * The two kinds of step BOBYQA takes (Powell 2009, DAMTP 2009/NA06):
 * - a trust-region step, minimizing the quadratic model within the ball ‖d‖ ≤ Δ and the box
 *   (Powell's TRSBOX, section 3: truncated conjugate gradients that fix a variable when it
 *   reaches a bound and restart on the others), and
 * - a geometry step, moving one interpolation point to where the modulus of its Lagrange
 *   function is large (Powell's ALTMOV, section 4: searches along the lines through x_opt
 *   and the other points, and a Cauchy-type step along the Lagrange gradient).
 */
import type { InterpolationModel } from './bobyqa-model.js';

/** Scratch buffers for the steps, allocated once per optimization. */
export class StepWorkspace {
  readonly r: Float64Array;
  readonly p: Float64Array;
  readonly hp: Float64Array;
  readonly fixed: Uint8Array;
  readonly u: Float64Array;
  readonly cand: Float64Array;
  readonly lagGrad: Float64Array;
  readonly lagMu: Float64Array;

  constructor(n: number, m: number) {
    this.r = new Float64Array(n);
    this.p = new Float64Array(n);
    this.hp = new Float64Array(n);
    this.fixed = new Uint8Array(n);
    this.u = new Float64Array(n);
    this.cand = new Float64Array(n);
    this.lagGrad = new Float64Array(n);
    this.lagMu = new Float64Array(m);
  }
}

/**
 * Approximately minimizes gᵀd + ½dᵀHd subject to ‖d‖ ≤ delta and lower ≤ x + d ≤ upper,
 * writing d into `d`. Truncated conjugate gradients (Steihaug 1983, with Powell's active-set
 * treatment of the bounds): a variable at a bound whose gradient points outwards is fixed;
 * when a CG step reaches a bound that variable is fixed and CG restarts; a step reaching the
 * trust-region boundary ends the search.
 * Returns Powell's CRVMIN: 0 when the step reached the trust-region boundary, otherwise the
 * least curvature pᵀHp/pᵀp met along the search directions (used to judge whether the
 * model is accurate enough to reduce ρ).
 */
export function trustRegionStep(
  model: InterpolationModel, x: Float64Array, lower: Float64Array, upper: Float64Array,
  delta: number, d: Float64Array, ws: StepWorkspace,
): number {
  let crvmin = Infinity;
  const n = model.n;
  const { g, h } = model;
  const { r, p, hp, fixed } = ws;
  d.fill(0);
  for (let i = 0; i < n; i++) {
    fixed[i] = (x[i] <= lower[i] && g[i] >= 0) || (x[i] >= upper[i] && g[i] <= 0) ? 1 : 0;
  }
  for (let restart = 0; restart <= n; restart++) {
    // Residual r = −(g + H d) on the free variables.
    let nFree = 0;
    let rr = 0;
    for (let i = 0; i < n; i++) {
      if (fixed[i]) { r[i] = 0; continue; }
      nFree++;
      let hd = 0;
      for (let j = 0; j < n; j++) hd += h[i + j * n] * d[j];
      r[i] = -(g[i] + hd);
      rr += r[i] * r[i];
    }
    if (nFree === 0 || rr === 0) return crvmin === Infinity ? 0 : crvmin;
    const rr0 = rr;
    for (let i = 0; i < n; i++) p[i] = r[i];
    let hitBound = false;
    for (let iter = 0; iter < nFree; iter++) {
      let pp = 0;
      let dp = 0;
      let dd = 0;
      let pHp = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += h[i + j * n] * p[j];
        hp[i] = fixed[i] ? 0 : s;
        pp += p[i] * p[i];
        dp += d[i] * p[i];
        dd += d[i] * d[i];
        pHp += p[i] * hp[i];
      }
      if (pp === 0) return crvmin === Infinity ? 0 : crvmin;
      crvmin = Math.min(crvmin, pHp / pp);
      // Step to the trust-region boundary: ‖d + αp‖ = delta.
      const c = dd - delta * delta;
      const disc = Math.max(0, dp * dp - pp * c);
      const alphaBall = c >= 0 ? 0 : (-dp + Math.sqrt(disc)) / pp;
      // Step to the first bound reached by a free variable.
      let alphaBox = Infinity;
      let iBox = -1;
      for (let i = 0; i < n; i++) {
        if (fixed[i] || p[i] === 0) continue;
        const room = p[i] > 0 ? (upper[i] - x[i] - d[i]) / p[i] : (lower[i] - x[i] - d[i]) / p[i];
        const a = Math.max(0, room);
        if (a < alphaBox) { alphaBox = a; iBox = i; }
      }
      const alphaCg = pHp > 0 ? rr / pHp : Infinity;
      const alpha = Math.min(alphaCg, alphaBall, alphaBox);
      for (let i = 0; i < n; i++) d[i] += alpha * p[i];
      if (alpha === alphaBox && iBox >= 0 && alphaBox <= alphaBall) {
        d[iBox] = p[iBox] > 0 ? upper[iBox] - x[iBox] : lower[iBox] - x[iBox];
        fixed[iBox] = 1;
        hitBound = true;
        break;
      }
      if (alpha === alphaBall) return 0;
      let rrNew = 0;
      for (let i = 0; i < n; i++) {
        if (fixed[i]) continue;
        r[i] -= alpha * hp[i];
        rrNew += r[i] * r[i];
      }
      if (rrNew <= 1e-20 * rr0) return Math.max(0, crvmin);
      const beta = rrNew / rr;
      rr = rrNew;
      for (let i = 0; i < n; i++) p[i] = fixed[i] ? 0 : r[i] + beta * p[i];
    }
    if (!hitBound) return Math.max(0, crvmin);
  }
  return Math.max(0, crvmin === Infinity ? 0 : crvmin);
}

/** The interval [lo, hi] of α with lower ≤ x + αu ≤ upper and |α|‖u‖ ≤ radius. */
function lineRange(
  x: Float64Array, u: Float64Array, lower: Float64Array, upper: Float64Array, radius: number,
): [number, number] {
  let norm = 0;
  for (let i = 0; i < u.length; i++) norm += u[i] * u[i];
  norm = Math.sqrt(norm);
  if (norm === 0) return [0, 0];
  let lo = -radius / norm;
  let hi = radius / norm;
  for (let i = 0; i < u.length; i++) {
    if (u[i] > 0) {
      lo = Math.max(lo, (lower[i] - x[i]) / u[i]);
      hi = Math.min(hi, (upper[i] - x[i]) / u[i]);
    } else if (u[i] < 0) {
      lo = Math.max(lo, (upper[i] - x[i]) / u[i]);
      hi = Math.min(hi, (lower[i] - x[i]) / u[i]);
    }
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}

/**
 * Chooses a step d (‖d‖ ≤ radius, within the box) that makes |ℓ_t(x_opt + d)| large, where
 * ℓ_t is the Lagrange function of interpolation point `t` (t ≠ kopt). Writes d and returns
 * |ℓ_t(x_opt + d)| as the model predicts it.
 */
export function geometryStep(
  model: InterpolationModel, t: number, kopt: number, y: Float64Array, x: Float64Array,
  lower: Float64Array, upper: Float64Array, radius: number, d: Float64Array, ws: StepWorkspace,
): number {
  const { n, m } = model;
  const { u, cand, lagGrad, lagMu } = ws;
  const c0 = model.lagrangeFunction(t, lagGrad, lagMu);
  let best = -1;
  d.fill(0);
  const consider = (alpha: number, dir: Float64Array, slope: number, curv: number): void => {
    const v = Math.abs(c0 + alpha * slope + 0.5 * alpha * alpha * curv);
    if (v > best) {
      best = v;
      for (let i = 0; i < n; i++) d[i] = alpha * dir[i];
    }
  };
  // Lines through x_opt and each other interpolation point.
  for (let k = 0; k < m; k++) {
    if (k === kopt) continue;
    for (let i = 0; i < n; i++) u[i] = y[k * n + i] - x[i];
    const [lo, hi] = lineRange(x, u, lower, upper, radius);
    if (lo === hi) continue;
    let slope = 0;
    for (let i = 0; i < n; i++) slope += lagGrad[i] * u[i];
    const curv = model.lagrangeCurvature(lagMu, u);
    consider(lo, u, slope, curv);
    consider(hi, u, slope, curv);
    if (curv !== 0) {
      const a = -slope / curv;
      if (a > lo && a < hi) consider(a, u, slope, curv);
    }
  }
  // Cauchy-type steps ±radius along the Lagrange gradient, bent at the bounds.
  for (const sign of [1, -1]) {
    const fixed = ws.fixed;
    fixed.fill(0);
    cand.fill(0);
    let remaining = radius * radius;
    for (let pass = 0; pass <= n; pass++) {
      let gg = 0;
      for (let i = 0; i < n; i++) if (!fixed[i]) gg += lagGrad[i] * lagGrad[i];
      if (gg === 0 || remaining <= 0) break;
      const scale = (sign * Math.sqrt(remaining)) / Math.sqrt(gg);
      let clipped = false;
      for (let i = 0; i < n; i++) {
        if (fixed[i]) continue;
        const v = scale * lagGrad[i];
        if (x[i] + v < lower[i]) { cand[i] = lower[i] - x[i]; fixed[i] = 1; clipped = true; remaining -= cand[i] * cand[i]; }
        else if (x[i] + v > upper[i]) { cand[i] = upper[i] - x[i]; fixed[i] = 1; clipped = true; remaining -= cand[i] * cand[i]; }
      }
      if (!clipped) {
        for (let i = 0; i < n; i++) if (!fixed[i]) cand[i] = scale * lagGrad[i];
        break;
      }
    }
    let slope = 0;
    for (let i = 0; i < n; i++) slope += lagGrad[i] * cand[i];
    consider(1, cand, slope, model.lagrangeCurvature(lagMu, cand));
  }
  return best;
}
