/**
 * Diagnostics at the final estimates, per subject and observation:
 *   PRED  = f(θ, 0); IPRED = f(θ, η̂); RES = DV − PRED;
 *   WRES  = C₀^(−½)(DV − PRED), C₀ = G₀ΩG₀ᵀ + diag R(0) (first-order, as NONMEM's WRES);
 *   IWRES = (DV − IPRED)/√R(η̂), R_j = h_jᵀ Σ h_j with h_j = ∂y_j/∂ε (the whole residual SD);
 *   CWRES = C^(−½)(DV − IPRED + Ĝη̂), C = ĜΩĜᵀ + diag R (Hooker, Staatz & Karlsson 2007,
 *           Pharm Res 24:2187), R at η̂ for the interaction methods and at 0 otherwise;
 * all decorrelated with the symmetric inverse square root (as NONMEM and xpose do).
 * Shrinkage as NONMEM's ETASHRINKSD/VR and EPSSHRINKSD/VR: 1 − SD(η̂)/ω, 1 − Var(η̂)/ω²,
 * 1 − SD(IWRES), 1 − Var(IWRES), with SD the sample standard deviation about the mean (n − 1).
 * ε shrinkage per ε_k, as NONMEM 7 attributes IWRES to each ε (R. J. Bauer, NONMEM's
 * developer, on NMusers, "Epsilon shrinkage and IWRES", 22 Sep 2011): IWRES_j is not split
 * between the ε; it counts for ε_k at every observation j whose h_jk = ∂y_j/∂ε_k at η̂ is
 * nonzero, so EPSSHRINKSD_k = 1 − SD{IWRES_j : h_jk ≠ 0}. Two ε of a combined error model
 * share their observations (and their shrinkage) except where the prediction is 0; ε of
 * separate outputs (e.g. PK and PD) each see only their own output's observations.
 */
import { estimationMethod } from './methods/index.js';
import type { BoundModel } from '../subject/bound.js';
import { subjectNpde } from './npde.js';
import type { PopulationValues } from './parameter-map.js';
import type { PopulationObjective } from './population-objective.js';
import { randomStream, STREAMS } from '../stats/random.js';
import { SymmetricEigenWorkspace, symmetricInverseSqrtInto } from '../linalg/symmetric-eigen.js';
import { choleskyInPlace } from '../linalg/cholesky.js';
import type { EstimationMethod, ShrinkageResult, SubjectDiagnostics } from './types.js';

/** NPDE settings of computeDiagnostics. */
export interface DiagnosticsOptions {
  readonly npdeSamples: number;
  readonly seed: number;
}

/** Per-subject diagnostics, shrinkage and warnings. */
export interface DiagnosticsResult {
  readonly subjects: SubjectDiagnostics[];
  readonly shrinkage: ShrinkageResult;
  readonly warnings: string[];
}

/**
 * Diagnostics of every subject. The objective must have been evaluated last at `values`, so
 * that each workspace holds its final mode in `eta`; `perSubjectOfv` are the subjects' OFV
 * contributions for the fitted method.
 */
