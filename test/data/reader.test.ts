/**
 * Reading tables and NONMEM-style datasets. Expected counts and sums were computed from the
 * files in datasets/ independently (Python csv module / awk) and are exact; sums of
 * decimal values are compared at 1e-9 relative.
 */
import { describe, expect, test } from 'vitest';
import { DataError } from '../../src/errors.js';
import { parseDataset, parseTable } from '../../src/data/dataset.js';
import { readDataset, readTable } from '../../src/io/data-files.js';
import type { Dataset, Table } from '../../src/data/types.js';

const D = 'datasets/';

function count(ds: Dataset, pred: (r: Dataset['records'][number]) => boolean): number {
  return ds.records.filter(pred).length;
}
function sum(xs: Iterable<number>): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
function numeric(t: Table, name: string): Float64Array {
  const c = t.columns[t.names.indexOf(name)];
  if (c.kind !== 'numeric') throw new Error(`${name} is not numeric`);
  return c.values;
}

describe('pheno (Grasela & Donn 1985): pheno.dta and pheno_sd.csv', () => {
  const dta = readDataset(D + 'pheno.dta');
  const csv = readDataset(D + 'pheno_sd.csv');

  test('59 subjects, 744 records, 155 observations, 589 doses', () => {
    for (const ds of [dta, csv]) {
      expect(ds.subjects.length).toBe(59);
      expect(ds.records.length).toBe(744);
      expect(count(ds, (r) => r.evid === 0 && r.mdv === 0)).toBe(155);
      expect(count(ds, (r) => r.evid === 1 && r.mdv === 1)).toBe(589);
      expect(ds.subjects[0].recordIndices.length).toBe(12);
    }
  });

  test('pheno.dta: whitespace format, header starting with a letter, EVID/MDV derived from AMT', () => {
    expect(dta.table.headerLine).toBe(1);
    expect(dta.table.names).toEqual(['ID', 'TIME', 'AMT', 'WGT', 'APGR', 'DV', 'FA1', 'FA2']);
    expect(dta.covariateNames).toEqual(['WGT', 'APGR', 'FA1', 'FA2']);
    expect(dta.standardColumns).toEqual({ ID: 'ID', TIME: 'TIME', DV: 'DV', AMT: 'AMT' });
    const first = dta.records[0];
    expect(first).toMatchObject({ line: 2, id: '1', time: 0, amt: 25, evid: 1, mdv: 1, cmt: 0, rate: 0, ss: 0, ii: 0, addl: 0 });
    expect(first.dv).toBeNaN(); // DV of a dose record is ignored
    expect(dta.records[1]).toMatchObject({ line: 3, id: '1', time: 2, amt: 0, evid: 0, mdv: 0, dv: 17.3 });
    const last = dta.records[743];
    expect(last).toMatchObject({ line: 745, id: '59', time: 146.8, dv: 40.2, evid: 0 });
    expect(dta.covariate('WGT', 0)).toBe(1.4);
    expect(dta.covariate('APGR', 0)).toBe(7);
  });

  test('pheno.dta and pheno_sd.csv give the same records', () => {
    for (let i = 0; i < 744; i++) {
      const a = dta.records[i], b = csv.records[i];
      expect({ id: a.id, time: a.time, amt: a.amt, evid: a.evid, mdv: a.mdv, dv: a.dv })
        .toEqual({ id: b.id, time: b.time, amt: b.amt, evid: b.evid, mdv: b.mdv, dv: b.dv });
      expect(dta.covariate('WGT', i)).toBe(csv.covariate('WT', i));
      expect(dta.covariate('APGR', i)).toBe(csv.covariate('APGR', i));
    }
  });

  test('sums of AMT and observed DV', () => {
    expect(sum(dta.records.map((r) => r.amt))).toBeCloseTo(3929.2, 9);
    expect(sum(dta.records.filter((r) => r.mdv === 0).map((r) => r.dv))).toBeCloseTo(3964.3, 9);
    expect(new Set(dta.records.filter((r) => (dta.covariate('APGR', r.index) as number) < 5).map((r) => r.id)).size).toBe(10);
  });
});

