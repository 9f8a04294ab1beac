import { describe, expect, it } from 'vitest';
import {
  CENTRAL_STEP, createGradientDiffWork, gradientFD, hessianFD, hessianFromGradientFD, jacobianFD,
} from '../../src/optim/finite-diff.js';

// Test function with known derivatives (closed form):
// f(x) = exp(x0) sin(x1) + x0² x2³ + log(1 + x1²) + 10 / (1 + x2²)
function f(x: Float64Array): number {
  return Math.exp(x[0]) * Math.sin(x[1]) + x[0] ** 2 * x[2] ** 3 + Math.log(1 + x[1] ** 2) + 10 / (1 + x[2] ** 2);
}
function grad(x: Float64Array, g: Float64Array): number {
  const [a, b, c] = x;
  g[0] = Math.exp(a) * Math.sin(b) + 2 * a * c ** 3;
  g[1] = Math.exp(a) * Math.cos(b) + (2 * b) / (1 + b * b);
  g[2] = 3 * a * a * c * c - (20 * c) / (1 + c * c) ** 2;
  return f(x);
}
function hess(x: Float64Array): Float64Array {
  const [a, b, c] = x;
  const h = new Float64Array(9);
  const set = (i: number, j: number, v: number) => { h[i + 3 * j] = v; h[j + 3 * i] = v; };
  set(0, 0, Math.exp(a) * Math.sin(b) + 2 * c ** 3);
  set(0, 1, Math.exp(a) * Math.cos(b));
  set(0, 2, 6 * a * c * c);
  set(1, 1, -Math.exp(a) * Math.sin(b) + (2 * (1 - b * b)) / (1 + b * b) ** 2);
  set(1, 2, 0);
  set(2, 2, 6 * a * a * c - (20 * (1 - 3 * c * c)) / (1 + c * c) ** 3);
  return h;
}

const points = [Float64Array.of(0.3, -1.2, 0.7), Float64Array.of(-2, 0.5, 1.5), Float64Array.of(1, 25, -0.01)];

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let e = 0;
  for (let i = 0; i < b.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e / scale;
}

describe('gradientFD against the analytic gradient', () => {
  it('central differences: error ≤ 1e-8 relative to max(1, ‖∇f‖∞)', () => {
    // Theory: truncation h²|f'''|/6 plus rounding ε|f|/h with h = ε^(1/3)·max(|x_i|, 1); at
    // x1 = 25 the step is 1.5e-4 and |∂³f/∂x1³| ≈ 2.7, so the bound is ≈ 1e-8 there.
    for (const x of points) {
      const g = new Float64Array(3);
      const ga = new Float64Array(3);
      grad(x, ga);
      const before = x.slice();
      expect(gradientFD(f, x, g)).toBe(true);
      expect(Array.from(x)).toEqual(Array.from(before)); // x untouched
      expect(maxRelErr(g, ga)).toBeLessThan(1e-8);
    }
  });

  it('forward differences: error ≤ 1e-6 relative (theory ~ε^(1/2) ≈ 1.5e-8 × curvature)', () => {
    for (const x of points) {
      const g = new Float64Array(3);
      const ga = new Float64Array(3);
      grad(x, ga);
      let calls = 0;
      const counted = (z: Float64Array) => { calls++; return f(z); };
      expect(gradientFD(counted, x, g, { method: 'forward', f0: f(x), work: new Float64Array(3) })).toBe(true);
      expect(calls).toBe(3);
      expect(maxRelErr(g, ga)).toBeLessThan(1e-6);
    }
  });

  it('uses exactly 2n evaluations for central differences and the documented step ε^(1/3)', () => {
    let calls = 0;
    const seen: number[] = [];
    const x = Float64Array.of(4, 0.5);
    gradientFD((z) => { calls++; seen.push(z[0]); return z[0] ** 2 + z[1]; }, x, new Float64Array(2));
    expect(calls).toBe(4);
    // The step is rounded so that x + h − x = h exactly: equal to ε^(1/3)·4 to ~1e-11 relative.
    expect(Math.abs(seen[0] - 4 - CENTRAL_STEP * 4) / (CENTRAL_STEP * 4)).toBeLessThan(1e-10);
  });

  it('falls back to a one-sided difference at the edge of the domain', () => {
    // f(x) = x² + 3x on x ≥ 0, undefined below: at x = 0 only the forward difference exists.
    const fe = (z: Float64Array) => (z[0] >= 0 ? z[0] ** 2 + 3 * z[0] : NaN);
    const g = new Float64Array(1);
    expect(gradientFD(fe, Float64Array.of(0), g)).toBe(true);
    expect(Math.abs(g[0] - 3)).toBeLessThan(1e-5); // forward error = h ≈ 6e-6
    const fu = (z: Float64Array) => (z[0] <= 1 ? -z[0] : Infinity);
    expect(gradientFD(fu, Float64Array.of(1), g)).toBe(true);
    expect(g[0]).toBeCloseTo(-1, 8);
  });

  it('returns false when no difference exists (f undefined on both sides)', () => {
    const g = new Float64Array(1);
    expect(gradientFD((z) => (z[0] === 0 ? 0 : NaN), Float64Array.of(0), g)).toBe(false);
    expect(gradientFD(() => NaN, Float64Array.of(0), g, { method: 'forward' })).toBe(false);
  });
});

