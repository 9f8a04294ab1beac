/**
 * Dataset validation and NONMEM's defaults. The rules are PREDPP's, as stated in the
 * NONMEM 7 help entries for EVID, DV/MDV, AMT, SS, II, ADDL and RATE; each test builds a
 * small dataset and asserts the exact file line and column of every problem.
 */
import { describe, expect, test } from 'vitest';
import { DataError, type DataProblem } from '../../src/errors.js';
import { covariateAtTime, covariatePositionAtTime, covariatePositionOnInterval, covariateSeries, parseDataset, requireCovariates, subjectCovariateValues, validateCompartments } from '../../src/data/dataset.js';
import { readDataset } from '../../src/io/data-files.js';
import type { DatasetOptions } from '../../src/data/types.js';

const F = 'x.csv';

/** Problems reported for `text` (as [line, column, message]); [] when it reads cleanly. */
function problems(text: string, options?: DatasetOptions): [number, string | undefined, string][] {
  try {
    parseDataset(text, F, options);
    return [];
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    return err.problems.map((p: DataProblem) => {
      expect(p.file).toBe(F);
      return [p.line, p.column, p.message];
    });
  }
}

/** Lines and columns only. */
function where(text: string, options?: DatasetOptions): [number, string | undefined][] {
  return problems(text, options).map(([l, c]) => [l, c]);
}

describe('NONMEM defaults', () => {
  test('without EVID and MDV: AMT != 0 is a dose (EVID 1, MDV 1), else an observation (EVID 0, MDV 0)', () => {
    const ds = parseDataset('ID TIME AMT DV\n1 0 100 .\n1 1 0 5\n1 2 . 4\n', 'x.dta');
    expect(ds.records.map((r) => [r.evid, r.mdv, r.amt])).toEqual([[1, 1, 100], [0, 0, 0], [0, 0, 0]]);
    expect(ds.records[0].dv).toBeNaN();
    expect(ds.records[1].dv).toBe(5);
  });

  test('without EVID, with MDV: MDV 1 and no dose is other-type (EVID 2)', () => {
    const ds = parseDataset('ID,TIME,AMT,DV,MDV\n1,0,100,0,1\n1,1,0,5,0\n1,2,0,0,1\n', F);
    expect(ds.records.map((r) => [r.evid, r.mdv])).toEqual([[1, 1], [0, 0], [2, 1]]);
    expect(ds.records[2].dv).toBeNaN();
  });

  test('without MDV, with EVID: MDV 0 only for EVID 0', () => {
    const ds = parseDataset('ID,TIME,AMT,DV,EVID\n1,0,100,0,1\n1,1,0,5,0\n1,2,0,0,2\n1,3,0,0,3\n1,4,50,0,4\n', F);
    expect(ds.records.map((r) => r.mdv)).toEqual([1, 0, 1, 1, 1]);
  });

  test('EVID 0 with MDV 1 keeps the record without an observation', () => {
    const ds = parseDataset('ID,TIME,DV,EVID,MDV\n1,0,.,0,1\n', F);
    expect(ds.records[0]).toMatchObject({ evid: 0, mdv: 1 });
    expect(ds.records[0].dv).toBeNaN();
  });

  test("missing ('.') CMT, RATE, SS, II, ADDL, DUR are 0; CMT 0 means the model's default", () => {
    const ds = parseDataset('ID,TIME,DV,AMT,CMT,RATE,SS,II,ADDL,DUR\n1,0,.,10,.,.,.,.,.,.\n', F);
    expect(ds.records[0]).toMatchObject({ evid: 1, cmt: 0, rate: 0, ss: 0, ii: 0, addl: 0, dur: 0 });
  });

  test('an explicit mapping wins over a column of the item\'s own name, which becomes a covariate', () => {
    const ds = parseDataset('ID,TIME,DV,CONC\n1,0,99,5\n', F, { columns: { DV: 'CONC' } });
    expect(ds.records[0].dv).toBe(5);
    expect(ds.covariateNames).toEqual(['DV']);
    expect(ds.standardColumns?.DV).toBe('CONC');
  });
});

