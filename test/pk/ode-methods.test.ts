// The integrators behind the ODE path: DOP853 (explicit, src/pk/ode-dop853.ts), RODAS4
// (stiff, src/pk/ode-rodas4.ts) and the 'auto' switch between them (src/pk/ode.ts).
// References: the order conditions of Runge–Kutta methods (Hairer, Nørsett & Wanner, Solving
// ODEs I, Sec. II.2) for the published DOP853 tableau; observed convergence orders against
// exact solutions; closed-form solutions of stiff PK problems (Bateman function with
// KA = 1e6/h; the exact implicit solutions of Michaelis–Menten elimination with KM = 1e-9
// after a bolus and during an infusion, whose steady state is KM·R/(VM − R)); and the
// ode45-cash-karp package (an independent Cash–Karp implementation) on a nonlinear model.
import ode45 from 'ode45-cash-karp';
import { describe, expect, it } from 'vitest';
import { NumericalError } from '../../src/errors.js';
import { DOP853_TABLEAU, Dop853 } from '../../src/pk/ode-dop853.js';
import { linearOdeSystem, michaelisMentenOdeSystem } from '../../src/pk/ode-library.js';
import { luFactorInto, luSolveInto } from '../../src/pk/ode-lu.js';
import type { OdeProblem } from '../../src/pk/ode-problem.js';
import { Rodas4 } from '../../src/pk/ode-rodas4.js';
import { odeSystem, type OdeMethod } from '../../src/pk/ode.js';

const REL = 1e-6;

