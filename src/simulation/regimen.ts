/**
 * Dosing regimens as immutable values that compose (in the spirit of mrgsolve's `ev` objects):
 * a regimen is a list of dose blocks, each "amount by route, every interval, count times",
 * starting at a time. `then` appends a regimen after another (a loading dose then
 * maintenance, a dose change), `plus` gives two regimens at once, `shift` moves one in time.
 *
 * Units: amounts are in the dataset's amount unit (per kg of body weight when `perKg`); times,
 * intervals and durations in hours; infusion rates in amount unit per hour. The text form
 * (regimen-parse.ts) converts other units to these.
 *
 * Example:
 *   const r = doses({ amount: 1000, route: 'iv', duration: 1, interval: 12, count: 14 })
 *     .then(doses({ amount: 500, route: 'oral', interval: 24, count: 7 }));
 *   regimenToDoses(r, { iv: 2, oral: 1 });  // two dose records, with ADDL 13 and ADDL 6
 */
import { PopkitError } from '../errors.js';

/**
 * Where a dose goes: 'iv' into the central compartment, 'oral' into the depot (any
 * extravascular first-order input), 'default' into the model's default dose compartment
 * (the data's CMT 0).
 */
export type DoseRoute = 'iv' | 'oral' | 'default';

/** One block of identical doses: `count` doses every `interval` hours from `start`. */
export interface DoseBlock {
  /** Time of the first dose (h). */
  readonly start: number;
  /** Amount per dose (dataset amount unit; per kg when perKg); NaN in a template still to be filled. */
  readonly amount: number;
  /** The amount is per kg of body weight (multiplied by each subject's weight). */
  readonly perKg: boolean;
  readonly route: DoseRoute;
  /** Explicit 1-based compartment (CMT), overriding the route's compartment. */
  readonly cmt?: number;
  /** Infusion duration (h); 0 unless the dose is an infusion given over a time. */
  readonly duration: number;
  /** Infusion rate (amount/h); 0 unless the dose is an infusion given at a rate. */
  readonly rate: number;
  /** Interval between doses (h); 0 for a single dose. */
  readonly interval: number;
  /** Number of doses (≥ 1). */
  readonly count: number;
}

/** What `doses` takes; omitted fields: route 'default', bolus, one dose, start 0. */
export interface DoseBlockSpec {
  readonly amount: number;
  readonly route?: DoseRoute;
  readonly perKg?: boolean;
  readonly cmt?: number;
  readonly duration?: number;
  readonly rate?: number;
  readonly interval?: number;
  readonly count?: number;
  readonly start?: number;
}

/** The compartments (1-based CMT numbers) receiving each route; 0 = the model's default. */
export interface DoseTargets {
  readonly iv: number;
  /** Depot compartment, when the model has one. */
  readonly oral?: number;
}

/** A dose record as it goes into a dataset (NONMEM items; times in hours). */
export interface DoseRecord {
  readonly time: number;
  readonly amt: number;
  readonly cmt: number;
  /** Infusion rate (amount/h), 0 for a bolus or an infusion given by duration. */
  readonly rate: number;
  /** Infusion duration (h), 0 for a bolus or an infusion given by rate. */
  readonly dur: number;
  readonly ii: number;
  readonly addl: number;
}

function checkBlock(b: DoseBlock): DoseBlock {
  const bad = (msg: string): never => { throw new PopkitError(`regimen: ${msg}`); };
  if (!(Number.isNaN(b.amount) || (Number.isFinite(b.amount) && b.amount > 0))) bad(`a dose amount must be positive (got ${b.amount})`);
  if (!(Number.isFinite(b.start) && b.start >= 0)) bad(`a dose time must be ≥ 0 h (got ${b.start})`);
  if (!(Number.isInteger(b.count) && b.count >= 1)) bad(`the number of doses must be a whole number ≥ 1 (got ${b.count})`);
  if (!(Number.isFinite(b.interval) && b.interval >= 0)) bad(`the dosing interval must be ≥ 0 h (got ${b.interval})`);
  if (b.count > 1 && !(b.interval > 0)) bad(`${b.count} doses need a dosing interval > 0`);
  if (!(b.duration >= 0 && Number.isFinite(b.duration))) bad(`an infusion duration must be ≥ 0 h (got ${b.duration})`);
  if (!(b.rate >= 0 && Number.isFinite(b.rate))) bad(`an infusion rate must be ≥ 0 (got ${b.rate})`);
  if (b.duration > 0 && b.rate > 0) bad('give an infusion either a duration or a rate, not both');
  if (b.perKg && b.rate > 0) bad('a per-kg dose is infused over a duration, not at a fixed rate');
  if (b.cmt !== undefined && !(Number.isInteger(b.cmt) && b.cmt >= 1)) bad(`a compartment number must be a whole number ≥ 1 (got ${b.cmt})`);
  return b;
}

