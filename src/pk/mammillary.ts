/**
 * The disposition part of a linear mammillary model (a central compartment exchanging with
 * up to two peripheral compartments, elimination from the central one) in modal form.
 *
 * With amounts x (central, peripheral 1, peripheral 2), dx/dt = K x where
 *   K[c][c] = −(CL + Σ Qj)/V1,  K[c][j] = Qj/Vj,  K[j][c] = Qj/V1,  K[j][j] = −Qj/Vj.
 * Scaling by T = diag(√V1, √V2, √V3) makes it symmetric: B = T⁻¹ K T has
 *   B[c][c] = −(CL + Σ Qj)/V1,  B[c][j] = B[j][c] = Qj/√(V1·Vj),  B[j][j] = −Qj/Vj,
 * so B = U Λ Uᵀ with real eigenvalues λ ≤ 0 and orthonormal U, even when eigenvalues are
 * equal or zero (CL = 0, Q = 0). Then e^{Kt} = T U e^{Λt} Uᵀ T⁻¹: no degenerate cases.
 *
 * The eigen-decomposition uses the cyclic Jacobi method (G. H. Golub & C. F. Van Loan,
 * Matrix Computations, 4th ed., §8.5), which is exact after one rotation for 2×2 and
 * converges quadratically for 3×3; it is run once per parameter set.
 */
import { NumericalError } from '../errors.js';

/** Modal form of the disposition matrix for n = 1, 2 or 3 compartments. */
export interface DispositionModes {
  readonly n: number;
  /** Eigenvalues λ (1/time), length n, all ≤ 0. */
  readonly lambda: Float64Array;
  /** U, n×n row-major: U[i*n + k] = component i of eigenvector k. */
  readonly u: Float64Array;
  /** √V of each compartment (volume^½). */
  readonly sqrtV: Float64Array;
  /** Scratch space for the decomposition (n×n). */
  readonly work: Float64Array;
}

/** Allocates a modes record for n compartments (filled by {@link dispositionModesInto}). */
export function allocateModes(n: number): DispositionModes {
  return { n, lambda: new Float64Array(n), u: new Float64Array(n * n), sqrtV: new Float64Array(n), work: new Float64Array(n * n) };
}

function requireFinite(name: string, value: number, positive: boolean): void {
  if (!Number.isFinite(value) || (positive ? value <= 0 : value < 0)) {
    throw new NumericalError(
      `invalid PK parameter ${name} = ${value}: it must be a finite ${positive ? 'positive' : 'non-negative'} number`);
  }
}

/**
 * Fills `out` with the modes for clearance `cl` (volume/time), central volume `v1` (volume),
 * and intercompartmental clearances `q[j]` (volume/time) with peripheral volumes `v[j]`.
 * Throws NumericalError for a non-finite or negative clearance or a non-positive volume.
 * Example: `dispositionModesInto(out, 1.1, 20, [], [])` gives λ = −0.055.
 */
export function dispositionModesInto(
  out: DispositionModes, cl: number, v1: number,
  q: ArrayLike<number>, v: ArrayLike<number>, names: readonly string[],
): void {
  const n = out.n;
  requireFinite(names[0]!, cl, false);
  requireFinite(names[1]!, v1, true);
  for (let j = 0; j < n - 1; j++) {
    requireFinite(names[2 + 2 * j]!, q[j]!, false);
    requireFinite(names[3 + 2 * j]!, v[j]!, true);
  }
  const a = out.work;
  a.fill(0);
  out.sqrtV[0] = Math.sqrt(v1);
  let cc = cl;
  for (let j = 0; j < n - 1; j++) {
    cc += q[j]!;
    out.sqrtV[j + 1] = Math.sqrt(v[j]!);
    a[(j + 1) * n + (j + 1)] = -q[j]! / v[j]!;
    const off = q[j]! / (out.sqrtV[0] * out.sqrtV[j + 1]!);
    a[j + 1] = off;
    a[(j + 1) * n] = off;
  }
  a[0] = -cc / v1;
  jacobiEigen(a, n, out.lambda, out.u);
  for (let k = 0; k < n; k++) {
    if (!Number.isFinite(out.lambda[k]!)) throw new NumericalError('PK parameters give a non-finite rate constant');
    // Rounding can leave a tiny positive eigenvalue when CL = 0; the exact value is ≤ 0.
    if (out.lambda[k]! > 0) out.lambda[k] = 0;
  }
}

/**
 * Cyclic Jacobi eigen-decomposition of the symmetric n×n matrix `a` (row-major, destroyed):
 * eigenvalues into `lambda`, eigenvectors as columns of `vecs` (row-major n×n).
 */
function jacobiEigen(a: Float64Array, n: number, lambda: Float64Array, vecs: Float64Array): void {
  vecs.fill(0);
  for (let i = 0; i < n; i++) vecs[i * n + i] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0, diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i * n + i]! * a[i * n + i]!;
      for (let j = i + 1; j < n; j++) off += a[i * n + j]! * a[i * n + j]!;
    }
    if (off === 0 || off <= 1e-36 * diag) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const app = a[p * n + p]!, aqq = a[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!, akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!, aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        a[p * n + q] = 0;
        a[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = vecs[k * n + p]!, vkq = vecs[k * n + q]!;
          vecs[k * n + p] = c * vkp - s * vkq;
          vecs[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  for (let i = 0; i < n; i++) lambda[i] = a[i * n + i]!;
}
