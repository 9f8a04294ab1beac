/**
 * Closed-form compartment systems against textbook formulas and an independent matrix
 * exponential (test/support/pk.ts: Taylor series with scaling and squaring on the
 * augmented rate matrix). Tolerances are stated per test; the closed form is exact up to
 * rounding, so they are tight.
 */
import { describe, expect, it } from 'vitest';
import { NumericalError } from '../../src/errors.js';
import { closedFormSystem } from '../../src/pk/closed-form.js';
import { CLOSED_FORM_MODELS, rateMatrix, referenceAdvance, relDiff, type ClosedFormCase } from '../support/pk.js';

/** Advances a copy of x0 by dt with the system; returns the new amounts. */
function advanced(m: ClosedFormCase, x0: number[], rates: number[], dt: number): number[] {
  const sys = closedFormSystem(m.n, m.route);
  const x = Float64Array.from(x0);
  sys.advance(x, 5, 5 + dt, Float64Array.from(rates), Float64Array.from(m.p));
  return Array.from(x);
}

function expectClose(actual: number[], expected: number[], relative: number): void {
  const scale = Math.max(...expected.map(Math.abs));
  actual.forEach((a, i) => {
    expect(relDiff(a, expected[i]!, 1e-300), `component ${i}: ${a} vs ${expected[i]}`)
      .toBeLessThanOrEqual(relative * Math.max(1, scale / Math.max(Math.abs(expected[i]!), 1e-300)));
  });
}

describe('closedFormSystem: layout follows NONMEM ADVAN1/2/3/4/11/12 with TRANS2/TRANS4', () => {
  it.each([
    [1, 'iv', ['central'], ['CL', 'V'], 0, 0],
    [1, 'oral', ['depot', 'central'], ['CL', 'V', 'KA'], 0, 1],
    [2, 'iv', ['central', 'peripheral'], ['CL', 'V1', 'Q', 'V2'], 0, 0],
    [2, 'oral', ['depot', 'central', 'peripheral'], ['CL', 'V1', 'Q', 'V2', 'KA'], 0, 1],
    [3, 'iv', ['central', 'peripheral1', 'peripheral2'], ['CL', 'V1', 'Q2', 'V2', 'Q3', 'V3'], 0, 0],
    [3, 'oral', ['depot', 'central', 'peripheral1', 'peripheral2'], ['CL', 'V1', 'Q2', 'V2', 'Q3', 'V3', 'KA'], 0, 1],
  ] as const)('%i cmt %s', (n, route, compartments, names, dose, obs) => {
    const sys = closedFormSystem(n, route);
    expect(sys.compartments).toEqual(compartments);
    expect(sys.parameterNames).toEqual(names);
    expect(sys.defaultDoseCompartment).toBe(dose);
    expect(sys.defaultObservationCompartment).toBe(obs);
    expect(sys.linear).toBe(true);
  });
});

