/**
 * Ready-made ODE compartment systems: the linear 1/2/3-compartment models (the ODE
 * equivalents of NONMEM's ADVAN1/2/3/4/11/12, with the closed form's compartments and
 * parameter names) and Michaelis–Menten (saturable) elimination from the central
 * compartment.
 *
 * Compartments (index = NONMEM CMT - 1):
 *   iv:   central[, peripheral | peripheral1, peripheral2]
 *   oral: depot, central[, peripheral | peripheral1, peripheral2]
 *
 * Units: amounts in the dataset's AMT unit, time in its TIME unit; volumes V, V1, V2, V3 in
 * volume units; clearances CL, Q, Q2, Q3 in volume/time; KA in 1/time. Concentrations are
 * amount/volume (e.g. µg and L give µg/L, the unit of DV in the Bolus/Infusion/Oral_*CPTMM
 * datasets), and KM is in those concentration units; VM is an amount/time.
 */
import { odeSystem, type OdeCompartmentSystem, type OdeRightHandSide, type OdeTolerances } from './ode.js';

/** Administration route: 'iv' doses go to the central compartment, 'oral' ones to a depot absorbed at rate KA·A(depot). */
export type OdeRoute = 'iv' | 'oral';

/**
 * The linear n-compartment model as ODEs. Parameters: 1 cmt [CL, V], 2 cmt [CL, V1, Q, V2],
 * 3 cmt [CL, V1, Q2, V2, Q3, V3]; oral appends KA. Doses go by default to the depot (oral)
 * or central (iv) compartment; central is observed.
 *
 * @example
 * const sys = linearOdeSystem(2, 'oral'); // compartments depot, central, peripheral
 * const a = Float64Array.of(100, 0, 0);
 * sys.advance(a, 0, 12, new Float64Array(3), Float64Array.of(2, 20, 3, 40, 1.2)); // [CL, V1, Q, V2, KA]
 */
export function linearOdeSystem(nCmt: 1 | 2 | 3, route: OdeRoute, tolerances?: OdeTolerances): OdeCompartmentSystem {
  const oral = route === 'oral';
  const disposition: Record<1 | 2 | 3, { compartments: string[]; parameters: string[] }> = {
    1: { compartments: ['central'], parameters: ['CL', 'V'] },
    2: { compartments: ['central', 'peripheral'], parameters: ['CL', 'V1', 'Q', 'V2'] },
    3: { compartments: ['central', 'peripheral1', 'peripheral2'], parameters: ['CL', 'V1', 'Q2', 'V2', 'Q3', 'V3'] },
  };
  const d = checkShape(disposition, nCmt, route);
  return odeSystem({
    label: `${nCmt}cmt ${route} (ODE)`,
    compartments: oral ? ['depot', ...d.compartments] : d.compartments,
    parameterNames: oral ? [...d.parameters, 'KA'] : d.parameters,
    defaultDoseCompartment: 0,
    defaultObservationCompartment: oral ? 1 : 0,
    linear: true,
    autonomous: true,
    rhs: LINEAR_RHS[nCmt][route],
    checkParameters: parameterCheck(oral ? [...d.parameters, 'KA'] : d.parameters),
    tolerances,
  });
}

/**
 * Michaelis–Menten elimination from the central compartment, rate VM·C/(KM + C) with
 * C = A(central)/V (amount/volume), KM in concentration units and VM in amount/time.
 * Parameters: 1 cmt [VM, KM, V], 2 cmt [VM, KM, V1, Q, V2]; oral appends KA. Same
 * compartments and default dose/observation compartments as {@link linearOdeSystem}.
 *
 * @example
 * const mm = michaelisMentenOdeSystem(1, 'iv');
 * const a = Float64Array.of(40000); // µg
 * mm.advance(a, 0, 24, new Float64Array(1), Float64Array.of(800.7, 184.2, 55.6)); // VM µg/h, KM µg/L, V L
 */
export function michaelisMentenOdeSystem(nCmt: 1 | 2, route: OdeRoute, tolerances?: OdeTolerances): OdeCompartmentSystem {
  const oral = route === 'oral';
  const disposition: Record<1 | 2, { compartments: string[]; parameters: string[] }> = {
    1: { compartments: ['central'], parameters: ['VM', 'KM', 'V'] },
    2: { compartments: ['central', 'peripheral'], parameters: ['VM', 'KM', 'V1', 'Q', 'V2'] },
  };
  const d = checkShape(disposition, nCmt, route);
  return odeSystem({
    label: `${nCmt}cmt ${route} Michaelis-Menten (ODE)`,
    compartments: oral ? ['depot', ...d.compartments] : d.compartments,
    parameterNames: oral ? [...d.parameters, 'KA'] : d.parameters,
    defaultDoseCompartment: 0,
    defaultObservationCompartment: oral ? 1 : 0,
    linear: false,
    autonomous: true,
    rhs: MM_RHS[nCmt][route],
    checkParameters: parameterCheck(oral ? [...d.parameters, 'KA'] : d.parameters),
    tolerances,
  });
}

/**
 * The closed form's rules: every parameter finite; volumes (V*), KM and KA positive;
 * clearances (CL, Q*) and VM non-negative.
 */
function parameterCheck(names: readonly string[]): (p: Float64Array) => string | undefined {
  const positive = names.map((name) => name.startsWith('V') && name !== 'VM' || name === 'KM' || name === 'KA');
  return (p) => {
    for (let i = 0; i < names.length; i++) {
      const x = p[i];
      if (!Number.isFinite(x) || x < 0 || (positive[i] && x === 0)) {
        return `${names[i]} = ${x}: it must be a finite ${positive[i] ? 'positive' : 'non-negative'} number`;
      }
    }
    return undefined;
  };
}

