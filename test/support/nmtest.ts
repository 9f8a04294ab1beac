/**
 * Shared set-up for the NONMEM 7.4.3 event-handling reference (datasets/nmtest_events.csv):
 * ADVAN2 TRANS2 with CL = 1.1, V = 20, KA = 1.5, no random effects; ALAG2 = LAGT,
 * F2 = BIOAV; R2 = RAT2 when MODE = 1, D2 = DUR2 when MODE = 2; CP = A(2)/(V/1000).
 */
import { readDataset } from '../../src/io/data-files.js';
import type { Dataset } from '../../src/data/types.js';
import { pkParameterRow, recordParameters } from '../../src/pk/parameters.js';
import type { PkParameters } from '../../src/pk/types.js';

export const NMTEST_CL = 1.1, NMTEST_V = 20, NMTEST_KA = 1.5;

/** The reference dataset (DV = NONMEM's cp) and NONMEM's cp per record. */
export function loadNmtest(): { dataset: Dataset; referenceCp: Float64Array } {
  const dataset = readDataset('datasets/nmtest_events.csv', { columns: { DV: 'cp' } });
  const cpColumn = dataset.table.columns[dataset.table.names.indexOf('cp')]!;
  const referenceCp = cpColumn.kind === 'numeric' ? cpColumn.values : new Float64Array(0);
  return { dataset, referenceCp };
}

function covariate(ds: Dataset, name: string, record: number): number {
  const v = ds.covariate(name, record);
  if (typeof v !== 'number') throw new Error(`${name} missing on record ${record}`);
  return v;
}

/** The nmtest model's parameters per record: lag, F, modelled rate/duration of compartment 2. */
export function nmtestParameters(ds: Dataset): PkParameters {
  return recordParameters((r) => {
    const mode = covariate(ds, 'mode', r);
    return pkParameterRow(2, [NMTEST_CL, NMTEST_V, NMTEST_KA], {
      ALAG: [0, covariate(ds, 'lagt', r)],
      F: [1, covariate(ds, 'bioav', r)],
      R: [0, mode === 1 ? covariate(ds, 'rat2', r) : 0],
      D: [0, mode === 2 ? covariate(ds, 'dur2', r) : 0],
    });
  });
}