describe('validation: one rule at a time, exact line and column', () => {
  test('required columns missing, named with the header seen', () => {
    expect(problems('ID,T,Y\n1,0,5\n')).toEqual([
      [1, undefined, "required column TIME not found (header: ID, T, Y); name it TIME or map it with the columns option, e.g. columns: { TIME: '<header name>' }"],
      [1, undefined, "required column DV not found (header: ID, T, Y); name it DV or map it with the columns option, e.g. columns: { DV: '<header name>' }"],
    ]);
  });

  test('a mapping to a header name that does not exist', () => {
    expect(problems('ID,TIME,Y\n1,0,5\n', { columns: { DV: 'CP' } })).toEqual([
      [1, undefined, "option columns maps DV to 'CP', but the header has no such column (header: ID, TIME, Y)"],
    ]);
  });

  test('two columns that could both be one item', () => {
    expect(where('ID,TIME,DV,dv\n1,0,5,5\n')).toEqual([[1, undefined]]);
    expect(problems('ID,TIME,DV,dv\n1,0,5,5\n')[0][2]).toMatch(/columns DV and dv could both be DV/);
  });

  test('ID missing', () => {
    expect(problems('ID,TIME,DV\n1,0,5\n.,1,5\n')).toEqual([[3, 'ID', 'ID is missing']]);
  });

  test('TIME missing or not a number', () => {
    expect(problems('ID,TIME,DV\n1,.,5\n1,"1,5",5\n')).toEqual([
      [2, 'TIME', 'TIME is missing'],
      [3, 'TIME', "not a number ('1,5')"],
    ]);
  });

  test('TIME going backwards within an ID without a reset', () => {
    const text = 'ID,TIME,DV,EVID,AMT\n3,0,.,1,10\n3,24,5,0,0\n3,12,6,0,0\n3,0,.,4,10\n3,1,5,0,0\n3,0,.,3,0\n';
    expect(problems(text)).toEqual([
      [4, 'TIME', 'time goes backwards within ID 3 (12 after 24 on line 3) without an EVID 3/4 reset'],
    ]);
    const err = (() => { try { parseDataset(text, 'datasets/x.csv'); } catch (e) { return e as DataError; } })()!;
    expect(err.message).toBe('datasets/x.csv:4: column TIME: time goes backwards within ID 3 (12 after 24 on line 3) without an EVID 3/4 reset');
  });

  test('time may restart at a new subject', () => {
    expect(problems('ID,TIME,DV\n1,10,5\n2,0,5\n')).toEqual([]);
  });

  test('an ID that reappears after another ID names both places', () => {
    expect(problems('ID,TIME,DV\n1,0,5\n1,1,5\n2,0,5\n1,2,5\n')).toEqual([
      [5, 'ID', "ID 1 appears again after other IDs (its earlier records are on lines 2-3); NONMEM would read this as a new individual: keep each ID's records together or give this block its own ID"],
    ]);
  });

  test('dose with AMT <= 0 or missing', () => {
    const text = 'ID,TIME,DV,AMT,EVID\n1,0,.,0,1\n1,1,.,-5,1\n1,2,.,.,4\n';
    expect(problems(text)).toEqual([
      [2, 'AMT', 'a dose (EVID 1) needs AMT > 0 (AMT is 0)'],
      [3, 'AMT', 'a dose (EVID 1) needs AMT > 0 (AMT is -5)'],
      [4, 'AMT', 'a dose (EVID 4) needs AMT > 0 (AMT is missing)'],
    ]);
    expect(problems('ID,TIME,DV,EVID\n1,0,.,1\n')).toEqual([[2, undefined, 'a dose (EVID 1) needs AMT > 0 (the file has no AMT column)']]);
  });

  test('negative AMT without EVID is a dose with a bad amount, not a silent observation', () => {
    expect(where('ID,TIME,DV,AMT\n1,0,.,-5\n')).toEqual([[2, 'AMT']]);
  });

  test('steady-state constant infusion: AMT 0 with RATE > 0 and SS 1 is a dose; it must have II 0', () => {
    const ok = parseDataset('ID,TIME,DV,AMT,RATE,SS,II\n1,0,.,0,100,1,0\n1,1,5,0,0,0,0\n', F);
    expect(ok.records[0]).toMatchObject({ evid: 1, mdv: 1, amt: 0, rate: 100, ss: 1 });
    expect(problems('ID,TIME,DV,AMT,RATE,SS,II,EVID\n1,0,.,0,100,1,12,1\n')).toEqual([
      [2, 'II', 'a steady-state constant infusion (SS 1, AMT 0, RATE 100) must have II 0 (II is 12)'],
    ]);
  });

  test('observation (EVID 0, MDV 0) with missing DV', () => {
    expect(problems('ID,TIME,DV,MDV\n1,0,.,0\n')).toEqual([[2, 'DV', 'DV is missing on an observation record (EVID 0, MDV 0)']]);
    expect(problems('ID,TIME,DV\n1,0,.\n')[0][2]).toMatch(/give the file an MDV column with MDV 1/);
  });

  test('EVID not in 0..4, or missing', () => {
    expect(problems('ID,TIME,DV,EVID,AMT\n1,0,.,101,10\n1,1,5,.,0\n1,2,5,1.5,10\n')).toEqual([
      [2, 'EVID', 'EVID 101 is not one of 0 (observation), 1 (dose), 2 (other), 3 (reset), 4 (reset and dose)'],
      [3, 'EVID', 'EVID is missing'],
      [4, 'EVID', 'EVID 1.5 is not one of 0 (observation), 1 (dose), 2 (other), 3 (reset), 4 (reset and dose)'],
    ]);
  });

  test('MDV not 0/1, and MDV 0 on a dose record', () => {
    expect(problems('ID,TIME,DV,MDV,EVID,AMT\n1,0,5,2,0,0\n1,1,.,0,1,10\n')).toEqual([
      [2, 'MDV', 'MDV 2 is not 0 or 1'],
      [3, 'MDV', 'MDV 0 on an EVID 1 record: dose, other-type and reset records (EVID 1-4) must have MDV 1'],
    ]);
  });

  test('SS not in {0,1,2}', () => {
    expect(problems('ID,TIME,DV,AMT,SS,II\n1,0,.,10,99,24\n')).toEqual([[2, 'SS', 'SS 99 is not 0, 1 or 2']]);
  });

  test('SS > 0 or ADDL > 0 without II > 0', () => {
    expect(problems('ID,TIME,DV,AMT,SS,II,ADDL\n1,0,.,10,1,0,0\n1,24,.,10,0,0,3\n')).toEqual([
      [2, 'SS', 'a steady-state dose (SS 1) needs II > 0, the dosing interval (II is 0)'],
      [3, 'ADDL', 'ADDL 3 needs II > 0, the interval between the doses (II is 0)'],
    ]);
    expect(problems('ID,TIME,DV,AMT,ADDL\n1,0,.,10,2\n')).toEqual([
      [2, 'ADDL', 'ADDL 2 needs II > 0, the interval between the doses (the file has no II column)'],
    ]);
  });

  test('II negative; ADDL negative or not whole', () => {
    expect(problems('ID,TIME,DV,AMT,II,ADDL\n1,0,.,10,-24,0\n1,1,.,10,24,-1\n1,2,.,10,24,2.5\n')).toEqual([
      [2, 'II', 'II is negative (-24)'],
      [3, 'ADDL', 'ADDL must be a whole number >= 0 (ADDL is -1)'],
      [4, 'ADDL', 'ADDL must be a whole number >= 0 (ADDL is 2.5)'],
    ]);
  });

  test('RATE negative other than -1/-2; DUR negative; RATE with DUR', () => {
    const ok = parseDataset('ID,TIME,DV,AMT,RATE\n1,0,.,10,-1\n1,1,.,10,-2\n', F);
    expect(ok.records.map((r) => r.rate)).toEqual([-1, -2]);
    expect(problems('ID,TIME,DV,AMT,RATE,DUR\n1,0,.,10,-3,0\n1,1,.,10,0,-2\n1,2,.,10,5,2\n')).toEqual([
      [2, 'RATE', 'RATE -3 is negative; only -1 (rate from the model) and -2 (duration from the model) are allowed'],
      [3, 'DUR', 'DUR is negative (-2)'],
      [4, 'DUR', 'a dose gives either RATE or DUR, not both (RATE 5, DUR 2)'],
    ]);
  });

  test('dose items on a non-dose record', () => {
    expect(problems('ID,TIME,DV,AMT,EVID,II\n1,0,5,100,0,0\n1,1,.,0,2,12\n')).toEqual([
      [2, 'AMT', 'AMT is 100 on an EVID 0 record; AMT, RATE, DUR, SS, II and ADDL must be 0 except on dose records (EVID 1 or 4)'],
      [3, 'II', 'II is 12 on an EVID 2 record; AMT, RATE, DUR, SS, II and ADDL must be 0 except on dose records (EVID 1 or 4)'],
    ]);
  });

  test('a string value in a standard numeric column', () => {
    expect(problems('ID,TIME,DV,AMT\n1,0,.,10\n1,1,BLQ,0\n1,2,5,ten\n')).toEqual([
      [3, 'DV', "not a number ('BLQ')"],
      [4, 'AMT', "not a number ('ten')"],
    ]);
  });

  test("a header whose names are separated by ';' is named as such, not as missing ID, TIME and DV", () => {
    expect(problems('ID;TIME;DV\n1;0;5\n')).toEqual([[1, undefined,
      "the header is one column 'ID;TIME;DV': its names seem separated by ';', but popkit reads comma- or whitespace-separated files (save the file as CSV with commas)"]]);
  });

  test('a header without data records is an error, not an empty dataset', () => {
    expect(problems('ID,TIME,DV,AMT\n')).toEqual([[1, undefined, 'no data records: the file has a header but no rows after it']]);
    expect(problems('# a comment\nID TIME DV\n\n')).toEqual([[2, undefined, 'no data records: the file has a header but no rows after it']]);
  });

  test('a number beyond the range of a double (read as Infinity) is reported, in numeric and text columns', () => {
    expect(problems('ID,TIME,DV,AMT,EVID,MDV\n1,0,.,1e400,1,1\n1,1,5,0,0,0\n')).toEqual([
      [2, 'AMT', 'the value is too large to be a number (beyond ±1.8e308)'],
    ]);
    expect(problems('ID,TIME,DV,AMT\n1,0,.,10\n1,-1e999,BLQ,0\n')).toEqual([
      [3, 'TIME', 'the value is too large to be a number (beyond ±1.8e308)'],
      [3, 'DV', "not a number ('BLQ')"],
    ]);
  });

  test('CMT not whole, or negative outside EVID 2', () => {
    expect(problems('ID,TIME,DV,CMT,EVID\n1,0,5,1.5,0\n1,1,5,-2,0\n1,2,.,-2,2\n')).toEqual([
      [2, 'CMT', 'CMT must be a whole number (CMT is 1.5)'],
      [3, 'CMT', 'CMT -2 (turning a compartment off) is only allowed on EVID 2 records, not EVID 0'],
    ]);
  });

  test('column names in messages are as written in the header', () => {
    expect(problems('id,time,dv\n1,.,5\n')).toEqual([[2, 'time', 'TIME is missing']]);
  });
});

