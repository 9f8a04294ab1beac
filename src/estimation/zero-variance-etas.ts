/**
 * Random effects whose variance is fixed at 0 (NONMEM's `$OMEGA 0 FIX`, the usual way to
 * switch an η off without editing the model): such an η is 0 in every subject. Ω is then
 * singular, so the estimation runs on the model without those etas — each subject evaluated
 * with them pinned at 0 — and the result is reported in the full model's terms: Ω with its
 * zero rows and columns, EBEs of 0, shrinkage NaN (undefined for a variance of 0), and
 * NONMEM labels (OMEGA(3,3)) that keep the full model's numbering.
 */
import { PopkitError } from '../errors.js';
import type { BoundModel, CovarianceSpec, SubjectEvaluator } from '../subject/bound.js';
import type { EstimatedParameter, FitResult } from './types.js';

/**
 * Indices of the etas whose variance is fixed at 0 (in a fixed block, with every covariance
 * of the block row 0). Throws PopkitError for a 0 variance that is estimated or that has a
 * non-zero covariance, which no positive semi-definite Ω allows.
 */
export function zeroVarianceEtas(omega: CovarianceSpec, modelName: string): number[] {
  const n = omega.names.length;
  const zero: number[] = [];
  for (const block of omega.blocks) {
    for (const i of block.indices) {
      if (omega.init[i * n + i] !== 0) continue;
      if (!block.fixed) {
        throw new PopkitError(`${modelName}: the variance of ${omega.names[i]} is 0 but estimated; fix it (FIX) to switch the η off, or give a positive initial estimate`);
      }
      for (const j of block.indices) {
        if (j !== i && omega.init[i * n + j] !== 0) {
          throw new PopkitError(`${modelName}: ${omega.names[i]} has variance 0 but covariance ${omega.init[i * n + j]} with ${omega.names[j]}; Ω is not positive semi-definite`);
        }
      }
      zero.push(i);
    }
  }
  return zero.sort((a, b) => a - b);
}

/** Ω restricted to the kept etas (`keep`: full indices, ascending). */
function restrictCovariance(spec: CovarianceSpec, keep: readonly number[]): CovarianceSpec {
  const position = new Map(keep.map((full, k) => [full, k]));
  const init = restrictMatrix(spec.init, spec.names.length, keep);
  const blocks = spec.blocks
    .map((b) => ({ indices: b.indices.filter((i) => position.has(i)).map((i) => position.get(i)!), fixed: b.fixed }))
    .filter((b) => b.indices.length > 0);
  return { names: keep.map((i) => spec.names[i]!), init, blocks };
}

/** The rows and columns `keep` of the n×n row-major matrix `a`. */
export function restrictMatrix(a: Float64Array, n: number, keep: readonly number[]): Float64Array {
  const m = keep.length;
  const out = new Float64Array(m * m);
  keep.forEach((r, i) => keep.forEach((c, j) => { out[i * m + j] = a[r * n + c]!; }));
  return out;
}

/** The m×m matrix `a` placed at rows and columns `keep` of an n×n zero matrix. */
export function expandMatrix(a: Float64Array, n: number, keep: readonly number[]): Float64Array {
  const m = keep.length;
  const out = new Float64Array(n * n);
  keep.forEach((r, i) => keep.forEach((c, j) => { out[r * n + c] = a[i * m + j]!; }));
  return out;
}

/**
 * `subject` seen through the etas `keep` (full indices, ascending) of its nEta, the others
 * pinned at 0: its η vectors and η-derivatives have keep.length entries.
 */
export function pinEtas(subject: SubjectEvaluator, keep: readonly number[], nEta: number, nEps: number): SubjectEvaluator {
  return new PinnedEtaSubject(subject, keep, nEta, nEps);
}

/** A subject evaluated with the etas outside `keep` pinned at 0. */
class PinnedEtaSubject implements SubjectEvaluator {
  readonly id: string;
  readonly nObs: number;
  readonly dv: Float64Array;
  readonly obsRecords: Int32Array;
  readonly evaluateWithDerivatives?: SubjectEvaluator['evaluateWithDerivatives'];
  readonly individualParameters?: SubjectEvaluator['individualParameters'];
  private readonly full: Float64Array;
  private readonly dfFull: Float64Array;
  private readonly dhFull: Float64Array;