describe('textbook formulas (relative tolerance 1e-12)', () => {
  const cl = 1.1, v = 20, k = cl / v;

  it('1-cmt bolus: C = D/V·exp(−k t)', () => {
    for (const t of [0, 0.01, 1, 10, 100, 600]) {
      const [a] = advanced({ n: 1, route: 'iv', p: [cl, v] }, [100], [0], t);
      expect(relDiff(a! / v, (100 / v) * Math.exp(-k * t))).toBeLessThan(1e-12);
    }
  });

  it('1-cmt infusion: C = R/CL·(1 − e^{−kt}) during, then decays from the end-of-infusion value', () => {
    const r = 10, tinf = 5;
    for (const t of [0.1, 2, 5]) {
      const [a] = advanced({ n: 1, route: 'iv', p: [cl, v] }, [0], [r], t);
      expect(relDiff(a! / v, (r / cl) * (1 - Math.exp(-k * t)))).toBeLessThan(1e-12);
    }
    const [end] = advanced({ n: 1, route: 'iv', p: [cl, v] }, [0], [r], tinf);
    for (const after of [0.5, 10, 50]) {
      const [a] = advanced({ n: 1, route: 'iv', p: [cl, v] }, [end!], [0], after);
      expect(relDiff(a! / v, (r / cl) * (1 - Math.exp(-k * tinf)) * Math.exp(-k * after))).toBeLessThan(1e-12);
    }
  });

  it('1-cmt oral: Bateman function C = D·KA/(V(KA − k))·(e^{−kt} − e^{−KA t})', () => {
    const ka = 1.5, d = 100;
    for (const t of [0.05, 1, 3, 24, 100]) {
      const [depot, central] = advanced({ n: 1, route: 'oral', p: [cl, v, ka] }, [d, 0], [0, 0], t);
      const bateman = (d * ka) / (v * (ka - k)) * (Math.exp(-k * t) - Math.exp(-ka * t));
      expect(relDiff(central! / v, bateman)).toBeLessThan(1e-12);
      expect(relDiff(depot!, d * Math.exp(-ka * t))).toBeLessThan(1e-12);
    }
  });

  it('1-cmt oral with KA = k exactly: the confluent limit D·k·t·e^{−kt}/V, and continuity next to it', () => {
    const d = 100;
    for (const t of [0.5, 5, 40]) {
      const [, central] = advanced({ n: 1, route: 'oral', p: [cl, v, k] }, [d, 0], [0, 0], t);
      expect(relDiff(central!, d * k * t * Math.exp(-k * t))).toBeLessThan(1e-12);
      for (const eps of [1e-12, 1e-9, 1e-6]) {
        const ka = k * (1 + eps);
        const [, near] = advanced({ n: 1, route: 'oral', p: [cl, v, ka] }, [d, 0], [0, 0], t);
        // Exact value for ka ≠ k, written without cancellation: d·ka·t·e^{−kt}·(1 − e^{−(ka−k)t})/((ka−k)t).
        const x = (ka - k) * t;
        const exact = d * ka * t * Math.exp(-k * t) * (-Math.expm1(-x) / x);
        expect(relDiff(near!, exact)).toBeLessThan(1e-11);
      }
    }
  });

  it('2-cmt bolus: biexponential C = A e^{−αt} + B e^{−βt} (Gibaldi & Perrier, Pharmacokinetics, 2nd ed., ch. 2)', () => {
    const [CL, V1, Q, V2] = [5, 50, 10, 100];
    const k10 = CL / V1, k12 = Q / V1, k21 = Q / V2;
    const sum = k10 + k12 + k21;
    const disc = Math.sqrt(sum * sum - 4 * k10 * k21);
    const alpha = (sum + disc) / 2, beta = (sum - disc) / 2;
    const d = 250;
    const A = (d / V1) * (alpha - k21) / (alpha - beta), B = (d / V1) * (k21 - beta) / (alpha - beta);
    for (const t of [0, 0.1, 1, 6, 24, 200]) {
      const [central] = advanced({ n: 2, route: 'iv', p: [CL, V1, Q, V2] }, [d, 0], [0, 0], t);
      expect(relDiff(central! / V1, A * Math.exp(-alpha * t) + B * Math.exp(-beta * t))).toBeLessThan(1e-12);
    }
  });
});

describe('all models against the matrix exponential (relative tolerance 1e-11 of the largest amount)', () => {
  it.each(CLOSED_FORM_MODELS.map((m) => [`${m.n} cmt ${m.route}`, m] as const))('%s: any state, inputs into every compartment', (_l, m) => {
    const nCmt = m.n + (m.route === 'oral' ? 1 : 0);
    const k = rateMatrix(m.n, m.route === 'oral', m.p);
    const x0 = Array.from({ length: nCmt }, (_, i) => 10 * (i + 1));
    const rates = Array.from({ length: nCmt }, (_, i) => 3 - i);
    for (const dt of [1e-6, 0.01, 1, 24, 300]) {
      expectClose(advanced(m, x0, rates, dt), referenceAdvance(k, x0, rates, dt), 1e-11);
      expectClose(advanced(m, x0, rates.map(() => 0), dt), referenceAdvance(k, x0, rates.map(() => 0), dt), 1e-11);
    }
  });

  it('KA equal to each disposition eigenvalue (2 and 3 cmt), with a depot infusion', () => {
    for (const m of CLOSED_FORM_MODELS.filter((x) => x.route === 'oral' && x.n > 1)) {
      const kDisp = rateMatrix(m.n, false, m.p.slice(0, -1));
      // Eigenvalues of the disposition matrix, via the characteristic polynomial roots found by bisection on det.
      const eig = eigenvaluesBySweep(kDisp);
      for (const lambda of eig) {
        const p = [...m.p.slice(0, -1), -lambda];
        const mm: ClosedFormCase = { n: m.n, route: 'oral', p };
        const nCmt = m.n + 1;
        const x0 = Array.from({ length: nCmt }, (_, i) => (i === 0 ? 100 : 5));
        const rates = Array.from({ length: nCmt }, (_, i) => (i === 0 ? 7 : 0));
        for (const dt of [0.5, 12, 150]) {
          expectClose(advanced(mm, x0, rates, dt), referenceAdvance(rateMatrix(m.n, true, p), x0, rates, dt), 1e-10);
        }
      }
    }
  });

  it('repeated eigenvalues: 3 cmt with identical peripheral compartments', () => {
    const m: ClosedFormCase = { n: 3, route: 'oral', p: [4, 30, 8, 60, 8, 60, 0.9] };
    const x0 = [50, 20, 3, 1], rates = [1, 2, 3, 4];
    for (const dt of [0.3, 10, 100]) {
      expectClose(advanced(m, x0, rates, dt), referenceAdvance(rateMatrix(3, true, m.p), x0, rates, dt), 1e-11);
    }
  });

  it('very small and very large rate constants', () => {
    const cases: ClosedFormCase[] = [
      { n: 2, route: 'oral', p: [1e-10, 50, 1e-9, 100, 1e-8] },
      { n: 3, route: 'iv', p: [1e-12, 30, 1e-12, 60, 1e-12, 200] },
      { n: 2, route: 'oral', p: [5, 50, 10, 100, 1e4] },
      { n: 1, route: 'iv', p: [1e6, 1] },
    ];
    for (const m of cases) {
      const nCmt = m.n + (m.route === 'oral' ? 1 : 0);
      const x0 = Array.from({ length: nCmt }, (_, i) => 100 / (i + 1));
      const rates = Array.from({ length: nCmt }, () => 1);
      for (const dt of [1e-3, 1, 100]) {
        const got = advanced(m, x0, rates, dt);
        expect(got.every(Number.isFinite)).toBe(true);
        if (m.p[0]! < 1e6) expectClose(got, referenceAdvance(rateMatrix(m.n, m.route === 'oral', m.p), x0, rates, dt), 1e-9);
      }
    }
  });
});

