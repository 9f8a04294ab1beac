// Reading speed of the dataset reader (src/data) on the largest files in datasets/.
import { medianMs } from './timing.mjs';
import { readDataset, readTable } from '../dist/io/data-files.js';

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
