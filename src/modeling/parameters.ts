/**
 * Transforms of the parameters: fixing and unfixing thetas, initial estimates, and the
 * block structure of omega.
 */
import type { Model, ThetaDef, VarianceBlock } from '../model/types.js';
import { finish, transformError } from './common.js';

function names(x: string | readonly string[]): readonly string[] {
  return typeof x === 'string' ? [x] : x;
}

function updateThetas(model: Model, transform: string, which: readonly string[], update: (t: ThetaDef) => ThetaDef): Model {
  const unknown = which.filter((n) => !model.theta.some((t) => t.name === n));
  if (unknown.length > 0) {
    throw transformError(model, transform, `no theta ${unknown.join(', ')} (thetas: ${model.theta.map((t) => t.name).join(', ')})`);
  }
  return finish({ ...model, theta: model.theta.map((t) => (which.includes(t.name) ? update(t) : t)) });
}

/**
 * Fix thetas (optionally at a new value). Example: `fixTheta(model, 'CL_WT', 0.75)`.
 */
export function fixTheta(model: Model, theta: string | readonly string[], value?: number): Model {
  return updateThetas(model, 'fixTheta', names(theta), (t) => ({ ...t, fixed: true, init: value ?? t.init }));
}

/** Estimate previously fixed thetas again. Example: `unfixTheta(model, ['CL_WT'])`. */
export function unfixTheta(model: Model, theta: string | readonly string[]): Model {
  return updateThetas(model, 'unfixTheta', names(theta), (t) => ({ ...t, fixed: false }));
}

/**
 * New initial values. Omega and sigma take variances by name and covariances by
 * 'name1,name2' (both in one block).
 * Example: `setInitialEstimates(model, { theta: { CL_WT: 0.0047 }, omega: { eta_CL: 0.03, 'eta_CL,eta_V': 0.01 } })`.
 */
export function setInitialEstimates(model: Model, values: {
  readonly theta?: Readonly<Record<string, number>>;
  readonly omega?: Readonly<Record<string, number>>;
  readonly sigma?: Readonly<Record<string, number>>;
}): Model {
  const theta = values.theta ?? {};
  const unknown = Object.keys(theta).filter((n) => !model.theta.some((t) => t.name === n));
  if (unknown.length > 0) throw transformError(model, 'setInitialEstimates', `no theta ${unknown.join(', ')}`);
  return finish({
    ...model,
    theta: model.theta.map((t) => (t.name in theta ? { ...t, init: theta[t.name]! } : t)),
    omega: setVariances(model, 'omega', model.omega, values.omega ?? {}),
    sigma: setVariances(model, 'sigma', model.sigma, values.sigma ?? {}),
  });
}

function setVariances(model: Model, section: string, blocks: readonly VarianceBlock[], values: Readonly<Record<string, number>>): VarianceBlock[] {
  const out = blocks.map((b) => ({ ...b, lower: [...b.lower] }));
  for (const [key, v] of Object.entries(values)) {
    const [a, b = a] = key.split(',').map((s) => s.trim());
    const block = out.find((x) => x.names.includes(a!) && x.names.includes(b!));
    if (block === undefined) {
      throw transformError(model, 'setInitialEstimates', a === b ? `no ${section} element ${a}` : `${a} and ${b} are not in one ${section} block`);
    }
    let i = block.names.indexOf(a!), j = block.names.indexOf(b!);
    if (j > i) [i, j] = [j, i];
    block.lower[(i * (i + 1)) / 2 + j] = v;
  }
  return out;
}

/**
 * Correlate the etas `etas` in one omega block (in that order). Their current blocks must
 * hold no other etas; existing covariances are kept, new ones start at 0. The block takes
 * the place of the first eta's current element.
 * Example: `setOmegaBlock(model, ['eta_CL', 'eta_V'])`.
 */
export function setOmegaBlock(model: Model, etas: readonly string[]): Model {
  const fail = (m: string) => transformError(model, 'setOmegaBlock', m);
  if (etas.length < 2) throw fail('a block needs at least two etas');
  if (new Set(etas).size !== etas.length) throw fail('an eta is listed twice');
  const involved = model.omega.filter((b) => b.names.some((n) => etas.includes(n)));
  const missing = etas.filter((n) => !involved.some((b) => b.names.includes(n)));
  if (missing.length > 0) throw fail(`no eta ${missing.join(', ')} (etas: ${model.omega.flatMap((b) => b.names).join(', ')})`);
  for (const b of involved) {
    const outside = b.names.filter((n) => !etas.includes(n));
    if (outside.length > 0) throw fail(`${b.names.filter((n) => etas.includes(n)).join(', ')} share a block with ${outside.join(', ')}, which is not in the new block`);
  }
  if (new Set(involved.map((b) => b.fixed)).size > 1) throw fail('the etas are partly fixed; fix or unfix them all first');
  const value = (a: string, b: string): number => {
    const block = involved.find((x) => x.names.includes(a) && x.names.includes(b));
    if (block === undefined) return 0;
    let i = block.names.indexOf(a), j = block.names.indexOf(b);
    if (j > i) [i, j] = [j, i];
    return block.lower[(i * (i + 1)) / 2 + j]!;
  };
  const lower: number[] = [];
  for (let i = 0; i < etas.length; i++) for (let j = 0; j <= i; j++) lower.push(value(etas[i]!, etas[j]!));
  const merged: VarianceBlock = { names: [...etas], lower, correlated: true, fixed: involved[0]!.fixed };
  const first = model.omega.indexOf(involved[0]!);
  const omega = model.omega.filter((b) => !involved.includes(b));
  omega.splice(model.omega.slice(0, first).filter((b) => !involved.includes(b)).length, 0, merged);
  return finish({ ...model, omega });
}

/**
 * Make the etas `etas` uncorrelated: every block containing one of them is split into
 * diagonal elements (variances kept, covariances dropped).
 * Example: `setOmegaDiagonal(model, ['eta_CL', 'eta_V'])`.
 */
export function setOmegaDiagonal(model: Model, etas: readonly string[]): Model {
  const missing = etas.filter((n) => !model.omega.some((b) => b.names.includes(n)));
  if (missing.length > 0) throw transformError(model, 'setOmegaDiagonal', `no eta ${missing.join(', ')}`);
  const omega = model.omega.flatMap((b): VarianceBlock[] => {
    if (!b.correlated || !b.names.some((n) => etas.includes(n))) return [b];
    return b.names.map((n, i) => ({ names: [n], lower: [b.lower[(i * (i + 1)) / 2 + i]!], correlated: false, fixed: b.fixed }));
  });
  return finish({ ...model, omega });
}
