/**
 * `popkit predict` library path against NONMEM 7.4.3 (PREDPP event semantics).
 *
 * Reference: datasets/nmtest_events.csv, column `cp` = NONMEM 7.4.3's prediction for the
 * mrgsolve nmtests model (ADVAN2 TRANS2, CL 1.1, V 20, KA 1.5; ALAG2 = LAGT, F2 = BIOAV,
 * R2 = RAT2 if MODE = 1, D2 = DUR2 if MODE = 2; CP = A(2)/(V/1000)), written as
 * models/nmtest_oral1.pkm. Tolerance 1e-4 relative (NONMEM tables print 5 significant
 * digits), 1e-6 absolute near zero.
 */
import { describe, expect, it } from 'vitest';
import { loadModelFile, readModelDataset } from '../../src/io/model-file.js';
import { predictRecords } from '../../src/subject/predict-records.js';
import { predictionCsv } from '../../src/cli/commands/predict.js';

const model = loadModelFile('models/nmtest_oral1.pkm');
const dataset = readModelDataset(model);
const table = predictRecords(model, dataset);
const cp = dataset.table.columns[dataset.table.names.indexOf('cp')]!;
const reference = cp.kind === 'numeric' ? cp.values : new Float64Array(0);

function mismatches(keep: (evid: number) => boolean): { checked: number; bad: string[] } {
  const col = table.names.indexOf('CP');
  const bad: string[] = [];
  let checked = 0;
  for (const rec of dataset.records) {
    if (!keep(rec.evid)) continue;
    checked++;
    const nonmem = reference[rec.index]!;
    const popkit = table.values[rec.index * table.names.length + col]!;
    if (!(Math.abs(popkit - nonmem) <= Math.max(1e-4 * Math.abs(nonmem), 1e-6))) {
      bad.push(`line ${rec.line} (ID ${rec.id}, time ${rec.time}, EVID ${rec.evid}): NONMEM ${nonmem}, popkit ${popkit}`);
    }
  }
  return { checked, bad };
}

describe('popkit predict: nmtest_oral1 against NONMEM 7.4.3 (nmtest_events.csv, cp)', () => {
  it('tables PRED and the output CP for every record', () => {
    expect(table.names).toEqual(['PRED', 'CP']);
    expect(table.values.length).toBe(dataset.records.length * 2);
  });

  it('matches NONMEM on all 3406 observation records to 1e-4 relative', () => {
    const { checked, bad } = mismatches((evid) => evid === 0);
    expect(checked).toBe(3406);
    expect(bad).toEqual([]);
  });

  it('matches NONMEM on the dose and reset records (state after the record) to 1e-4 relative', () => {
    const { checked, bad } = mismatches((evid) => evid !== 0);
    expect(checked).toBeGreaterThan(25);
    expect(bad).toEqual([]);
  });

  it('writes the input columns followed by PRED and CP', () => {
    const csv = predictionCsv(dataset.table, table);
    const [header, first] = csv.split('\n');
    expect(header).toBe('id,time,cp,cmt,amt,evid,ii,ss,addl,rate,lagt,bioav,rat2,dur2,mode,PRED,CP');
    expect(first!.startsWith('1,0,0,1,100,1,24,0,3,0,0,1,10,2,0,')).toBe(true);
  });
});