  constructor(private readonly inner: SubjectEvaluator, private readonly keep: readonly number[], nEta: number, nEps: number) {
    this.id = inner.id;
    this.nObs = inner.nObs;
    this.dv = inner.dv;
    this.obsRecords = inner.obsRecords;
    this.full = new Float64Array(nEta);
    this.dfFull = new Float64Array(inner.nObs * nEta);
    this.dhFull = new Float64Array(inner.nObs * nEps * nEta);
    if (inner.evaluateWithDerivatives) {
      this.evaluateWithDerivatives = (theta, eta, f, h, dfdeta, dhdeta) => {
        if (!inner.evaluateWithDerivatives!(theta, this.expand(eta), f, h, this.dfFull, this.dhFull)) return false;
        const m = keep.length;
        const rows = this.dhFull.length / nEta;
        for (let j = 0; j < inner.nObs; j++) for (let k = 0; k < m; k++) dfdeta[j * m + k] = this.dfFull[j * nEta + keep[k]!]!;
        for (let r = 0; r < rows; r++) for (let k = 0; k < m; k++) dhdeta[r * m + k] = this.dhFull[r * nEta + keep[k]!]!;
        return true;
      };
    }
    if (inner.individualParameters) {
      this.individualParameters = (theta, eta, out) => inner.individualParameters!(theta, this.expand(eta), out);
    }
  }

  evaluate(theta: Float64Array, eta: Float64Array, f: Float64Array, h: Float64Array): boolean {
    return this.inner.evaluate(theta, this.expand(eta), f, h);
  }

  private expand(eta: Float64Array): Float64Array {
    this.full.fill(0);
    for (let k = 0; k < this.keep.length; k++) this.full[this.keep[k]!] = eta[k]!;
    return this.full;
  }
}

/** A bound model seen without some etas, with what it was made from (to rebuild it in a worker thread). */
export interface PinnedBoundModel extends BoundModel {
  readonly pinnedFrom: { readonly base: BoundModel; readonly keep: readonly number[] };
}

/** `bound` without the etas in `removed` (pinned at 0); `keep` lists the others in order. */
export function withoutEtas(bound: BoundModel, removed: readonly number[]): { reduced: PinnedBoundModel; keep: number[] } {
  const gone = new Set(removed);
  const keep = Array.from({ length: bound.nEta }, (_, i) => i).filter((i) => !gone.has(i));
  const reduced: PinnedBoundModel = {
    pinnedFrom: { base: bound, keep },
    name: bound.name,
    parameters: { ...bound.parameters, omega: restrictCovariance(bound.parameters.omega, keep) },
    subjects: bound.subjects.map((s) => new PinnedEtaSubject(s, keep, bound.nEta, bound.nEps)),
    nEta: keep.length,
    nEps: bound.nEps,
    individualParameterNames: bound.individualParameterNames,
  };
  return { reduced, keep };
}

/** Spreads a vector over the kept positions of a length-n vector filled with `fill`. */
function spread(v: Float64Array, keep: readonly number[], n: number, fill: number): Float64Array {
  const out = new Float64Array(n).fill(fill);
  keep.forEach((full, k) => { out[full] = v[k]!; });
  return out;
}

/** The fit of the reduced model in the full model's terms (see the module comment). */
export function restoreEtas(fit: FitResult, full: BoundModel, keep: readonly number[]): FitResult {
  const n = full.nEta;
  const omega = expandMatrix(fit.omega, n, keep);
  const relabel = (e: EstimatedParameter): EstimatedParameter => {
    if (e.kind !== 'omega') return e;
    const row = keep[e.row]!, col = keep[e.col]!;
    return { ...e, row, col, label: `OMEGA(${row + 1},${col + 1})` };
  };
  const estimated = fit.estimated.map(relabel);
  const pinned = full.parameters.omega.names.filter((_, i) => !keep.includes(i));
  return {
    ...fit,
    omegaNames: full.parameters.omega.names,
    omega,
    estimated,
    covariance: fit.covariance && { ...fit.covariance, parameters: fit.covariance.parameters.map(relabel) },
    subjects: fit.subjects.map((s) => ({ ...s, eta: spread(s.eta, keep, n, 0) })),
    shrinkage: {
      ...fit.shrinkage,
      etaSd: spread(fit.shrinkage.etaSd, keep, n, NaN),
      etaVariance: spread(fit.shrinkage.etaVariance, keep, n, NaN),
    },
    warnings: [`${pinned.join(', ')}: variance fixed at 0, so η = 0 in every subject (estimated without ${pinned.length === 1 ? 'it' : 'them'})`, ...fit.warnings],
  };
}