describe('degenerate but valid parameters give finite, exact answers', () => {
  it('dt = 0 leaves the state unchanged', () => {
    for (const m of CLOSED_FORM_MODELS) {
      const nCmt = m.n + (m.route === 'oral' ? 1 : 0);
      const x0 = Array.from({ length: nCmt }, (_, i) => i + 1);
      expect(advanced(m, x0, x0, 0)).toEqual(x0);
    }
  });

  it('CL = 0 conserves the amount; Q = 0 isolates the peripheral compartment', () => {
    const noElimination = advanced({ n: 3, route: 'oral', p: [0, 30, 8, 60, 2, 200, 1.2] }, [100, 0, 0, 0], [0, 1, 0, 0], 50);
    expect(noElimination.reduce((s, x) => s + x, 0)).toBeCloseTo(150, 10);
    const isolated = advanced({ n: 2, route: 'iv', p: [1.1, 20, 0, 100] }, [100, 7], [0, 0], 10);
    expect(relDiff(isolated[1]!, 7)).toBeLessThan(1e-15);
    expect(relDiff(isolated[0]!, 100 * Math.exp(-1.1 / 20 * 10))).toBeLessThan(1e-12);
  });

  it('splitting an interval gives the same state (semigroup property, 1e-12)', () => {
    for (const m of CLOSED_FORM_MODELS) {
      const sys = closedFormSystem(m.n, m.route);
      const nCmt = sys.compartments.length;
      const rates = Float64Array.from({ length: nCmt }, (_, i) => i + 0.5);
      const p = Float64Array.from(m.p);
      const whole = Float64Array.from({ length: nCmt }, () => 10);
      sys.advance(whole, 0, 30, rates, p);
      const steps = Float64Array.from({ length: nCmt }, () => 10);
      for (let i = 0; i < 300; i++) sys.advance(steps, i * 0.1, (i + 1) * 0.1, rates, p);
      expectClose(Array.from(steps), Array.from(whole), 1e-12);
    }
  });
});

