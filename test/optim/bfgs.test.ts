import { describe, expect, it } from 'vitest';
import { minimizeBfgs } from '../../src/optim/bfgs.js';
import { lineSearchStrongWolfe } from '../../src/optim/line-search.js';
import { createNewtonWorkspace, minimizeNewton, minimizeNewtonInto } from '../../src/optim/newton.js';

// Standard test functions with known minima: Moré, Garbow & Hillstrom (1981), "Testing
// unconstrained optimization software", ACM TOMS 7:17 (problems 1, 5, 13, 21 below).

/** Rosenbrock (MGH #1): minimum f = 0 at (1, 1); standard start (−1.2, 1). */
const rosen = (x: Float64Array) => 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2;
const rosenGrad = (x: Float64Array, g: Float64Array) => {
  g[0] = -400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0]);
  g[1] = 200 * (x[1] - x[0] ** 2);
  return rosen(x);
};
const rosenGradHess = (x: Float64Array, g: Float64Array, H: Float64Array) => {
  H[0] = 1200 * x[0] ** 2 - 400 * x[1] + 2;
  H[1] = H[2] = -400 * x[0];
  H[3] = 200;
  return rosenGrad(x, g);
};

/** Beale (MGH #5): minimum f = 0 at (3, 0.5); standard start (1, 1). */
const beale = (x: Float64Array) =>
  (1.5 - x[0] * (1 - x[1])) ** 2 + (2.25 - x[0] * (1 - x[1] ** 2)) ** 2 + (2.625 - x[0] * (1 - x[1] ** 3)) ** 2;

/** Powell singular (MGH #13): minimum f = 0 at 0 with a singular Hessian; start (3, −1, 0, 1). */
const powell = (x: Float64Array) =>
  (x[0] + 10 * x[1]) ** 2 + 5 * (x[2] - x[3]) ** 2 + (x[1] - 2 * x[2]) ** 4 + 10 * (x[0] - x[3]) ** 4;

/** Extended Rosenbrock (MGH #21), n even: minimum f = 0 at (1, …, 1); start (−1.2, 1, …). */
const extRosen = (x: Float64Array) => {
  let s = 0;
  for (let i = 0; i < x.length; i += 2) s += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2;
  return s;
};
const extRosenGrad = (x: Float64Array, g: Float64Array) => {
  for (let i = 0; i < x.length; i += 2) {
    g[i] = -400 * x[i] * (x[i + 1] - x[i] ** 2) - 2 * (1 - x[i]);
    g[i + 1] = 200 * (x[i + 1] - x[i] ** 2);
  }
  return extRosen(x);
};

function maxAbsDiffTo(x: Float64Array, target: number[]): number {
  return Math.max(...target.map((t, i) => Math.abs(x[i] - t)));
}

