// Reading speed of the dataset reader (src/data) on the largest files in datasets/.
import { performance } from 'node:perf_hooks';
import { readDataset, readTable } from '../dist/data/dataset.js';

/** Median wall time (ms) of `reps` calls of `f` after one warm-up call. */
function medianMs(f, reps) {
  f();
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(reps / 2)];
}

export default async function run() {
  const inst = medianMs(() => readTable('datasets/insteval.csv'), 5);
  const bolus = medianMs(() => readDataset('datasets/Bolus_2CPT.csv'), 5);
  const pheno = medianMs(() => readDataset('datasets/pheno.dta'), 20);
  return [
    { what: 'readTable insteval.csv (73,421 rows x 7 columns)', how: 'median of 5 reads after 1 warm-up, wall clock', figure: `${inst.toFixed(1)} ms` },
    { what: 'readDataset Bolus_2CPT.csv (7,920 records, 120 subjects)', how: 'median of 5 reads after 1 warm-up, wall clock', figure: `${bolus.toFixed(1)} ms` },
    { what: 'readDataset pheno.dta (744 records, whitespace format)', how: 'median of 20 reads after 1 warm-up, wall clock', figure: `${pheno.toFixed(2)} ms` },
  ];
}