describe('mass balance: dose = amount remaining + amount eliminated (∫ CL·C dt by Gauss–Legendre)', () => {
  it.each(CLOSED_FORM_MODELS.map((m) => [`${m.n} cmt ${m.route}`, m] as const))('%s, bolus plus an infusion, to 1e-10', (_l, m) => {
    const sys = closedFormSystem(m.n, m.route);
    const nCmt = sys.compartments.length;
    const central = sys.defaultObservationCompartment;
    const p = Float64Array.from(m.p);
    const cl = m.p[0]!, v1 = m.p[1]!;
    const bolus = 100, rate = 4, tinf = 10, horizon = 60;
    const rates = new Float64Array(nCmt);
    // 5-point Gauss–Legendre nodes and weights on [-1, 1].
    const nodes = [0, -0.5384693101056831, 0.5384693101056831, -0.906179845938664, 0.906179845938664];
    const weights = [0.5688888888888889, 0.47862867049936647, 0.47862867049936647, 0.23692688505618908, 0.23692688505618908];
    const amountAt = (t: number): number => {
      const x = new Float64Array(nCmt);
      x[0] = bolus;
      rates.fill(0);
      rates[0] = rate;
      const t1 = Math.min(t, tinf);
      sys.advance(x, 0, t1, rates, p);
      rates.fill(0);
      if (t > tinf) sys.advance(x, tinf, t, rates, p);
      return x[central]!;
    };
    let auc = 0;
    const panels = 600;
    for (const [a, b] of [[0, tinf], [tinf, horizon]] as const) {
      const h = (b - a) / panels;
      for (let i = 0; i < panels; i++) {
        const mid = a + (i + 0.5) * h;
        for (let g = 0; g < 5; g++) auc += (h / 2) * weights[g]! * amountAt(mid + (h / 2) * nodes[g]!);
      }
    }
    const x = new Float64Array(nCmt);
    x[0] = bolus;
    rates[0] = rate;
    sys.advance(x, 0, tinf, rates, p);
    rates.fill(0);
    sys.advance(x, tinf, horizon, rates, p);
    const remaining = x.reduce((s, a) => s + a, 0);
    const eliminated = (cl / v1) * auc;
    expect(relDiff(remaining + eliminated, bolus + rate * tinf)).toBeLessThan(1e-10);
  });
});

describe('invalid parameters throw NumericalError (never NaN)', () => {
  it.each([
    ['V = 0', 1, 'iv', [1, 0]],
    ['V < 0', 1, 'iv', [1, -20]],
    ['CL < 0', 1, 'iv', [-1, 20]],
    ['CL NaN', 1, 'iv', [NaN, 20]],
    ['V infinite', 1, 'iv', [1, Infinity]],
    ['KA = 0', 1, 'oral', [1, 20, 0]],
    ['KA NaN', 2, 'oral', [1, 20, 1, 10, NaN]],
    ['Q < 0', 2, 'iv', [1, 20, -1, 10]],
    ['V3 = 0', 3, 'iv', [1, 20, 1, 10, 1, 0]],
  ] as const)('%s', (_what, n, route, p) => {
    const sys = closedFormSystem(n, route);
    const x = new Float64Array(sys.compartments.length).fill(1);
    expect(() => sys.advance(x, 0, 1, new Float64Array(x.length), Float64Array.from(p))).toThrow(NumericalError);
  });

  it('names the offending parameter', () => {
    const sys = closedFormSystem(2, 'iv');
    expect(() => sys.advance(new Float64Array(2), 0, 1, new Float64Array(2), Float64Array.from([1, 20, 1, -3])))
      .toThrow(/V2 = -3/);
  });

  it('a valid call after an invalid one is still exact (no stale cache)', () => {
    const sys = closedFormSystem(1, 'iv');
    expect(() => sys.advance(new Float64Array(1), 0, 1, new Float64Array(1), Float64Array.from([1, -1]))).toThrow(NumericalError);
    const x = Float64Array.from([100]);
    sys.advance(x, 0, 2, new Float64Array(1), Float64Array.from([1, 10]));
    expect(relDiff(x[0]!, 100 * Math.exp(-0.2))).toBeLessThan(1e-14);
  });
});

/** Eigenvalues of a small matrix with real spectrum: roots of det(K − λI) by bracketing. */
function eigenvaluesBySweep(k: number[][]): number[] {
  const n = k.length;
  const det = (lambda: number): number => {
    const a = k.map((row, i) => row.map((x, j) => x - (i === j ? lambda : 0)));
    let d = 1;
    for (let c = 0; c < n; c++) {
      let piv = c;
      for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[piv]![c]!)) piv = r;
      if (piv !== c) { [a[c], a[piv]] = [a[piv]!, a[c]!]; d = -d; }
      d *= a[c]![c]!;
      if (a[c]![c] === 0) return 0;
      for (let r = c + 1; r < n; r++) {
        const f = a[r]![c]! / a[c]![c]!;
        for (let j = c; j < n; j++) a[r]![j] -= f * a[c]![j]!;
      }
    }
    return d;
  };
  const roots: number[] = [];
  const lo = -10, steps = 200_000;
  let prev = det(lo);
  for (let i = 1; i <= steps; i++) {
    const x = lo + (i * -lo) / steps;
    const cur = det(x);
    if (prev === 0 || Math.sign(cur) !== Math.sign(prev)) {
      let a = x - -lo / steps, b = x;
      for (let it = 0; it < 200; it++) {
        const mid = (a + b) / 2;
        if (Math.sign(det(mid)) === Math.sign(det(a))) a = mid; else b = mid;
      }
      roots.push((a + b) / 2);
    }
    prev = cur;
  }
  return roots;
}
