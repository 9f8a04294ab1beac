/**
 * The text form of a regimen, for the command line:
 *
 *   regimen := block { (", then" | "then" | ";") block }
 *   block   := ["loading"] ["after" <time>] amount [unit] item*
 *   amount  := <number> | "?"            ("?" = to be chosen, in dose individualization)
 *   unit    := mass unit (g, mg, ug, mcg, µg, ng) or mass per kg (mg/kg, ...) or the dataset's
 *              amount unit as written (e.g. mmol)
 *   item    := route                     iv | bolus | infusion | inf | po | oral | sc | im
 *            | "over" <time>             infusion duration (30 min, 1 h, 1.5 h)
 *            | "at" <number> <unit>/<t>  infusion rate (at 500 mg/h)
 *            | "at" <time> | "from" <time>   time of the block's first dose, from the start
 *            | "q" <time> | "every" <time> | qd | daily | bid | tid | qid | once
 *            | "x" <n> ["doses"] | <n> "doses" | "for" <time>   number of doses
 *            | "cmt" <n>                 dose into compartment n (CMT), overriding the route
 *   <time>  := <number> [h | min | d | w]   (hours when no unit is given)
 *
 * Routes: iv and bolus are intravenous boluses into the central compartment, infusion needs
 * `over` or `at`; po, oral, sc and im dose the depot (first-order absorption). Without a
 * route, doses go to the model's default dose compartment. A block without a count is a
 * single dose; `then` starts the next block one interval after the last dose (after a single
 * dose: one of the next block's intervals later), unless it says `at` (time from the start)
 * or `after` (time after the previous dose).
 *
 * Examples: "1000 mg iv over 1 h q12h x14, then 500 mg po q24h x7";
 * "loading 20 mg/kg iv, then 5 mg/kg iv q12h x10"; "100 mg po bid for 7 d".
 * Errors are SpecErrors pointing at the word that is wrong.
 */
import { doses, Regimen, type DoseRoute } from './regimen.js';
import { SpecError, tokenize, TokenCursor, hoursPerUnit, type Token } from './spec-text.js';

/** Mass units and their size in mg. */
const MASS_IN_MG: Readonly<Record<string, number>> = {
  g: 1000, mg: 1, ug: 1e-3, mcg: 1e-3, 'µg': 1e-3, 'μg': 1e-3, ng: 1e-6,
};

const ROUTES: Readonly<Record<string, { route: DoseRoute; infusion: boolean }>> = {
  iv: { route: 'iv', infusion: false }, bolus: { route: 'iv', infusion: false }, ivb: { route: 'iv', infusion: false },
  infusion: { route: 'iv', infusion: true }, inf: { route: 'iv', infusion: true }, ivi: { route: 'iv', infusion: true },
  po: { route: 'oral', infusion: false }, oral: { route: 'oral', infusion: false },
  sc: { route: 'oral', infusion: false }, im: { route: 'oral', infusion: false },
};

const FREQUENCIES: Readonly<Record<string, number>> = {
  qd: 24, od: 24, daily: 24, bid: 12, tid: 8, qid: 6,
};

export interface RegimenParseOptions {
  /**
   * The dataset's amount unit. Amounts written in another mass unit are converted to it when
   * it is a mass unit; otherwise a unit in the text must equal it. When absent, amounts are in
   * the unit of the first amount that names one (so "60000 ug po q24h" doses 60000 ug), and
   * amounts without a unit are in that unit.
   */
  readonly amountUnit?: string;
  /**
   * Accept an interval without a number of doses (the block then holds one dose and keeps its
   * interval), for regimen forms whose length is chosen later (dose individualization).
   */
  readonly countOptional?: boolean;
}

/** A parsed regimen and the amount unit its amounts are in (undefined when no unit was written or given). */
export interface ParsedRegimen {
  readonly regimen: Regimen;
  readonly amountUnit: string | undefined;
}

