/**
 * Simulated data for the covariate-search tests: a one-compartment IV model in which clearance
 * depends on weight (power 0.75, reference 70 kg) and genotype (PM −50%, UM +40% against EM)
 * and age has no effect, simulated with popkit's simulation engine (src/simulation) at a fixed seed.
 */
import { parseDataset } from '../../src/data/dataset.js';
import { bindModel, modelBinder } from '../../src/subject/bind.js';
import { parseModel } from '../../src/model/parse.js';
import { initialValues, valuesForModel } from '../../src/simulation/fitted-model.js';
import { doseTargetsOf } from '../../src/simulation/model-targets.js';
import { simulatedDataCsv } from '../../src/report/simulation-tables.js';
import { drawPopulation } from '../../src/simulation/population.js';
import { parsePopulation } from '../../src/simulation/population-parse.js';
import { parseRegimen } from '../../src/simulation/regimen-parse.js';
import { simulateRegimen } from '../../src/simulation/simulate.js';

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

/**
 * The simulated dataset's CSV text (n subjects, seeded), made the way `popkit simulate` makes
 * it: a virtual population (weight 45–110 kg and age 20–80 y uniform; genotype EM 50%,
 * PM 30%, UM 20%), one 100 mg IV bolus, samples at 0.5, 2, 6 and 12 h, η ~ N(0, Ω) and
 * proportional error from the true model's Ω and Σ.
 */
export function simulatedCsv(seed: number, n: number): string {
  const population = drawPopulation(parsePopulation('WT~uniform(45,110); AGE~uniform(20,80); GENO=EM:0.5,PM:0.3,UM:0.2'), n, seed);
  const design = {
    regimen: parseRegimen('100 mg iv'),
    doseTargets: doseTargetsOf(trueModel),
    times: Float64Array.of(0.5, 2, 6, 12),
  };
  const sim = simulateRegimen(modelBinder(trueModel), valuesForModel(trueModel, initialValues(trueModel)),
    design, population, { seed, modelCovariates: ['WT', 'GENO'] });
  return simulatedDataCsv(sim, design);
}

/** The simulated dataset (n subjects, seeded). */
export function simulate(seed: number, n: number) {
  return parseDataset(simulatedCsv(seed, n), 'simulated.csv');
}