describe('all problems at once', () => {
  test('one DataError lists every problem of the file, sorted by line and column', () => {
    const text = [
      'ID,TIME,DV,AMT,EVID,SS,II',
      '1,0,.,10,1,0,0',
      '1,5,4,0,0,0,0',
      '1,2,.,0,1,0,0', // line 4: time backwards, dose without AMT
      '2,0,.,10,7,0,0', // line 5: bad EVID
      '2,1,.,0,0,0,0', // line 6: observation without DV
      '1,9,3,0,0,0,0', // line 7: ID 1 again
      '2,2,3,10,1,3,24', // line 8: ID 2 again, SS 3
    ].join('\n');
    let err: DataError | undefined;
    try { parseDataset(text, F); } catch (e) { err = e as DataError; }
    expect(err).toBeInstanceOf(DataError);
    expect(err!.problems.map((p) => [p.line, p.column])).toEqual([
      [4, 'TIME'], [4, 'AMT'], [5, 'EVID'], [6, 'DV'], [7, 'ID'], [8, 'ID'], [8, 'SS'],
    ]);
    expect(err!.message.split('\n')).toHaveLength(7);
    expect(err!.message).not.toMatch(/\n\s+at /); // no stack trace in the message
  });
});

describe('validateCompartments', () => {
  test('theo_sd.csv fits a two-compartment model (depot, central)', () => {
    const ds = readDataset('datasets/theo_sd.csv');
    expect(() => validateCompartments(ds, 2, ['DEPOT', 'CENTRAL'])).not.toThrow();
  });

  test('records with CMT beyond the model are listed with the model\'s compartments', () => {
    const ds = readDataset('datasets/theo_sd.csv');
    let err: DataError | undefined;
    try { validateCompartments(ds, 1, ['CENTRAL']); } catch (e) { err = e as DataError; }
    expect(err).toBeInstanceOf(DataError);
    expect(err!.problems).toHaveLength(132);
    expect(err!.problems[0]).toEqual({
      file: 'datasets/theo_sd.csv', line: 3, column: 'CMT',
      message: 'CMT 2 is out of range: the model has 1 compartment (1 CENTRAL)',
    });
  });

  test('a negative CMT (compartment off, EVID 2) is checked by its absolute value', () => {
    const ds = parseDataset('ID,TIME,DV,CMT,EVID\n1,0,.,-3,2\n', F);
    expect(() => validateCompartments(ds, 2)).toThrow('x.csv:2: column CMT: CMT -3 is out of range: the model has 2 compartments');
    expect(() => validateCompartments(ds, 3)).not.toThrow();
  });
});

