/**
 * Data records with NONMEM's defaults, and the checks that concern one record at a time.
 *
 * Defaults (NM-TRAN, NONMEM 7 help: "EVID", "DV and MDV", "AMT"):
 *  - a missing ('.') AMT, RATE, DUR, SS, II, ADDL or CMT is 0 (CMT 0 = the model's default);
 *  - a record is a dose when AMT != 0, or when SS > 0 and RATE > 0 with AMT 0 (steady-state
 *    constant infusion);
 *  - without an EVID column: MDV 0 -> EVID 0; a dose -> EVID 1; MDV 1 and not a dose -> EVID 2;
 *    without MDV either: a dose -> EVID 1, else EVID 0;
 *  - without an MDV column: MDV 0 for EVID 0, else 1 (PREDPP requires MDV 1 on EVID 1-4);
 *  - DV is kept only on observations (EVID 0, MDV 0); elsewhere it is NaN.
 * Checks follow PREDPP's rules for each item (NONMEM 7 help: "AMT", "EVID", "SS", "II",
 * "ADDL", "RATE"); a missing EVID or MDV value is an error rather than NONMEM's silent 0.
 */
import type { DataProblem } from '../errors.js';
import { parseNumber } from './table.js';
import type { StandardColumns } from './standard-columns.js';
import type { DataRecord, StandardItem, Table } from './types.js';

/**
 * Numeric values of one standard column; `bad` marks the values already reported: texts that
 * are not numbers, and numbers beyond the range of a double (e.g. 1e400), both read as NaN.
 */
interface ItemValues {
  readonly name: string;
  readonly values: Float64Array;
  readonly bad: Uint8Array;
}

const DOSE_ITEMS = ['AMT', 'RATE', 'DUR', 'SS', 'II', 'ADDL'] as const;

function itemValues(table: Table, j: number, problems: DataProblem[]): ItemValues {
  const col = table.columns[j];
  const bad = new Uint8Array(table.nRows);
  const values = new Float64Array(table.nRows);
  const flag = (r: number, message: string): void => {
    bad[r] = 1;
    problems.push({ file: table.file, line: table.lines[r], column: col.name, message });
  };
  for (let r = 0; r < table.nRows; r++) {
    let x: number;
    if (col.kind === 'numeric') {
      x = col.values[r];
    } else {
      const text = col.values[r];
      x = text === null ? NaN : parseNumber(text);
      if (text !== null && Number.isNaN(x)) flag(r, `not a number ('${text}')`);
    }
    if (x === Infinity || x === -Infinity) {
      flag(r, 'the value is too large to be a number (beyond ±1.8e308)');
      x = NaN;
    }
    values[r] = x;
  }
  return { name: col.name, values, bad };
}

/** ID of row r in its string form (numbers without a trailing '.0'), or null when missing. */
function idOf(table: Table, j: number, r: number): string | null {
  const col = table.columns[j];
  if (col.kind === 'string') return col.values[r];
  const x = col.values[r];
  return Number.isNaN(x) ? null : String(x);
}

const isWhole = (x: number): boolean => Number.isInteger(x);

/**
 * Build one DataRecord per table row, applying NONMEM's defaults, and append every
 * record-level problem to `problems`. Records are built even for faulty rows so that all
 * problems of a file are found in one pass; callers must not use them when problems exist.
 */
