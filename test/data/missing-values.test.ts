/**
 * Missing values as NONMEM and R write them: '.', 'NA', 'NaN' and empty fields are missing in
 * every reader (datasets, LMM tables, patient files); a missing value where one is required is
 * an error naming file, line and column.
 */
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../../src/data/dataset.js';
import { parseTable } from '../../src/data/table.js';
import { DataError } from '../../src/errors.js';
import { buildFrame } from '../../src/lmm/frame.js';
import { parseFormula } from '../../src/lmm/formula.js';
import { patientHistory } from '../../src/simulation/dose-patient.js';

describe("missing values: '.', NA, NaN and empty", () => {
  it('a dataset written by R (NA for the missing DV and AMT) reads as the same dataset written with dots', () => {
    const r = 'ID,TIME,AMT,DV,MDV,EVID,WT\n1,0,100,NA,1,1,70\n1,1,NA,5.2,0,0,70\n1,2,NaN,4.1,0,0,NA\n';
    const nonmem = r.replace(/NaN|NA/g, '.');
    const a = parseDataset(r, 'r.csv');
    const b = parseDataset(nonmem, 'nm.csv');
    expect(a.records.map((x) => [x.amt, x.dv, x.evid])).toEqual(b.records.map((x) => [x.amt, x.dv, x.evid]));
    const wt = a.table!.columns[a.table!.names.indexOf('WT')]!;
    expect(wt.kind).toBe('numeric');
    expect(Array.from(wt.values as Float64Array)).toEqual([70, 70, NaN]);
  });

  it('a missing value where one is required is still an error with file, line and column', () => {
    expect(() => parseDataset('ID,TIME,DV\n1,NA,5\n', 'time.csv')).toThrow(DataError);
    expect(() => parseDataset('ID,TIME,DV\n1,NA,5\n', 'time.csv')).toThrow(/time\.csv:2: column TIME: TIME is missing/);
    expect(() => parseDataset('ID,TIME,DV,MDV\n1,0,NA,0\n', 'dv.csv')).toThrow(/dv\.csv:2: column DV: DV is missing on an observation record/);
  });

  it('an LMM table: rows with NA in a used column are left out and counted, the column stays numeric', () => {
    const t = parseTable('y,x,g\n1.5,1,a\nNA,2,b\n2.5,NaN,a\n3,4,b\n4,5,a\n', 'lmm.csv');
    expect(t.columns.map((c) => c.kind)).toEqual(['numeric', 'numeric', 'string']);
    const frame = buildFrame(parseFormula('y ~ x + (1 | g)'), t);
    expect(frame.n).toBe(3);
    expect(frame.dropped?.map((d) => d.line)).toEqual([3, 4]);
  });

  it('a patient file with NA for the missing level of a dose record', () => {
    const t = parseTable('ID,TIME,AMT,DV,WT\n7,0,25,NA,1.4\n7,2,NA,17.3,1.4\n', 'patient.csv');
    const h = patientHistory(t);
    expect(h.dataset.records.filter((r) => r.evid === 0).map((r) => r.dv)).toEqual([17.3]);
  });
});