export function computeDiagnostics(
  bound: BoundModel, objective: PopulationObjective, values: PopulationValues, method: EstimationMethod,
  perSubjectOfv: Float64Array, options: DiagnosticsOptions,
): DiagnosticsResult {
  const q = bound.nEta;
  const warnings: string[] = [];
  const interaction = estimationMethod(method).supports.interaction;
  // Ω and Σ are symmetric (row-major = column-major); their factors are column-major.
  const omegaChol = Float64Array.from(values.omega);
  const sigmaChol = Float64Array.from(values.sigma);
  const haveCholesky = choleskyInPlace(omegaChol, q) && choleskyInPlace(sigmaChol, bound.nEps);
  const rng = randomStream(options.seed, STREAMS.npde);
  const subjects: SubjectDiagnostics[] = [];
  let npdeUndecorrelated = 0;
  let npdeMissing = 0;
  const nEps = bound.nEps;
  const iwresOfEps: number[][] = Array.from({ length: nEps }, () => []);
  objective.workspaces.forEach((ws, i) => {
    const n = ws.n;
    const y = ws.subject.dv;
    const eta = Float64Array.from(ws.eta);
    const zeros = new Float64Array(q);
    // Population prediction and its first-order covariance.
    ws.evaluateWithDerivatives(values.theta, zeros, values.sigma);
    const pred = Float64Array.from(ws.f);
    const r0 = Float64Array.from(ws.r);
    const wres = weighted(ws.a, r0, values.omega, y, pred, zeros, n, q);
    // Individual prediction at the mode.
    ws.evaluateWithDerivatives(values.theta, eta, values.sigma);
    const ipred = Float64Array.from(ws.f);
    const res = new Float64Array(n);
    const iwres = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      res[j] = y[j] - pred[j];
      iwres[j] = (y[j] - ipred[j]) / Math.sqrt(ws.r[j]);
      for (let k = 0; k < nEps; k++) if (ws.h[j * nEps + k] !== 0) iwresOfEps[k].push(iwres[j]);
    }
    const cwres = weighted(ws.a, interaction ? ws.r : r0, values.omega, y, ipred, eta, n, q);
    if (!wres || !cwres) warnings.push(`subject ${ws.subject.id}: a residual covariance matrix is not positive definite; WRES/CWRES set to 0`);
    let individualParameters: Float64Array | undefined;
    if (ws.subject.individualParameters && bound.individualParameterNames) {
      individualParameters = new Float64Array(bound.individualParameterNames.length);
      ws.subject.individualParameters(values.theta, eta, individualParameters);
    }
    let npde: Float64Array | undefined;
    if (options.npdeSamples > 0 && haveCholesky) {
      const r = subjectNpde(ws.subject, values.theta, omegaChol, sigmaChol, q, bound.nEps, options.npdeSamples, rng);
      if (r) { npde = r.npde; if (!r.decorrelated) npdeUndecorrelated++; } else npdeMissing++;
    }
    subjects.push({
      id: ws.subject.id, eta, individualParameters, ofv: perSubjectOfv[i], obsRecords: ws.subject.obsRecords,
      dv: y, pred, ipred, res, wres: wres ?? new Float64Array(n), iwres, cwres: cwres ?? new Float64Array(n), npde,
    });
  });
  if (npdeUndecorrelated > 0) warnings.push(`NPDE of ${npdeUndecorrelated} subject(s) not decorrelated: the covariance of their simulations is singular`);
  if (npdeMissing > 0) warnings.push(`NPDE missing for ${npdeMissing} subject(s): most simulations gave no valid prediction`);
  iwresOfEps.forEach((v, k) => {
    if (v.length < 2) warnings.push(`EPS shrinkage of ${bound.parameters.sigma.names[k]} is undefined: ${v.length} observation(s) depend on it`);
  });
  return { subjects, shrinkage: shrinkage(subjects, values.omega, q, iwresOfEps), warnings };
}

/** C^(−½)(y − f + Gη) with C = GΩGᵀ + diag R; undefined when C is not positive definite. */
function weighted(g: Float64Array, r: Float64Array, omega: Float64Array, y: Float64Array, f: Float64Array,
  eta: Float64Array, n: number, q: number): Float64Array | undefined {
  const c = new Float64Array(n * n);
  const go = new Float64Array(n * q);
  for (let j = 0; j < n; j++) for (let m = 0; m < q; m++) {
    let s = 0;
    for (let k = 0; k < q; k++) s += g[j * q + k] * omega[k * q + m];
    go[j * q + m] = s;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = i === j ? r[i] : 0;
    for (let m = 0; m < q; m++) s += go[i * q + m] * g[j * q + m];
    c[i * n + j] = s;
    c[j * n + i] = s;
  }
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = y[j] - f[j];
    for (let m = 0; m < q; m++) s += g[j * q + m] * eta[m];
    e[j] = s;
  }
  const inv = new Float64Array(n * n);
  if (!symmetricInverseSqrtInto(inv, c, n, new SymmetricEigenWorkspace(n))) return undefined;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += inv[i * n + j] * e[j];
    out[i] = s;
  }
  return out;
}

function sampleVariance(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return NaN;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (values[i] - mean) ** 2;
  return s / (n - 1);
}

/** η and ε shrinkage (see the file comment); `iwresOfEps[k]` holds the IWRES attributed to ε_k. */
function shrinkage(subjects: SubjectDiagnostics[], omega: Float64Array, q: number, iwresOfEps: readonly number[][]): ShrinkageResult {
  const etaSd = new Float64Array(q);
  const etaVariance = new Float64Array(q);
  for (let m = 0; m < q; m++) {
    const v = sampleVariance(subjects.map((s) => s.eta[m]));
    const w = omega[m * q + m];
    etaSd[m] = 1 - Math.sqrt(v / w);
    etaVariance[m] = 1 - v / w;
  }
  const iwres = subjects.flatMap((s) => Array.from(s.iwres));
  const vEps = sampleVariance(iwres);
  const vPerEps = iwresOfEps.map(sampleVariance);
  return {
    etaSd, etaVariance, epsSd: 1 - Math.sqrt(vEps), epsVariance: 1 - vEps,
    epsSdPerEps: Float64Array.from(vPerEps, (v) => 1 - Math.sqrt(v)),
    epsVariancePerEps: Float64Array.from(vPerEps, (v) => 1 - v),
  };
}
