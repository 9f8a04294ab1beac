// Population estimation benchmarks (compiled library in dist/): FOCE-I fits of NONMEM's
// pheno example with the covariance step, of the simulated Oral_2CPT design (120 subjects,
// 7,920 records, closed form) and of Bolus_1CPTMM (Michaelis–Menten, ODEs).
// Targets: pheno estimation + covariance < 0.3 s (NONMEM 7.4: 0.32 s + 0.28 s),
// Oral_2CPT < 5 s, one MM ODE design < 30 s. Fits start from the model files' initial
// estimates; NPDE are skipped (timed separately as diagnostics).
import { fileURLToPath } from 'node:url';
import { loadModelFile, readModelDataset } from '../dist/model/load.js';
import { bindModel } from '../dist/model/bind.js';
import { fitPopulation } from '../dist/estimation/fit.js';

const modelPath = (name) => fileURLToPath(new URL(`../models/${name}.pkm`, import.meta.url));

function bound(name) {
  const model = loadModelFile(modelPath(name));
  return bindModel(model, readModelDataset(model));
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export default async function run() {
  const rows = [];

  const pheno = bound('pheno');
  fitPopulation(pheno, { method: 'focei', npdeSamples: 0 }); // warm-up (JIT)
  const runs = Array.from({ length: 5 }, () => fitPopulation(pheno, { method: 'focei', npdeSamples: 0 }));
  const last = runs[runs.length - 1];
  rows.push({
    what: 'pheno FOCE-I + covariance step (59 subjects)',
    how: 'fitPopulation, models/pheno.pkm, median of 5 after a warm-up; estimation + R⁻¹SR⁻¹',
    figure: `${median(runs.map((r) => r.elapsedSeconds.estimation + r.elapsedSeconds.covariance)).toFixed(3)} s `
      + `(estimation ${median(runs.map((r) => r.elapsedSeconds.estimation)).toFixed(3)} s, covariance ${median(runs.map((r) => r.elapsedSeconds.covariance)).toFixed(3)} s; `
      + `OFV ${last.ofv.toFixed(3)}, ${last.iterations} iterations, ${last.evaluations} evaluations)`,
  });

  const oral = fitPopulation(bound('oral_2cpt'), { method: 'focei', npdeSamples: 0 });
  rows.push({
    what: 'Oral_2CPT FOCE-I (120 subjects, 7,920 records)',
    how: 'fitPopulation, models/oral_2cpt.pkm, one run; estimation only (covariance step timed separately)',
    figure: `${oral.elapsedSeconds.estimation.toFixed(2)} s (covariance ${oral.elapsedSeconds.covariance.toFixed(2)} s; `
      + `OFV ${oral.ofv.toFixed(3)}, ${oral.iterations} iterations, ${oral.evaluations} evaluations)`,
  });

  const mm = fitPopulation(bound('bolus_1cpt_mm'), { method: 'focei', covariance: 'none', npdeSamples: 0 });
  rows.push({
    what: 'Bolus_1CPTMM FOCE-I (ODE, 120 subjects)',
    how: 'fitPopulation, models/bolus_1cpt_mm.pkm, one run; estimation only',
    figure: `${mm.elapsedSeconds.estimation.toFixed(2)} s (OFV ${mm.ofv.toFixed(3)}, ${mm.iterations} iterations, ${mm.evaluations} evaluations)`,
  });
  return rows;
}
