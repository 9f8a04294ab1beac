/**
 * Divided differences of the exponential, the scalar building blocks of the closed-form
 * compartment solutions. For f(z) = exp(z·t):
 *
 *   f[0, a]       = ∫₀ᵗ e^{a(t−s)} ds                      (response to a unit constant input)
 *   f[a, b]       = ∫₀ᵗ e^{a(t−s)} e^{b s} ds               (first-order input into a mode)
 *   f[0, a, b]    = ∫₀ᵗ e^{a(t−s)} (e^{b s} − 1)/b ds       (constant input through a depot)
 *
 * The third difference g[x, y, z, w] appears in the derivatives of the last one with
 * respect to the rate constants (src/pk/closed-form-sensitivities.ts): ∂g[…]/∂x = g[…, x].
 *
 * Written this way the formulas stay finite and accurate when arguments coincide (KA equal
 * to an elimination rate constant, a zero eigenvalue when CL = 0, t = 0): the confluent
 * limits are the derivatives f'(a)/1! and f''(a)/2!, and the algorithms below reach them
 * continuously. On the accurate computation of divided differences of the exponential see
 * A. McCurdy, K. C. Ng & B. N. Parlett, Math. Comp. 43:501–528 (1984); here the first
 * difference is written with expm1 and the second uses the recursion on its two
 * farthest-apart points, or a Taylor series about the mean of its points when they cluster.
 *
 * Accuracy: relative error below about 1e-13 for all arguments a, b ≤ 0 used here
 * (rates × time up to ~700, beyond which the exponentials underflow to 0 as they should).
 */

/** Spread (in units of rate × time) below which the second divided difference uses its series. */
const SERIES_SPREAD = 0.05;
/** Terms of that series after the first: |h_k|/(k+2)! < 1e-17 relative beyond k = 12. */
const SERIES_TERMS = 12;

/**
 * (e^x − 1)/x for x = rate·time, with the limit 1 at x = 0. Dimensionless.
 * Example: `expm1OverX(0) === 1`.
 */
export function expm1OverX(x: number): number {
  if (x === 0) return 1;
  if (Math.abs(x) < 1e-5) return 1 + x / 2 + (x * x) / 6;
  return Math.expm1(x) / x;
}

/**
 * g[x, y] = (eˣ − eʸ)/(x − y), the first divided difference of exp (eˣ when x = y).
 * Dimensionless arguments (rate × time). Computed from the larger argument so it never
 * overflows for x, y ≤ 0 and never loses accuracy when x ≈ y.
 */
export function expDivided1(x: number, y: number): number {
  const hi = x > y ? x : y;
  const lo = x > y ? y : x;
  return Math.exp(hi) * expm1OverX(lo - hi);
}

/**
 * g[x, y, z], the second divided difference of exp (eˣ/2 when all three coincide).
 * Dimensionless arguments. The two farthest-apart points form the denominator, so the
 * recursion only cancels when all three points lie within SERIES_SPREAD of each other, and
 * then a Taylor series about their mean is used:
 *   g[x,y,z] = e^c · Σ_k h_k(x−c, y−c, z−c)/(k+2)!   (h_k: complete homogeneous polynomials).
 */
export function expDivided2(x: number, y: number, z: number): number {
  // Sort so that p0 ≤ p1 ≤ p2.
  let p0 = x, p1 = y, p2 = z, tmp: number;
  if (p0 > p1) { tmp = p0; p0 = p1; p1 = tmp; }
  if (p1 > p2) { tmp = p1; p1 = p2; p2 = tmp; }
  if (p0 > p1) { tmp = p0; p0 = p1; p1 = tmp; }
  const spread = p2 - p0;
  if (spread >= SERIES_SPREAD) {
    return (expDivided1(p1, p2) - expDivided1(p0, p1)) / spread;
  }
  const c = (p0 + p1 + p2) / 3;
  const u = p0 - c, v = p1 - c, w = p2 - c;
  // h_k(u, v, w) by the recurrences a_k = u^k, b_k = v·b_{k−1} + a_k, h_k = w·h_{k−1} + b_k.
  let a = 1, b = 1, h = 1, factorial = 2, sum = 0.5;
  for (let k = 1; k <= SERIES_TERMS; k++) {
    a *= u;
    b = v * b + a;
    h = w * h + b;
    factorial *= k + 2;
    sum += h / factorial;
  }
  return Math.exp(c) * sum;
}

/**
 * g[x, y, z, w], the third divided difference of exp (eˣ/6 when all four coincide).
 * Dimensionless arguments. Like {@link expDivided2}: the recursion on the two farthest-apart
 * points when they are at least SERIES_SPREAD apart, otherwise the Taylor series about the
 * mean, g = e^c · Σ_k h_k(x−c, y−c, z−c, w−c)/(k+3)!.
 */
export function expDivided3(x: number, y: number, z: number, w: number): number {
  let lo = x, hi = x;
  if (y < lo) lo = y; else if (y > hi) hi = y;
  if (z < lo) lo = z; else if (z > hi) hi = z;
  if (w < lo) lo = w; else if (w > hi) hi = w;
  const spread = hi - lo;
  if (spread >= SERIES_SPREAD) {
    // Drop one occurrence of the highest point, then one of the lowest.
    let a0: number, a1: number, a2: number;
    if (x === hi) { a0 = y; a1 = z; a2 = w; } else if (y === hi) { a0 = x; a1 = z; a2 = w; } else if (z === hi) { a0 = x; a1 = y; a2 = w; } else { a0 = x; a1 = y; a2 = z; }
    let b0: number, b1: number, b2: number;
    if (x === lo) { b0 = y; b1 = z; b2 = w; } else if (y === lo) { b0 = x; b1 = z; b2 = w; } else if (z === lo) { b0 = x; b1 = y; b2 = w; } else { b0 = x; b1 = y; b2 = z; }
    return (expDivided2(b0, b1, b2) - expDivided2(a0, a1, a2)) / spread;
  }
  const c = (x + y + z + w) / 4;
  const u = x - c, v = y - c, s = z - c, r = w - c;
  // h_k(u, v, s, r) by nested recurrences over the variables (see expDivided2).
  let a = 1, b = 1, d = 1, h = 1, factorial = 6, sum = 1 / 6;
  for (let k = 1; k <= SERIES_TERMS; k++) {
    a *= u;
    b = v * b + a;
    d = s * d + b;
    h = r * h + d;
    factorial *= k + 3;
    sum += h / factorial;
  }
  return Math.exp(c) * sum;
}
