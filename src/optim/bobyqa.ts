/**
 * BOBYQA: bound-constrained minimization without derivatives by quadratic interpolation in
 * a trust region (M. J. D. Powell, "The BOBYQA algorithm for bound constrained optimization
 * without derivatives", Report DAMTP 2009/NA06, University of Cambridge, 2009).
 *
 * The structure follows Powell's: m = 2n+1 interpolation points (section 2's initial set),
 * a model with least Frobenius-norm change of the Hessian (bobyqa-model.ts), trust-region
 * steps and geometry steps (bobyqa-steps.ts), Powell's rules for the radius Δ and its lower
 * bound ρ, which falls from `rhoBegin` to `rhoEnd`. The model is recomputed from its
 * interpolation conditions each iteration instead of by Powell's updating formulas (as in
 * Py-BOBYQA, Cartis et al. 2019). lme4 (through NLopt) and MixedModels.jl use BOBYQA for
 * the covariance parameters of linear mixed models.
 */
import { InterpolationModel } from './bobyqa-model.js';
import { geometryStep, StepWorkspace, trustRegionStep } from './bobyqa-steps.js';
import type { ObjectiveFunction, OptimHistoryEntry, OptimResult } from './types.js';

export interface BobyqaOptions {
  /** Lower bounds (default −Infinity for every coordinate). */
  readonly lower?: ArrayLike<number>;
  /** Upper bounds (default +Infinity). */
  readonly upper?: ArrayLike<number>;
  /** Initial trust-region radius, in the units of x (default 0.5, reduced to fit the bounds). */
  readonly rhoBegin?: number;
  /** Final trust-region radius: the accuracy required of x (default 1e-7). */
  readonly rhoEnd?: number;
  /** Maximum number of objective evaluations (default 10000). */
  readonly maxEvaluations?: number;
  /** Number of interpolation points, n+2 ≤ npt ≤ (n+1)(n+2)/2 (default 2n+1). */
  readonly npt?: number;
  /**
   * Stop (converged, reason 'function-tolerance') when a trust-region step improves the best
   * value by less than fTolRel·|f|, as NLopt's ftol_rel (default 0: off).
   */
  readonly fTolRel?: number;
  /** Keep every accepted point in `history`. */
  readonly history?: boolean;
}

/**
 * Minimizes `f` over the box [lower, upper] starting from `x0` (moved into the box).
 * Returns the best point found; `converged` is true when ρ reached `rhoEnd`.
 * Example: `minimizeBobyqa((x) => (x[0] - 1) ** 2 + (x[1] + 2) ** 2, Float64Array.of(0, 0),
 *   { lower: [0, 0] })` → x ≈ [1, 0].
 */