/** An immutable dosing regimen: dose blocks in order of their start times. */
export class Regimen {
  readonly blocks: readonly DoseBlock[];

  /** Prefer `doses(...)` and the combinators; blocks are checked and sorted by start. */
  constructor(blocks: readonly DoseBlock[]) {
    this.blocks = Object.freeze([...blocks].map((b) => Object.freeze(checkBlock({ ...b }))).sort((a, b) => a.start - b.start));
  }

  /** Time of the last dose (h); 0 for an empty regimen. */
  get lastDoseTime(): number {
    let t = 0;
    for (const b of this.blocks) t = Math.max(t, b.start + (b.count - 1) * b.interval);
    return t;
  }

  /**
   * When the regimen is over (h): one interval after the last dose of the block that gives the
   * last dose, or the time of that dose when it is a single dose.
   */
  get end(): number {
    let t = 0;
    for (const b of this.blocks) {
      const last = b.start + (b.count - 1) * b.interval;
      t = Math.max(t, last + b.interval);
    }
    return t;
  }

  /** Total number of doses. */
  get doseCount(): number {
    return this.blocks.reduce((s, b) => s + b.count, 0);
  }

  /** True when some amount is still to be chosen (a template, amount NaN). */
  get isTemplate(): boolean {
    return this.blocks.some((b) => Number.isNaN(b.amount));
  }

  /**
   * This regimen followed by `next`. Where `next` starts: at `options.at` (h from this
   * regimen's start), `options.after` hours after this regimen's last dose, or by default at
   * `this.end` — one interval after the last dose; after a single dose (no interval), one of
   * `next`'s intervals after it ("loading dose, then maintenance every 12 h" gives the first
   * maintenance dose at 12 h).
   */
  then(next: Regimen, options: { readonly at?: number; readonly after?: number } = {}): Regimen {
    if (next.blocks.length === 0) return this;
    if (this.blocks.length === 0) return next.shift(options.at ?? options.after ?? 0);
    const first = next.blocks[0]!;
    let offset: number;
    if (options.at !== undefined) offset = options.at;
    else if (options.after !== undefined) offset = this.lastDoseTime + options.after;
    else {
      const lastBlockInterval = this.lastBlock().interval;
      if (lastBlockInterval > 0) offset = this.end;
      else if (first.interval > 0) offset = this.lastDoseTime + first.interval;
      else {
        throw new PopkitError('regimen: after a single dose, a following single dose needs a time (at <time> or after <time>)');
      }
    }
    return new Regimen([...this.blocks, ...next.blocks.map((b) => ({ ...b, start: b.start - first.start + offset }))]);
  }

  /** Both regimens at once (e.g. an intravenous and an oral drug input). */
  plus(other: Regimen): Regimen {
    return new Regimen([...this.blocks, ...other.blocks]);
  }

  /** The regimen moved `hours` later. */
  shift(hours: number): Regimen {
    return new Regimen(this.blocks.map((b) => ({ ...b, start: b.start + hours })));
  }

  /** The regimen with every dose amount (and infusion rate) multiplied by `factor` (> 0). */
  scale(factor: number): Regimen {
    if (!(factor > 0 && Number.isFinite(factor))) throw new PopkitError(`regimen: a scale factor must be positive (got ${factor})`);
    return new Regimen(this.blocks.map((b) => ({ ...b, amount: b.amount * factor, rate: b.rate * factor })));
  }

  /** The template with every missing amount (NaN) set to `amount`; other blocks unchanged. */
  withAmount(amount: number): Regimen {
    return new Regimen(this.blocks.map((b) => (Number.isNaN(b.amount) ? { ...b, amount } : b)));
  }

  /**
   * The text form with start times, e.g. "1000 mg iv over 1 h q12h x14 (from 0 h), then 500 mg po
   * q24h x7 (from 168 h)"; `unit` is the amount unit to print, `digits` the significant digits of amounts.
   */
  toString(unit?: string, digits = 10): string {
    return this.blocks.map((b) => formatBlock(b, unit, digits)).join(', then ');
  }

