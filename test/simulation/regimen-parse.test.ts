/**
 * Regimens: the composable values, their dose records, and the text form with errors that
 * point at the offending word. Expected values are worked by hand from the grammar.
 */
import { describe, expect, test } from 'vitest';
import { PopkitError } from '../../src/errors.js';
import { doses, doseTimes, regimenToDoses } from '../../src/simulation/regimen.js';
import { parseRegimen, parseRegimenText } from '../../src/simulation/regimen-parse.js';
import { SpecError } from '../../src/simulation/spec-text.js';

/** The SpecError thrown by `f`, with the caret line decoded. */
function specError(f: () => unknown): { error: SpecError; caretStart: number; caretLength: number } {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    const e = err as SpecError;
    const lines = e.message.split('\n');
    expect(lines[1]).toBe(`  ${e.text}`);
    const caret = lines[2]!.slice(2);
    return { error: e, caretStart: caret.indexOf('^'), caretLength: caret.length - caret.indexOf('^') };
  }
  throw new Error('expected a SpecError');
}

/** Check that the error's caret is under `word` (its first occurrence after `from`). */
function expectCaretUnder(text: string, word: string, f: () => unknown, from = 0): SpecError {
  const { error, caretStart, caretLength } = specError(f);
  expect(caretStart).toBe(text.indexOf(word, from));
  expect(caretLength).toBe(word.length);
  return error;
}

describe('regimen values', () => {
  test('loading dose then maintenance: the first maintenance dose one interval after the loading dose', () => {
    const r = doses({ amount: 1000, route: 'iv' }).then(doses({ amount: 500, route: 'iv', interval: 12, count: 4 }));
    expect(Array.from(doseTimes(r))).toEqual([0, 12, 24, 36, 48]);
    expect(r.lastDoseTime).toBe(48);
    expect(r.end).toBe(60);
  });
  test('then after a repeated block starts one interval after its last dose; at/after override', () => {
    const a = doses({ amount: 100, route: 'oral', interval: 24, count: 3 });
    const b = doses({ amount: 50, route: 'oral', interval: 12, count: 2 });
    expect(Array.from(doseTimes(a.then(b)))).toEqual([0, 24, 48, 72, 84]);
    expect(Array.from(doseTimes(a.then(b, { after: 6 })))).toEqual([0, 24, 48, 54, 66]);
    expect(Array.from(doseTimes(a.then(b, { at: 100 })))).toEqual([0, 24, 48, 100, 112]);
  });
  test('plus, shift and scale are pure', () => {
    const a = doses({ amount: 100, route: 'iv', interval: 12, count: 2 });
    const b = a.shift(6).scale(2);
    expect(a.blocks[0]!.start).toBe(0);
    expect(a.blocks[0]!.amount).toBe(100);
    expect(b.blocks[0]!.start).toBe(6);
    expect(b.blocks[0]!.amount).toBe(200);
    expect(Array.from(doseTimes(a.plus(b)))).toEqual([0, 6, 12, 18]);
    expect(Object.isFrozen(a.blocks)).toBe(true);
  });
  test('dose records: one per block with ADDL and II; routes to compartments; per-kg amounts', () => {
    const r = parseRegimen('1000 mg iv over 1 h q12h x14, then 500 mg po q24h x7');
    expect(regimenToDoses(r, { iv: 2, oral: 1 })).toEqual([
      { time: 0, amt: 1000, cmt: 2, rate: 0, dur: 1, ii: 12, addl: 13 },
      { time: 168, amt: 500, cmt: 1, rate: 0, dur: 0, ii: 24, addl: 6 },
    ]);
    const kg = parseRegimen('loading 20 mg/kg iv, then 5 mg/kg iv q12h x10');
    expect(regimenToDoses(kg, { iv: 1 }, 3.5)).toEqual([
      { time: 0, amt: 70, cmt: 1, rate: 0, dur: 0, ii: 0, addl: 0 },
      { time: 12, amt: 17.5, cmt: 1, rate: 0, dur: 0, ii: 12, addl: 9 },
    ]);
    expect(() => regimenToDoses(kg, { iv: 1 })).toThrow(/body weight/);
    expect(() => regimenToDoses(parseRegimen('100 mg po'), { iv: 1 })).toThrow(/depot/);
    expect(() => doses({ amount: -1 })).toThrow(PopkitError);
    expect(() => doses({ amount: 1, count: 3 })).toThrow(/interval/);
  });
});

