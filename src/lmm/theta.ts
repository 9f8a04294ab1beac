/**
 * The covariance parameters θ of a linear mixed model and the relative covariance factor
 * Λ(θ) they define (Bates, Mächler, Bolker, Walker 2015, J Stat Softw 67(1), section 3.1).
 *
 * Each random-effects term with q columns has a q×q lower-triangular block Λ_k, repeated
 * for every level of its grouping factor; the random effects of one level have covariance
 * σ² Λ_k Λ_kᵀ. For a correlated term, θ holds the q(q+1)/2 elements of the lower triangle
 * column by column (lme4's order: for q = 2, [Λ11, Λ21, Λ22]); for an uncorrelated term,
 * the q diagonal elements. Diagonal elements are bounded below by 0, the others are free.
 * The start is Λ_k = I, as in lme4.
 */

/** The θ-layout of one random-effects term. */
export interface ThetaTermLayout {
  /** Number of random-effect columns. */
  readonly q: number;
  /** Full lower-triangular Λ block (true) or diagonal (false). */
  readonly correlated: boolean;
  /** Index of the term's first element in θ. */
  readonly offset: number;
  /** Number of θ elements of the term. */
  readonly count: number;
}

/** Number of θ elements of a term with q columns. */
export function thetaCount(q: number, correlated: boolean): number {
  return correlated ? (q * (q + 1)) / 2 : q;
}

/** Lays out θ for terms given in order. */
export function thetaLayout(terms: readonly { q: number; correlated: boolean }[]): ThetaTermLayout[] {
  let offset = 0;
  return terms.map((t) => {
    const count = thetaCount(t.q, t.correlated);
    const layout = { q: t.q, correlated: t.correlated, offset, count };
    offset += count;
    return layout;
  });
}

/** True for the θ elements that are diagonal elements of Λ (bounded below by 0). */
export function thetaIsDiagonal(layouts: readonly ThetaTermLayout[]): boolean[] {
  const out: boolean[] = [];
  for (const t of layouts) {
    if (!t.correlated) {
      for (let i = 0; i < t.q; i++) out.push(true);
      continue;
    }
    for (let j = 0; j < t.q; j++) for (let i = j; i < t.q; i++) out.push(i === j);
  }
  return out;
}

/** Lower bounds of θ: 0 for diagonal elements of Λ, −Infinity otherwise. */
export function thetaLowerBounds(layouts: readonly ThetaTermLayout[]): Float64Array {
  return Float64Array.from(thetaIsDiagonal(layouts), (d) => (d ? 0 : -Infinity));
}

/** The starting θ (Λ = I): 1 for diagonal elements, 0 otherwise. */
export function thetaStart(layouts: readonly ThetaTermLayout[]): Float64Array {
  return Float64Array.from(thetaIsDiagonal(layouts), (d) => (d ? 1 : 0));
}

/**
 * Writes the term's Λ block (q×q, column-major, upper triangle zero) from θ into `out`
 * starting at `outOffset`.
 */
export function lambdaBlockInto(out: Float64Array, outOffset: number, theta: ArrayLike<number>, t: ThetaTermLayout): void {
  const q = t.q;
  for (let i = 0; i < q * q; i++) out[outOffset + i] = 0;
  let k = t.offset;
  if (!t.correlated) {
    for (let i = 0; i < q; i++) out[outOffset + i + i * q] = theta[k++];
    return;
  }
  for (let j = 0; j < q; j++) for (let i = j; i < q; i++) out[outOffset + i + j * q] = theta[k++];
}

/** The term's covariance Λ_k Λ_kᵀ (relative to σ²), q×q column-major. */
export function relativeCovariance(theta: ArrayLike<number>, t: ThetaTermLayout): Float64Array {
  const q = t.q;
  const lam = new Float64Array(q * q);
  lambdaBlockInto(lam, 0, theta, t);
  const cov = new Float64Array(q * q);
  for (let j = 0; j < q; j++) {
    for (let i = 0; i < q; i++) {
      let s = 0;
      for (let k = 0; k < q; k++) s += lam[i + k * q] * lam[j + k * q];
      cov[i + j * q] = s;
    }
  }
  return cov;
}
