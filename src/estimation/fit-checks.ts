/**
 * Checks of a finished fit that a pharmacometrician reads before trusting it, as warnings
 * (NONMEM prints "PARAMETER ESTIMATE IS NEAR ITS BOUNDARY"; PsN and Pharmpy report the same):
 * - an estimated θ near a finite bound: the same value as the bound to 2 significant digits,
 *   or within 0.001 of a bound at 0;
 * - an estimated variance (Ω or Σ diagonal) within 0.001 of 0;
 * - a correlation of random effects in an estimated Ω block beyond ±0.99;
 * - estimates whose sampling correlation (covariance step) is beyond ±0.9.
 * The θ and variance rules and the 0.9 limit are the defaults of Pharmpy's
 * check_parameters_near_bounds and check_high_correlations (pharmpy.modeling).
 */
import type { ParameterSpec } from '../subject/bound.js';
import type { FitResult } from './types.js';

/** Distance from 0 below which an estimate counts as on a bound at 0. */
const ZERO_LIMIT = 0.001;
/** Significant digits to which an estimate equal to a non-zero bound counts as on it. */
const SIGNIFICANT_DIGITS = 2;
/** |correlation| of two random effects beyond which Ω is near singular. */
const RANDOM_EFFECT_CORRELATION = 0.99;
/** |correlation| of two estimates beyond which the warning is given. */
const ESTIMATE_CORRELATION = 0.9;

/** True when `x` is on `bound` by the rules above. */
export function nearBound(x: number, bound: number): boolean {
  if (bound === 0) return Math.abs(x) < ZERO_LIMIT;
  return roundToDigits(x, SIGNIFICANT_DIGITS) === roundToDigits(bound, SIGNIFICANT_DIGITS);
}

function roundToDigits(x: number, digits: number): number {
  return x === 0 ? 0 : Number(x.toPrecision(digits));
}

/** The warnings of the module comment for `fit` of a model with parameters `spec`. */
export function fitWarnings(fit: FitResult, spec: ParameterSpec): string[] {
  const warnings: string[] = [];
  spec.theta.forEach((t, k) => {
    if (t.fixed) return;
    const v = fit.theta[k]!;
    for (const [side, bound] of [['lower', t.lower], ['upper', t.upper]] as const) {
      if (Number.isFinite(bound) && nearBound(v, bound)) {
        warnings.push(`THETA(${k + 1}) ${t.name} = ${v.toPrecision(5)} is near its ${side} bound ${bound}`);
      }
    }
  });
  const variances = (kind: 'OMEGA' | 'SIGMA', names: readonly string[], m: Float64Array, blocks: ParameterSpec['omega']['blocks']): void => {
    const n = names.length;
    for (const block of blocks) {
      if (block.fixed) continue;
      for (const i of block.indices) {
        const v = m[i * n + i]!;
        if (nearBound(v, 0)) warnings.push(`${kind}(${i + 1},${i + 1}) of ${names[i]} = ${v.toPrecision(3)} is near 0`);
      }
      for (const i of block.indices) {
        for (const j of block.indices) {
          if (j >= i) continue;
          const r = m[i * n + j]! / Math.sqrt(m[i * n + i]! * m[j * n + j]!);
          if (Math.abs(r) > RANDOM_EFFECT_CORRELATION) {
            warnings.push(`${kind}(${i + 1},${j + 1}): the correlation of ${names[i]} and ${names[j]} is ${r.toFixed(4)}, near ${r > 0 ? '+1' : '−1'}`);
          }
        }
      }
    }
  };
  variances('OMEGA', fit.omegaNames, fit.omega, spec.omega.blocks);
  variances('SIGMA', fit.sigmaNames, fit.sigma, spec.sigma.blocks);
  const cov = fit.covariance;
  if (cov?.status === 'ok' && cov.correlation !== undefined) {
    const p = cov.parameters.length;
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < i; j++) {
        const r = cov.correlation[i * p + j]!;
        if (Math.abs(r) >= ESTIMATE_CORRELATION) {
          warnings.push(`the estimates of ${cov.parameters[j]!.label} and ${cov.parameters[i]!.label} are correlated ${r.toFixed(3)} (|r| ≥ ${ESTIMATE_CORRELATION})`);
        }
      }
    }
  }
  return warnings;
}
