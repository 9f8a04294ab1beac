/**
 * Closed-form linear compartment models: the equivalents of NONMEM's ADVAN1/2/3/4/11/12
 * with TRANS2/TRANS4 parameters, implementing {@link CompartmentSystem}.
 *
 * | model            | NONMEM           | compartments (CMT order)                    | parameters                     |
 * |------------------|------------------|---------------------------------------------|--------------------------------|
 * | 1 cmt, iv        | ADVAN1 TRANS2    | central                                     | CL, V                          |
 * | 1 cmt, oral      | ADVAN2 TRANS2    | depot, central                              | CL, V, KA                      |
 * | 2 cmt, iv        | ADVAN3 TRANS4    | central, peripheral                         | CL, V1, Q, V2                  |
 * | 2 cmt, oral      | ADVAN4 TRANS4    | depot, central, peripheral                  | CL, V1, Q, V2, KA              |
 * | 3 cmt, iv        | ADVAN11 TRANS4   | central, peripheral1, peripheral2           | CL, V1, Q2, V2, Q3, V3         |
 * | 3 cmt, oral      | ADVAN12 TRANS4   | depot, central, peripheral1, peripheral2    | CL, V1, Q2, V2, Q3, V3, KA     |
 *
 * KA is always last, as in NONMEM's TRANS2/TRANS4 parameter lists. Units: CL and Q in
 * volume/time, V in volume, KA in 1/time, amounts in the dose unit, time in the dataset's
 * unit. Doses go to compartment 1 by default (the depot for oral models, as in NONMEM), and
 * the central compartment is observed by default.
 *
 * `advance` is exact (to rounding) for any interval and any constant zero-order inputs into
 * any compartment: the disposition is propagated in the symmetric modal form of
 * src/pk/mammillary.ts and the depot's first-order input by divided differences of the
 * exponential (src/pk/exp-divided-differences.ts), which remain accurate when KA equals an
 * eigenvalue, when eigenvalues coincide or vanish (CL = 0), and for very short intervals.
 * Invalid parameters (a non-finite value, CL or Q < 0, V ≤ 0, KA ≤ 0) throw NumericalError.
 * `advanceWithSensitivities` also propagates exact first-order sensitivities to the
 * structural parameters (src/pk/closed-form-sensitivities.ts).
 */
import { NumericalError } from '../errors.js';
import { expDivided1, expDivided2, expm1OverX } from './exp-divided-differences.js';
import { ClosedFormTangents } from './closed-form-sensitivities.js';
import { allocateModes, dispositionModesInto } from './mammillary.js';
import type { CompartmentSystem } from './types.js';

const DISPOSITION_NAMES: Record<1 | 2 | 3, { compartments: string[]; parameters: string[] }> = {
  1: { compartments: ['central'], parameters: ['CL', 'V'] },
  2: { compartments: ['central', 'peripheral'], parameters: ['CL', 'V1', 'Q', 'V2'] },
  3: { compartments: ['central', 'peripheral1', 'peripheral2'], parameters: ['CL', 'V1', 'Q2', 'V2', 'Q3', 'V3'] },
};

const ADVAN: Record<string, string> = {
  '1iv': 'ADVAN1', '1oral': 'ADVAN2', '2iv': 'ADVAN3', '2oral': 'ADVAN4', '3iv': 'ADVAN11', '3oral': 'ADVAN12',
};

/**
 * A closed-form 1-, 2- or 3-compartment model with intravenous ('iv') or first-order
 * ('oral') input; see the table above for compartments and parameter order.
 * Example: `closedFormSystem(1, 'oral')` is ADVAN2 TRANS2 with parameters [CL, V, KA].
 */
