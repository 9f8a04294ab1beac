/**
 * Reports of a covariate search: the step log in the layout of PsN's scmlog.txt (one line per
 * candidate: base OFV, new OFV, OFV drop, dDF, significant, p-value; then the relation chosen
 * and the relations included after the step), and the machine-readable scm.json.
 */
import type { ScmFit } from '../tools/scm-fit.js';
import { relationLabel, type RelationRef, type ScmCandidateResult, type ScmResult, type ScmStep } from '../tools/scm.js';

function num(x: number, digits: number, width: number): string {
  return (Number.isFinite(x) ? x.toFixed(digits) : '.').padStart(width);
}

function pValue(p: number): string {
  if (!Number.isFinite(p)) return '.'.padStart(10);
  return (p >= 1e-6 || p === 0 ? p.toFixed(6) : p.toExponential(2)).padStart(10);
}

function candidateName(c: ScmCandidateResult, direction: 'forward' | 'backward'): string {
  const name = relationLabel(c);
  if (direction === 'backward') return `-${name}`;
  return c.replaces !== undefined ? `${name} (was ${c.replaces})` : name;
}

/** Relations grouped by parameter, one line each: "CL      WT-power  SEX-categorical". */
export function formatIncluded(included: readonly RelationRef[]): string[] {
  const byParameter = new Map<string, string[]>();
  for (const r of included) byParameter.set(r.parameter, [...(byParameter.get(r.parameter) ?? []), `${r.covariate}-${r.form}`]);
  return [...byParameter.entries()].map(([p, list]) => `${p.padEnd(8)}${list.join('  ')}`);
}

/**
 * One step as a block of the step log. Forward: SIGNIFICANT "YES!" marks candidates the
 * criterion supports. Backward: each line is the model without one relation; "YES!" marks
 * relations the criterion supports (kept); the OFV drop is negative when removal raises the OFV.
 */
export function formatScmStep(step: ScmStep): string {
  const out: string[] = [];
  const title = step.direction === 'forward' ? 'Forward' : 'Backward';
  out.push(`${title} step ${step.number} (criterion: ${step.criterion})`);
  const nameWidth = Math.max(24, ...step.candidates.map((c) => candidateName(c, step.direction).length + 2));
  out.push(`${'MODEL'.padEnd(nameWidth)}${'BASE OFV'.padStart(12)}${'NEW OFV'.padStart(12)}${'OFV DROP'.padStart(11)}${'dDF'.padStart(5)}  SIGNIFICANT${'PVAL'.padStart(10)}  CRITERION`);
  for (const c of step.candidates) {
    const name = candidateName(c, step.direction).padEnd(nameWidth);
    if (c.status === 'failed') {
      out.push(`${name}${num(step.baseOfv, 5, 12)}${'FAILED'.padStart(12)}${''.padStart(11)}${String(c.df).padStart(5)}  ${''.padEnd(11)}${''.padStart(10)}  ${c.message ?? ''}`);
      continue;
    }
    const note = c.message !== undefined ? `  [${c.message}]` : '';
    out.push(`${name}${num(step.baseOfv, 5, 12)}${num(c.ofv, 5, 12)}${num(c.dofv, 5, 11)}${String(c.df).padStart(5)}  ${(c.significant ? 'YES!' : '').padEnd(11)}${pValue(c.p)}  ${c.detail}${note}`);
  }
  out.push('');
  if (step.chosen !== undefined) {
    out.push(`Parameter-covariate relation chosen in this ${step.direction} step: ${relationLabel(step.chosen)}`);
    out.push(`OFV after this step: ${num(step.ofv, 5, 0)}`);
  } else {
    out.push(step.direction === 'forward'
      ? 'No candidate relation is significant: the forward search ends.'
      : 'Every included relation is significant: the backward search ends.');
  }
  const failed = step.candidates.filter((c) => c.status === 'failed').length;
  if (failed > 0) out.push(`${failed} candidate fit${failed === 1 ? '' : 's'} failed (see FAILED lines).`);
  if (step.included.length > 0) {
    out.push('Relations included after this step:');
    out.push(...formatIncluded(step.included));
  } else {
    out.push('No relations included after this step.');
  }
  out.push('--------------------', '');
  return out.join('\n');
}