/**
 * Parse a regimen text (grammar in the module comment) into a Regimen, in hours and the
 * dataset's amount unit. Throws SpecError with a caret under the offending word.
 * Example: `parseRegimen('1000 mg iv over 1 h q12h x14, then 500 mg po q24h x7').doseCount` is 21.
 */
export function parseRegimen(text: string, options: RegimenParseOptions = {}): Regimen {
  return parseRegimenText(text, options).regimen;
}

/**
 * Parse a regimen text and report the amount unit of its amounts (see RegimenParseOptions).
 * Example: `parseRegimenText('1 g iv, then 500 mg iv q12h x4').amountUnit` is 'g' (amounts 1 and 0.5).
 */
export function parseRegimenText(text: string, options: RegimenParseOptions = {}): ParsedRegimen {
  const c = new TokenCursor(tokenize(text, 'regimen'), text, 'regimen');
  if (c.done) throw c.error('the regimen is empty; write e.g. "100 mg po q12h x14"');
  const unit: UnitState = { amountUnit: options.amountUnit, countOptional: options.countOptional ?? false };
  let regimen: Regimen | undefined;
  for (;;) {
    const block = parseBlock(c, unit, regimen === undefined);
    regimen = regimen === undefined
      ? block.regimen.shift(block.at ?? 0)
      : regimen.then(block.regimen, { ...(block.at !== undefined ? { at: block.at } : {}), ...(block.after !== undefined ? { after: block.after } : {}) });
    if (c.done) break;
    const sep = c.next()!;
    if (sep.text === ',' || sep.text === ';') {
      c.accept('then');
    } else if (sep.lower !== 'then') {
      throw c.error(`unexpected '${sep.text}'; blocks are separated by ', then'`, sep);
    }
    if (c.done) throw c.error('expected a dose after \'then\'');
  }
  return { regimen, amountUnit: unit.amountUnit };
}

/** The amount unit in force while parsing (fixed by the first unit written when not given). */
interface UnitState {
  amountUnit: string | undefined;
  readonly countOptional: boolean;
}

interface ParsedBlock {
  readonly regimen: Regimen;
  readonly at?: number;
  readonly after?: number;
}

function isSeparator(t: Token | undefined): boolean {
  return t !== undefined && (t.lower === 'then' || t.text === ',' || t.text === ';');
}

