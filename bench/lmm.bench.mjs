// Linear mixed models: time of fitLmm on a prepared frame (reading the CSV and building the
// frame are excluded and reported separately), after warm-up, on one core.
//   npm run build && node bench/run.mjs lmm
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readTable } from '../dist/io/data-files.js';
import { buildFrame } from '../dist/lmm/frame.js';
import { fitLmm } from '../dist/lmm/fit.js';

const datasets = join(dirname(fileURLToPath(import.meta.url)), '..', 'datasets');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Wall and CPU time (ms) of `runs` fits: CPU time is less affected by other load on the machine. */
function timeFits(frame, options, runs) {
  const wall = [];
  const cpu = [];
  let fit;
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fit = fitLmm(frame, options);
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { ms: median(wall), min: Math.min(...wall), cpu: median(cpu), fit };
}

export default async function run() {
  const rows = [];

  const sleep = buildFrame('Reaction ~ Days + (Days | Subject)', readTable(join(datasets, 'sleepstudy.csv')));
  timeFits(sleep, { reml: true }, 20); // warm-up
  const s = timeFits(sleep, { reml: true }, 50);
  rows.push({
    what: 'LMM sleepstudy `Reaction ~ Days + (Days | Subject)`, REML',
    how: `fitLmm on a built frame, median of 50 after 20 warm-up fits (${s.fit.optimization.evaluations} deviance evaluations incl. the start choice, plus 19 for the gradient check); target < 10 ms`,
    figure: `${s.ms.toFixed(2)} ms wall (min ${s.min.toFixed(2)} ms), ${s.cpu.toFixed(2)} ms CPU`,
  });

  const t0 = performance.now();
  const table = readTable(join(datasets, 'insteval.csv'));
  const t1 = performance.now();
  const inst = buildFrame('y ~ service + (1 | s) + (1 | d) + (1 | dept:service)', table, { categorical: ['service', 'dept'] });
  const t2 = performance.now();
  fitLmm(inst, { reml: false }); // warm-up (JIT)
  const i = timeFits(inst, { reml: false }, 3);
  const o = i.fit.optimization;
  rows.push({
    what: 'LMM InstEval `y ~ service + (1|s) + (1|d) + (1|dept:service)`, ML (73,421 rows)',
    how: `fitLmm on a built frame (conditional variances included), median of 3 after one warm-up fit; ${o.evaluations} deviance evaluations; target < 2.5 s (lme4 4.4 s, MixedModels.jl 2 s)`,
    figure: `${(i.ms / 1000).toFixed(2)} s wall (min ${(i.min / 1000).toFixed(2)} s), ${(i.cpu / 1000).toFixed(2)} s CPU`,
  });
  const j = timeFits(inst, { reml: false, conditionalVariances: false }, 3);
  rows.push({
    what: 'LMM InstEval, ML, without conditional variances',
    how: 'median of 3 fits',
    figure: `${(j.ms / 1000).toFixed(2)} s wall, ${(j.cpu / 1000).toFixed(2)} s CPU`,
  });
  rows.push({
    what: 'LMM InstEval: reading the CSV / building the frame',
    how: 'readTable, then buildFrame (not part of the fit time above)',
    figure: `${((t1 - t0) / 1000).toFixed(2)} s / ${((t2 - t1) / 1000).toFixed(2)} s`,
  });
  return rows;
}
