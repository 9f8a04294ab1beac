/**
 * Starting values of θ from moments, so that the optimizer starts near the optimum and
 * needs fewer deviance evaluations (which matters for large crossed models).
 *
 * For each random-effects term separately: ordinary least-squares residuals r of y on X;
 * within each level, the least-squares coefficients b̂_l of r on the term's columns; the
 * term's covariance estimated as the between-level covariance of b̂_l minus the average
 * sampling covariance σ̂²_e (Z_lᵀZ_l)⁻¹ (the method of moments for a one-way random
 * coefficient model; cf. Swamy 1970, Econometrica 38:311); σ̂²_e the pooled within-level
 * residual variance, the smallest over the terms. θ_k is the Cholesky factor of
 * Σ̂_k / σ̂²_e, with variances floored at (0.1 σ̂_e)² and correlations clamped to ±0.9.
 * A term with fewer than three usable levels starts at Λ = I, lme4's start.
 */
import type { LmmStructure } from './structure.js';
import type { LmmFrame } from './frame-types.js';
import { thetaStart } from './theta.js';

/** Moment-based starting θ (blocked order) for the frame and its structure. */
export function momentStartTheta(frame: LmmFrame, S: LmmStructure): Float64Array {
  const theta = thetaStart(S.theta);
  const { n } = frame;
  const w = frame.weights;
  const r = olsResiduals(frame, S.keptFixed);
  const perTerm: { cov: Float64Array; q: number; s2: number }[] = [];
  let s2min = Infinity;
  for (const t of S.terms) {
    const q = t.q;
    const { z, groupIndex } = t.term;
    const nl = t.nLevels;
    // Per level: ZᵀWZ (q×q) and ZᵀWr, Σ w r², count.
    const ztz = new Float64Array(nl * q * q);
    const ztr = new Float64Array(nl * q);
    const rr = new Float64Array(nl);
    const cnt = new Int32Array(nl);
    for (let i = 0; i < n; i++) {
      const l = groupIndex[i];
      const wi = w ? w[i] : 1;
      cnt[l]++;
      rr[l] += wi * r[i] * r[i];
      for (let a = 0; a < q; a++) {
        const za = wi * z[i + a * n];
        ztr[l * q + a] += za * r[i];
        for (let b = 0; b < q; b++) ztz[l * q * q + a + b * q] += za * z[i + b * n];
      }
    }
    const coefs: Float64Array[] = [];
    const invs: Float64Array[] = [];
    let rss = 0;
    let dof = 0;
    for (let l = 0; l < nl; l++) {
      if (cnt[l] <= q) continue;
      const inv = invertSpd(ztz.subarray(l * q * q, (l + 1) * q * q), q);
      if (!inv) continue;
      const b = new Float64Array(q);
      for (let a = 0; a < q; a++) for (let c = 0; c < q; c++) b[a] += inv[a + c * q] * ztr[l * q + c];
      let fitted = 0;
      for (let a = 0; a < q; a++) fitted += b[a] * ztr[l * q + a];
      rss += Math.max(0, rr[l] - fitted);
      dof += cnt[l] - q;
      coefs.push(b);
      invs.push(inv);
    }
    if (coefs.length < 3 || dof === 0) { perTerm.push({ cov: new Float64Array(0), q, s2: NaN }); continue; }
    const s2 = rss / dof;
    s2min = Math.min(s2min, s2);
    const L = coefs.length;
    const mean = new Float64Array(q);
    for (const b of coefs) for (let a = 0; a < q; a++) mean[a] += b[a] / L;
    const cov = new Float64Array(q * q);
    for (let k = 0; k < L; k++) {
      for (let a = 0; a < q; a++) {
        for (let c = 0; c < q; c++) {
          cov[a + c * q] += ((coefs[k][a] - mean[a]) * (coefs[k][c] - mean[c])) / (L - 1) - (s2 * invs[k][a + c * q]) / L;
        }
      }
    }
    perTerm.push({ cov, q, s2 });
  }
  if (!(s2min > 0) || !Number.isFinite(s2min)) return theta;
  S.terms.forEach((t, k) => {
    const { cov, q } = perTerm[k];
    if (cov.length === 0) return;
    const layout = S.theta[k];
    const rel = Float64Array.from(cov, (v) => v / s2min);
    for (let a = 0; a < q; a++) rel[a + a * q] = Math.max(rel[a + a * q], 0.01);
    for (let a = 0; a < q; a++) {
      for (let c = 0; c < a; c++) {
        const lim = 0.9 * Math.sqrt(rel[a + a * q] * rel[c + c * q]);
        const v = Math.max(-lim, Math.min(lim, rel[a + c * q]));
        rel[a + c * q] = v;
        rel[c + a * q] = v;
      }
    }
    if (!layout.correlated) {
      for (let a = 0; a < q; a++) theta[layout.offset + a] = Math.sqrt(rel[a + a * q]);
      return;
    }
    const chol = choleskyLower(rel, q);
    if (!chol) return;
    let idx = layout.offset;
    for (let c = 0; c < q; c++) for (let a = c; a < q; a++) theta[idx++] = chol[a + c * q];
  });
  return theta;
}