function relErr(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('the DOP853 tableau satisfies the order conditions it is published with', () => {
  const { a, b, c, bhh, er } = DOP853_TABLEAU;
  const sum = (v: readonly number[]) => v.reduce((s, x) => s + x, 0);

  it('row sums of a equal the nodes c (1e-14)', () => {
    a.forEach((row, i) => expect(Math.abs(sum(row) - c[i]!)).toBeLessThan(1e-14));
  });

  it('the weights integrate t^(q-1) exactly for q = 1..8 (Σ b_i c_i^(q-1) = 1/q, 1e-14)', () => {
    for (let q = 1; q <= 8; q++) {
      expect(Math.abs(sum(b.map((bi, i) => bi * c[i]! ** (q - 1))) - 1 / q)).toBeLessThan(1e-14);
    }
  });

  it('the 5th-order error weights sum to 0 and the 3rd-order formula integrates t^0..t^2 (1e-14)', () => {
    expect(Math.abs(sum(er))).toBeLessThan(1e-14);
    for (let q = 1; q <= 3; q++) {
      expect(Math.abs(sum(bhh.map((x, i) => x * c[i]! ** (q - 1))) - 1 / q)).toBeLessThan(1e-14);
    }
  });
});

/** An OdeProblem over a plain right-hand side, for fixed-step runs of the integrators. */
function problem(n: number, f: OdeProblem['f'], autonomous = false): OdeProblem {
  return {
    n, relTol: 1e-8, absTol: 1e-12, maxSteps: 1e6, autonomous, nonNegative: false, f,
    fail: (reason) => { throw new NumericalError(reason); },
    compartment: (i) => String(i),
  };
}

/** Fixed steps of size h from t = 0 to T with one integrator; the state at T. */
function fixedSteps(method: Dop853 | Rodas4, p: OdeProblem, y0: number[], h: number, T: number): Float64Array {
  const y = Float64Array.from(y0);
  const steps = Math.round(T / h);
  for (let s = 0; s < steps; s++) {
    const t = s * h;
    method.start(p, y, t);
    if (method instanceof Rodas4) {
      expect(method.prepare(p, y, t, h)).toBe(true);
      method.attempt(p, y, t, h);
    } else {
      method.attempt(p, y, t, h, t + h);
    }
    y.set(method.solution());
  }
  return y;
}

/** log2 of the error ratios of successive halvings. */
function observedOrders(errors: number[]): number[] {
  return errors.slice(1).map((e, i) => Math.log2(errors[i]! / e));
}

describe('observed convergence orders with fixed steps', () => {
  it('DOP853 has order 8: y1\' = -y1², y2\' = y2·cos t (exact 1/(1+t), exp(sin t)) on [0, 4]', () => {
    const p = problem(2, (t, a, d) => { d[0] = -a[0]! * a[0]!; d[1] = a[1]! * Math.cos(t); });
    const exact = [1 / 5, Math.exp(Math.sin(4))];
    const errors = [0.4, 0.2, 0.1].map((h) => {
      const y = fixedSteps(new Dop853(2), p, [1, 1], h, 4);
      return Math.max(Math.abs(y[0]! - exact[0]!), Math.abs(y[1]! - exact[1]!));
    });
    for (const order of observedOrders(errors)) expect(order).toBeGreaterThan(7.3);
  });

  it('RODAS4 has order 4 on a forced Brusselator (reference: DOP853 with h = 1e-3) on [0, 2]', () => {
    const f: OdeProblem['f'] = (t, a, d) => {
      const [x, y, z] = [a[0]!, a[1]!, a[2]!];
      d[0] = 1 + x * x * y - 4 * x + 0.3 * Math.sin(t);
      d[1] = 3 * x - x * x * y;
      d[2] = -z * x + y;
    };
    const p = problem(3, f);
    const reference = fixedSteps(new Dop853(3), p, [1.5, 3, 1], 1e-3, 2);
    const errors = [0.1, 0.05, 0.025, 0.0125].map((h) => {
      const y = fixedSteps(new Rodas4(3), p, [1.5, 3, 1], h, 2);
      return Math.max(...[0, 1, 2].map((i) => Math.abs(y[i]! - reference[i]!)));
    });
    for (const order of observedOrders(errors)) {
      expect(order).toBeGreaterThan(3.5);
      expect(order).toBeLessThan(4.5);
    }
  });
});

describe('dense LU with partial pivoting', () => {
  it('solves a 4×4 system that needs pivoting to 1e-13, and reports a singular matrix', () => {
    const m = Float64Array.of(0, 2, 1, 4, 1, 1, 0, 3, 2, 0, 5, 1, 3, 1, 1, 0);
    const x = [1, -2, 0.5, 3];
    const b = Float64Array.from({ length: 4 }, (_, i) => x.reduce((s, xj, j) => s + m[i * 4 + j]! * xj, 0));
    const pivots = new Int32Array(4);
    expect(luFactorInto(m, 4, pivots)).toBe(true);
    luSolveInto(m, 4, pivots, b);
    x.forEach((xi, i) => expect(Math.abs(b[i]! - xi)).toBeLessThan(1e-13));
    expect(luFactorInto(Float64Array.of(1, 2, 2, 4), 2, new Int32Array(2))).toBe(false);
  });
});

describe('stiff absorption: KA = 1e6/h against the Bateman function (1e-6 relative)', () => {
  const [CL, V, KA] = [1.1, 20, 1e6];
  const k = CL / V;

  for (const method of ['auto', 'stiff'] as const) {
    it(`${method}: a bolus of 100 into the depot, central amount at 1e-6 h .. 24 h`, () => {
      const sys = linearOdeSystem(1, 'oral', { method });
      const a = Float64Array.of(100, 0);
      let t = 0;
      for (const t1 of [1e-6, 1e-5, 1e-3, 1, 24]) {
        sys.advance(a, t, t1, new Float64Array(2), Float64Array.of(CL, V, KA));
        t = t1;
        const central = (100 * KA / (KA - k)) * (Math.exp(-k * t) - Math.exp(-KA * t));
        expect(relErr(a[1]!, central)).toBeLessThan(REL);
        expect(Math.abs(a[0]! - 100 * Math.exp(-KA * t))).toBeLessThan(REL * 100 * Math.exp(-KA * t) + 1e-12);
      }
    });

    it(`${method}: an infusion of 100/h into the depot for 24 h (depot at R/KA = 1e-4)`, () => {
      const sys = linearOdeSystem(1, 'oral', { method });
      const a = Float64Array.of(0, 0);
      sys.advance(a, 0, 24, Float64Array.of(100, 0), Float64Array.of(CL, V, KA));
      const depot = (100 / KA) * (1 - Math.exp(-KA * 24));
      const central = (100 / k) * (1 - Math.exp(-k * 24)) - (100 / (KA - k)) * (Math.exp(-k * 24) - Math.exp(-KA * 24));
      expect(relErr(a[0]!, depot)).toBeLessThan(REL);
      expect(relErr(a[1]!, central)).toBeLessThan(REL);
      const stats = sys.statistics();
      if (method === 'auto') expect(stats.switchedAt).toBeGreaterThan(0); // stiffness detected
      expect(stats.stiffSteps).toBeLessThan(500);
    });
  }

  it('explicit: the same infusion exhausts maxSteps and says so (model, interval, stiffness)', () => {
    const sys = linearOdeSystem(1, 'oral', { method: 'explicit', maxSteps: 20_000 });
    const a = Float64Array.of(0, 0);
    const run = () => sys.advance(a, 0, 24, Float64Array.of(100, 0), Float64Array.of(CL, V, KA));
    expect(run).toThrow(NumericalError);
    expect(run).toThrow(/1cmt oral \(ODE\): integrating from t=0 to t=24: more than 20000 steps needed .*stiff/);
  });
});

describe('Michaelis-Menten elimination with KM = 1e-9 (µg/L) against its exact solution', () => {
  // 1 compartment, dC/dt = r − v·C/(KM + C) with r = R/V, v = VM/V. Bolus (r = 0):
  // t(C) = [KM·ln(C0/C) + (C0 − C)]/v, the compartment empties at ≈ C0/v = 50 h. Infusion with
  // R < VM: steady state Css = KM·r/(v − r), approached within microseconds.
  const [VM, KM, V] = [800, 1e-9, 50];

  for (const method of ['auto', 'stiff'] as const) {
    it(`${method}: a bolus of 40000 µg: 1e-6 relative in C before it empties at 50 h, 0 after`, () => {
      const sys = michaelisMentenOdeSystem(1, 'iv', { method });
      const c0 = 40000 / V;
      const a = Float64Array.of(40000);
      let t = 0;
      for (const t1 of [1, 10, 40, 49, 49.9, 49.999, 50.001, 51, 72]) {
        sys.advance(a, t, t1, new Float64Array(1), Float64Array.of(VM, KM, V));
        t = t1;
        const c = a[0]! / V;
        if (t1 < 50) {
          const tOfC = (KM * Math.log(c0 / c) + (c0 - c)) * V / VM;
          const dCdt = (VM / V) * c / (KM + c);
          expect(Math.abs(tOfC - t1) * dCdt / c).toBeLessThan(REL);
        } else {
          expect(Math.abs(a[0]!)).toBeLessThan(1e-12); // exact: below 1e-100
        }
      }
    });

    it(`${method}: an infusion of 400 µg/h reaches Css = KM·R/(VM − R) = 1e-9 µg/L (1e-6 relative)`, () => {
      const sys = michaelisMentenOdeSystem(1, 'iv', { method });
      const a = Float64Array.of(0);
      let t = 0;
      for (const t1 of [0.01, 1, 24]) {
        sys.advance(a, t, t1, Float64Array.of(400), Float64Array.of(VM, KM, V));
        t = t1;
        expect(relErr(a[0]! / V, KM * 400 / (VM - 400))).toBeLessThan(REL);
      }
    });
  }

  for (const method of ['auto', 'stiff', 'explicit'] as const) {
    for (const km of [1e-9, 1e-12]) {
      it(`${method}, KM = ${km}: one interval of 1000 h across the corner at 50 h (~${km === 1e-9 ? '1e-10 h wide' : 'below the clock resolution'})`, () => {
        const sys = michaelisMentenOdeSystem(1, 'iv', { method });
        const a = Float64Array.of(40000);
        sys.advance(a, 0, 1000, new Float64Array(1), Float64Array.of(VM, km, V));
        expect(Math.abs(a[0]!)).toBeLessThan(1e-12);
        const b = Float64Array.of(40000);
        sys.advance(b, 0, 49, new Float64Array(1), Float64Array.of(VM, km, V));
        expect(relErr(b[0]!, 40000 - VM * 49)).toBeLessThan(REL); // KM·ln(C0/C) < 1e-8 of the time
      });
    }
  }

  it('auto: the infusion approach (1e-6 h) is stiff; exact t(C) = −(C/b) − (KM + a/b)·ln(1 − bC/a)/b', () => {
    // b = v − r, a = r·KM: the implicit solution of dC/dt = r − v·C/(KM + C) from C = 0.
    const KMmoderate = 1e-3;
    const r = 400 / V, v = VM / V, b = v - r, aa = r * KMmoderate;
    const tOfC = (c: number) => -c / b - ((KMmoderate + aa / b) / b) * Math.log(1 - (b * c) / aa);
    const sys = michaelisMentenOdeSystem(1, 'iv');
    const a = Float64Array.of(0);
    sys.advance(a, 0, 1e-4, Float64Array.of(400), Float64Array.of(VM, KMmoderate, V));
    const c = a[0]! / V;
    const dCdt = r - (v * c) / (KMmoderate + c);
    expect(Math.abs(tOfC(c) - 1e-4) * dCdt / c).toBeLessThan(REL);
    sys.advance(a, 1e-4, 1, Float64Array.of(400), Float64Array.of(VM, KMmoderate, V));
    expect(relErr(a[0]! / V, aa / b)).toBeLessThan(REL);
    expect(sys.statistics().switchedAt).toBeGreaterThan(1e-4);
  });
});

describe("'auto' on non-stiff problems", () => {
  it('stays explicit on a 2-compartment oral profile (KA 1.05/h, 14 days of daily doses)', () => {
    const sys = linearOdeSystem(2, 'oral');
    const p = Float64Array.of(2.6, 67, 4.8, 61, 1.05);
    const a = new Float64Array(3);
    for (let day = 0; day < 14; day++) {
      a[0] += 100;
      sys.advance(a, 24 * day, 24 * day + 24, new Float64Array(3), p);
      expect(sys.statistics().stiffSteps).toBe(0);
    }
  });
});

describe('failures are NumericalErrors naming the model, the interval and the reason', () => {
  it('the stiff method over its step budget', () => {
    const sys = michaelisMentenOdeSystem(1, 'iv', { method: 'stiff', maxSteps: 5 });
    expect(() => sys.advance(Float64Array.of(40000), 0, 72, new Float64Array(1), Float64Array.of(800, 1e-9, 50)))
      .toThrow(/1cmt iv Michaelis-Menten \(ODE\): integrating from t=0 to t=72: the stiff method \(RODAS4\) needed more than 5 steps/);
  });

  for (const method of ['auto', 'stiff', 'explicit'] as OdeMethod[]) {
    it(`${method}: a solution that blows up (dA/dt = A², A(0) = 1, infinite at t = 1)`, () => {
      const sys = odeSystem({
        label: 'blow-up', compartments: ['x'], parameterNames: [], autonomous: true, tolerances: { method },
        defaultDoseCompartment: 0, defaultObservationCompartment: 0, linear: false,
        rhs: (_t, a, _p, dadt) => { dadt[0] = a[0]! * a[0]!; },
      });
      const run = () => sys.advance(Float64Array.of(1), 0, 2, new Float64Array(1), new Float64Array(0));
      expect(run).toThrow(NumericalError);
      expect(run).toThrow(/^blow-up: integrating from t=0 to t=2: /);
    });
  }
});

describe('agreement with an independent integrator (the ode45-cash-karp package)', () => {
  it('2-compartment oral Michaelis-Menten, bolus then infusion: explicit and stiff within 1e-7 of Cash-Karp at relTol 1e-12', () => {
    const p = Float64Array.of(600, 2, 40, 8, 90, 1.4); // VM, KM, V1, Q, V2, KA
    const rates = Float64Array.of(0, 30, 0);
    const reference = (() => {
      const sys = michaelisMentenOdeSystem(2, 'oral');
      const y = Float64Array.of(5000, 0, 0);
      let input = new Float64Array(3);
      const integrator = ode45(y, (dydt, a, t) => {
        sys.rhs(t, a as Float64Array, p, dydt as Float64Array);
        for (let i = 0; i < 3; i++) dydt[i]! += input[i]!;
      }, 0, 1e-3, { tol: 1e-12, dtMinMag: 0, verbose: false });
      const at: number[][] = [];
      for (const [t1, r] of [[6, input], [30, rates]] as const) {
        input = r;
        while (integrator.t < t1 - 1e-13) {
          if (integrator.dt > t1 - integrator.t) integrator.dt = t1 - integrator.t;
          integrator.step(t1);
        }
        at.push(Array.from(y));
      }
      return at;
    })();
    for (const method of ['explicit', 'stiff'] as const) {
      const sys = michaelisMentenOdeSystem(2, 'oral', { method });
      const a = Float64Array.of(5000, 0, 0);
      sys.advance(a, 0, 6, new Float64Array(3), p);
      for (let i = 1; i < 3; i++) expect(relErr(a[i]!, reference[0]![i]!)).toBeLessThan(1e-7);
      sys.advance(a, 6, 30, rates, p);
      for (let i = 1; i < 3; i++) expect(relErr(a[i]!, reference[1]![i]!)).toBeLessThan(1e-7);
    }
  });
});