describe('covariates', () => {
  const text = 'ID,TIME,DV,AMT,WT,GENO\n1,0,.,10,70,PM\n1,12,5,0,72,PM\n1,24,4,0,.,PM\n2,0,.,10,60,EM\n2,6,3,0,61,.\n';

  test('requireCovariates lists every record with a missing value, and unknown names with the available columns', () => {
    const ds = parseDataset(text, F);
    expect(() => requireCovariates(ds, ['WT', 'GENO', 'AMT'])).toThrow(DataError);
    let err: DataError | undefined;
    try { requireCovariates(ds, ['WT', 'GENO', 'CRCL']); } catch (e) { err = e as DataError; }
    expect(err!.problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [1, undefined, 'no covariate column CRCL in the data (covariate columns: WT, GENO)'],
      [4, 'WT', 'WT is missing (ID 1); the model uses this covariate on every record'],
      [6, 'GENO', 'GENO is missing (ID 2); the model uses this covariate on every record'],
    ]);
    expect(() => requireCovariates(readDataset('datasets/pheno.dta'), ['WGT', 'APGR', 'TIME'])).not.toThrow();
  });

  test('string covariates read as strings, per-subject values in file order', () => {
    const ds = parseDataset(text, F);
    expect(subjectCovariateValues(ds, 0, 'GENO')).toEqual(['PM', 'PM', 'PM']);
    expect(subjectCovariateValues(ds, 1, 'GENO')).toEqual(['EM', null]);
    expect(subjectCovariateValues(ds, 0, 'WT')).toEqual([70, 72, null]);
  });

  test("interpolation: NONMEM's rule carries the next record's value backward, LOCF carries the last forward", () => {
    const ds = parseDataset(text, F);
    const s = covariateSeries(ds, 0, 'WT');
    expect(Array.from(s.times)).toEqual([0, 12, 24]);
    // Between records at 0 and 12: NONMEM uses the record at 12 (72); LOCF the record at 0 (70).
    expect(covariateAtTime(s, 6, 'nonmem')).toBe(72);
    expect(covariateAtTime(s, 6, 'locf')).toBe(70);
    // At a record time both give that record's value.
    expect(covariateAtTime(s, 12, 'nonmem')).toBe(72);
    expect(covariateAtTime(s, 12, 'locf')).toBe(72);
    // Before the first and after the last record.
    expect(covariateAtTime(s, -1, 'locf')).toBe(70);
    expect(covariateAtTime(s, 30, 'nonmem')).toBeNull();
    expect(covariatePositionOnInterval(1, 'nonmem')).toBe(1);
    expect(covariatePositionOnInterval(1, 'locf')).toBe(0);
  });

  test('records at the same time: NONMEM takes the first, LOCF the last; a reset ends the search', () => {
    const times = Float64Array.from([0, 5, 5, 10, 0, 5]);
    expect(covariatePositionAtTime(times, 5, 'nonmem')).toBe(1);
    expect(covariatePositionAtTime(times, 5, 'locf')).toBe(2);
    expect(covariatePositionAtTime(times, 20, 'nonmem')).toBe(3);
    expect(covariatePositionAtTime(times, 20, 'locf')).toBe(3);
    expect(covariatePositionAtTime(times, 3, 'nonmem', 4)).toBe(5);
    expect(covariatePositionAtTime(times, 3, 'locf', 4)).toBe(4);
  });
});
