// Population estimation benchmarks (compiled library in dist/): FOCE-I fits of NONMEM's
// pheno example with the covariance step, of the simulated Oral_2CPT design (120 subjects,
// 7,920 records, closed form) and of Bolus_1CPTMM (Michaelis–Menten, ODEs).
// Targets: pheno estimation + covariance < 0.3 s (NONMEM 7.4: 0.32 s + 0.28 s),
// Oral_2CPT < 5 s, one MM ODE design < 30 s. Fits start from the model files' initial
// estimates; NPDE are skipped (timed separately as diagnostics). Oral_2CPT and Bolus_1CPTMM
// also with the subjects evaluated in 2 threads (src/io/threads/subject-pool.ts); each
// such row says how much CPU other processes took meanwhile (the machine is shared).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadModelFile, readModelDataset } from '../dist/io/model-file.js';
import { bindModel } from '../dist/subject/bind.js';
import { fitPopulation as fitCore } from '../dist/estimation/fit.js';
import { nodeSubjectThreads } from '../dist/io/threads/subject-pool.js';

/** Fits with Node's worker threads available, as the CLI and popkit's Node entry run them. */
const fitPopulation = (bound, options) => fitCore(bound, { threads: nodeSubjectThreads, ...options });

const modelPath = (name) => fileURLToPath(new URL(`../models/${name}.pkm`, import.meta.url));

function bound(name) {
  const model = loadModelFile(modelPath(name));
  return bindModel(model, readModelDataset(model));
}

/** Busy and total CPU ticks of the whole machine (Linux /proc/stat; undefined elsewhere). */
function machineTicks() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return { busy: f.reduce((s, x) => s + x, 0) - f[3] - f[4] };
  } catch {
    return undefined;
  }
}

/**
 * Run `fn` and measure the share of a core that other processes used meanwhile (the machine
 * is shared: parallel figures mean little when it is busy). Assumes 100 ticks per second.
 */
function withLoad(fn) {
  const a = machineTicks();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const z = machineTicks();
  const others = a && z ? Math.max(0, ((z.busy - a.busy) / 100 - (c.user + c.system) / 1e6) / wall) : NaN;
  return { value, others };
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

  // Oral_2CPT with the subjects evaluated by 1 thread, by 2 (the calling thread and one
  // worker, evaluating serially until the worker has started: ~1 s, mostly loading the model
  // compiler), and by 2 after waiting for the worker (every evaluation in 2 threads; the wait
  // is part of the estimation time). Results are bit-identical; medians of 3 runs, interleaved.
  const oralBound = bound('oral_2cpt');
  const settings = [
    { label: 'workers 1', options: { workers: 1 } },
    { label: 'workers 2', options: { workers: 2 } },
    { label: 'workers 2, waitForWorkers', options: { workers: 2, waitForWorkers: true } },
  ];
  const oralRuns = settings.map(() => []);
  const oralLoad = settings.map(() => []);
  for (let round = 0; round < 3; round++) {
    settings.forEach((s, k) => {
      const { value, others } = withLoad(() => fitPopulation(oralBound, { method: 'focei', npdeSamples: 0, ...s.options }));
      oralRuns[k].push(value);
      oralLoad[k].push(others);
    });
  }
  for (const [k, s] of settings.entries()) {
    const runs = oralRuns[k];
    const fit = runs[runs.length - 1];
    rows.push({
      what: `Oral_2CPT FOCE-I (120 subjects, 7,920 records), ${s.label}`,
      how: `fitPopulation, models/oral_2cpt.pkm, ${JSON.stringify(s.options)}, median of 3; estimation only (covariance step timed separately)`,
      figure: `${median(runs.map((r) => r.elapsedSeconds.estimation)).toFixed(2)} s (covariance ${median(runs.map((r) => r.elapsedSeconds.covariance)).toFixed(2)} s; `
        + `${fit.workers} thread(s) used; OFV ${fit.ofv.toFixed(3)}, ${fit.iterations} iterations, ${fit.evaluations} evaluations; `
        + `other processes used ${Math.max(...oralLoad[k]).toFixed(2)} core(s) at most during these runs)`,
    });
  }

  const mmBound = bound('bolus_1cpt_mm');
  for (const workers of [1, 2]) {
    const { value: mm, others } = withLoad(() => fitPopulation(mmBound, { method: 'focei', covariance: 'none', npdeSamples: 0, workers }));
    rows.push({
      what: `Bolus_1CPTMM FOCE-I (ODE, 120 subjects), workers ${workers}`,
      how: `fitPopulation, models/bolus_1cpt_mm.pkm, one run, { workers: ${workers} }; estimation only`,
      figure: `${mm.elapsedSeconds.estimation.toFixed(2)} s (${mm.workers} thread(s) used; OFV ${mm.ofv.toFixed(3)}, ${mm.iterations} iterations, ${mm.evaluations} evaluations; `
        + `other processes used ${others.toFixed(2)} core(s))`,
    });
  }
  return rows;
}