export function closedFormSystem(nCompartments: 1 | 2 | 3, route: 'iv' | 'oral'): CompartmentSystem {
  if (nCompartments !== 1 && nCompartments !== 2 && nCompartments !== 3) {
    throw new RangeError(`closedFormSystem: nCompartments must be 1, 2 or 3 (got ${String(nCompartments)})`);
  }
  if (route !== 'iv' && route !== 'oral') {
    throw new RangeError(`closedFormSystem: route must be 'iv' or 'oral' (got ${String(route)})`);
  }
  const names = DISPOSITION_NAMES[nCompartments];
  const oral = route === 'oral';
  const compartments = oral ? ['depot', ...names.compartments] : [...names.compartments];
  const parameterNames = oral ? [...names.parameters, 'KA'] : [...names.parameters];
  const n = nCompartments;
  const off = oral ? 1 : 0;
  const nPar = parameterNames.length;

  const modes = allocateModes(n);
  const cachedP = new Float64Array(nPar).fill(NaN);
  let cacheValid = false;
  let ka = 0;
  const q = new Float64Array(Math.max(n - 1, 1));
  const v = new Float64Array(Math.max(n - 1, 1));
  const z = new Float64Array(n); // modal state at the start of a step
  const y = new Float64Array(n); // modal state at its end
  const rho = new Float64Array(n); // modal input rates

  function updateParameters(p: Float64Array): void {
    if (p.length < nPar) {
      throw new NumericalError(`${label}: expected ${nPar} parameters (${parameterNames.join(', ')}), got ${p.length}`);
    }
    if (cacheValid) {
      let same = true;
      for (let i = 0; i < nPar; i++) if (p[i] !== cachedP[i]) { same = false; break; }
      if (same) return;
    }
    cacheValid = false;
    for (let j = 0; j < n - 1; j++) { q[j] = p[2 + 2 * j]!; v[j] = p[3 + 2 * j]!; }
    dispositionModesInto(modes, p[0]!, p[1]!, q, v, parameterNames);
    if (oral) {
      ka = p[nPar - 1]!;
      if (!Number.isFinite(ka) || ka <= 0) {
        throw new NumericalError(`invalid PK parameter KA = ${ka}: it must be a finite positive number`);
      }
    }
    for (let i = 0; i < nPar; i++) cachedP[i] = p[i]!;
    cacheValid = true;
  }

  const label = `${n}cmt ${route} (closed form, ${ADVAN[`${n}${route}`]})`;

  /** Modal step: z = UᵀT⁻¹x₀, rho = UᵀT⁻¹r and y, the modal state after dt (state untouched). */
  function modalStep(state: Float64Array, dt: number, rates: Float64Array): void {
    const { lambda, u, sqrtV } = modes;
    // To modal coordinates: z = Uᵀ T⁻¹ x, rho = Uᵀ T⁻¹ r.
    let anyRate = false;
    for (let k = 0; k < n; k++) {
      let zk = 0, rk = 0;
      for (let i = 0; i < n; i++) {
        const uik = u[i * n + k]! / sqrtV[i]!;
        zk += uik * state[off + i]!;
        rk += uik * rates[off + i]!;
      }
      z[k] = zk;
      rho[k] = rk;
      if (rk !== 0) anyRate = true;
    }
    let depot0 = 0, depotRate = 0, b = 0;
    if (oral) {
      depot0 = state[0]!;
      depotRate = rates[0]!;
      b = -ka * dt;
    }
    for (let k = 0; k < n; k++) {
      const a = lambda[k]! * dt;
      let yk = Math.exp(a) * z[k]!;
      if (anyRate) yk += dt * expm1OverX(a) * rho[k]!;
      if (oral && (depot0 !== 0 || depotRate !== 0)) {
        const wk = u[k]! / sqrtV[0]!; // row 0 of U (central), scaled
        let input = 0;
        if (depot0 !== 0) input += depot0 * dt * expDivided1(a, b);
        if (depotRate !== 0) input += depotRate * dt * dt * expDivided2(0, a, b);
        yk += wk * ka * input;
      }
      y[k] = yk;
    }
  }

  /** Writes the amounts at the end of the step (after modalStep) into `state`. */
  function finishStep(state: Float64Array, dt: number, rates: Float64Array): void {
    const { u, sqrtV } = modes;
    if (oral) {
      const depot0 = state[0]!, depotRate = rates[0]!, b = -ka * dt;
      state[0] = depot0 * Math.exp(b) + (depotRate !== 0 ? depotRate * dt * expm1OverX(b) : 0);
    }
    // Back to amounts: x = T U y.
    for (let i = 0; i < n; i++) {
      let xi = 0;
      for (let k = 0; k < n; k++) xi += u[i * n + k]! * y[k]!;
      state[off + i] = sqrtV[i]! * xi;
    }
  }

  function advance(state: Float64Array, t0: number, t1: number, rates: Float64Array, p: Float64Array): void {
    const dt = t1 - t0;
    if (!(dt >= 0)) throw new NumericalError(`${label}: cannot advance from time ${t0} to ${t1}`);
    updateParameters(p);
    if (dt === 0) return;
    modalStep(state, dt, rates);
    finishStep(state, dt, rates);
  }

  let tangents: ClosedFormTangents | undefined;
  function advanceWithSensitivities(
    state: Float64Array, tangent: Float64Array, nDir: number, t0: number, t1: number,
    rates: Float64Array, p: Float64Array, dp: Float64Array,
  ): void {
    const dt = t1 - t0;
    if (!(dt >= 0)) throw new NumericalError(`${label}: cannot advance from time ${t0} to ${t1}`);
    updateParameters(p);
    if (dt === 0) return;
    tangents ??= new ClosedFormTangents(n, oral);
    tangents.prepare(modes, p, dp, nDir);
    modalStep(state, dt, rates);
    tangents.advance(tangent, nDir, dt, state, rates, modes, z, rho, y, ka);
    finishStep(state, dt, rates);
  }

  return {
    label,
    compartments,
    parameterNames,
    defaultDoseCompartment: 0,
    defaultObservationCompartment: off,
    linear: true,
    advance,
    advanceWithSensitivities,
  };
}
