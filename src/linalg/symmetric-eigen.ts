/**
 * Eigen-decomposition of small symmetric matrices by the cyclic Jacobi method, and what is
 * built on it: symmetric (inverse) square roots and condition numbers.
 *
 * Algorithm: Golub & Van Loan, Matrix Computations, 4th ed. (2013), Alg. 8.5.2 / 8.5.3
 * (cyclic Jacobi with the 2×2 symmetric Schur rotation); rotations are skipped when
 * |a_pq| ≤ ε·√(|a_pp a_qq|), the stopping rule of Demmel & Veselić (1992, SIAM J Matrix
 * Anal Appl 13:1204), which keeps small eigenvalues of positive definite matrices
 * accurate to nearly full relative precision. O(n³) per sweep: meant for n up to a few tens
 * (random-effect and per-subject matrices).
 *
 * Layout: n×n column-major, only the lower triangle of the input is read.
 */

/** Buffers for the eigen routines, allocated once for matrices up to maxN×maxN. */
export class SymmetricEigenWorkspace {
  readonly maxN: number;
  /** Eigenvalues, ascending, of the last decomposition (first n entries). */
  readonly values: Float64Array;
  /** Eigenvectors (columns, n×n column-major, leading dimension n) of the last decomposition. */
  readonly vectors: Float64Array;
  /** Scratch copy of the matrix being diagonalized. */
  readonly work: Float64Array;

  constructor(maxN: number) {
    this.maxN = maxN;
    this.values = new Float64Array(maxN);
    this.vectors = new Float64Array(maxN * maxN);
    this.work = new Float64Array(maxN * maxN);
  }
}

const MAX_SWEEPS = 100;
const EPS = 2.220446049250313e-16;

/**
 * Eigenvalues (ascending) and orthonormal eigenvectors of the symmetric n×n matrix A:
 * A = V diag(λ) Vᵀ. Writes into `values` (n) and `vectors` (n×n, column k belongs to λ_k),
 * using `work` (≥ n²) as scratch. Returns false if A has non-finite entries or Jacobi did
 * not converge in 100 sweeps (never observed for finite input); outputs are then unusable.
 */
export function symmetricEigenInto(
  a: Float64Array, n: number, values: Float64Array, vectors: Float64Array, work: Float64Array,
): boolean {
  const w = work;
  for (let j = 0; j < n; j++) {
    for (let i = j; i < n; i++) {
      const v = a[i + j * n];
      if (!Number.isFinite(v)) return false;
      w[i + j * n] = v;
      w[j + i * n] = v;
    }
  }
  vectors.fill(0, 0, n * n);
  for (let i = 0; i < n; i++) vectors[i + i * n] = 1;

  let converged = n <= 1;
  for (let sweep = 0; sweep < MAX_SWEEPS && !converged; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = w[p + q * n];
        const app = w[p + p * n];
        const aqq = w[q + q * n];
        if (apq === 0 || Math.abs(apq) <= EPS * Math.sqrt(Math.abs(app * aqq))) continue;
        rotated = true;
        // 2×2 symmetric Schur decomposition (Golub & Van Loan Alg. 8.5.1).
        const tau = (aqq - app) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.hypot(1, tau));
        const c = 1 / Math.hypot(1, t);
        const s = t * c;
        // A ← A J (columns p, q), then A ← Jᵀ A (rows p, q).
        const cp = p * n;
        const cq = q * n;
        for (let k = 0; k < n; k++) {
          const akp = w[k + cp];
          const akq = w[k + cq];
          w[k + cp] = c * akp - s * akq;
          w[k + cq] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const ck = k * n;
          const apk = w[p + ck];
          const aqk = w[q + ck];
          w[p + ck] = c * apk - s * aqk;
          w[q + ck] = s * apk + c * aqk;
        }
        w[p + cq] = 0;
        w[q + cp] = 0;
        // V ← V J.
        for (let k = 0; k < n; k++) {
          const vkp = vectors[k + cp];
          const vkq = vectors[k + cq];
          vectors[k + cp] = c * vkp - s * vkq;
          vectors[k + cq] = s * vkp + c * vkq;
        }
      }
    }
    if (!rotated) converged = true;
  }
  for (let i = 0; i < n; i++) values[i] = w[i + i * n];
  // Selection sort, ascending, moving eigenvector columns along.
  for (let i = 0; i < n - 1; i++) {
    let m = i;
    for (let k = i + 1; k < n; k++) if (values[k] < values[m]) m = k;
    if (m === i) continue;
    const tv = values[i];
    values[i] = values[m];
    values[m] = tv;
    for (let r = 0; r < n; r++) {
      const t = vectors[r + i * n];
      vectors[r + i * n] = vectors[r + m * n];
      vectors[r + m * n] = t;
    }
  }
  return converged;
}

