/**
 * What a simulation needs to know about a model beyond its BoundModel: which compartment
 * each dosing route fills, and whether the model observes concentrations or their logarithm.
 */
import { PopkitError } from '../errors.js';
import { observesLogDV } from '../model/parse-error-model.js';
import type { Model } from '../model/types.js';
import type { DoseTargets } from './regimen.js';
import type { ObservationScale } from './subject-simulator.js';

const DEPOT_NAMES = ['depot', 'gut', 'absorption', 'abs', 'dose'];
const CENTRAL_NAMES = ['central', 'centr', 'cent', 'center', 'plasma', 'c1'];

/**
 * Compartments (1-based CMT) receiving intravenous and oral doses. Closed-form structures
 * follow NONMEM's numbering (oral: depot 1, central 2; iv: central 1); an ODE model's depot
 * and central compartments are found by name (depot, gut, absorption / central, cent,
 * plasma), else iv doses go to compartment 1 and the model has no depot.
 * Example: `doseTargetsOf(loadModelFile('models/oral_2cpt.pkm'))` → { iv: 2, oral: 1 }.
 */
export function doseTargetsOf(model: Model): DoseTargets {
  const s = model.structure;
  if (s.kind === 'none') throw new PopkitError(`the model ${model.name} has no compartments; it cannot be dosed (add a structure or odes section)`);
  if (s.kind === 'compartmental') return s.route === 'oral' ? { iv: 2, oral: 1 } : { iv: 1 };
  const find = (names: readonly string[]): number => {
    const k = s.compartments.findIndex((c) => names.includes(c.toLowerCase()));
    return k < 0 ? -1 : k + 1;
  };
  const depot = find(DEPOT_NAMES);
  let central = find(CENTRAL_NAMES);
  if (central < 0) central = depot === 1 && s.compartments.length > 1 ? 2 : 1;
  return depot > 0 ? { iv: central, oral: depot } : { iv: central };
}

/**
 * 'log' when every observation rule of the model observes log(DV) (exponential error or a
 * `log(DV) ~` expression), 'linear' when none does. Throws PopkitError when they are mixed
 * (a simulation could not tell which samples to exponentiate).
 */
export function observationScaleOf(model: Model): ObservationScale {
  const logs = model.observe.rules.map((r) => observesLogDV(r.error));
  if (logs.length > 0 && logs.every((x) => x)) return 'log';
  if (logs.every((x) => !x)) return 'linear';
  throw new PopkitError(`the model ${model.name} observes log(DV) in some rules and DV in others; popkit cannot simulate it as one output`);
}
