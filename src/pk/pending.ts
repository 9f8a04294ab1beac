/**
 * Events generated while predicting (not data records): the arrival of a lagged dose and the
 * end of an infusion. Kept sorted by time, first-in first-out among equal times, in flat
 * typed arrays that grow by doubling (no allocation per event once warmed up).
 */

/** A lagged dose arrives: a bolus (rate 0) or the start of an infusion. */
export const PENDING_DOSE_START = 0;
/** An infusion ends. */
export const PENDING_INFUSION_END = 1;

export class PendingQueue {
  time: Float64Array;
  kind: Uint8Array;
  cmt: Int32Array;
  /** Bolus amount (amount) for a start with rate 0. */
  amount: Float64Array;
  /** Infusion rate (amount/time). */
  rate: Float64Array;
  /** Infusion duration (time) for a start. */
  duration: Float64Array;
  size = 0;

  constructor(capacity = 16) {
    this.time = new Float64Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.cmt = new Int32Array(capacity);
    this.amount = new Float64Array(capacity);
    this.rate = new Float64Array(capacity);
    this.duration = new Float64Array(capacity);
  }

  clear(): void {
    this.size = 0;
  }

  /** Inserts after every entry with time ≤ `time` (stable). */
  push(time: number, kind: number, cmt: number, amount: number, rate: number, duration: number): void {
    if (this.size === this.time.length) this.grow();
    let i = this.size;
    while (i > 0 && this.time[i - 1]! > time) {
      this.time[i] = this.time[i - 1]!;
      this.kind[i] = this.kind[i - 1]!;
      this.cmt[i] = this.cmt[i - 1]!;
      this.amount[i] = this.amount[i - 1]!;
      this.rate[i] = this.rate[i - 1]!;
      this.duration[i] = this.duration[i - 1]!;
      i--;
    }
    this.time[i] = time;
    this.kind[i] = kind;
    this.cmt[i] = cmt;
    this.amount[i] = amount;
    this.rate[i] = rate;
    this.duration[i] = duration;
    this.size++;
  }

  /** Removes the first entry (the caller has read it at index 0). */
  shift(): void {
    const n = --this.size;
    this.time.copyWithin(0, 1, n + 1);
    this.kind.copyWithin(0, 1, n + 1);
    this.cmt.copyWithin(0, 1, n + 1);
    this.amount.copyWithin(0, 1, n + 1);
    this.rate.copyWithin(0, 1, n + 1);
    this.duration.copyWithin(0, 1, n + 1);
  }

  private grow(): void {
    const cap = this.time.length * 2;
    const g = <T extends Float64Array | Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.time = g(this.time, (n) => new Float64Array(n));
    this.kind = g(this.kind, (n) => new Uint8Array(n));
    this.cmt = g(this.cmt, (n) => new Int32Array(n));
    this.amount = g(this.amount, (n) => new Float64Array(n));
    this.rate = g(this.rate, (n) => new Float64Array(n));
    this.duration = g(this.duration, (n) => new Float64Array(n));
  }
}
