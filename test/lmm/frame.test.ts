/**
 * Model frames from the lme4 datasets in datasets/. Sources of the expected values:
 *  - names of coefficients and groups and the numbers of levels as lme4 1.1.31 prints them
 *    (summary of lmer fits): sleepstudy "groups: Subject, 18"; Penicillin "plate, 24;
 *    sample, 6"; Orthodont "(Intercept) age SexMale age:SexMale"; Pastes with
 *    (1 | batch/cask) "groups: cask:batch, 30; batch, 10"; InstEval (service a factor)
 *    "service1", "groups: s, 2972; d, 1128; dept:service, 28";
 *  - X and Z entries on single rows by hand from the CSV lines quoted in each test.
 * All comparisons are exact (the values are copies or products of data values).
 */
import { describe, expect, it } from 'vitest';
import { readTable } from '../../src/io/data-files.js';
import { buildFrame } from '../../src/lmm/frame.js';
import type { LmmFrame, RandomEffectsTerm } from '../../src/lmm/frame-types.js';

const D = 'datasets/';
const sleepstudy = readTable(`${D}sleepstudy.csv`);
const penicillin = readTable(`${D}penicillin.csv`);
const orthodont = readTable(`${D}orthodont.csv`);
const pastes = readTable(`${D}pastes.csv`);

/** Row i (0-based) of the n×p column-major X. */
const xRow = (f: LmmFrame, i: number): number[] => f.fixedNames.map((_, j) => f.X[j * f.n + i]);
/** Row i of a term's n×q z. */
const zRow = (t: RandomEffectsTerm, n: number, i: number): number[] => t.columnNames.map((_, j) => t.z[j * n + i]);

describe('sleepstudy: Reaction ~ Days + (Days | Subject)', () => {
  const f = buildFrame('Reaction ~ Days + (Days | Subject)', sleepstudy);

  it('sizes and names', () => {
    expect(f.n).toBe(180);
    expect(f.responseName).toBe('Reaction');
    expect(f.fixedNames).toEqual(['(Intercept)', 'Days']);
    expect(f.terms).toHaveLength(1);
    const t = f.terms[0];
    expect(t.group).toBe('Subject');
    expect(t.levels).toHaveLength(18);
    expect(t.levels.slice(0, 4)).toEqual(['308', '309', '310', '330']);
    expect(t.columnNames).toEqual(['(Intercept)', 'Days']);
    expect(t.correlated).toBe(true);
    expect(f.weights).toBeUndefined();
    expect(f.dropped).toEqual([]);
    expect(f.droppedFixedNames).toEqual([]);
    expect(Array.from(f.rows.slice(0, 3))).toEqual([1, 2, 3]);
    expect(f.rows[179]).toBe(180);
  });

  it('y, X and Z on line 4 ("250.8006,2,308") and on the last row (Subject 372, Days 9)', () => {
    expect(f.y[2]).toBe(250.8006);
    expect(xRow(f, 2)).toEqual([1, 2]);
    expect(zRow(f.terms[0], f.n, 2)).toEqual([1, 2]);
    expect(f.terms[0].groupIndex[2]).toBe(0);
    expect(xRow(f, 179)).toEqual([1, 9]);
    expect(f.terms[0].levels[f.terms[0].groupIndex[179]]).toBe('372');
  });
});

describe('sleepstudy, uncorrelated slopes', () => {
  it('(Days || Subject) is the same frame as (1 | Subject) + (0 + Days | Subject)', () => {
    const a = buildFrame('Reaction ~ Days + (1 | Subject) + (0 + Days | Subject)', sleepstudy);
    const b = buildFrame('Reaction ~ Days + (Days || Subject)', sleepstudy);
    for (const f of [a, b]) {
      expect(f.terms.map((t) => [t.group, t.columnNames])).toEqual([['Subject', ['(Intercept)']], ['Subject', ['Days']]]);
      expect(zRow(f.terms[1], f.n, 5)).toEqual([5]);
    }
    expect(b.terms[1].z).toEqual(a.terms[1].z);
  });
});

describe('penicillin: diameter ~ 1 + (1 | plate) + (1 | sample) (crossed)', () => {
  it('24 plates and 6 samples; X is a column of ones', () => {
    const f = buildFrame('diameter ~ 1 + (1 | plate) + (1 | sample)', penicillin);
    expect(f.n).toBe(144);
    expect(f.fixedNames).toEqual(['(Intercept)']);
    expect(f.terms.map((t) => [t.group, t.levels.length])).toEqual([['plate', 24], ['sample', 6]]);
    expect(f.terms[1].levels).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    // line 4: "26,a,C"
    expect(f.y[2]).toBe(26);
    expect(f.terms[0].groupIndex[2]).toBe(0);
    expect(f.terms[1].groupIndex[2]).toBe(2);
    expect(Array.from(f.X).every((v) => v === 1)).toBe(true);
  });
});