/** Residuals of the (weighted) least-squares fit of y on the kept columns of X. */
function olsResiduals(frame: LmmFrame, kept: readonly number[]): Float64Array {
  const { n, X, y } = frame;
  const w = frame.weights;
  const p = kept.length;
  const xtx = new Float64Array(p * p);
  const xty = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const wi = w ? w[i] : 1;
    for (let a = 0; a < p; a++) {
      const xa = wi * X[i + kept[a] * n];
      xty[a] += xa * y[i];
      for (let b = 0; b < p; b++) xtx[a + b * p] += xa * X[i + kept[b] * n];
    }
  }
  const inv = p > 0 ? invertSpd(xtx, p) : new Float64Array(0);
  const beta = new Float64Array(p);
  if (inv) for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) beta[a] += inv[a + b * p] * xty[b];
  const r = Float64Array.from(y);
  for (let a = 0; a < p; a++) for (let i = 0; i < n; i++) r[i] -= beta[a] * X[i + kept[a] * n];
  return r;
}

/** Lower Cholesky factor of a small SPD matrix (column-major), or null. */
function choleskyLower(a: ArrayLike<number>, q: number): Float64Array | null {
  const l = new Float64Array(q * q);
  for (let j = 0; j < q; j++) {
    let d = a[j + j * q];
    for (let k = 0; k < j; k++) d -= l[j + k * q] ** 2;
    if (!(d > 1e-12 * Math.abs(a[j + j * q])) || !(d > 0)) return null;
    l[j + j * q] = Math.sqrt(d);
    for (let i = j + 1; i < q; i++) {
      let s = a[i + j * q];
      for (let k = 0; k < j; k++) s -= l[i + k * q] * l[j + k * q];
      l[i + j * q] = s / l[j + j * q];
    }
  }
  return l;
}

/** Inverse of a small SPD matrix (column-major), or null when it is singular. */
function invertSpd(a: ArrayLike<number>, q: number): Float64Array | null {
  const l = choleskyLower(a, q);
  if (!l) return null;
  const inv = new Float64Array(q * q);
  const col = new Float64Array(q);
  for (let c = 0; c < q; c++) {
    col.fill(0);
    col[c] = 1;
    for (let i = 0; i < q; i++) {
      let s = col[i];
      for (let k = 0; k < i; k++) s -= l[i + k * q] * col[k];
      col[i] = s / l[i + i * q];
    }
    for (let i = q - 1; i >= 0; i--) {
      let s = col[i];
      for (let k = i + 1; k < q; k++) s -= l[k + i * q] * col[k];
      col[i] = s / l[i + i * q];
    }
    for (let i = 0; i < q; i++) inv[i + c * q] = col[i];
  }
  return inv;
}
