/**
 * The plain-text fit summary printed by `popkit fit`, laid out the way a NONMEM user reads a
 * .lst file: minimization status, OFV, THETA / OMEGA / SIGMA with standard errors and RSE%,
 * shrinkage, and the covariance step's outcome.
 */
import type { FitResult } from '../estimation/types.js';
import { standardErrorsByLabel } from './fit-json.js';

const METHOD_NAMES = { fo: 'FO', foce: 'FOCE', focei: 'FOCE-I (interaction)', laplace: 'Laplace (interaction)' } as const;

/** Multi-line summary text (ends with a newline). */
export function formatFitSummary(fit: FitResult): string {
  const out: string[] = [];
  const seOf = standardErrorsByLabel(fit);
  const cov = fit.covariance;
  out.push(`Model ${fit.modelName}: ${METHOD_NAMES[fit.method]}, ${fit.nSubjects} subjects, ${fit.nObs} observations`);
  out.push('');
  out.push(`MINIMIZATION ${fit.converged ? 'SUCCESSFUL' : 'TERMINATED'}: ${fit.status}`);
  out.push(`  iterations ${fit.iterations}, objective evaluations ${fit.evaluations}, significant digits ${fmt(fit.significantDigits, 3)}, gradient norm ${fmt(fit.optimization.gradientNorm ?? NaN, 3)}`);
  if (!fit.converged && fit.optimization.message) out.push(`  ${fit.optimization.message}`);
  out.push('');
  out.push(`OBJECTIVE FUNCTION VALUE (without constant): ${fit.ofv.toFixed(3)}`);
  out.push(`  with N·log(2π): ${fit.ofvWithConstant.toFixed(3)}   AIC ${fit.aic.toFixed(3)}   BIC ${fit.bic.toFixed(3)}   parameters ${fit.nParameters}`);
  out.push('');
  const rows: string[][] = [['', 'name', 'estimate', 'SE', 'RSE%', '']];
  fit.thetaNames.forEach((name, i) => {
    const label = `THETA(${i + 1})`;
    rows.push([label, name, sig(fit.theta[i]), seCell(seOf.get(label)), rseCell(seOf.get(label), fit.theta[i]), fit.thetaFixed[i] ? 'FIX' : '']);
  });
  for (const [kind, names, m] of [['OMEGA', fit.omegaNames, fit.omega], ['SIGMA', fit.sigmaNames, fit.sigma]] as const) {
    const n = names.length;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const label = `${kind}(${i + 1},${j + 1})`;
        const estimated = fit.estimated.some((e) => e.label === label);
        if (i !== j && !estimated && m[i * n + j] === 0) continue;
        const v = m[i * n + j];
        const extra = i === j ? `SD ${sig(Math.sqrt(v))}` : `corr ${fmt(v / Math.sqrt(m[i * n + i] * m[j * n + j]), 3)}`;
        rows.push([label, i === j ? names[i] : `${names[i]},${names[j]}`, sig(v), seCell(seOf.get(label)), rseCell(seOf.get(label), v),
          `${estimated ? '' : 'FIX  '}${extra}`]);
      }
    }
  }
  out.push(...table(rows));
  out.push('');
  const shr = fit.omegaNames.map((n, i) => `${n} ${fmt(100 * fit.shrinkage.etaSd[i], 1)}% / ${fmt(100 * fit.shrinkage.etaVariance[i], 1)}%`);
  out.push(`ETA SHRINKAGE (SD / variance): ${shr.join(', ')}`);
  const epsShr = fit.sigmaNames.map((n, k) => `${n} ${fmt(100 * fit.shrinkage.epsSdPerEps[k], 1)}% / ${fmt(100 * fit.shrinkage.epsVariancePerEps[k], 1)}%`);
  out.push(`EPS SHRINKAGE (SD / variance): ${epsShr.join(', ')}`);
  out.push('');
  if (!cov) out.push('COVARIANCE STEP: not requested');
  else if (cov.status === 'ok') out.push(`COVARIANCE STEP: ${cov.message}; condition number ${fmt(cov.conditionNumber ?? NaN, 4)}`);
  else out.push(`COVARIANCE STEP FAILED: ${cov.message}`);
  for (const w of fit.warnings) out.push(`WARNING: ${w}`);
  const e = fit.elapsedSeconds;
  const threads = (fit.workers ?? 1) > 1 ? ` (${fit.workers} threads)` : '';
  out.push(`Elapsed: estimation ${e.estimation.toFixed(2)} s, covariance ${e.covariance.toFixed(2)} s, diagnostics ${e.diagnostics.toFixed(2)} s${threads}`);
  return out.join('\n') + '\n';
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((v, c) => (c >= 2 && c <= 4 ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ').trimEnd());
}

function sig(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(5) : 'n/a';
}

function fmt(v: number, digits: number): string {
  return Number.isFinite(v) ? (Math.abs(v) >= 1e5 ? v.toExponential(2) : v.toFixed(digits)) : 'n/a';
}

function seCell(se: number | undefined): string {
  return se === undefined ? '.' : sig(se);
}

function rseCell(se: number | undefined, v: number): string {
  return se === undefined || v === 0 ? '.' : (100 * se / Math.abs(v)).toFixed(1);
}