describe('hessianFD and hessianFromGradientFD against the analytic Hessian', () => {
  it('from function values: error ≤ 1e-6 relative (theory ~ε^(1/2))', () => {
    for (const x of points) {
      const H = new Float64Array(9);
      let calls = 0;
      expect(hessianFD((z) => { calls++; return f(z); }, x, H)).toBe(true);
      expect(calls).toBe(2 * 9 + 1);
      expect(maxRelErr(H, hess(x))).toBeLessThan(1e-6);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(H[i + 3 * j]).toBe(H[j + 3 * i]);
    }
  });

  it('from the analytic gradient: error ≤ 1e-9 relative, exactly symmetric, 2n gradient calls', () => {
    const work = createGradientDiffWork(3);
    for (const x of points) {
      const H = new Float64Array(9);
      let calls = 0;
      expect(hessianFromGradientFD((z, g) => { calls++; return grad(z, g); }, x, H, { work })).toBe(true);
      expect(calls).toBe(6);
      expect(maxRelErr(H, hess(x))).toBeLessThan(1e-9);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(H[i + 3 * j]).toBe(H[j + 3 * i]);
    }
  });

  it('returns false when f is not finite at a needed point', () => {
    const H = new Float64Array(1);
    expect(hessianFD((z) => (z[0] > 0 ? z[0] ** 2 : NaN), Float64Array.of(0), H)).toBe(false);
    expect(hessianFromGradientFD((z, g) => { g[0] = z[0] > 0 ? 1 : NaN; return 0; }, Float64Array.of(0), H)).toBe(false);
  });
});

describe('jacobianFD', () => {
  // F(x) = (10 exp(−x0 t_k) · x1) for t = 0, 1, 2: ∂F/∂x0 = −10 t x1 e^(−x0 t), ∂F/∂x1 = 10 e^(−x0 t)
  const t = [0, 1, 2];
  const F = (x: Float64Array, out: Float64Array) => {
    for (let k = 0; k < 3; k++) out[k] = 10 * Math.exp(-x[0] * t[k]) * x[1];
    return true;
  };
  const x = Float64Array.of(0.5, 1.3);
  const exact = new Float64Array(6);
  for (let k = 0; k < 3; k++) {
    exact[k] = -10 * t[k] * x[1] * Math.exp(-x[0] * t[k]);
    exact[k + 3] = 10 * Math.exp(-x[0] * t[k]);
  }

  it('central: error ≤ 1e-9 relative; forward with F(x) given: ≤ 1e-6', () => {
    const J = new Float64Array(6);
    expect(jacobianFD(F, x, 3, J)).toBe(true);
    expect(maxRelErr(J, exact)).toBeLessThan(1e-9);
    const fx = new Float64Array(3);
    F(x, fx);
    expect(jacobianFD(F, x, 3, J, { method: 'forward', fx })).toBe(true);
    expect(maxRelErr(J, exact)).toBeLessThan(1e-6);
  });

  it('returns false when F fails at a perturbed point', () => {
    const J = new Float64Array(6);
    expect(jacobianFD((z, out) => { out.fill(0); return z[0] <= 0.5; }, x, 3, J)).toBe(false);
  });
});