describe('minimizeBfgs on standard test functions (Moré, Garbow & Hillstrom 1981)', () => {
  it('Rosenbrock with analytic gradient: x* = (1, 1) to 1e-6, converged on the gradient', () => {
    const x0 = Float64Array.of(-1.2, 1);
    const r = minimizeBfgs(rosen, x0, { gradient: rosenGrad, gradientTolerance: 1e-8, functionTolerance: 0 });
    expect(r.converged).toBe(true);
    expect(r.reason).toBe('gradient-tolerance');
    expect(r.status).toMatch(/gradient/);
    expect(maxAbsDiffTo(r.x, [1, 1])).toBeLessThan(1e-6);
    expect(r.f).toBeLessThan(1e-14);
    expect(r.fInitial).toBeCloseTo(24.2, 12);
    expect(Array.from(x0)).toEqual([-1.2, 1]); // input untouched
    expect(r.iterations).toBeLessThan(60);
  });

  it('Rosenbrock with central finite differences: x* = (1, 1) to 1e-5', () => {
    const r = minimizeBfgs(rosen, Float64Array.of(-1.2, 1));
    expect(r.converged).toBe(true);
    expect(maxAbsDiffTo(r.x, [1, 1])).toBeLessThan(1e-5);
  });

  it('Beale with finite differences: x* = (3, 0.5) to 1e-6', () => {
    const r = minimizeBfgs(beale, Float64Array.of(1, 1), { gradientTolerance: 1e-9 });
    expect(r.converged).toBe(true);
    expect(maxAbsDiffTo(r.x, [3, 0.5])).toBeLessThan(1e-6);
  });

  it('Powell singular (singular Hessian at the minimum): f < 1e-8, x within 1e-2 of 0', () => {
    // With a singular Hessian convergence in x is only linear; f is what is well determined.
    const r = minimizeBfgs(powell, Float64Array.of(3, -1, 0, 1), { gradientTolerance: 1e-8 });
    expect(r.f).toBeLessThan(1e-8);
    expect(maxAbsDiffTo(r.x, [0, 0, 0, 0])).toBeLessThan(1e-2);
  });

  it('Extended Rosenbrock, n = 10, analytic gradient: x* = 1 to 1e-6', () => {
    const x0 = new Float64Array(10);
    for (let i = 0; i < 10; i += 2) { x0[i] = -1.2; x0[i + 1] = 1; }
    const r = minimizeBfgs(extRosen, x0, { gradient: extRosenGrad, gradientTolerance: 1e-8 });
    expect(r.converged).toBe(true);
    expect(maxAbsDiffTo(r.x, new Array(10).fill(1))).toBeLessThan(1e-6);
  });

  it('strictly convex quadratic ½xᵀAx − bᵀx: x* = A⁻¹b (closed form) to 1e-8', () => {
    // A = [[4, 1, 0], [1, 3, 1], [0, 1, 2]], b = (1, 2, 3); by Cramer's rule (det A = 18)
    // x* = (4, 2, 26)/18 = (2/9, 1/9, 13/9).
    const A = [[4, 1, 0], [1, 3, 1], [0, 1, 2]];
    const b = [1, 2, 3];
    const q = (x: Float64Array) => {
      let s = 0;
      for (let i = 0; i < 3; i++) { for (let j = 0; j < 3; j++) s += 0.5 * x[i] * A[i][j] * x[j]; s -= b[i] * x[i]; }
      return s;
    };
    const r = minimizeBfgs(q, Float64Array.of(0, 0, 0), { gradientTolerance: 1e-10 });
    expect(r.converged).toBe(true);
    for (let i = 0; i < 3; i++) {
      let ax = 0;
      for (let j = 0; j < 3; j++) ax += A[i][j] * r.x[j];
      expect(Math.abs(ax - b[i])).toBeLessThan(1e-8);
    }
    expect(r.x[0]).toBeCloseTo(2 / 9, 8);
    expect(r.x[1]).toBeCloseTo(1 / 9, 8);
    expect(r.x[2]).toBeCloseTo(13 / 9, 8);
  });
});

