/**
 * Sensitivities through the event loop (predictSubjectWithSensitivities) against central
 * finite differences of predictSubject in the structural parameters (step 1e-6 relative,
 * error ~1e-9 relative), for every closed-form model on random regimens (boluses,
 * overlapping infusions, SS=1 starts with boluses and infusions, ADDL, lag times, F), and
 * on NONMEM's event-handling table datasets/nmtest_events.csv (ADVAN2: SS=1/SS=2 doses,
 * steady-state constant infusions, modelled rates and durations, resets).
 * Tolerance: 1e-6 × the largest sensitivity of the subject.
 */
import { describe, expect, it } from 'vitest';
import { buildAllEvents } from '../../src/events/build.js';
import type { SubjectEvents } from '../../src/events/types.js';
import { closedFormSystem } from '../../src/pk/closed-form.js';
import { constantParameters, pkParameterRow } from '../../src/pk/parameters.js';
import { predictSubject, predictSubjectWithSensitivities } from '../../src/pk/predict.js';
import type { CompartmentSystem, PkParameterRow, PkParameters } from '../../src/pk/types.js';
import { loadNmtest, nmtestParameters } from '../support/nmtest.js';
import { dataset, RANDOM_REGIMEN_HEADER, randomRegimen } from '../support/pk.js';

/** `params` with every structural parameter scaled by (1 + h·direction) and its tangent attached. */
function withTangent(params: PkParameters, nPar: number, directions: Float64Array, h: number): PkParameters {
  const nDir = directions.length / nPar;
  const cache = new Map<PkParameterRow, PkParameterRow>();
  const at = (record: number): PkParameterRow => {
    const row = params.at(record);
    let out = cache.get(row);
    if (out === undefined) {
      const structural = Float64Array.from(row.structural);
      const structuralTangent = new Float64Array(nPar * nDir);
      for (let i = 0; i < nPar; i++) {
        let shift = 0;
        for (let k = 0; k < nDir; k++) {
          structuralTangent[i * nDir + k] = directions[i * nDir + k]! * row.structural[i]!;
          shift += directions[i * nDir + k]!;
        }
        structural[i] = row.structural[i]! * (1 + h * shift);
      }
      out = { ...row, structural, structuralTangent };
      cache.set(row, out);
    }
    return out;
  };
  return { at, constant: params.constant };
}

function compare(system: CompartmentSystem, events: SubjectEvents, params: PkParameters, label: string): number {
  const n = system.compartments.length;
  const nPar = system.parameterNames.length;
  const nObs = events.observationIndices.length;
  // One direction per parameter (relative changes), and one moving all of them.
  const nDir = nPar + 1;
  const directions = new Float64Array(nPar * nDir);
  for (let i = 0; i < nPar; i++) { directions[i * nDir + i] = 1; directions[i * nDir + nPar] = (i % 2 === 0 ? 0.5 : -0.3); }
  const out = new Float64Array(nObs * n), dOut = new Float64Array(nObs * n * nDir);
  predictSubjectWithSensitivities(system, events, withTangent(params, nPar, directions, 0), out, dOut, nDir);
  const plain = new Float64Array(nObs * n);
  predictSubject(system, events, params, plain);
  expect(Array.from(out), `${label}: amounts`).toEqual(Array.from(plain));
  const h = 1e-6;
  const expected = new Float64Array(nObs * n * nDir);
  for (let k = 0; k < nDir; k++) {
    const single = new Float64Array(nPar * nDir);
    for (let i = 0; i < nPar; i++) single[i * nDir + k] = directions[i * nDir + k]!;
    const plus = new Float64Array(nObs * n), minus = new Float64Array(nObs * n);
    predictSubject(system, events, withTangent(params, nPar, single, h), plus);
    predictSubject(system, events, withTangent(params, nPar, single, -h), minus);
    for (let q = 0; q < nObs * n; q++) expected[q * nDir + k] = (plus[q]! - minus[q]!) / (2 * h);
  }
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  const off: string[] = [];
  for (let q = 0; q < expected.length; q++) {
    if (!(Math.abs(dOut[q]! - expected[q]!) <= 1e-6 * scale)) {
      off.push(`observation ${Math.floor(q / (n * nDir))}, compartment ${Math.floor(q / nDir) % n + 1}, direction ${q % nDir}: ${dOut[q]} vs ${expected[q]}`);
    }
  }
  expect(off.slice(0, 5), label).toEqual([]);
  return scale;
}

describe('event-loop sensitivities equal finite differences of the predictions', () => {
  for (const nCmt of [1, 2, 3] as const) {
    for (const route of ['iv', 'oral'] as const) {
      it(`${nCmt}-compartment ${route}: 6 random regimens`, () => {
        const system = closedFormSystem(nCmt, route);
        for (let seed = 1; seed <= 6; seed++) {
          const s = randomRegimen(nCmt, route === 'oral', 5000 + 1000 * nCmt + (route === 'oral' ? 100 : 0) + seed);
          const ds = dataset(RANDOM_REGIMEN_HEADER, ...s.lines);
          const events = buildAllEvents(ds, system)[0]!;
          const params = constantParameters(pkParameterRow(system.compartments.length, s.parameters, { F: s.F, ALAG: s.ALAG }));
          expect(compare(system, events, params, `seed ${seed}: ${s.summary}`)).toBeGreaterThan(0);
        }
      });
    }
  }

  it('NONMEM event table (ADVAN2, CL 1.1, V 20, KA 1.5): every subject', () => {
    const { dataset: ds } = loadNmtest();
    const system = closedFormSystem(1, 'oral');
    const params = nmtestParameters(ds);
    const all = buildAllEvents(ds, system);
    let nonzero = 0;
    for (const events of all) {
      if (events.observationIndices.length === 0) continue;
      if (compare(system, events, params, `subject ${events.id}`) > 0) nonzero++;
    }
    expect(nonzero).toBe(26); // all 26 subjects of the table
  });
});
