/**
 * The map between the population parameters (θ, Ω, Σ) and the unconstrained vector x the
 * outer optimizer moves. Thetas: log(θ − lower), log(upper − θ) or logit for bounded ones,
 * (θ − θ₀)/max(|θ₀|, 0.1) for unbounded ones (a floor, so that an effect starting near 0,
 * such as a covariate exponent initialised at 0.001, is not scaled a thousandfold). Each estimated Ω or Σ block: its Cholesky factor written
 * as L = diag(e^d)·C with C unit lower triangular, x holding d and the below-diagonal of C.
 * x is centred so that the initial estimates map to x = 0 (in the spirit of NONMEM's scaling
 * of the initial estimates to 0.1): a unit step in x changes a bounded θ or a standard
 * deviation by a factor e. FIX parameters and FIX blocks are not in x.
 *
 * The original scale is the vector p of estimated θs and estimated Ω/Σ elements (lower
 * triangle of each block), used for the covariance step and for reporting.
 */
import { ModelError } from '../errors.js';
import type { CovarianceSpec, ParameterSpec } from '../subject/bound.js';
import { choleskyInPlace } from '../linalg/cholesky.js';
import type { EstimatedParameter } from './types.js';

/** Smallest scale of an unbounded θ on the optimizer's scale. */
const UNBOUNDED_SCALE_FLOOR = 0.1;

type ThetaTransform = 'identity' | 'log-lower' | 'log-upper' | 'logit';

interface FreeTheta {
  readonly index: number;
  readonly transform: ThetaTransform;
  readonly lower: number;
  readonly upper: number;
  /** Unconstrained value at the initial estimate. */
  readonly u0: number;
  /** Scale of the identity transform: max(|θ₀|, UNBOUNDED_SCALE_FLOOR). */
  readonly scale: number;
}

interface FreeBlock {
  readonly matrix: 'omega' | 'sigma';
  readonly indices: readonly number[];
  /** Unconstrained values at the initial estimate (row i: c_i0..c_i,i−1, d_i). */
  readonly u0: Float64Array;
}

/** Population parameter values: θ (all), Ω (nEta×nEta) and Σ (nEps×nEps), row-major. */
export interface PopulationValues {
  readonly theta: Float64Array;
  readonly omega: Float64Array;
  readonly sigma: Float64Array;
}

/** The parameterization of one ParameterSpec; immutable after construction. */
export class ParameterMap {
  readonly nTheta: number;
  readonly nEta: number;
  readonly nEps: number;
  /** Length of x. */
  readonly nFree: number;
  /** Estimated parameters on the original scale, in the order of p. */
  readonly estimated: readonly EstimatedParameter[];
  private readonly freeThetas: FreeTheta[] = [];
  private readonly freeBlocks: FreeBlock[] = [];
  private readonly initial: PopulationValues;

  constructor(readonly spec: ParameterSpec) {
    this.nTheta = spec.theta.length;
    this.nEta = spec.omega.names.length;
    this.nEps = spec.sigma.names.length;
    this.initial = {
      theta: Float64Array.from(spec.theta, (t) => t.init),
      omega: Float64Array.from(spec.omega.init),
      sigma: Float64Array.from(spec.sigma.init),
    };
    const estimated: EstimatedParameter[] = [];
    let nFree = 0;
    spec.theta.forEach((t, index) => {
      if (t.fixed) return;
      if (!(t.init > t.lower && t.init < t.upper)) {
        throw new ModelError(`initial estimate of THETA(${index + 1}) ${t.name} = ${t.init} is not strictly inside its bounds (${t.lower}, ${t.upper})`);
      }
      const transform: ThetaTransform = Number.isFinite(t.lower)
        ? (Number.isFinite(t.upper) ? 'logit' : 'log-lower')
        : (Number.isFinite(t.upper) ? 'log-upper' : 'identity');
      const scale = Math.max(Math.abs(t.init), UNBOUNDED_SCALE_FLOOR);
      const ft: FreeTheta = { index, transform, lower: t.lower, upper: t.upper, u0: 0, scale };
      this.freeThetas.push({ ...ft, u0: thetaToU(ft, t.init) });
      estimated.push({ kind: 'theta', label: `THETA(${index + 1})`, name: t.name, row: index, col: index });
      nFree++;
    });
    for (const [matrix, cov] of [['omega', spec.omega], ['sigma', spec.sigma]] as const) {
      const n = cov.names.length;
      checkCovarianceSpec(matrix, cov);
      for (const block of cov.blocks) {
        if (block.fixed) continue;
        const m = block.indices.length;
        const u0 = blockToU(cov.init, n, block.indices);
        if (u0 === undefined) {
          throw new ModelError(`initial ${matrix.toUpperCase()} block (${block.indices.map((i) => cov.names[i]).join(', ')}) is not positive definite`);
        }
        this.freeBlocks.push({ matrix, indices: block.indices, u0 });
        nFree += (m * (m + 1)) / 2;
        const tag = matrix === 'omega' ? 'OMEGA' : 'SIGMA';
        for (let i = 0; i < m; i++) {
          for (let j = 0; j <= i; j++) {
            const r = block.indices[i];
            const c = block.indices[j];
            estimated.push({
              kind: matrix, label: `${tag}(${r + 1},${c + 1})`,
              name: r === c ? cov.names[r] : `${cov.names[r]},${cov.names[c]}`, row: r, col: c,
            });
          }
        }
      }
    }
    this.nFree = nFree;
    this.estimated = estimated;
  }

  /** Fresh copies of the initial values. */
  initialValues(): PopulationValues {
    return { theta: Float64Array.from(this.initial.theta), omega: Float64Array.from(this.initial.omega), sigma: Float64Array.from(this.initial.sigma) };
  }

