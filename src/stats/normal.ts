/**
 * The standard normal distribution: CDF, upper tail and quantile.
 * - Φ via erfc with the Chebyshev-fitted rational approximation of W. J. Cody (1969),
 *   "Rational Chebyshev approximations for the error function", Math. Comp. 23:631
 *   (relative error below 1e-15 in double precision for the ranges used).
 * - Φ⁻¹ by P. J. Acklam's rational approximation refined by one Halley step (relative error
 *   about 1e-15).
 */

const SQRT1_2 = Math.SQRT1_2;

/** Coefficients of Cody (1969) and Acklam, kept at module level so that no call allocates. */
const ERFC_MID_P = [3.004592610201616e2, 4.519189537118729e2, 3.393208167343437e2, 1.529892850469404e2,
  4.316222722205674e1, 7.211758250883094, 5.641955174789740e-1, -1.368648573827167e-7];
const ERFC_MID_Q = [3.004592609569833e2, 7.909509253278980e2, 9.313540948506096e2, 6.389802644656312e2,
  2.775854447439876e2, 7.700015293522947e1, 1.278272731962942e1, 1];
const ERFC_TAIL_P = [-2.99610707703542174e-3, -4.94730910623250734e-2, -2.26956593539686930e-1,
  -2.78661308609647788e-1, -2.23192459734184686e-2];
const ERFC_TAIL_Q = [1.06209230528467918e-2, 1.91308926107829841e-1, 1.05167510706793207,
  1.98733201817135256, 1];
const ERF_SMALL_P = [3.16112374387056560e0, 1.13864154151050156e2, 3.77485237685302021e2,
  3.20937758913846947e3, 1.85777706184603153e-1];
const ERF_SMALL_Q = [2.36012909523441209e1, 2.44024637934444173e2, 1.28261652607737228e3,
  2.84423683343917062e3, 1];
const ACKLAM_A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.383577518672690e2,
  -3.066479806614716e1, 2.506628277459239];
const ACKLAM_B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
  -1.328068155288572e1];
const ACKLAM_C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
  4.374664141464968, 2.938163982698783];
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/** erfc(x) for x ≥ 0 (Cody 1969, three ranges). */
function erfcPositive(x: number): number {
  if (x < 0.5) return 1 - erfSmall(x);
  if (x < 4) {
    const p = ERFC_MID_P;
    const q = ERFC_MID_Q;
    let num = p[7];
    let den = q[7];
    for (let i = 6; i >= 0; i--) { num = num * x + p[i]; den = den * x + q[i]; }
    return Math.exp(-x * x) * (num / den);
  }
  const p = ERFC_TAIL_P;
  const q = ERFC_TAIL_Q;
  const z = 1 / (x * x);
  let num = p[4];
  let den = q[4];
  for (let i = 3; i >= 0; i--) { num = num * z + p[i]; den = den * z + q[i]; }
  return (Math.exp(-x * x) / x) * (1 / Math.sqrt(Math.PI) + (z * num) / den);
}

/** erf(x) for |x| < 0.5 (Cody 1969, first range). */
function erfSmall(x: number): number {
  const p = ERF_SMALL_P;
  const q = ERF_SMALL_Q;
  const z = x * x;
  let num = p[4] * z;
  let den = z;
  for (let i = 0; i < 3; i++) { num = (num + p[i]) * z; den = (den + q[i]) * z; }
  return (x * (num + p[3])) / (den + q[3]);
}

/** Standard normal CDF Φ(x). Example: normalCdf(1.959964) ≈ 0.975. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const z = x * SQRT1_2;
  return z >= 0 ? 1 - 0.5 * erfcPositive(z) : 0.5 * erfcPositive(-z);
}

/** Upper tail 1 − Φ(x), accurate far into the tail. */
export function normalUpperTail(x: number): number {
  return normalCdf(-x);
}

/** Standard normal quantile Φ⁻¹(p), 0 < p < 1. Example: normalQuantile(0.975) ≈ 1.959964. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return NaN;
  }
  const a = ACKLAM_A;
  const b = ACKLAM_B;
  const c = ACKLAM_C;
  const d = ACKLAM_D;
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // One Halley step on Φ(x) − p.
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}
