/**
 * Model → model-file text. `parseModel(writeModelFile(m))` gives back `m` (up to source
 * locations), so transformed models can be saved and read like hand-written ones.
 */
import { formatEffect } from './parse-effect.js';
import { formatErrorModel } from './parse-error-model.js';
import { formatModelNumber } from './text.js';
import type { Model, ThetaDef, VarianceBlock } from './types.js';

const INDENT = '  ';

function withComment(text: string, comment?: string): string {
  return comment === undefined ? text : `${text}  # ${comment}`;
}

function formatBounds(t: ThetaDef): string {
  if (t.lower === -Infinity && t.upper === Infinity) return '';
  const lo = t.lower === -Infinity ? '' : formatModelNumber(t.lower);
  const hi = t.upper === Infinity ? '' : formatModelNumber(t.upper);
  return ` (${lo}, ${hi})`;
}

function formatVariance(b: VarianceBlock): string {
  const head = b.correlated ? `[${b.names.join(', ')}] ~ [${b.lower.map(formatModelNumber).join(', ')}]` : `${b.names[0]} ~ ${formatModelNumber(b.lower[0]!)}`;
  return withComment(`${head}${b.fixed ? ' FIX' : ''}`, b.comment);
}

/**
 * The model-file text of `model` (grammar: docs/model-format.md).
 * Example: `writeFileSync('run2.pkm', writeModelFile(fixTheta(model, 'APGR_V')))`.
 */
export function writeModelFile(model: Model): string {
  const out: string[] = [];
  for (const d of model.description) out.push(`# ${d}`);
  if (model.description.length > 0) out.push('');
  out.push(`name ${model.name}`);
  if (model.dataPath !== undefined) {
    const path = /\s/.test(model.dataPath) ? JSON.stringify(model.dataPath) : model.dataPath;
    const columns = Object.entries(model.dataColumns ?? {}).map(([item, col]) => ` ${item}=${col}`).join('');
    out.push(`data ${path}${columns}`);
  }
  if (model.covariates.length > 0 || model.timeVarying !== 'nocb') {
    out.push('', 'covariates');
    for (const c of model.covariates) out.push(INDENT + withComment([c.name, ...c.aliases].join(' or '), c.comment));
    if (model.timeVarying !== 'nocb') out.push(`${INDENT}time-varying ${model.timeVarying}`);
  }
  if (model.theta.length > 0) {
    out.push('', 'theta');
    for (const t of model.theta) {
      out.push(INDENT + withComment(`${t.name} = ${formatModelNumber(t.init)}${formatBounds(t)}${t.fixed ? ' FIX' : ''}`, t.comment));
    }
  }
  for (const [section, blocks] of [['omega', model.omega], ['sigma', model.sigma]] as const) {
    if (blocks.length === 0) continue;
    out.push('', section);
    for (const b of blocks) out.push(INDENT + formatVariance(b));
  }
  if (model.individual.length > 0) {
    out.push('', 'individual');
    for (const s of model.individual) out.push(INDENT + withComment(`${s.name} = ${s.expression}`, s.comment));
  }
  if (model.effects.length > 0) {
    out.push('', 'effects');
    for (const e of model.effects) out.push(INDENT + formatEffect(e));
  }
  const s = model.structure;
  if (s.kind === 'compartmental') {
    out.push('', `structure ${s.compartments}cmt ${s.route}`);
  } else if (s.kind === 'odes') {
    out.push('', 'odes');
    const order = s.equations.map((e) => e.compartment);
    if (order.join(',') !== s.compartments.join(',')) out.push(`${INDENT}compartments ${s.compartments.join(', ')}`);
    for (const e of s.equations) out.push(`${INDENT}d/dt(${e.compartment}) = ${e.expression}`);
  }
  if (model.dosing.length > 0) {
    out.push('', 'dosing');
    for (const d of model.dosing) {
      out.push(INDENT + (d.item === 'INIT' ? `${d.compartment}(0) = ${d.expression}` : `${d.item}(${d.compartment}) = ${d.expression}`));
    }
  }
  out.push('', 'observe');
  for (const st of model.observe.statements) out.push(INDENT + withComment(`${st.name} = ${st.expression}`, st.comment));
  for (const r of model.observe.rules) {
    const lhs = r.error.kind === 'expression' && r.error.logDV ? 'log(DV)' : 'DV';
    out.push(`${INDENT}${lhs} ~ ${formatErrorModel(r.error)}${r.when !== undefined ? ` if ${r.when}` : ''}`);
  }
  if (model.observe.otherwise === 'ignore') out.push(`${INDENT}otherwise ignore`);
  return `${out.join('\n')}\n`;
}