describe('minimizeBfgs: non-finite objectives, limits, callback, history', () => {
  it('never accepts a point where f is +Infinity or NaN (f = x + 1/x on x > 0, minimum at 1)', () => {
    for (const bad of [Infinity, NaN]) {
      let nonFiniteCalls = 0;
      const fb = (x: Float64Array) => {
        if (x[0] <= 0) { nonFiniteCalls++; return bad; }
        return x[0] + 1 / x[0];
      };
      // A first step of length 10 from x = 3 lands at x < 0, which the line search must reject.
      const r = minimizeBfgs(fb, Float64Array.of(3), { initialStepLength: 10, keepHistory: true });
      expect(nonFiniteCalls).toBeGreaterThan(0);
      expect(r.converged).toBe(true);
      expect(r.x[0]).toBeCloseTo(1, 6);
      expect(r.f).toBeCloseTo(2, 12);
      for (const h of r.history!) expect(Number.isFinite(h.f)).toBe(true);
    }
  });

  it('reports a non-finite starting point without iterating', () => {
    const r = minimizeBfgs(() => NaN, Float64Array.of(1, 2));
    expect(r.converged).toBe(false);
    expect(r.reason).toBe('non-finite-start');
    expect(r.evaluations).toBe(1);
    expect(r.iterations).toBe(0);
  });

  it('stops at maxIterations with converged = false, and when the callback returns false', () => {
    const r = minimizeBfgs(rosen, Float64Array.of(-1.2, 1), { gradient: rosenGrad, maxIterations: 3 });
    expect(r.converged).toBe(false);
    expect(r.reason).toBe('max-iterations');
    expect(r.iterations).toBe(3);
    const seen: number[] = [];
    const c = minimizeBfgs(rosen, Float64Array.of(-1.2, 1), {
      gradient: rosenGrad, callback: (p) => { seen.push(p.f); return p.iteration < 5; },
    });
    expect(c.reason).toBe('callback-stop');
    expect(c.iterations).toBe(5);
    expect(seen.length).toBe(5);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeLessThan(seen[i - 1]);
  });

  it('history starts at x0 and decreases monotonically', () => {
    const r = minimizeBfgs(beale, Float64Array.of(1, 1), { keepHistory: true });
    const h = r.history!;
    expect(Array.from(h[0].x)).toEqual([1, 1]);
    expect(h.length).toBe(r.iterations + 1);
    for (let i = 1; i < h.length; i++) expect(h[i].f).toBeLessThan(h[i - 1].f);
    expect(h[h.length - 1].f).toBe(r.f);
  });

  it('an unreachable gradient tolerance ends as converged at the precision of f, not as a failure', () => {
    // f = 600 + Σ (i + 1)(x_i − i)²: minimum at x_i = i; gradient 1e-20 is below rounding.
    const f = (x: Float64Array) => { let s = 600; for (let i = 0; i < 3; i++) s += (i + 1) * (x[i] - i) ** 2; return s; };
    const gr = (x: Float64Array, g: Float64Array) => { for (let i = 0; i < 3; i++) g[i] = 2 * (i + 1) * (x[i] - i); return f(x); };
    const r = minimizeBfgs(f, Float64Array.of(5, 5, 5), { gradient: gr, gradientTolerance: 1e-20, functionTolerance: 0, stepTolerance: 0 });
    expect(r.converged).toBe(true);
    expect(['function-tolerance', 'gradient-tolerance']).toContain(r.reason);
    expect(maxAbsDiffTo(r.x, [0, 1, 2])).toBeLessThan(1e-6);
    // Newton on 600 + Σ exp(x_i) − (i + 2) x_i (minimum x_i = log(i + 2)), gradient 1e-300.
    const fe = (z: Float64Array) => { let v = 600; for (let i = 0; i < 3; i++) v += Math.exp(z[i]) - (i + 2) * z[i]; return v; };
    const ghe = (z: Float64Array, g: Float64Array, H: Float64Array) => {
      H.fill(0);
      for (let i = 0; i < 3; i++) { g[i] = Math.exp(z[i]) - (i + 2); H[i + 3 * i] = Math.exp(z[i]); }
      return fe(z);
    };
    const ws = createNewtonWorkspace(3);
    const x = Float64Array.of(3, 3, 3);
    expect(minimizeNewtonInto(ws, fe, ghe, x, { gradientTolerance: 1e-300, stepTolerance: 0 })).toBe(true);
    expect(['function-tolerance', 'gradient-tolerance']).toContain(ws.reason);
    expect(maxAbsDiffTo(x, [Math.log(2), Math.log(3), Math.log(4)])).toBeLessThan(1e-14);
  });

  it('reports line-search failure when the gradient is wrong (points uphill everywhere)', () => {
    const r = minimizeBfgs((x) => x[0] ** 2, Float64Array.of(1), {
      gradient: (x, g) => { g[0] = -2 * x[0]; return x[0] ** 2; },
    });
    expect(r.converged).toBe(false);
    expect(r.reason).toBe('line-search-failed');
    expect(r.x[0]).toBe(1);
  });
});

describe('lineSearchStrongWolfe', () => {
  it('returns a step satisfying both strong Wolfe conditions on φ(α) = (α − 3)² (from slope −6)', () => {
    let last = NaN;
    const line = { value: (a: number) => { last = a; return (a - 3) ** 2; }, slope: () => 2 * (last - 3) };
    const r = lineSearchStrongWolfe(line, 9, -6, 1);
    expect(r.status).toBe('strong-wolfe');
    expect(r.value).toBeLessThanOrEqual(9 + 1e-4 * r.alpha * -6);
    expect(Math.abs(r.slope)).toBeLessThanOrEqual(0.9 * 6);
  });

  it('fails (alpha 0) for a non-descent direction', () => {
    const r = lineSearchStrongWolfe({ value: () => 0, slope: () => 0 }, 0, 1, 1);
    expect(r.status).toBe('failed');
    expect(r.alpha).toBe(0);
  });
});