describe('theophylline, warfarin, Wang 2007', () => {
  test('theo_sd.csv: 12 subjects, 144 records, 12 doses into CMT 1, 132 observations of CMT 2', () => {
    const ds = readDataset(D + 'theo_sd.csv');
    expect(ds.subjects.length).toBe(12);
    expect(ds.records.length).toBe(144);
    expect(count(ds, (r) => r.evid === 1 && r.cmt === 1 && r.mdv === 1)).toBe(12);
    expect(count(ds, (r) => r.evid === 0 && r.cmt === 2 && r.mdv === 0)).toBe(132);
    expect(sum(ds.records.map((r) => r.amt))).toBeCloseTo(3785.278, 9);
    expect(sum(ds.records.filter((r) => r.evid === 0).map((r) => r.dv))).toBeCloseTo(654.78, 9);
    expect(ds.covariate('WT', 0)).toBe(79.6);
  });

  test('theo_md.csv: 12 subjects, 348 records, 84 doses, 264 observations', () => {
    const ds = readDataset(D + 'theo_md.csv');
    expect(ds.subjects.length).toBe(12);
    expect(ds.records.length).toBe(348);
    expect(count(ds, (r) => r.evid === 1)).toBe(84);
    expect(count(ds, (r) => r.evid === 0)).toBe(264);
    expect(sum(ds.records.map((r) => r.amt))).toBeCloseTo(26496.946, 8);
    expect(sum(ds.records.filter((r) => r.evid === 0).map((r) => r.dv))).toBeCloseTo(1459.81, 9);
  });

  test('warfarin.csv: lower-case headers, string covariates (sex, dvid)', () => {
    const ds = readDataset(D + 'warfarin.csv');
    expect(ds.subjects.length).toBe(32);
    expect(ds.records.length).toBe(515);
    expect(count(ds, (r) => r.evid === 1)).toBe(32);
    expect(count(ds, (r) => r.evid === 0 && r.mdv === 0)).toBe(483);
    expect(ds.standardColumns).toEqual({ ID: 'id', TIME: 'time', DV: 'dv', AMT: 'amt', EVID: 'evid' });
    expect(ds.covariateNames).toEqual(['dvid', 'wt', 'age', 'sex']);
    expect(ds.covariate('sex', 0)).toBe('male');
    expect(ds.covariate('SEX', 0)).toBe('male'); // case-insensitive fallback
    expect(ds.covariate('dvid', 0)).toBe('cp');
    expect(ds.table.columns[ds.table.names.indexOf('sex')].kind).toBe('string');
    const females = new Set(ds.records.filter((r) => ds.covariate('sex', r.index) === 'female').map((r) => r.id));
    expect(females.size).toBe(5);
    expect(count(ds, (r) => ds.covariate('dvid', r.index) === 'pca')).toBe(232);
    expect(sum(ds.records.filter((r) => r.evid === 0).map((r) => r.dv))).toBeCloseTo(10310.3, 8);
    expect(() => ds.covariate('WT2', 0)).toThrow(/no covariate column WT2 .*covariate columns: dvid, wt, age, sex/);
  });

  test('wang2007.csv: DV mapped to Y, time found as Time, no doses', () => {
    expect(() => readDataset(D + 'wang2007.csv')).toThrow(/required column DV not found \(header: ID, Time, Y\)/);
    const ds = readDataset(D + 'wang2007.csv', { columns: { DV: 'Y' } });
    expect(ds.subjects.length).toBe(10);
    expect(ds.records.length).toBe(20);
    expect(count(ds, (r) => r.evid === 0 && r.mdv === 0)).toBe(20);
    expect(ds.records[0]).toMatchObject({ id: '1', time: 0, dv: 10.68, amt: 0, cmt: 0 });
    expect(sum(ds.records.map((r) => r.dv))).toBeCloseTo(161.7008, 9);
    expect(ds.covariateNames).toEqual([]);
  });
});

