/**
 * Building {@link PkParameterRow}s and {@link PkParameters} by hand (tests, simulation,
 * models whose parameters do not change within a subject).
 */
import type { PkParameterRow, PkParameters } from './types.js';

/** Optional per-compartment dose parameters; missing entries take NONMEM's defaults. */
export interface DoseParameterValues {
  /** Bioavailability per compartment (fraction; default 1). */
  readonly F?: ArrayLike<number>;
  /** Absorption lag time per compartment (time; default 0). */
  readonly ALAG?: ArrayLike<number>;
  /** Modelled infusion rate per compartment for RATE = -1 doses (amount/time; default 0). */
  readonly R?: ArrayLike<number>;
  /** Modelled infusion duration per compartment for RATE = -2 doses (time; default 0). */
  readonly D?: ArrayLike<number>;
}

function filled(nCompartments: number, values: ArrayLike<number> | undefined, fallback: number, what: string): Float64Array {
  const out = new Float64Array(nCompartments).fill(fallback);
  if (values === undefined) return out;
  if (values.length > nCompartments) {
    throw new RangeError(`pkParameterRow: ${what} has ${values.length} entries for ${nCompartments} compartments`);
  }
  for (let i = 0; i < values.length; i++) out[i] = values[i]!;
  return out;
}

/**
 * A parameter row for a system with `nCompartments` compartments: structural parameters in
 * the system's order (copied) and per-compartment F, ALAG, R, D (defaults 1, 0, 0, 0).
 * Example: `pkParameterRow(2, [1.1, 20, 1.5], { ALAG: [0, 0.5] })` for ADVAN2 with a lag on
 * the central compartment.
 */
export function pkParameterRow(
  nCompartments: number, structural: ArrayLike<number>, dose: DoseParameterValues = {},
): PkParameterRow {
  return {
    structural: Float64Array.from(structural),
    F: filled(nCompartments, dose.F, 1, 'F'),
    ALAG: filled(nCompartments, dose.ALAG, 0, 'ALAG'),
    R: filled(nCompartments, dose.R, 0, 'R'),
    D: filled(nCompartments, dose.D, 0, 'D'),
  };
}

/**
 * Parameters that are the same on every record of a subject.
 * Example: `constantParameters(pkParameterRow(1, [1, 10]))`.
 */
export function constantParameters(row: PkParameterRow): PkParameters {
  return { at: () => row, constant: true };
}

/**
 * Parameters that change from record to record: `rowFor(record)` gives the row for the
 * dataset record index `record` (NONMEM's rule: the row evaluated at a record applies over
 * the interval that ends at that record, and to the dose on that record).
 */
export function recordParameters(rowFor: (record: number) => PkParameterRow): PkParameters {
  return { at: rowFor, constant: false };
}