describe('minimizeNewton and minimizeNewtonInto', () => {
  it('Rosenbrock with analytic gradient and Hessian: (1, 1) to 1e-10, converged', () => {
    const r = minimizeNewton(rosen, Float64Array.of(-1.2, 1), { gradHess: rosenGradHess });
    expect(r.converged).toBe(true);
    expect(maxAbsDiffTo(r.x, [1, 1])).toBeLessThan(1e-10);
    expect(r.iterations).toBeLessThan(40);
  });

  it('indefinite Hessian at the start (double well x⁴/4 − x²/2 from 0.1): reaches x = 1, f = −1/4', () => {
    const f = (x: Float64Array) => x[0] ** 4 / 4 - x[0] ** 2 / 2;
    const gh = (x: Float64Array, g: Float64Array, H: Float64Array) => {
      g[0] = x[0] ** 3 - x[0];
      H[0] = 3 * x[0] ** 2 - 1; // −0.97 at the start
      return f(x);
    };
    const r = minimizeNewton(f, Float64Array.of(0.1), { gradHess: gh });
    expect(r.converged).toBe(true);
    // Stops at |g| ≤ 1e-8 (default); g ≈ 2(x − 1) near the minimum, so |x − 1| ≲ 5e-9.
    expect(r.x[0]).toBeCloseTo(1, 8);
    expect(r.f).toBeCloseTo(-0.25, 14);
  });

  it('without derivatives (finite-difference gradient and Hessian): Beale to 1e-6', () => {
    const r = minimizeNewton(beale, Float64Array.of(1, 1), { gradientTolerance: 1e-7 });
    expect(r.converged).toBe(true);
    expect(maxAbsDiffTo(r.x, [3, 0.5])).toBeLessThan(1e-6);
  });

  it('with an analytic gradient only (Hessian differenced): Rosenbrock to 1e-8', () => {
    const r = minimizeNewton(rosen, Float64Array.of(-1.2, 1), { gradient: rosenGrad });
    expect(r.converged).toBe(true);
    expect(maxAbsDiffTo(r.x, [1, 1])).toBeLessThan(1e-8);
  });

  it('one workspace reused for 500 problems Σ exp(x_i − a_i) − x_i (closed-form minimum x = a)', () => {
    const n = 3;
    const ws = createNewtonWorkspace(n);
    const a = new Float64Array(n);
    const f = (x: Float64Array) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.exp(x[i] - a[i]) - x[i];
      return s;
    };
    const gh = (x: Float64Array, g: Float64Array, H: Float64Array) => {
      H.fill(0);
      for (let i = 0; i < n; i++) {
        const e = Math.exp(x[i] - a[i]);
        g[i] = e - 1;
        H[i + i * n] = e;
      }
      return f(x);
    };
    const x = new Float64Array(n);
    let worst = 0;
    for (let k = 0; k < 500; k++) {
      for (let i = 0; i < n; i++) { a[i] = Math.sin(k + i) * 3; x[i] = 0; }
      expect(minimizeNewtonInto(ws, f, gh, x)).toBe(true);
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(x[i] - a[i]));
      let fExact = 0;
      for (let i = 0; i < n; i++) fExact += 1 - a[i];
      expect(ws.f).toBeCloseTo(fExact, 12);
    }
    expect(worst).toBeLessThan(1e-8);
  });

  it('stops on the step criterion when asked, and keeps the last good point if derivatives fail', () => {
    const r = minimizeNewton(rosen, Float64Array.of(-1.2, 1), { gradHess: rosenGradHess, gradientTolerance: 0, stepTolerance: 1e-6 });
    expect(r.reason).toBe('step-tolerance');
    expect(r.converged).toBe(true);
    expect(maxAbsDiffTo(r.x, [1, 1])).toBeLessThan(1e-6);
    // Derivatives undefined for x > 0.5 while f is defined everywhere: Newton must stop at x ≤ 0.5.
    const ws = createNewtonWorkspace(1);
    const x = Float64Array.of(0);
    const f = (z: Float64Array) => (z[0] - 1) ** 2;
    const gh = (z: Float64Array, g: Float64Array, H: Float64Array) => {
      g[0] = z[0] > 0.5 ? NaN : 2 * (z[0] - 1);
      H[0] = 2;
      return f(z);
    };
    expect(minimizeNewtonInto(ws, f, gh, x)).toBe(false);
    expect(ws.reason).toBe('other');
    expect(x[0]).toBe(0);
    expect(ws.f).toBe(1);
  });

  it('reports a non-finite start and rejects non-finite trial points', () => {
    const ws = createNewtonWorkspace(1);
    const x = Float64Array.of(-1);
    const f = (z: Float64Array) => (z[0] > 0 ? z[0] - Math.log(z[0]) : Infinity);
    const gh = (z: Float64Array, g: Float64Array, H: Float64Array) => {
      g[0] = 1 - 1 / z[0];
      H[0] = 1 / z[0] ** 2;
      return f(z);
    };
    expect(minimizeNewtonInto(ws, f, gh, x)).toBe(false);
    expect(ws.reason).toBe('non-finite-start');
    // From x = 3 the full Newton step goes to 3 − (2/3)/(1/9) = −3: must be shortened.
    x[0] = 3;
    expect(minimizeNewtonInto(ws, f, gh, x)).toBe(true);
    expect(x[0]).toBeCloseTo(1, 8); // |g| ≤ 1e-8 and f'' = 1 at the minimum
  });
});