  private lastBlock(): DoseBlock {
    let best = this.blocks[0]!;
    for (const b of this.blocks) if (b.start + (b.count - 1) * b.interval >= best.start + (best.count - 1) * best.interval) best = b;
    return best;
  }
}

function formatBlock(b: DoseBlock, unit: string | undefined, digits: number): string {
  const formatNumber = (x: number): string => (Number.isNaN(x) ? '?' : String(Number(x.toPrecision(digits))));
  const parts = [`${formatNumber(b.amount)}${unit !== undefined ? ` ${unit}` : ''}${b.perKg ? '/kg' : ''}`];
  if (b.route !== 'default') parts.push(b.route === 'iv' ? 'iv' : 'po');
  if (b.cmt !== undefined) parts.push(`cmt ${b.cmt}`);
  if (b.duration > 0) parts.push(`over ${formatNumber(b.duration)} h`);
  if (b.rate > 0) parts.push(`at ${formatNumber(b.rate)}${unit !== undefined ? ` ${unit}` : ''}/h`);
  if (b.count > 1) parts.push(`q${formatNumber(b.interval)}h x${b.count}`);
  parts.push(`(from ${formatNumber(b.start)} h)`);
  return parts.join(' ');
}

/**
 * A regimen of one block: `count` doses of `amount` every `interval` hours from `start`.
 * Example: `doses({ amount: 500, route: 'oral', interval: 24, count: 7 })`.
 */
export function doses(spec: DoseBlockSpec): Regimen {
  const count = spec.count ?? 1;
  return new Regimen([{
    start: spec.start ?? 0,
    amount: spec.amount,
    perKg: spec.perKg ?? false,
    route: spec.route ?? 'default',
    ...(spec.cmt !== undefined ? { cmt: spec.cmt } : {}),
    duration: spec.duration ?? 0,
    rate: spec.rate ?? 0,
    interval: spec.interval ?? 0,
    count,
  }]);
}

/** Dose times (h) of the regimen, ascending, one per dose. */
export function doseTimes(regimen: Regimen): Float64Array {
  const times: number[] = [];
  for (const b of regimen.blocks) for (let k = 0; k < b.count; k++) times.push(b.start + k * b.interval);
  return Float64Array.from(times.sort((a, b) => a - b));
}

/**
 * The dose records of a regimen, one per block (ADDL = count − 1, II = interval), sorted by
 * time. `targets` gives the compartment of each route; `weight` (kg) multiplies per-kg
 * amounts and is required when the regimen has any. Throws PopkitError for a template
 * amount, an oral dose into a model without a depot, or a per-kg dose without a weight.
 * Example: `regimenToDoses(doses({ amount: 100, route: 'iv' }), { iv: 1 })`
 *   → [{ time: 0, amt: 100, cmt: 1, rate: 0, dur: 0, ii: 0, addl: 0 }].
 */
export function regimenToDoses(regimen: Regimen, targets: DoseTargets, weight?: number): DoseRecord[] {
  return regimen.blocks.map((b) => {
    if (Number.isNaN(b.amount)) throw new PopkitError('regimen: the dose amount is still to be chosen (?)');
    let cmt: number;
    if (b.cmt !== undefined) cmt = b.cmt;
    else if (b.route === 'iv') cmt = targets.iv;
    else if (b.route === 'oral') {
      if (targets.oral === undefined) throw new PopkitError('regimen: an oral (po) dose needs a depot compartment, and the model has none; use iv or name a compartment with cmt <n>');
      cmt = targets.oral;
    } else cmt = 0;
    let amt = b.amount;
    if (b.perKg) {
      if (weight === undefined || !(weight > 0)) {
        throw new PopkitError(`regimen: a per-kg dose needs each subject's body weight (got ${weight === undefined ? 'none' : weight})`);
      }
      amt *= weight;
    }
    return {
      time: b.start, amt, cmt, rate: b.rate, dur: b.duration,
      ii: b.count > 1 ? b.interval : 0, addl: b.count - 1,
    };
  }).sort((a, b) => a.time - b.time);
}

/** True when some block is dosed per kg of body weight. */
export function isPerKg(regimen: Regimen): boolean {
  return regimen.blocks.some((b) => b.perKg);
}