describe('orthodont: distance ~ age * Sex + (age | Subject)', () => {
  const f = buildFrame('distance ~ age * Sex + (age | Subject)', orthodont);

  it('fixed names as lme4: (Intercept) age SexMale age:SexMale', () => {
    expect(f.fixedNames).toEqual(['(Intercept)', 'age', 'SexMale', 'age:SexMale']);
    expect(f.terms[0].columnNames).toEqual(['(Intercept)', 'age']);
    expect(f.terms[0].levels).toHaveLength(27);
  });

  it('X rows by hand: line 5 "26,14,M01,Male" and line 66 "21,8,F01,Female"', () => {
    expect(xRow(f, 3)).toEqual([1, 14, 1, 14]);
    expect(zRow(f.terms[0], f.n, 3)).toEqual([1, 14]);
    expect(f.terms[0].levels[f.terms[0].groupIndex[3]]).toBe('M01');
    expect(f.y[64]).toBe(21);
    expect(xRow(f, 64)).toEqual([1, 8, 0, 0]);
    expect(f.terms[0].levels[f.terms[0].groupIndex[64]]).toBe('F01');
  });

  it('an explicit level order changes the reference level', () => {
    const g = buildFrame('distance ~ age * Sex + (age | Subject)', orthodont, { levels: { Sex: ['Male', 'Female'] } });
    expect(g.fixedNames).toEqual(['(Intercept)', 'age', 'SexFemale', 'age:SexFemale']);
    expect(xRow(g, 64)).toEqual([1, 8, 1, 8]);
  });

  it('without intercept the first factor gets all its levels: distance ~ 0 + Sex + age:Sex', () => {
    const g = buildFrame('distance ~ 0 + Sex + age:Sex + (1 | Subject)', orthodont);
    expect(g.fixedNames).toEqual(['SexFemale', 'SexMale', 'SexFemale:age', 'SexMale:age']);
    expect(xRow(g, 3)).toEqual([0, 1, 0, 14]);
  });
});

describe('pastes: strength ~ 1 + (1 | batch/cask) (nested)', () => {
  it('groups cask:batch (30 levels) then batch (10 levels), as lme4 prints them', () => {
    const f = buildFrame('strength ~ 1 + (1|batch/cask)', pastes);
    expect(f.n).toBe(60);
    expect(f.terms.map((t) => [t.group, t.levels.length])).toEqual([['cask:batch', 30], ['batch', 10]]);
    // R's a:b orders levels with the first factor slowest: a:A, a:B, ..., a:J, b:A, ...
    expect(f.terms[0].levels.slice(0, 3)).toEqual(['a:A', 'a:B', 'a:C']);
    expect(f.terms[0].levels[10]).toBe('b:A');
    // line 4: "60.1,A,b,A:b"
    expect(f.terms[0].levels[f.terms[0].groupIndex[2]]).toBe('b:A');
    expect(f.terms[1].levels[f.terms[1].groupIndex[2]]).toBe('A');
    expect(zRow(f.terms[0], f.n, 2)).toEqual([1]);
  });

  it('the same 30 groups as the sample column (1 | sample)', () => {
    const f = buildFrame('strength ~ 1 + (1|batch/cask)', pastes);
    const s = buildFrame('strength ~ 1 + (1|sample)', pastes);
    const pairs = new Set<string>();
    for (let i = 0; i < f.n; i++) pairs.add(`${f.terms[0].groupIndex[i]}-${s.terms[0].groupIndex[i]}`);
    expect(pairs.size).toBe(30);
  });
});

describe('InstEval: y ~ service + (1|s) + (1|d) + (1|dept:service)', () => {
  it('service1, and 2972 / 1128 / 28 levels', () => {
    const insteval = readTable(`${D}insteval.csv`);
    const f = buildFrame('y ~ service + (1|s) + (1|d) + (1|dept:service)', insteval, { categorical: ['service'] });
    expect(f.n).toBe(73421);
    expect(f.fixedNames).toEqual(['(Intercept)', 'service1']);
    expect(f.terms.map((t) => [t.group, t.levels.length])).toEqual([['s', 2972], ['d', 1128], ['dept:service', 28]]);
    expect(f.terms[2].levels.slice(0, 3)).toEqual(['1:0', '1:1', '2:0']);
    // line 3: "1,1050,2,1,1,6,2"
    expect(xRow(f, 1)).toEqual([1, 1]);
    expect(f.y[1]).toBe(2);
    expect(f.terms[1].levels[f.terms[1].groupIndex[1]]).toBe('1050');
    expect(f.terms[2].levels[f.terms[2].groupIndex[1]]).toBe('6:1');
    // Without declaring service categorical it is a numeric slope, as in R with an integer column.
    const g = buildFrame('y ~ service + (1|s)', insteval);
    expect(g.fixedNames).toEqual(['(Intercept)', 'service']);
  });
});
