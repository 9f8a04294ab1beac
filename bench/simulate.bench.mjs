// Regimen simulation speed: 10,000 subjects × 28 daily oral doses × 50 samples each with a
// 2-compartment oral model (IIV on all five parameters, proportional error), end to end
// through the model language: design dataset, binding, η and ε draws, predictions.
// 1. closed form (structure 2cmt oral); 2. the same model written as ODEs (fewer subjects),
// reported as the ratio of the time per subject; 3. a population with a continuous covariate
// (every subject bound on its own); 4. exposure metrics over the last dosing interval.
// Single thread; the best of a few runs after a warm-up.
import { performance } from 'node:perf_hooks';
import { modelBinder } from '../dist/subject/bind.js';
import { defineModel } from '../dist/model/define.js';
import { drawPopulation, emptyPopulation } from '../dist/simulation/population.js';
import { parseRegimen } from '../dist/simulation/regimen-parse.js';
import { simulateRegimen } from '../dist/simulation/simulate.js';
import { uniformGrid } from '../dist/simulation/times.js';

const SUBJECTS = 10_000;
const ODE_SUBJECTS = 200;
const DOSES = 28;
const SAMPLES = 50;

const common = {
  theta: { POP_CL: { init: 4, lower: 0 }, POP_V1: { init: 70, lower: 0 }, POP_Q: { init: 4, lower: 0 }, POP_V2: { init: 50, lower: 0 }, POP_KA: { init: 1, lower: 0 } },
  omega: { eta_CL: 0.09, eta_V1: 0.09, eta_Q: 0.09, eta_V2: 0.09, eta_KA: 0.09 },
  sigma: { eps_prop: 0.04 },
};
const individual = { CL: 'POP_CL * exp(eta_CL)', V1: 'POP_V1 * exp(eta_V1)', Q: 'POP_Q * exp(eta_Q)', V2: 'POP_V2 * exp(eta_V2)', KA: 'POP_KA * exp(eta_KA)' };
const closedForm = defineModel({
  name: 'bench_2cmt_oral', ...common, individual, structure: '2cmt oral',
  observe: { outputs: { CP: 'central / V1' }, rules: ['proportional(CP, eps_prop)'] },
});
const ode = defineModel({
  name: 'bench_2cmt_oral_ode', ...common, individual,
  structure: {
    compartments: ['depot', 'central', 'peripheral'],
    odes: {
      depot: '-KA * depot',
      central: 'KA * depot - CL / V1 * central - Q / V1 * central + Q / V2 * peripheral',
      peripheral: 'Q / V1 * central - Q / V2 * peripheral',
    },
  },
  observe: { outputs: { CP: 'central / V1' }, rules: ['proportional(CP, eps_prop)'] },
});
const withWeight = defineModel({
  name: 'bench_2cmt_oral_wt', ...common, covariates: ['WT'],
  individual: { ...individual, CL: 'POP_CL * (WT / 70)^0.75 * exp(eta_CL)' }, structure: '2cmt oral',
  observe: { outputs: { CP: 'central / V1' }, rules: ['proportional(CP, eps_prop)'] },
});

const values = (model) => {
  const n = 5;
  const omega = new Float64Array(n * n);
  for (let i = 0; i < n; i++) omega[i * n + i] = 0.09;
  return { theta: Float64Array.from(model.theta, (t) => t.init), omega, sigma: Float64Array.of(0.04) };
};
const design = {
  regimen: parseRegimen(`60 mg po q24h x${DOSES}`),
  doseTargets: { iv: 2, oral: 1 },
  times: uniformGrid(24 * DOSES / SAMPLES, 24 * DOSES, SAMPLES),
};

function best(runs, f) {
  f(); // warm-up
  let t = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    f();
    t = Math.min(t, performance.now() - t0);
  }
  return t / 1000;
}

export default async function run() {
  const simulate = (model, n, population = emptyPopulation(n), extra = {}) =>
    simulateRegimen(modelBinder(model), values(model), { ...design, ...extra }, population, { seed: 1 });
  const closedSeconds = best(3, () => simulate(closedForm, SUBJECTS));
  const odeSeconds = best(1, () => simulate(ode, ODE_SUBJECTS));
  const ratio = (odeSeconds / ODE_SUBJECTS) / (closedSeconds / SUBJECTS);
  const pop = drawPopulation([{ name: 'WT', distribution: { kind: 'lognormal', median: 70, sdLog: 0.2 } }], SUBJECTS, 1);
  const covariateSeconds = best(1, () => simulate(withWeight, SUBJECTS, pop));
  const metricsSeconds = best(1, () => simulate(closedForm, SUBJECTS, emptyPopulation(SUBJECTS), { window: { start: 24 * (DOSES - 1), end: 24 * DOSES } }));
  return [
    {
      what: `simulate ${SUBJECTS.toLocaleString('en-US')} subjects × ${DOSES} daily doses × ${SAMPLES} samples, 2-cmt oral, closed form (target < 1 s)`,
      how: 'simulateRegimen through defineModel + modelBinder, IIV on 5 parameters + proportional error, no covariates (one bound subject), best of 3, one thread',
      figure: `${closedSeconds.toFixed(2)} s`,
    },
    {
      what: 'the same model written as ODEs (DOP853, stiffness switch to RODAS4)',
      how: `${ODE_SUBJECTS} subjects; ratio of the time per subject, ODE / closed form`,
      figure: `${ratio.toFixed(0)}× slower (${(odeSeconds / ODE_SUBJECTS * 1000).toFixed(1)} ms/subject)`,
    },
    {
      what: `closed form, ${SUBJECTS.toLocaleString('en-US')} subjects with a continuous covariate (WT ~ log-normal)`,
      how: 'each subject bound on its own (design dataset + a binding per distinct covariate vector)',
      figure: `${covariateSeconds.toFixed(2)} s`,
    },
    {
      what: `closed form, ${SUBJECTS.toLocaleString('en-US')} subjects + exposure metrics over the last interval`,
      how: '193 extra grid samples per subject (Cmax, Tmax, trough, AUC, AUC∞)',
      figure: `${metricsSeconds.toFixed(2)} s`,
    },
  ];
}