export function buildRecords(table: Table, std: StandardColumns, problems: DataProblem[]): DataRecord[] {
  const { file } = table;
  const item = (name: StandardItem): ItemValues | undefined =>
    std.index[name] === undefined || name === 'ID' ? undefined : itemValues(table, std.index[name]!, problems);
  const idIndex = std.index.ID;
  const TIME = item('TIME'), DV = item('DV'), AMT = item('AMT'), EVID = item('EVID'), MDV = item('MDV');
  const CMT = item('CMT'), RATE = item('RATE'), DUR = item('DUR'), SS = item('SS'), II = item('II'), ADDL = item('ADDL');
  const byName: Record<string, ItemValues | undefined> = { AMT, RATE, DUR, SS, II, ADDL };

  const records: DataRecord[] = new Array(table.nRows);
  for (let r = 0; r < table.nRows; r++) {
    const line = table.lines[r];
    const report = (col: ItemValues | string | undefined, message: string): void => {
      problems.push({ file, line, column: typeof col === 'string' ? col : col?.name, message });
    };
    /** Value of an optional item: 0 when the column is absent or the value missing. */
    const opt = (col: ItemValues | undefined): number => {
      if (col === undefined) return 0;
      const x = col.values[r];
      return Number.isNaN(x) ? 0 : x;
    };
    const flagged = new Set<string>();
    const flag = (col: ItemValues | undefined, message: string): void => {
      if (col !== undefined) flagged.add(col.name);
      report(col, message);
    };

    let id = idIndex === undefined ? null : idOf(table, idIndex, r);
    if (idIndex !== undefined && id === null) {
      report(table.names[idIndex], 'ID is missing');
    }
    id ??= '';

    const time = TIME === undefined ? NaN : TIME.values[r];
    if (TIME !== undefined && Number.isNaN(time) && TIME.bad[r] === 0) report(TIME, 'TIME is missing');

    const amtRaw = AMT === undefined ? NaN : AMT.values[r];
    const amt = opt(AMT), rate = opt(RATE), dur = opt(DUR), ss = opt(SS), ii = opt(II), addl = opt(ADDL), cmt = opt(CMT);
    const constantInfusion = ss > 0 && rate > 0 && amt === 0;
    const isDose = amt !== 0 || constantInfusion;

    let mdv: number;
    if (MDV !== undefined) {
      mdv = MDV.values[r];
      if (Number.isNaN(mdv)) {
        if (MDV.bad[r] === 0) report(MDV, 'MDV is missing');
      } else if (mdv !== 0 && mdv !== 1) {
        report(MDV, `MDV ${mdv} is not 0 or 1`);
      }
    } else {
      mdv = NaN;
    }

    let evid: number;
    if (EVID !== undefined) {
      evid = EVID.values[r];
      if (Number.isNaN(evid)) {
        if (EVID.bad[r] === 0) report(EVID, 'EVID is missing');
      } else if (!(isWhole(evid) && evid >= 0 && evid <= 4)) {
        report(EVID, `EVID ${evid} is not one of 0 (observation), 1 (dose), 2 (other), 3 (reset), 4 (reset and dose)`);
      }
    } else if (MDV !== undefined) {
      evid = mdv === 0 ? 0 : isDose ? 1 : 2;
    } else {
      evid = isDose ? 1 : 0;
    }
    if (MDV === undefined) mdv = evid === 0 ? 0 : 1;
    else if (EVID !== undefined && mdv === 0 && evid >= 1 && evid <= 4) {
      report(MDV, `MDV 0 on an EVID ${evid} record: dose, other-type and reset records (EVID 1-4) must have MDV 1`);
    }

    // Values of the dose items, each checked on its own.
    if (SS !== undefined && !(ss === 0 || ss === 1 || ss === 2)) flag(SS, `SS ${ss} is not 0, 1 or 2`);
    if (II !== undefined && ii < 0) flag(II, `II is negative (${ii})`);
    if (ADDL !== undefined && (addl < 0 || !isWhole(addl))) flag(ADDL, `ADDL must be a whole number >= 0 (ADDL is ${addl})`);
    if (RATE !== undefined && rate < 0 && rate !== -1 && rate !== -2) {
      flag(RATE, `RATE ${rate} is negative; only -1 (rate from the model) and -2 (duration from the model) are allowed`);
    }
    if (DUR !== undefined && dur < 0) flag(DUR, `DUR is negative (${dur})`);
    if (CMT !== undefined && !isWhole(cmt)) report(CMT, `CMT must be a whole number (CMT is ${cmt})`);
    else if (cmt < 0 && evid !== 2) {
      report(CMT, `CMT ${cmt} (turning a compartment off) is only allowed on EVID 2 records, not EVID ${evid}`);
    }

    const dose = evid === 1 || evid === 4;
    if (dose) {
      if (!constantInfusion && !(amt > 0)) {
        const why = AMT === undefined ? 'the file has no AMT column'
          : Number.isNaN(amtRaw) ? (AMT.bad[r] ? null : 'AMT is missing') : `AMT is ${amt}`;
        if (why !== null) report(AMT, `a dose (EVID ${evid}) needs AMT > 0 (${why})`);
      }
      if (constantInfusion && ii > 0 && !flagged.has(II?.name ?? '')) {
        report(II, `a steady-state constant infusion (SS ${ss}, AMT 0, RATE ${rate}) must have II 0 (II is ${ii})`);
      }
      if (ss > 0 && !constantInfusion && !(ii > 0) && !flagged.has(SS?.name ?? '')) {
        report(SS, `a steady-state dose (SS ${ss}) needs II > 0, the dosing interval (${II === undefined ? 'the file has no II column' : `II is ${ii}`})`);
      }
      if (addl > 0 && !(ii > 0) && !flagged.has(ADDL?.name ?? '')) {
        report(ADDL, `ADDL ${addl} needs II > 0, the interval between the doses (${II === undefined ? 'the file has no II column' : `II is ${ii}`})`);
      }
      if (rate !== 0 && dur !== 0 && !flagged.has(DUR?.name ?? '')) {
        report(DUR, `a dose gives either RATE or DUR, not both (RATE ${rate}, DUR ${dur})`);
      }
    } else if (evid === 0 || evid === 2 || evid === 3) {
      for (const name of DOSE_ITEMS) {
        const col = byName[name];
        if (col === undefined || flagged.has(col.name)) continue;
        const x = opt(col);
        if (x !== 0) {
          report(col, `${name} is ${x} on an EVID ${evid} record${EVID === undefined ? ' (no EVID column: EVID derived from MDV and AMT)' : ''}; `
            + 'AMT, RATE, DUR, SS, II and ADDL must be 0 except on dose records (EVID 1 or 4)');
        }
      }
    }

    let dv = NaN;
    if (evid === 0 && mdv === 0 && DV !== undefined) {
      dv = DV.values[r];
      if (Number.isNaN(dv) && DV.bad[r] === 0) {
        report(DV, `DV is missing on an observation record (EVID 0, MDV 0)${MDV === undefined ? '; give the file an MDV column with MDV 1 on records without an observation' : ''}`);
      }
    }

    records[r] = { index: r, line, id, time, dv, amt, evid, mdv, cmt, rate, dur, ss, ii, addl };
  }
  return records;
}