export function minimizeBobyqa(f: ObjectiveFunction, x0: ArrayLike<number>, options: BobyqaOptions = {}): OptimResult {
  const n = x0.length;
  if (n < 1) throw new RangeError('minimizeBobyqa: x0 must have at least one element');
  const lower = Float64Array.from({ length: n }, (_, i) => options.lower?.[i] ?? -Infinity);
  const upper = Float64Array.from({ length: n }, (_, i) => options.upper?.[i] ?? Infinity);
  const m = options.npt ?? 2 * n + 1;
  if (m < n + 2 || m > ((n + 1) * (n + 2)) / 2) {
    throw new RangeError(`minimizeBobyqa: npt must lie in [${n + 2}, ${((n + 1) * (n + 2)) / 2}], got ${m}`);
  }
  let rhoBeg = options.rhoBegin ?? 0.5;
  const rhoEnd = Math.min(options.rhoEnd ?? 1e-7, rhoBeg);
  const maxEval = options.maxEvaluations ?? 10000;
  for (let i = 0; i < n; i++) {
    const width = upper[i] - lower[i];
    if (!(width > 0)) throw new RangeError(`minimizeBobyqa: upper[${i}] must exceed lower[${i}]`);
    rhoBeg = Math.min(rhoBeg, width / 3);
  }
  const rhoEndEff = Math.min(rhoEnd, rhoBeg);

  // Starting point: moved into the box. Powell moves a start closer than ρ_beg to a bound
  // onto the bound or ρ_beg away from it; here the start is kept and the initial points
  // step away from the near bound instead (x + ρ and x + 2ρ).
  const xStart = Float64Array.from({ length: n }, (_, i) => Math.min(Math.max(x0[i], lower[i]), upper[i]));
  const nearLower = (i: number): boolean => xStart[i] - lower[i] < rhoBeg;
  const nearUpper = (i: number): boolean => upper[i] - xStart[i] < rhoBeg;

  const y = new Float64Array(m * n);
  const fv = new Float64Array(m);
  const history: OptimHistoryEntry[] | undefined = options.history ? [] : undefined;
  let evaluations = 0;
  const evaluate = (x: Float64Array): number => {
    evaluations++;
    const v = f(x);
    return Number.isNaN(v) ? Infinity : v;
  };

  // Initial interpolation set (Powell 2009, section 2): x0, x0 ± ρ e_i, then pairs.
  const firstStep = new Float64Array(n);
  for (let k = 0; k < m; k++) {
    const row = y.subarray(k * n, (k + 1) * n);
    row.set(xStart);
    if (k >= 1 && k <= n) {
      const i = k - 1;
      firstStep[i] = nearUpper(i) ? -rhoBeg : rhoBeg;
      row[i] += firstStep[i];
    } else if (k > n && k <= 2 * n) {
      const i = k - n - 1;
      row[i] += nearLower(i) ? 2 * rhoBeg : nearUpper(i) ? -2 * rhoBeg : -rhoBeg;
    } else if (k > 2 * n) {
      const [p, q] = pairOf(k - 2 * n - 1, n);
      row[p] += firstStep[p];
      row[q] += firstStep[q];
    }
    fv[k] = evaluate(row);
    if (k === 0 && !Number.isFinite(fv[0])) {
      return {
        x: xStart, f: fv[0], iterations: 0, evaluations, converged: false,
        status: 'failed: objective not finite at the starting point',
        message: 'The objective returned a non-finite value at the starting point; choose another start.',
        reason: 'non-finite-start', fInitial: fv[0], history,
      };
    }
  }
  const fInitial = fv[0];
  let kopt = 0;
  for (let k = 1; k < m; k++) if (fv[k] < fv[kopt]) kopt = k;
  const xopt = new Float64Array(n);
  const setXopt = (): void => { for (let i = 0; i < n; i++) xopt[i] = y[kopt * n + i]; };
  setXopt();
  history?.push({ x: Float64Array.from(xopt), f: fv[kopt] });

  const model = new InterpolationModel(n, m);
  const ws = new StepWorkspace(n, m);
  const d = new Float64Array(n);
  const xnew = new Float64Array(n);
  const lag = new Float64Array(m);
  let rho = rhoBeg;
  let delta = rhoBeg;
  let iterations = 0;
  let stop = null as 'converged' | 'function-tolerance' | 'max-evaluations' | 'degenerate' | null;
  const fTolRel = options.fTolRel ?? 0;

  /** Puts (xnew, fnew) in place of point t; returns true if it became the best point. */
  const replace = (t: number, fnew: number): boolean => {
    const fbest = fv[kopt];
    for (let i = 0; i < n; i++) y[t * n + i] = xnew[i];
    fv[t] = fnew;
    if (fnew < fbest) {
      kopt = t;
      setXopt();
      history?.push({ x: Float64Array.from(xopt), f: fnew });
      return true;
    }
    return false;
  };
  /** Index of the point farthest from x_opt and its squared distance. */
  const farthest = (): [number, number] => {
    let kBest = -1;
    let dBest = 0;
    for (let k = 0; k < m; k++) {
      let d2 = 0;
      for (let i = 0; i < n; i++) { const v = y[k * n + i] - xopt[i]; d2 += v * v; }
      if (d2 > dBest) { dBest = d2; kBest = k; }
    }
    return [kBest, dBest];
  };
  /** Lowers ρ (Powell's rule); returns false when ρ is already at its final value. */
  const reduceRho = (): boolean => {
    if (rho <= rhoEndEff) return false;
    delta = 0.5 * rho;
    const ratio = rho / rhoEndEff;
    rho = ratio <= 16 ? rhoEndEff : ratio <= 250 ? Math.sqrt(ratio) * rhoEndEff : 0.1 * rho;
    delta = Math.max(delta, rho);
    return true;
  };
  /** A geometry step replacing point t within radius r; returns false if out of evaluations. */
  const improveGeometry = (t: number, r: number): boolean => {
    if (!model.build(y, fv, kopt)) { stop = 'degenerate'; return false; }
    geometryStep(model, t, kopt, y, xopt, lower, upper, r, d, ws);
    for (let i = 0; i < n; i++) xnew[i] = Math.min(Math.max(xopt[i] + d[i], lower[i]), upper[i]);
    if (evaluations >= maxEval) { stop = 'max-evaluations'; return false; }
    const fnew = evaluate(xnew);
    if (Number.isFinite(fnew)) replace(t, fnew);
    return true;
  };

  // Model errors |f − Q| at the last three trust-region points, and the evaluation count at
  // the last change of ρ (Powell's DIFFA/B/C and NFSAV).
  const errors = [0, 0, 0];
  let nfSav = evaluations;
  let ratio = 0;
  let dnorm = 0;
  /** Powell's label 680: lower ρ, or stop when it is at its final value. */
  const lowerRho = (): void => {
    if (!reduceRho()) { stop = 'converged'; return; }
    nfSav = evaluations;
    errors.fill(0);
  };

  while (stop === null) {
    if (!model.build(y, fv, kopt)) { stop = 'degenerate'; break; }
    const crvmin = trustRegionStep(model, xopt, lower, upper, delta, d, ws);
    let dsq = 0;
    for (let i = 0; i < n; i++) dsq += d[i] * d[i];
    dnorm = Math.min(delta, Math.sqrt(dsq));
    const predicted = -model.change(d);
    let shortStep = false;
    let farThreshold2: number;

    if (dnorm < 0.5 * rho || !(predicted > 0)) {
      // Too short a step. Lower ρ when the model has been accurate at the last points
      // relative to the curvature it predicts; otherwise check the geometry first.
      shortStep = true;
      farThreshold2 = (10 * rho) ** 2;
      const errBig = Math.max(errors[0], errors[1], errors[2]);
      const accurate = evaluations > nfSav + 2 && !(crvmin > 0 && errBig > 0.125 * rho * rho * crvmin);
      if (accurate) { lowerRho(); continue; }
    } else {
      if (evaluations >= maxEval) { stop = 'max-evaluations'; break; }
      for (let i = 0; i < n; i++) xnew[i] = Math.min(Math.max(xopt[i] + d[i], lower[i]), upper[i]);
      const fopt = fv[kopt];
      const fnew = evaluate(xnew);
      iterations++;
      ratio = Number.isFinite(fnew) ? (fopt - fnew) / predicted : -Infinity;
      if (ratio <= 0.1) delta = Math.min(0.5 * delta, dnorm);
      else if (ratio <= 0.7) delta = Math.max(0.5 * delta, dnorm);
      else delta = Math.max(0.5 * delta, 2 * dnorm);
      if (delta <= 1.5 * rho) delta = rho;
      errors[0] = errors[1];
      errors[1] = errors[2];
      errors[2] = Number.isFinite(fnew) ? Math.abs(fnew - (fopt - predicted)) : Infinity;

      if (Number.isFinite(fnew)) {
        // Replace the point whose Lagrange function is largest at xnew, weighted by distance.
        model.lagrangeValues(d, lag);
        const improving = fnew < fopt;
        let t = -1;
        let best = 0;
        for (let k = 0; k < m; k++) {
          if (k === kopt && !improving) continue;
          let d2 = 0;
          for (let i = 0; i < n; i++) { const v = y[k * n + i] - xopt[i]; d2 += v * v; }
          const w = Math.abs(lag[k]) * Math.max(1, d2 / (delta * delta));
          if (w > best) { best = w; t = k; }
        }
        if (t >= 0) replace(t, fnew);
      }
      if (fnew < fopt && fopt - fnew < fTolRel * Math.abs(fnew)) { stop = 'function-tolerance'; break; }
      if (ratio >= 0.1) continue;
      farThreshold2 = Math.max(delta * delta, 4 * rho * rho);
    }

    // Powell's label 650: move a far interpolation point closer, if there is one.
    const [kfar, dist2] = farthest();
    if (kfar >= 0 && kfar !== kopt && dist2 > farThreshold2) {
      const dist = Math.sqrt(dist2);
      if (shortStep) {
        delta = Math.min(0.1 * delta, 0.5 * dist);
        if (delta <= 1.5 * rho) delta = rho;
      }
      const r = Math.max(Math.min(0.1 * dist, delta), rho);
      if (!improveGeometry(kfar, r)) break;
      continue;
    }
    if (shortStep) { lowerRho(); continue; }
    if (ratio > 0 || Math.max(delta, dnorm) > rho) continue;
    lowerRho();
  }

  const x = Float64Array.from(y.subarray(kopt * n, (kopt + 1) * n));
  const converged = stop === 'converged' || stop === 'function-tolerance';
  return {
    x, f: fv[kopt], iterations, evaluations, converged,
    status: stop === 'converged'
      ? `converged: trust-region radius reached ${rhoEndEff.toExponential(1)}`
      : stop === 'function-tolerance'
        ? `converged: relative improvement below ${fTolRel.toExponential(1)}`
        : stop === 'max-evaluations'
          ? `stopped: ${maxEval} evaluations used`
          : 'stopped: interpolation points became degenerate',
    message: stop === 'converged'
      ? 'BOBYQA reduced its trust-region radius to the requested accuracy.'
      : stop === 'function-tolerance'
        ? 'A trust-region step improved the objective by less than the relative tolerance.'
        : stop === 'max-evaluations'
          ? 'The evaluation limit was reached before the requested accuracy; raise maxEvaluations or check the objective.'
          : 'The interpolation set lost its geometry (often a flat or non-smooth objective); the best point is returned.',
    reason: stop === 'converged' ? 'step-tolerance' : stop === 'function-tolerance' ? 'function-tolerance'
      : stop === 'max-evaluations' ? 'max-evaluations' : 'other',
    fInitial, history,
  };
}

/** The j-th pair (p, q), p < q, of coordinates for interpolation points beyond 2n+1. */
function pairOf(j: number, n: number): [number, number] {
  let idx = j;
  for (let gap = 1; gap < n; gap++) {
    for (let p = 0; p + gap < n; p++) {
      if (idx === 0) return [p, p + gap];
      idx--;
    }
  }
  return [0, 1];
}