/** The whole step log: base model, every step, the final relations. */
export function formatScmLog(result: ScmResult, title?: string): string {
  const out: string[] = [];
  if (title !== undefined) out.push(title, '');
  out.push(`Base model OFV: ${num(result.baseFit.ofv, 5, 0)}${result.baseFit.converged ? '' : ` (not converged: ${result.baseFit.status})`}`, '');
  for (const step of result.steps) out.push(formatScmStep(step));
  out.push(formatFinal(result));
  return out.join('\n');
}

/** The closing summary: final OFV and the relations kept. */
export function formatFinal(result: ScmResult): string {
  const out: string[] = [];
  out.push(`Forward search: ${result.forwardRelations.length} relation${result.forwardRelations.length === 1 ? '' : 's'} included.`);
  out.push(`Final model: OFV ${num(result.finalFit.ofv, 5, 0)} (base ${num(result.baseFit.ofv, 5, 0)}, drop ${num(result.baseFit.ofv - result.finalFit.ofv, 5, 0)}).`);
  if (result.final.length > 0) {
    out.push('Relations kept after the final step:');
    out.push(...formatIncluded(result.final));
  } else {
    out.push('No relations kept.');
  }
  return `${out.join('\n')}\n`;
}

function finiteOrNull(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) ? x : null;
}

function thetaOf(fit: ScmFit, name: string): { name: string; estimate: number | null; se: number | null } {
  const i = fit.thetaNames.indexOf(name);
  return { name, estimate: finiteOrNull(i >= 0 ? fit.theta[i] : undefined), se: finiteOrNull(fit.thetaSe?.[name]) };
}

/** Where the search came from, recorded in scm.json. */
export interface ScmSource {
  readonly modelFile?: string;
  readonly dataFile?: string;
  readonly method?: string;
  readonly finalModelFile?: string;
}

/**
 * scm.json: `steps` (each `{direction, number, baseOfv, criterion, candidates: [{parameter,
 * covariate, form, ofv, dofv, df, p, status, ...}], chosen, ofv, included}`), `final` (the
 * relations kept with their estimates) and the base and final OFVs. `dofv` is PsN's OFV drop
 * (base − candidate); non-finite numbers are null.
 */
export function scmResultToJson(result: ScmResult, source: ScmSource = {}): Record<string, unknown> {
  return {
    ...source,
    baseOfv: finiteOrNull(result.baseFit.ofv),
    finalOfv: finiteOrNull(result.finalFit.ofv),
    steps: result.steps.map((s) => ({
      direction: s.direction,
      number: s.number,
      baseOfv: finiteOrNull(s.baseOfv),
      criterion: s.criterion,
      candidates: s.candidates.map((c) => ({
        parameter: c.parameter, covariate: c.covariate, form: c.form,
        ...(c.replaces !== undefined ? { replaces: c.replaces } : {}),
        ofv: finiteOrNull(c.ofv), dofv: finiteOrNull(c.dofv), df: c.df, p: finiteOrNull(c.p),
        status: c.status, significant: c.significant, detail: c.detail,
        ...(c.converged !== undefined ? { converged: c.converged } : {}),
        ...(c.message !== undefined ? { message: c.message } : {}),
      })),
      chosen: s.chosen ?? null,
      ofv: finiteOrNull(s.ofv),
      included: s.included,
    })),
    final: result.final.map((r) => ({
      parameter: r.parameter, covariate: r.covariate, form: r.form, df: r.df,
      reference: r.effect.reference,
      ...(r.effect.categories !== undefined ? { categories: r.effect.categories } : {}),
      thetas: r.effect.thetas.map((name) => thetaOf(result.finalFit, name)),
    })),
  };
}
