/**
 * Text and JSON renderings of a linear mixed-model fit: a summary laid out like lme4's
 * `summary(lmer(...))`, and the JSON object of `popkit lmm --json`.
 */
import type { LmmFit } from '../lmm/fit-types.js';

/** A number with `digits` significant digits, without exponent for ordinary magnitudes. */
function sig(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e9) {
    const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
    return x.toFixed(Math.min(decimals, 12));
  }
  return x.toPrecision(digits);
}

function table(rows: string[][], rightAlign: boolean[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (rightAlign[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join(' ').trimEnd()).join('\n');
}

/**
 * The fit as lme4 prints its summary: method and criterion, random effects (variances,
 * standard deviations, correlations), numbers of observations and groups, fixed effects
 * with standard errors and t values, and every warning.
 */
export function formatLmmSummary(fit: LmmFit, info: { formula?: string; data?: string } = {}): string {
  const out: string[] = [];
  out.push(`Linear mixed model fit by ${fit.reml ? 'REML' : 'maximum likelihood'}`);
  if (info.formula) out.push(`Formula: ${info.formula}`);
  if (info.data) out.push(`   Data: ${info.data}`);
  out.push('');
  if (fit.reml) out.push(`REML criterion at convergence: ${fit.deviance.toFixed(4)}`);
  else {
    out.push(table([
      ['AIC', 'BIC', 'logLik', 'deviance', 'df.resid'],
      [fit.aic.toFixed(2), fit.bic.toFixed(2), fit.logLik.toFixed(2), fit.deviance.toFixed(2), String(fit.nobs - fit.df)],
    ], [true, true, true, true, true]));
  }
  out.push('');
  out.push('Random effects:');
  const rows: string[][] = [['Groups', 'Name', 'Variance', 'Std.Dev.', 'Corr']];
  fit.frame.terms.forEach((term) => {
    const vars = fit.varcomp.filter((v) => v.group === term.group && v.name2 === null && term.columnNames.includes(v.name1 ?? ''));
    const seen = new Set<string>();
    term.columnNames.forEach((col, i) => {
      const v = vars.find((x) => x.name1 === col && !seen.has(col));
      if (!v) return;
      seen.add(col);
      const corrs = term.columnNames.slice(0, i).map((prev) => {
        const c = fit.varcomp.find((x) => x.group === term.group && x.name1 === prev && x.name2 === col);
        return c && c.corr !== null ? c.corr.toFixed(2) : '';
      }).filter((s) => s !== '');
      rows.push([i === 0 ? term.group : '', col, sig(v.variance), sig(v.sd ?? NaN), corrs.join(' ')]);
    });
  });
  if (fit.residualScale === 'profiled') rows.push(['Residual', '', sig(fit.sigma * fit.sigma), sig(fit.sigma), '']);
  out.push(table(rows, [false, false, true, true, false]).replace(/^/gm, ' '));
  out.push(`Number of obs: ${fit.nobs}, groups:  ${fit.groups.map((g) => `${g.group}, ${g.levels}`).join('; ')}`);
  out.push('');
  out.push('Fixed effects:');
  const fx: string[][] = [['', 'Estimate', 'Std. Error', 't value']];
  for (const f of fit.fixef) fx.push([f.name, sig(f.estimate, 5), sig(f.se, 4), f.t.toFixed(2)]);
  out.push(fit.fixef.length > 0 ? table(fx, [false, true, true, true]) : ' (none)');
  if (fit.droppedFixed.length > 0) out.push(`(dropped for rank deficiency: ${fit.droppedFixed.join(', ')})`);
  out.push('');
  const o = fit.optimization;
  out.push(`Optimizer: ${o.optimizer}, ${o.evaluations} evaluations, ${o.status}` +
    (o.maxScaledGradient !== null ? `; max|scaled gradient| ${o.maxScaledGradient.toExponential(2)}` : ''));
  for (const w of o.warnings) out.push(`Warning: ${w}`);
  return out.join('\n') + '\n';
}

/**
 * The JSON object of `popkit lmm --json`: fixef and se keyed by coefficient name, varcomp
 * rows {group, name1, name2, variance, sd, corr} (residual as group "Residual"), sigma,
 * logLik, deviance (REML criterion for REML fits), aic, bic, reml, converged, blups
 * (group → level → column → value), and the optimization record.
 */
export function lmmFitToJson(fit: LmmFit, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const fixef: Record<string, number> = {};
  const se: Record<string, number> = {};
  for (const f of fit.fixef) {
    fixef[f.name] = f.estimate;
    se[f.name] = f.se;
  }
  const blups: Record<string, Record<string, Record<string, number>>> = {};
  for (const re of fit.ranef) {
    const g = (blups[re.group] ??= {});
    const q = re.columnNames.length;
    re.levels.forEach((level, l) => {
      const entry = (g[level] ??= {});
      re.columnNames.forEach((col, c) => { entry[col] = re.values[l * q + c]; });
    });
  }
  const o = fit.optimization;
  return {
    ...extra,
    reml: fit.reml,
    converged: o.converged && !o.warnings.some((w) => w.startsWith('model failed to converge') || w.startsWith('optimizer did not converge')),
    nobs: fit.nobs,
    groups: Object.fromEntries(fit.groups.map((g) => [g.group, g.levels])),
    fixef,
    se,
    varcomp: fit.varcomp,
    sigma: fit.sigma,
    logLik: fit.logLik,
    deviance: fit.deviance,
    aic: fit.aic,
    bic: fit.bic,
    df: fit.df,
    blups,
    optimization: {
      optimizer: o.optimizer,
      theta_names: o.thetaNames,
      theta_start: Array.from(o.thetaStart),
      theta_end: Array.from(o.thetaEnd),
      objective_start: o.objectiveStart,
      objective_end: o.objectiveEnd,
      evaluations: o.evaluations,
      status: o.status,
      max_scaled_gradient: o.maxScaledGradient,
      singular: o.singular,
    },
    warnings: o.warnings,
    dropped_fixed: fit.droppedFixed,
  };
}