  /** Fresh buffers of the right sizes (filled with the initial values). */
  allocateValues(): PopulationValues {
    return this.initialValues();
  }

  /** Fill `out` with the parameter values at unconstrained x (fixed parts from the initial values). */
  valuesFromX(x: Float64Array, out: PopulationValues): void {
    out.theta.set(this.initial.theta);
    out.omega.set(this.initial.omega);
    out.sigma.set(this.initial.sigma);
    let k = 0;
    for (const ft of this.freeThetas) out.theta[ft.index] = uToTheta(ft, ft.u0 + x[k++]);
    for (const b of this.freeBlocks) {
      const target = b.matrix === 'omega' ? out.omega : out.sigma;
      const n = b.matrix === 'omega' ? this.nEta : this.nEps;
      const m = b.indices.length;
      const l = new Float64Array(m * m);
      let q = 0;
      for (let i = 0; i < m; i++) {
        const scale = Math.exp(b.u0[q + i] + x[k + q + i]);
        for (let j = 0; j < i; j++) l[i * m + j] = scale * (b.u0[q + j] + x[k + q + j]);
        l[i * m + i] = scale;
        q += i + 1;
      }
      k += q;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let c = 0; c <= j; c++) s += l[i * m + c] * l[j * m + c];
          target[b.indices[i] * n + b.indices[j]] = s;
          target[b.indices[j] * n + b.indices[i]] = s;
        }
      }
    }
  }

  /** Unconstrained x of the given values, or undefined when a block is not positive definite or a θ is out of bounds. */
  xFromValues(values: PopulationValues): Float64Array | undefined {
    const x = new Float64Array(this.nFree);
    let k = 0;
    for (const ft of this.freeThetas) {
      const u = thetaToU(ft, values.theta[ft.index]);
      if (!Number.isFinite(u)) return undefined;
      x[k++] = u - ft.u0;
    }
    for (const b of this.freeBlocks) {
      const n = b.matrix === 'omega' ? this.nEta : this.nEps;
      const u = blockToU(b.matrix === 'omega' ? values.omega : values.sigma, n, b.indices);
      if (u === undefined) return undefined;
      for (let i = 0; i < u.length; i++) x[k++] = u[i] - b.u0[i];
    }
    return x;
  }

  /** p (estimated parameters on the original scale) from full values. */
  originalFromValues(values: PopulationValues): Float64Array {
    return Float64Array.from(this.estimated, (e) => {
      if (e.kind === 'theta') return values.theta[e.row];
      const n = e.kind === 'omega' ? this.nEta : this.nEps;
      return (e.kind === 'omega' ? values.omega : values.sigma)[e.row * n + e.col];
    });
  }

  /** Fill `out` from p (fixed parts from the initial values). */
  valuesFromOriginal(p: Float64Array, out: PopulationValues): void {
    out.theta.set(this.initial.theta);
    out.omega.set(this.initial.omega);
    out.sigma.set(this.initial.sigma);
    this.estimated.forEach((e, k) => {
      if (e.kind === 'theta') { out.theta[e.row] = p[k]; return; }
      const n = e.kind === 'omega' ? this.nEta : this.nEps;
      const m = e.kind === 'omega' ? out.omega : out.sigma;
      m[e.row * n + e.col] = p[k];
      m[e.col * n + e.row] = p[k];
    });
  }
}

function thetaToU(ft: FreeTheta, theta: number): number {
  switch (ft.transform) {
    case 'identity': return theta / ft.scale;
    case 'log-lower': return theta > ft.lower ? Math.log(theta - ft.lower) : NaN;
    case 'log-upper': return theta < ft.upper ? Math.log(ft.upper - theta) : NaN;
    case 'logit': {
      const q = (theta - ft.lower) / (ft.upper - ft.lower);
      return q > 0 && q < 1 ? Math.log(q / (1 - q)) : NaN;
    }
  }
}

function uToTheta(ft: FreeTheta, u: number): number {
  switch (ft.transform) {
    case 'identity': return u * ft.scale;
    case 'log-lower': return ft.lower + Math.exp(u);
    case 'log-upper': return ft.upper - Math.exp(u);
    case 'logit': return ft.lower + (ft.upper - ft.lower) / (1 + Math.exp(-u));
  }
}

/** Unconstrained parameters (row i: c_i0..c_i,i−1, d_i) of one block of a matrix, or undefined if not PD. */
function blockToU(matrix: Float64Array, n: number, indices: readonly number[]): Float64Array | undefined {
  const m = indices.length;
  // The block, column-major (symmetric, so the layouts agree); L[i, j] is then l[i + j·m].
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) l[i + j * m] = matrix[indices[i] * n + indices[j]];
  if (!choleskyInPlace(l, m)) return undefined;
  const u = new Float64Array((m * (m + 1)) / 2);
  let q = 0;
  for (let i = 0; i < m; i++) {
    const lii = l[i + i * m];
    for (let j = 0; j < i; j++) u[q + j] = l[i + j * m] / lii;
    u[q + i] = Math.log(lii);
    q += i + 1;
  }
  return u;
}

function checkCovarianceSpec(matrix: string, cov: CovarianceSpec): void {
  const n = cov.names.length;
  if (cov.init.length !== n * n) throw new ModelError(`${matrix.toUpperCase()} has ${cov.init.length} values for ${n}×${n}`);
  const seen = new Uint8Array(n);
  for (const b of cov.blocks) {
    for (const i of b.indices) {
      if (i < 0 || i >= n || seen[i]) throw new ModelError(`${matrix.toUpperCase()} blocks do not partition its ${n} elements`);
      seen[i] = 1;
    }
  }
  if (seen.some((s) => s === 0)) throw new ModelError(`${matrix.toUpperCase()} blocks do not cover all of its ${n} elements`);
}
