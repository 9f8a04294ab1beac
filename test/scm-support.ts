/**
 * Simulated data for the covariate-search tests: a one-compartment IV model in which clearance
 * depends on weight (power 0.75, reference 70 kg) and genotype (PM −50%, UM +40% against EM)
 * and age has no effect, simulated from the bound true model with a seeded generator.
 */
import { parseDataset } from '../src/data/dataset.js';
import { SeededRandom } from '../src/estimation/random.js';
import { bindModel } from '../src/model/bind.js';
import { parseModel } from '../src/model/parse.js';

const common = (effects: string, covariates: string): string => `
name sim
${covariates}
theta
  POP_CL = 2 (0, )
  POP_V = 20 (0, )
${effects.length > 0 ? '  CL_WT = 0.75\n  CL_PM = -0.5\n  CL_UM = 0.4\n' : ''}
omega
  eta_CL ~ 0.09
  eta_V ~ 0.04
sigma
  eps_prop ~ 0.01
individual
  TVCL = POP_CL
  TVV = POP_V
  CL = TVCL * exp(eta_CL)
  V = TVV * exp(eta_V)
${effects}
structure 1cmt iv
observe
  CP = central / V
  DV ~ proportional(CP, eps_prop)
`;

export const trueModel = parseModel(common(
  'effects\n  CL ~ power(WT, ref = 70, theta = CL_WT)\n  CL ~ categorical(GENO, ref = "EM", categories = ["PM", "UM"], theta = [CL_PM, CL_UM])\n',
  'covariates\n  WT\n  GENO\n'), 'sim-true.pkm');
/** The base model of the searches: no covariate relations. */
export const baseModelText = common('', '');
export const baseModel = parseModel(baseModelText, 'sim-base.pkm');

/** The simulated dataset's CSV text (n subjects, seeded). */
export function simulatedCsv(seed: number, n: number): string {
  const rng = new SeededRandom(seed);
  const rows: (string | number)[][] = [];
  for (let id = 1; id <= n; id++) {
    const wt = Math.round(45 + 65 * rng.uniform());
    const age = Math.round(20 + 60 * rng.uniform());
    // Genotype by design: 50% EM, 30% PM, 20% UM.
    const geno = id % 10 < 5 ? 'EM' : id % 10 < 8 ? 'PM' : 'UM';
    rows.push([id, 0, 100, 0, 1, 1, wt, age, geno]);
    for (const t of [0.5, 2, 6, 12]) rows.push([id, t, 0, 0, 0, 0, wt, age, geno]);
  }
  const header = 'ID,TIME,AMT,DV,EVID,MDV,WT,AGE,GENO';
  const design = parseDataset([header, ...rows.map((r) => r.join(','))].join('\n'), 'design.csv');
  const bound = bindModel(trueModel, design);
  const theta = Float64Array.from(trueModel.theta, (t) => t.init);
  const eta = new Float64Array(2);
  for (const s of bound.subjects) {
    eta[0] = 0.3 * rng.normal();
    eta[1] = 0.2 * rng.normal();
    const f = new Float64Array(s.nObs);
    const h = new Float64Array(s.nObs);
    if (!s.evaluate(theta, eta, f, h)) throw new Error(`simulation: no prediction for subject ${s.id}`);
    for (let j = 0; j < s.nObs; j++) rows[s.obsRecords[j]!]![3] = Number((f[j]! + h[j]! * 0.1 * rng.normal()).toPrecision(6));
  }
  return [header, ...rows.map((r) => r.join(','))].join('\n');
}

/** The simulated dataset (n subjects, seeded). */
export function simulate(seed: number, n: number) {
  return parseDataset(simulatedCsv(seed, n), 'simulated.csv');
}