describe('Schoemaker et al. simulated designs (12 files)', () => {
  // EVID counts per file (doses, observations, other-type records), from the files.
  const expected: Record<string, [number, number, number]> = {
    Bolus_1CPT: [960, 6951, 9], Bolus_1CPTMM: [960, 6950, 10], Bolus_2CPT: [960, 6960, 0], Bolus_2CPTMM: [960, 6960, 0],
    Infusion_1CPT: [960, 6953, 7], Infusion_1CPTMM: [960, 6955, 5], Infusion_2CPT: [960, 6960, 0], Infusion_2CPTMM: [960, 6960, 0],
    Oral_1CPT: [960, 6947, 13], Oral_1CPTMM: [960, 6959, 1], Oral_2CPT: [960, 6960, 0], Oral_2CPTMM: [960, 6960, 0],
  };
  for (const [name, [doses, obs, other]] of Object.entries(expected)) {
    test(`${name}.csv: 120 subjects, 7920 records, ${doses}/${obs}/${other} dose/observation/other records`, () => {
      const ds = readDataset(`${D}${name}.csv`);
      expect(ds.subjects.length).toBe(120);
      expect(ds.records.length).toBe(7920);
      expect(count(ds, (r) => r.evid === 1 && r.mdv === 1 && r.cmt === 1)).toBe(doses);
      expect(count(ds, (r) => r.evid === 0 && r.mdv === 0)).toBe(obs);
      expect(count(ds, (r) => r.evid === 2 && r.mdv === 1)).toBe(other);
      const ssDoses = count(ds, (r) => r.ss === 1 && r.ii === 24);
      expect(ssDoses).toBe(name.includes('MM') ? 0 : 120);
      if (name.startsWith('Infusion')) expect(count(ds, (r) => r.evid === 1 && r.rate === r.amt)).toBe(960);
      if (name.startsWith('Oral')) expect(count(ds, (r) => r.evid === 0 && r.cmt === 2)).toBe(obs);
    });
  }
});

describe('nmtest_events.csv (mrgsolve nmtests, NONMEM 7.4.3 predictions)', () => {
  const ds = readDataset(D + 'nmtest_events.csv', { columns: { DV: 'cp' } });
  test('26 subjects, 3439 records; EVID 0/1/3/4 counts; resets allow time to restart', () => {
    expect(ds.subjects.length).toBe(26);
    expect(ds.records.length).toBe(3439);
    expect(count(ds, (r) => r.evid === 0)).toBe(3406);
    expect(count(ds, (r) => r.evid === 1)).toBe(28);
    expect(count(ds, (r) => r.evid === 3)).toBe(2);
    expect(count(ds, (r) => r.evid === 4)).toBe(3);
    expect(count(ds, (r) => r.rate === -2)).toBe(3);
    expect(count(ds, (r) => r.ss === 2)).toBe(1);
    expect(ds.covariateNames).toEqual(['lagt', 'bioav', 'rat2', 'dur2', 'mode']);
  });
  test('steady-state constant infusion (SS 1, AMT 0, RATE 100, II 0) is accepted as a dose', () => {
    const rec = ds.records.find((r) => r.id === '26' && r.evid === 1)!;
    expect(rec).toMatchObject({ amt: 0, rate: 100, ss: 1, ii: 0, time: 0 });
  });
});

