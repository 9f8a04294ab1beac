/**
 * Exact sensitivities of the closed-form steps against central finite differences of
 * `advance` (step 1e-5 relative, error ~1e-9 relative; the one-sided second-order formula at
 * a parameter on its bound), for every closed-form model, with
 * inputs into every compartment and through the depot, and in the cases where an
 * eigen-derivative formula would fail: KA equal to an elimination rate constant, CL = 0,
 * Q = 0, coinciding eigenvalues, very short and very long intervals.
 * Tolerance: 1e-6 relative to the largest tangent entry of the case.
 */
import { describe, expect, it } from 'vitest';
import { closedFormSystem } from '../../src/pk/closed-form.js';
import type { CompartmentSystem } from '../../src/pk/types.js';
import { uniform01 } from '../support/random.js';

type Route = 'iv' | 'oral';

interface Case {
  readonly state: number[];
  readonly rates: number[];
  readonly p: number[];
  readonly dt: number;
}

/** Central differences of one advance along (δx₀, δp) for each direction. */
function finiteDifferenceTangent(
  sys: CompartmentSystem, c: Case, s0: Float64Array, dp: Float64Array, nDir: number,
): Float64Array {
  const n = sys.compartments.length, nPar = c.p.length;
  const out = new Float64Array(n * nDir);
  for (let k = 0; k < nDir; k++) {
    const eps = 1e-5;
    const run = (sign: number): Float64Array => {
      const x = Float64Array.from(c.state, (v, i) => v + sign * eps * s0[i * nDir + k]!);
      const p = Float64Array.from(c.p, (v, i) => v + sign * eps * dp[i * nDir + k]!);
      sys.advance(x, 0, c.dt, Float64Array.from(c.rates), p);
      return x;
    };
    // At a parameter on its bound (CL = 0, Q = 0) the one-sided second-order formula.
    let oneSided = false;
    for (let i = 0; i < nPar; i++) if (c.p[i]! - eps * dp[i * nDir + k]! < 0) oneSided = true;
    if (oneSided) {
      const x0 = run(0), x1 = run(1), x2 = run(2);
      for (let i = 0; i < n; i++) out[i * nDir + k] = (-3 * x0[i]! + 4 * x1[i]! - x2[i]!) / (2 * eps);
    } else {
      const plus = run(1), minus = run(-1);
      for (let i = 0; i < n; i++) out[i * nDir + k] = (plus[i]! - minus[i]!) / (2 * eps);
    }
  }
  return out;
}

function check(sys: CompartmentSystem, c: Case, seed: number): void {
  const rand = uniform01(seed);
  const n = sys.compartments.length, nPar = c.p.length, nDir = nPar + 1;
  // Directions: each parameter alone (scaled by its value), and one mixed direction that
  // also moves the starting state.
  const dp = new Float64Array(nPar * nDir);
  const s0 = new Float64Array(n * nDir);
  for (let i = 0; i < nPar; i++) dp[i * nDir + i] = Math.max(Math.abs(c.p[i]!), 0.1) * 0.1;
  for (let i = 0; i < nPar; i++) {
    const d = (rand() - 0.5) * 0.1 * Math.max(Math.abs(c.p[i]!), 0.1);
    dp[i * nDir + nPar] = c.p[i] === 0 ? Math.abs(d) : d;
  }
  for (let i = 0; i < n; i++) s0[i * nDir + nPar] = rand() * (Math.abs(c.state[i]!) + 1);
  const expected = finiteDifferenceTangent(sys, c, s0, dp, nDir);
  const x = Float64Array.from(c.state);
  const tangent = Float64Array.from(s0);
  sys.advanceWithSensitivities!(x, tangent, nDir, 0, c.dt, Float64Array.from(c.rates), Float64Array.from(c.p), dp);
  const plain = Float64Array.from(c.state);
  sys.advance(plain, 0, c.dt, Float64Array.from(c.rates), Float64Array.from(c.p));
  expect(Array.from(x)).toEqual(Array.from(plain));
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(tangent[i]! - expected[i]!), `entry ${i}: ${tangent[i]} vs ${expected[i]}`).toBeLessThanOrEqual(1e-6 * scale + 1e-12);
  }
}

const MODELS: readonly [1 | 2 | 3, Route][] = [[1, 'iv'], [1, 'oral'], [2, 'iv'], [2, 'oral'], [3, 'iv'], [3, 'oral']];

function baseParameters(n: 1 | 2 | 3, route: Route): number[] {
  const p = [3.5, 25];
  if (n >= 2) p.push(6, 40);
  if (n === 3) p.push(1.5, 120);
  if (route === 'oral') p.push(1.2);
  return p;
}

describe('closed-form sensitivities equal finite differences of advance', () => {
  for (const [n, route] of MODELS) {
    const nAll = n + (route === 'oral' ? 1 : 0);
    it(`${n} cmt ${route}: random states, inputs into every compartment, intervals 1e-4 to 200`, () => {
      const rand = uniform01(17 * n + (route === 'oral' ? 1 : 0));
      let seed = 100;
      for (const dt of [1e-4, 0.3, 2.5, 24, 200]) {
        for (let input = -1; input < nAll; input++) {
          const state = Array.from({ length: nAll }, () => rand() * 100);
          const rates = Array.from({ length: nAll }, (_, i) => (i === input ? 5 + rand() * 50 : 0));
          const p = baseParameters(n, route).map((v) => v * (0.5 + rand()));
          check(closedFormSystem(n, route), { state, rates, p, dt }, seed++);
        }
      }
    });

    it(`${n} cmt ${route}: degenerate parameters (CL = 0, Q = 0, KA at an eigenvalue)`, () => {
      const sys = closedFormSystem(n, route);
      const base = baseParameters(n, route);
      const state = Array.from({ length: nAll }, (_, i) => 10 * (i + 1));
      const rates = Array.from({ length: nAll }, (_, i) => (i === 0 ? 7 : 0));
      const variants: number[][] = [];
      const noCl = [...base]; noCl[0] = 0; variants.push(noCl);
      if (n >= 2) { const noQ = [...base]; noQ[2] = 0; variants.push(noQ); }
      if (route === 'oral' && n === 1) { const same = [...base]; same[2] = base[0]! / base[1]!; variants.push(same); }
      if (route === 'oral' && n === 2) {
        // KA equal to the slower disposition rate constant of CL 3.5, V1 25, Q 6, V2 40.
        const [cl, v1, q, v2] = base as [number, number, number, number];
        const a = (cl + q) / v1 + q / v2, b = (cl / v1) * (q / v2);
        const same = [...base]; same[4] = (a - Math.sqrt(a * a - 4 * b)) / 2; variants.push(same);
      }
      let seed = 500;
      for (const p of variants) for (const dt of [1e-3, 1, 30]) check(sys, { state, rates, p, dt }, seed++);
    });
  }
});