/**
 * Allocating variant: eigenvalues (ascending) and eigenvectors (columns, column-major) of
 * the symmetric n×n matrix A, or null if A has non-finite entries.
 *
 * Example: `symmetricEigen(Float64Array.of(2, 1, 1, 2), 2).values` → [1, 3].
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } | null {
  const ws = new SymmetricEigenWorkspace(n);
  if (!symmetricEigenInto(a, n, ws.values, ws.vectors, ws.work)) return null;
  return { values: ws.values, vectors: ws.vectors };
}

/** out = V diag(φ(λ)) Vᵀ from a decomposition held in `ws` (full symmetric n×n). */
function spectralFunctionInto(out: Float64Array, ws: SymmetricEigenWorkspace, n: number, power: number): void {
  const v = ws.vectors;
  const phi = ws.work; // free once the decomposition is done
  for (let k = 0; k < n; k++) phi[k] = Math.pow(ws.values[k], power);
  for (let j = 0; j < n; j++) {
    for (let i = j; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += v[i + k * n] * phi[k] * v[j + k * n];
      out[i + j * n] = s;
      out[j + i * n] = s;
    }
  }
}

/**
 * out = A^(−½), the symmetric inverse square root V diag(λ^(−½)) Vᵀ of a symmetric
 * positive definite A (as used for CWRES, Hooker et al. 2007 Pharm Res 24:2187).
 * Returns false (out unusable) when A is not positive definite (some λ ≤ 0) or not finite.
 * `ws` must have maxN ≥ n; `out` must not alias `a`.
 */
export function symmetricInverseSqrtInto(
  out: Float64Array, a: Float64Array, n: number, ws: SymmetricEigenWorkspace = new SymmetricEigenWorkspace(n),
): boolean {
  if (!symmetricEigenInto(a, n, ws.values, ws.vectors, ws.work)) return false;
  for (let k = 0; k < n; k++) if (!(ws.values[k] > 0)) return false;
  spectralFunctionInto(out, ws, n, -0.5);
  return true;
}

/**
 * out = A^(½), the symmetric square root of a symmetric positive semidefinite A.
 * Eigenvalues in [−n·ε·λ_max, 0) are treated as rounding and set to 0; a more negative one
 * makes it return false (out unusable).
 */
export function symmetricSqrtInto(
  out: Float64Array, a: Float64Array, n: number, ws: SymmetricEigenWorkspace = new SymmetricEigenWorkspace(n),
): boolean {
  if (!symmetricEigenInto(a, n, ws.values, ws.vectors, ws.work)) return false;
  const lmax = n > 0 ? Math.abs(ws.values[n - 1]) : 0;
  for (let k = 0; k < n; k++) {
    if (ws.values[k] < 0) {
      if (ws.values[k] < -n * EPS * lmax) return false;
      ws.values[k] = 0;
    }
  }
  spectralFunctionInto(out, ws, n, 0.5);
  return true;
}

/**
 * 2-norm condition number max|λ| / min|λ| of a symmetric n×n matrix (Infinity when it is
 * singular, NaN never: non-finite input also gives Infinity).
 */
export function symmetricConditionNumber(
  a: Float64Array, n: number, ws: SymmetricEigenWorkspace = new SymmetricEigenWorkspace(n),
): number {
  if (!symmetricEigenInto(a, n, ws.values, ws.vectors, ws.work)) return Infinity;
  let lo = Infinity;
  let hi = 0;
  for (let k = 0; k < n; k++) {
    const v = Math.abs(ws.values[k]);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (n === 0) return 1;
  return lo === 0 ? Infinity : hi / lo;
}