describe('generic tables', () => {
  test('sleepstudy.csv: 180 rows, three numeric columns', () => {
    const t = readTable(D + 'sleepstudy.csv');
    expect(t.nRows).toBe(180);
    expect(t.columns.map((c) => [c.name, c.kind])).toEqual([['Reaction', 'numeric'], ['Days', 'numeric'], ['Subject', 'numeric']]);
    expect(sum(numeric(t, 'Reaction'))).toBeCloseTo(53731.4205, 7);
    expect(new Set(numeric(t, 'Subject')).size).toBe(18);
    expect(t.lines[0]).toBe(2);
    expect(t.lines[179]).toBe(181);
  });

  test('penicillin.csv: plate and sample are string columns', () => {
    const t = readTable(D + 'penicillin.csv');
    expect(t.nRows).toBe(144);
    const plate = t.columns[1];
    expect(plate.kind).toBe('string');
    expect(new Set<unknown>(plate.values).size).toBe(24);
    expect(new Set<unknown>(t.columns[2].values).size).toBe(6);
    expect(sum(numeric(t, 'diameter'))).toBe(3308);
  });

  test('insteval.csv: 73,421 rows, 7 numeric columns', () => {
    const t = readTable(D + 'insteval.csv');
    expect(t.nRows).toBe(73421);
    expect(t.names).toEqual(['s', 'd', 'studage', 'lectage', 'service', 'dept', 'y']);
    expect(t.columns.every((c) => c.kind === 'numeric')).toBe(true);
    expect(sum(numeric(t, 'y'))).toBe(235369);
    expect(new Set(numeric(t, 's')).size).toBe(2972);
    expect(new Set(numeric(t, 'd')).size).toBe(1128);
    expect(t.lines[73420]).toBe(73422);
  });

  test('bcg.csv: author names with spaces and & read as strings', () => {
    const t = readTable(D + 'bcg.csv');
    expect(t.nRows).toBe(13);
    const author = t.columns[1];
    expect(author.kind).toBe('string');
    expect(author.values.slice(0, 3)).toEqual(['Aronson', 'Ferguson & Simes', 'Rosenthal et al']);
    expect(sum(numeric(t, 'tpos'))).toBe(1065);
    expect(t.columns[8].values).toContain('systematic');
  });

  test('theoph_r.csv reads as a dataset once ID and DV are mapped (Time found case-insensitively)', () => {
    const ds = readDataset(D + 'theoph_r.csv', { columns: { ID: 'Subject', DV: 'conc' } });
    expect(ds.subjects.length).toBe(12);
    expect(ds.records.length).toBe(132);
    expect(ds.covariateNames).toEqual(['Wt', 'Dose']);
  });
});