describe('regimen text', () => {
  test('the example of the command line', () => {
    const r = parseRegimen('1000 mg iv over 1 h q12h x14, then 500 mg po q24h x7');
    expect(r.doseCount).toBe(21);
    expect(r.blocks).toEqual([
      { start: 0, amount: 1000, perKg: false, route: 'iv', duration: 1, rate: 0, interval: 12, count: 14 },
      { start: 168, amount: 500, perKg: false, route: 'oral', duration: 0, rate: 0, interval: 24, count: 7 },
    ]);
    expect(r.end).toBe(336);
  });
  test('frequencies, courses, rates, minutes and days', () => {
    expect(parseRegimen('100 mg po bid for 7 d').blocks[0]).toMatchObject({ interval: 12, count: 14 });
    expect(parseRegimen('100 mg po tid x3').blocks[0]).toMatchObject({ interval: 8, count: 3 });
    expect(parseRegimen('100 mg po every 1 d x3').blocks[0]).toMatchObject({ interval: 24, count: 3 });
    expect(parseRegimen('500 mg infusion at 250 mg/h q8h x3').blocks[0]).toMatchObject({ route: 'iv', rate: 250, duration: 0 });
    expect(parseRegimen('500 mg iv over 30 min q8h x3').blocks[0]).toMatchObject({ duration: 0.5 });
    expect(parseRegimen('2 g iv at 12 h').blocks[0]).toMatchObject({ start: 12, amount: 2 });
    expect(parseRegimen('100 mg po q24h 5 doses').blocks[0]).toMatchObject({ count: 5 });
    expect(parseRegimen('100 q24h x2').blocks[0]).toMatchObject({ route: 'default', amount: 100 });
  });
  test('then after <time> counts from the previous dose', () => {
    const r = parseRegimen('100 mg po q24h x3, then after 48 h 200 mg po q24h x2');
    expect(Array.from(doseTimes(r))).toEqual([0, 24, 48, 96, 120]);
  });
  test('amount units: the first unit written, or converted to the given amount unit', () => {
    const a = parseRegimenText('1 g iv, then 500 mg iv q12h x4');
    expect(a.amountUnit).toBe('g');
    expect(a.regimen.blocks.map((b) => b.amount)).toEqual([1, 0.5]);
    const b = parseRegimenText('1 g iv, then 500 mg iv q12h x4', { amountUnit: 'mg' });
    expect(b.regimen.blocks.map((x) => x.amount)).toEqual([1000, 500]);
    expect(parseRegimen('250 ug po', { amountUnit: 'mg' }).blocks[0]!.amount).toBeCloseTo(0.25, 15);
    expect(parseRegimenText('10 mmol iv').amountUnit).toBe('mmol');
    expect(parseRegimenText('10 iv').amountUnit).toBeUndefined();
  });
  test('a template amount', () => {
    const r = parseRegimen('? mg iv over 1 h q12h x10');
    expect(r.isTemplate).toBe(true);
    expect(r.withAmount(750).blocks[0]!.amount).toBe(750);
    expect(() => regimenToDoses(r, { iv: 1 })).toThrow(/to be chosen/);
  });
});

describe('regimen text errors point at the word', () => {
  test('unknown route', () => {
    const text = '1000 mg ivv over 1 h q12h x14';
    const e = expectCaretUnder(text, 'ivv', () => parseRegimen(text));
    expect(e.message).toMatch(/^regimen: unknown word 'ivv'/);
  });
  test('an interval without a count', () => {
    const text = '1000 mg iv q12h';
    expect(expectCaretUnder(text, 'q12h', () => parseRegimen(text)).reason).toMatch(/how many doses/);
  });
  test('a missing duration after over', () => {
    const text = '1000 mg iv over h q12h x2';
    expect(expectCaretUnder(text, 'h', () => parseRegimen(text), 16).reason).toMatch(/infusion duration/);
  });
  test('a fractional count', () => {
    const text = '100 mg po q12h x2.5';
    expectCaretUnder(text, '2.5', () => parseRegimen(text));
  });
  test('a course without an interval', () => {
    const text = '100 mg po for 7 d';
    expect(expectCaretUnder(text, '7 d', () => parseRegimen(text)).reason).toMatch(/dosing interval/);
  });
  test('an infusion without duration or rate', () => {
    const text = '100 mg infusion q8h x3';
    expectCaretUnder(text, 'infusion', () => parseRegimen(text));
  });
  test('a unit that cannot be converted', () => {
    const text = '100 mmol iv';
    expectCaretUnder(text, 'mmol', () => parseRegimen(text, { amountUnit: 'mg' }));
  });
  test('a course that is not a whole number of intervals', () => {
    const text = '100 mg po q24h for 36 h';
    expect(expectCaretUnder(text, '36 h', () => parseRegimen(text)).reason).toMatch(/whole number/);
  });
  test('nothing after then; an unexpected character', () => {
    const text = '100 mg po q24h x3 then';
    expect(specError(() => parseRegimen(text)).caretStart).toBe(text.length);
    const bad = '100 mg po & q24h x3';
    expectCaretUnder(bad, '&', () => parseRegimen(bad));
  });
  test('a rate with a per-kg dose; at without a unit', () => {
    const text = '5 mg/kg iv at 10 mg/h';
    expectCaretUnder(text, 'at', () => parseRegimen(text));
    const at = '5 mg iv at 10';
    expectCaretUnder(at, '10', () => parseRegimen(at));
  });
});