function parseBlock(c: TokenCursor, unit: UnitState, first: boolean): ParsedBlock {
  c.accept('loading');
  let after: number | undefined;
  const afterTok = c.accept('after');
  if (afterTok) {
    if (first) throw c.error('\'after\' places a dose after the previous one; the first dose uses \'at <time>\'', afterTok);
    after = c.duration('a time after the previous dose (e.g. after 6 h)').hours;
  }
  let amount: number;
  let amountTok: Token;
  const q = c.accept('?');
  if (q) {
    amount = NaN;
    amountTok = q;
  } else {
    const n = c.number('a dose amount (e.g. 500 mg)');
    amount = n.value;
    amountTok = n.token;
    if (!(amount > 0)) throw c.error('a dose amount must be positive', amountTok);
  }
  let perKg = false;
  const unitTok = c.peek();
  if (unitTok !== undefined && unitTok.kind === 'word' && looksLikeAmountUnit(unitTok.lower, unit.amountUnit)) {
    c.next();
    const [mass, per] = unitTok.text.split('/');
    if (per !== undefined) {
      if (per.toLowerCase() !== 'kg') throw c.error(`'${unitTok.text}' is not an amount unit; use e.g. mg or mg/kg (a rate goes after 'at')`, unitTok);
      perKg = true;
    }
    unit.amountUnit ??= mass!;
    amount *= massFactor(mass!.toLowerCase(), unit.amountUnit, c, unitTok);
  }

  let route: DoseRoute = 'default';
  let routeTok: Token | undefined;
  let infusion = false;
  let duration = 0;
  let rate = 0;
  let rateTok: Token | undefined;
  let interval: number | undefined;
  let intervalTok: Token | undefined;
  let intervalEnd: Token | undefined;
  let count: number | undefined;
  let countTok: Token | undefined;
  let course: { hours: number; first: Token; last: Token } | undefined;
  let at: number | undefined;
  let cmt: number | undefined;
  const once = (seen: Token | undefined, t: Token, what: string): void => {
    if (seen !== undefined) throw c.error(`${what} is given twice`, t);
  };

  while (!c.done && !isSeparator(c.peek())) {
    const t = c.next()!;
    const w = t.lower;
    if (ROUTES[w] !== undefined) {
      once(routeTok, t, 'the route');
      routeTok = t;
      route = ROUTES[w]!.route;
      infusion = ROUTES[w]!.infusion;
    } else if (w === 'over') {
      if (duration > 0 || rate > 0) throw c.error('the infusion duration or rate is given twice', t);
      const d = c.duration('an infusion duration (e.g. over 1 h, over 30 min)');
      if (!(d.hours > 0)) throw c.errorSpan('an infusion duration must be positive', d.first, d.last);
      duration = d.hours;
      rateTok = t;
    } else if (w === 'at' || w === 'from') {
      const n = c.number(w === 'at' ? 'a rate (at 500 mg/h) or a time (at 24 h)' : 'a time (from 24 h)');
      const u = c.peek();
      const hours = u?.kind === 'word' ? hoursPerUnit(u.text) : undefined;
      if (hours !== undefined || w === 'from') {
        if (hours !== undefined) c.next();
        if (at !== undefined) throw c.error('the start time is given twice', t);
        if (afterTok) throw c.error('give either \'after\' or \'at\', not both', t);
        at = n.value * (hours ?? 1);
        if (!(at >= 0)) throw c.error('a start time must be ≥ 0', n.token);
      } else if (u?.kind === 'word' && u.lower.includes('/')) {
        c.next();
        if (duration > 0 || rate > 0) throw c.error('the infusion duration or rate is given twice', t);
        const [mass, per] = u.text.split('/');
        const perHour = hoursPerUnit(per!);
        if (perHour === undefined) throw c.error(`'${u.text}' is not a rate unit; write e.g. mg/h or mg/min`, u);
        unit.amountUnit ??= mass!;
        rate = (n.value * massFactor(mass!.toLowerCase(), unit.amountUnit, c, u)) / perHour;
        if (!(rate > 0)) throw c.error('an infusion rate must be positive', n.token);
        rateTok = t;
      } else {
        throw c.error(`'at ${n.token.text}' needs a unit: a rate (at ${n.token.text} mg/h) or a time (at ${n.token.text} h)`, n.token);
      }
    } else if (w === 'q' || w === 'every') {
      once(intervalTok, t, 'the dosing interval');
      const d = c.duration('a dosing interval (e.g. q12h, every 8 h)');
      if (!(d.hours > 0)) throw c.errorSpan('a dosing interval must be positive', d.first, d.last);
      interval = d.hours;
      intervalTok = t;
      intervalEnd = d.last;
    } else if (FREQUENCIES[w] !== undefined) {
      once(intervalTok, t, 'the dosing interval');
      interval = FREQUENCIES[w];
      intervalTok = t;
      intervalEnd = t;
    } else if (w === 'once') {
      once(countTok, t, 'the number of doses');
      count = 1;
      countTok = t;
    } else if (w === 'x' || w === '×') {
      once(countTok ?? course?.first, t, 'the number of doses');
      const n = c.number('a number of doses (e.g. x14)');
      if (!(Number.isInteger(n.value) && n.value >= 1)) throw c.error('the number of doses must be a whole number ≥ 1', n.token);
      count = n.value;
      countTok = n.token;
      if (!c.accept('doses')) c.accept('times');
    } else if (t.kind === 'number' && (c.peek()?.lower === 'doses' || c.peek()?.lower === 'dose')) {
      once(countTok ?? course?.first, t, 'the number of doses');
      c.next();
      if (!(Number.isInteger(t.value) && t.value >= 1)) throw c.error('the number of doses must be a whole number ≥ 1', t);
      count = t.value;
      countTok = t;
    } else if (w === 'for') {
      once(countTok ?? course?.first, t, 'the number of doses');
      course = c.duration('a treatment length (e.g. for 7 d)');
      if (!(course.hours > 0)) throw c.errorSpan('a treatment length must be positive', course.first, course.last);
    } else if (w === 'cmt') {
      const n = c.number('a compartment number (e.g. cmt 2)');
      if (!(Number.isInteger(n.value) && n.value >= 1)) throw c.error('a compartment number is a whole number ≥ 1', n.token);
      cmt = n.value;
    } else if (t.kind === 'word' && looksLikeAmountUnit(w, unit.amountUnit)) {
      throw c.error(`the unit '${t.text}' belongs right after the amount`, t);
    } else {
      throw c.error(`unknown word '${t.text}'; expected a route (iv, po, infusion), 'over <time>', 'at <rate>', `
        + '\'q<interval>\' (q12h, bid) or a number of doses (x14, for 7 d)', t);
    }
  }

  if (course !== undefined) {
    if (interval === undefined) throw c.errorSpan('\'for <time>\' needs a dosing interval (e.g. q12h)', course.first, course.last);
    const n = course.hours / interval;
    if (Math.abs(n - Math.round(n)) > 1e-9 * Math.max(1, n)) {
      throw c.errorSpan(`${course.hours} h is not a whole number of ${interval} h intervals`, course.first, course.last);
    }
    count = Math.round(n);
  }
  if (infusion && duration === 0 && rate === 0) {
    throw c.error('an infusion needs a duration (over 1 h) or a rate (at 100 mg/h)', routeTok);
  }
  if (count === undefined) {
    if (interval !== undefined && !unit.countOptional) throw c.errorSpan('how many doses? add e.g. x14 or for 7 d', intervalTok!, intervalEnd!);
    count = 1;
  }
  if (count > 1 && interval === undefined) throw c.error(`${count} doses need a dosing interval (e.g. q12h)`, countTok);
  if (perKg && rate > 0) throw c.error('a per-kg dose is infused over a duration (over 1 h), not at a fixed rate', rateTok);
  const regimen = doses({
    amount, perKg, route, ...(cmt !== undefined ? { cmt } : {}), duration, rate,
    interval: count > 1 ? interval! : (interval ?? 0), count,
  });
  return { regimen, ...(at !== undefined ? { at } : {}), ...(after !== undefined ? { after } : {}) };
}

function looksLikeAmountUnit(lower: string, amountUnit: string | undefined): boolean {
  const mass = lower.split('/')[0]!;
  return MASS_IN_MG[mass] !== undefined || mass === amountUnit?.toLowerCase() || (amountUnit === undefined && COUNT_UNITS.has(mass));
}

/** Amount units that are not masses but are recognised as units when no amount unit is given. */
const COUNT_UNITS = new Set(['mmol', 'umol', 'µmol', 'nmol', 'mol', 'iu', 'u', 'units', 'meq']);

/** Factor converting an amount in `unit` to the dataset's `amountUnit`. */
function massFactor(unit: string, amountUnit: string, c: TokenCursor, t: Token): number {
  const target = amountUnit.toLowerCase();
  if (unit === target) return 1;
  const from = MASS_IN_MG[unit];
  const to = MASS_IN_MG[target];
  if (from === undefined) throw c.error(`'${t.text}' is not an amount unit (g, mg, ug, ng, or ${amountUnit})`, t);
  if (to === undefined) {
    throw new SpecError('regimen', `amounts are in ${amountUnit} (the amount unit); '${t.text}' cannot be converted to it`, c.text, t.start, t.end - t.start);
  }
  return from / to;
}