describe('table syntax', () => {
  test('comment, blank and ignored lines keep the file line numbers', () => {
    const text = '# study X\n\nID,TIME,DV\n1,0,5\n# a comment\n\n  @ also a comment\n1,1,4\n   # indented comment\n1,2,3\n';
    const t = parseTable(text, 'x.csv');
    expect(t.headerLine).toBe(3);
    expect(Array.from(t.lines)).toEqual([4, 8, 10]);
  });

  test("ignore: ['@'] skips lines whose first non-blank character is a letter, but never the header", () => {
    const text = 'ID TIME DV\nC dropped\n1 0 5\n  x dropped too\n1 1 4\n';
    const t = parseTable(text, 'x.dta', { ignore: ['@'] });
    expect(t.names).toEqual(['ID', 'TIME', 'DV']);
    expect(Array.from(t.lines)).toEqual([3, 5]);
  });

  test("ignore: ['C'] skips lines with C in column 1 only (NONMEM IGNORE=C)", () => {
    const text = 'CMT,ID,TIME,DV\nC,1,0,5\n1,1,1,4\n';
    const t = parseTable(text, 'x.csv', { ignore: ['C'] });
    expect(t.names).toEqual(['CMT', 'ID', 'TIME', 'DV']);
    expect(t.nRows).toBe(1);
    expect(t.lines[0]).toBe(3);
    // Without that option the C line is data, making CMT a string column.
    expect(parseTable(text, 'x.csv').columns[0].kind).toBe('string');
  });

  test('an ignore entry that is not one character is refused', () => {
    expect(() => parseTable('a\n1\n', 'x', { ignore: ['##'] })).toThrow(/'##' is not a single character/);
  });

  test('. and empty fields are missing; CRLF line ends; a byte-order mark; quoted fields', () => {
    const text = '\ufeffID,TIME,DV,GENO,NOTE\r\n1,0,.,PM,"a, b"\r\n1,1,,IM," x ""y"" "\r\n2,0,3,.,"two\nlines"\r\n2,1,4,EM,\r\n';
    const t = parseTable(text, 'x.csv');
    expect(t.names[0]).toBe('ID');
    const dv = numeric(t, 'DV');
    expect(Number.isNaN(dv[0]) && Number.isNaN(dv[1])).toBe(true);
    expect(dv[2]).toBe(3);
    expect(t.columns[3]).toMatchObject({ kind: 'string', values: ['PM', 'IM', null, 'EM'] });
    expect(t.columns[4].values).toEqual(['a, b', ' x "y" ', 'two\nlines', null]);
    expect(Array.from(t.lines)).toEqual([2, 3, 4, 6]);
  });

  test('custom missing markers', () => {
    const t = parseTable('A,B\nNA,1\n2,NA\n', 'x.csv', { missing: ['NA', '.', ''] });
    expect(t.columns.every((c) => c.kind === 'numeric')).toBe(true);
    expect(Number.isNaN(numeric(t, 'A')[0])).toBe(true);
  });

  test('number syntax: 5., .5, -1e-3 and 2.5E+02 are numbers; 1,5 in a whitespace file and 0x10 are not', () => {
    const t = parseTable('A B\n5. 0x10\n.5 1\n-1e-3 2\n2.5E+02 3\n', 'x.dta');
    expect(Array.from(numeric(t, 'A'))).toEqual([5, 0.5, -0.001, 250]);
    expect(t.columns[1].kind).toBe('string');
  });

  test('format option overrides the detection (csv: a header without commas is one column)', () => {
    const t = parseTable('A B\n1 2\n', 'x', { format: 'csv' });
    expect(t.names).toEqual(['A B']);
  });

  test('a row with the wrong number of fields is an error naming its line; all such rows are listed', () => {
    const text = 'ID,TIME,DV\n1,0,5\n1,1\n\n1,2,3,9\n';
    try {
      parseTable(text, 'x.csv');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DataError);
      const e = err as DataError;
      expect(e.problems).toEqual([
        { file: 'x.csv', line: 3, message: '2 fields, but the header (line 1) names 3 columns' },
        { file: 'x.csv', line: 5, message: '4 fields, but the header (line 1) names 3 columns' },
      ]);
      expect(e.message).toBe('x.csv:3: 2 fields, but the header (line 1) names 3 columns\nx.csv:5: 4 fields, but the header (line 1) names 3 columns');
    }
  });

  test('header problems: duplicate and empty names, a numeric first line, no header at all', () => {
    expect(() => parseTable('ID,TIME,ID\n1,2,3\n', 'x.csv')).toThrow('x.csv:1: column ID: header: the name ID is used by columns 1 and 3');
    expect(() => parseTable('ID,,DV\n1,2,3\n', 'x.csv')).toThrow('x.csv:1: header: column 2 has no name');
    expect(() => parseTable('#ID,TIME\n1,0\n1,1\n', 'x.csv')).toThrow(/x\.csv:2: the first line that is not a comment holds only numbers \(1, 0\)/);
    expect(() => parseTable('# only a comment\n\n', 'x.csv')).toThrow(/x\.csv:3: no header row/);
  });

  test('an unterminated quoted field is reported at the line where it opens', () => {
    expect(() => parseTable('A,B\n1,"open\n2,3\n', 'x.csv')).toThrow('x.csv:2: a quoted field is never closed');
  });

  test('a missing file is a PopkitError naming it', () => {
    expect(() => readTable('datasets/no-such-file.csv')).toThrow('datasets/no-such-file.csv: cannot read the data file (no such file)');
  });

  test('parseDataset on text gives string subject IDs without a trailing .0', () => {
    const ds = parseDataset('ID,TIME,DV\n1.0,0,5\n10,0,6\n', 'x.csv');
    expect(ds.subjects.map((s) => s.id)).toEqual(['1', '10']);
    const s = parseDataset('ID,TIME,DV\nM01,0,5\nF02,0,6\n', 'x.csv');
    expect(s.subjects.map((x) => x.id)).toEqual(['M01', 'F02']);
  });
});