function checkShape<K extends number, V>(table: Record<K, V>, nCmt: K, route: OdeRoute): V {
  if (!Object.prototype.hasOwnProperty.call(table, nCmt)) {
    throw new RangeError(`no ODE model with ${String(nCmt)} compartments (available: ${Object.keys(table).join(', ')})`);
  }
  if (route !== 'iv' && route !== 'oral') throw new RangeError(`route must be 'iv' or 'oral', got '${String(route)}'`);
  return table[nCmt];
}

// Right-hand sides. Amounts a, parameters p in the order of parameterNames.

const linear1Iv: OdeRightHandSide = (_t, a, p, dadt) => {
  dadt[0] = -(p[0] / p[1]) * a[0];
};
const linear1Oral: OdeRightHandSide = (_t, a, p, dadt) => {
  const absorption = p[2] * a[0];
  dadt[0] = -absorption;
  dadt[1] = absorption - (p[0] / p[1]) * a[1];
};
/** Central at a[c], peripheral at a[c+1]; p = [CL, V1, Q, V2]. */
function twoCompartmentInto(a: Float64Array, p: Float64Array, dadt: Float64Array, c: number, input: number): void {
  const cCentral = a[c] / p[1];
  const cPeripheral = a[c + 1] / p[3];
  const distribution = p[2] * (cCentral - cPeripheral);
  dadt[c] = input - p[0] * cCentral - distribution;
  dadt[c + 1] = distribution;
}
const linear2Iv: OdeRightHandSide = (_t, a, p, dadt) => twoCompartmentInto(a, p, dadt, 0, 0);
const linear2Oral: OdeRightHandSide = (_t, a, p, dadt) => {
  const absorption = p[4] * a[0];
  dadt[0] = -absorption;
  twoCompartmentInto(a, p, dadt, 1, absorption);
};
/** Central at a[c], peripherals at a[c+1], a[c+2]; p = [CL, V1, Q2, V2, Q3, V3]. */
function threeCompartmentInto(a: Float64Array, p: Float64Array, dadt: Float64Array, c: number, input: number): void {
  const cCentral = a[c] / p[1];
  const toFirst = p[2] * (cCentral - a[c + 1] / p[3]);
  const toSecond = p[4] * (cCentral - a[c + 2] / p[5]);
  dadt[c] = input - p[0] * cCentral - toFirst - toSecond;
  dadt[c + 1] = toFirst;
  dadt[c + 2] = toSecond;
}
const linear3Iv: OdeRightHandSide = (_t, a, p, dadt) => threeCompartmentInto(a, p, dadt, 0, 0);
const linear3Oral: OdeRightHandSide = (_t, a, p, dadt) => {
  const absorption = p[6] * a[0];
  dadt[0] = -absorption;
  threeCompartmentInto(a, p, dadt, 1, absorption);
};

const LINEAR_RHS: Record<1 | 2 | 3, Record<OdeRoute, OdeRightHandSide>> = {
  1: { iv: linear1Iv, oral: linear1Oral },
  2: { iv: linear2Iv, oral: linear2Oral },
  3: { iv: linear3Iv, oral: linear3Oral },
};

/**
 * Michaelis–Menten elimination rate (amount/time) for central amount `a`, VM, KM, volume V:
 * VM·C/(KM + C). For the non-physical negative amounts that a trial step may produce, it is
 * VM·C/(KM + |C|): zero then stays attracting from both sides, as with linear elimination,
 * so the error control sees an overshoot; the plain formula would keep eliminating at about
 * VM (and has a pole at C = -KM), letting the integrator run past an emptied compartment.
 */
function saturableElimination(a: number, vm: number, km: number, v: number): number {
  const c = a / v;
  return (vm * c) / (km + Math.abs(c));
}
const mm1Iv: OdeRightHandSide = (_t, a, p, dadt) => {
  dadt[0] = -saturableElimination(a[0], p[0], p[1], p[2]);
};
const mm1Oral: OdeRightHandSide = (_t, a, p, dadt) => {
  const absorption = p[3] * a[0];
  dadt[0] = -absorption;
  dadt[1] = absorption - saturableElimination(a[1], p[0], p[1], p[2]);
};
/** p = [VM, KM, V1, Q, V2]; central at a[c], peripheral at a[c+1]. */
function mmTwoCompartmentInto(a: Float64Array, p: Float64Array, dadt: Float64Array, c: number, input: number): void {
  const distribution = p[3] * (a[c] / p[2] - a[c + 1] / p[4]);
  dadt[c] = input - saturableElimination(a[c], p[0], p[1], p[2]) - distribution;
  dadt[c + 1] = distribution;
}
const mm2Iv: OdeRightHandSide = (_t, a, p, dadt) => mmTwoCompartmentInto(a, p, dadt, 0, 0);
const mm2Oral: OdeRightHandSide = (_t, a, p, dadt) => {
  const absorption = p[5] * a[0];
  dadt[0] = -absorption;
  mmTwoCompartmentInto(a, p, dadt, 1, absorption);
};

const MM_RHS: Record<1 | 2, Record<OdeRoute, OdeRightHandSide>> = {
  1: { iv: mm1Iv, oral: mm1Oral },
  2: { iv: mm2Iv, oral: mm2Oral },
};
