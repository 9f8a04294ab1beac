/**
 * Line search for the strong Wolfe conditions (Nocedal & Wright, Numerical Optimization,
 * 2nd ed. 2006, Alg. 3.5 "Line Search Algorithm" and Alg. 3.6 "zoom"), with safeguarded
 * cubic interpolation (N&W eq. 3.59) or quadratic interpolation (eq. 3.57) inside zoom.
 *
 * Along a direction p from x, φ(α) = f(x + α p). The search returns α with
 *   φ(α) ≤ φ(0) + c1 α φ'(0)        (sufficient decrease)
 *   |φ'(α)| ≤ c2 |φ'(0)|             (curvature)
 * A non-finite φ(α) (the objective has no value there) is treated like a failure of
 * sufficient decrease: the step is shortened, never accepted.
 * The slope φ'(α) is asked for only after sufficient decrease holds, so a caller whose
 * gradient is expensive (finite differences) pays for it only at promising points.
 */

/** The objective along a line: φ(α) and, lazily, its derivative. */
export interface LineFunction {
  /** φ(α) = f(x + α p); non-finite when f has no value there. */
  value(alpha: number): number;
  /** φ'(α) at the α of the most recent `value` call (non-finite when unavailable). */
  slope(): number;
}

export interface LineSearchOptions {
  /** Sufficient-decrease constant, 0 < c1 < c2 (default 1e-4). */
  c1?: number;
  /** Curvature constant, c1 < c2 < 1 (default 0.9, the usual choice for quasi-Newton). */
  c2?: number;
  /** Largest step allowed (default 1e10). */
  alphaMax?: number;
  /** Most φ evaluations in one search (default 40). */
  maxEvaluations?: number;
}

export type LineSearchStatus =
  /** Both strong Wolfe conditions hold at alpha. */
  | 'strong-wolfe'
  /** Only sufficient decrease holds (the curvature condition could not be met in budget). */
  | 'sufficient-decrease'
  /** No step with sufficient decrease was found; alpha = 0. */
  | 'failed';

export interface LineSearchResult {
  status: LineSearchStatus;
  /** Step accepted (0 when failed). */
  alpha: number;
  /** φ(alpha). */
  value: number;
  /** φ'(alpha) if it was computed, else NaN. */
  slope: number;
  /** Number of `value` calls made. */
  evaluations: number;
  /** The α of the last `value` call (callers caching x + αp compare it with alpha). */
  lastAlpha: number;
}

/** Minimizer of the cubic through (a, fa, ga), (b, fb, gb) (N&W eq. 3.59); NaN if none. */
function cubicMinimizer(a: number, fa: number, ga: number, b: number, fb: number, gb: number): number {
  const d1 = ga + gb - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - ga * gb;
  if (!(disc >= 0)) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - ((b - a) * (gb + d2 - d1)) / (gb - ga + 2 * d2);
}

/** Minimizer of the quadratic through (a, fa, ga) and (b, fb) (N&W eq. 3.57 form); NaN if concave. */
function quadraticMinimizer(a: number, fa: number, ga: number, b: number, fb: number): number {
  const d = b - a;
  const curv = fb - fa - ga * d;
  if (!(curv > 0)) return NaN;
  return a - (ga * d * d) / (2 * curv);
}

/**
 * Finds a step length α satisfying the strong Wolfe conditions along a descent direction.
 * `phi0` = φ(0) and `slope0` = φ'(0) < 0 are given by the caller; `alpha1` is the first trial.
 * Returns status 'failed' (alpha 0) when slope0 is not negative or no decrease was found.
 */
export function lineSearchStrongWolfe(
  line: LineFunction, phi0: number, slope0: number, alpha1: number, options: LineSearchOptions = {},
): LineSearchResult {
  const c1 = options.c1 ?? 1e-4;
  const c2 = options.c2 ?? 0.9;
  const alphaMax = options.alphaMax ?? 1e10;
  const maxEval = options.maxEvaluations ?? 40;
  const result: LineSearchResult = { status: 'failed', alpha: 0, value: phi0, slope: slope0, evaluations: 0, lastAlpha: NaN };
  if (!(slope0 < 0) || !Number.isFinite(phi0)) return result;

  const evalAt = (alpha: number): number => {
    result.evaluations++;
    result.lastAlpha = alpha;
    return line.value(alpha);
  };
  const armijo = (alpha: number, v: number): boolean => Number.isFinite(v) && v <= phi0 + c1 * alpha * slope0;
  const accept = (status: LineSearchStatus, alpha: number, v: number, s: number): LineSearchResult => {
    result.status = status;
    result.alpha = alpha;
    result.value = v;
    result.slope = s;
    return result;
  };

  // zoom (Alg. 3.6) between lo (sufficient decrease, slope known) and hi.
  const zoom = (lo: number, fLo: number, gLo: number, hi: number, fHi: number, gHi: number): LineSearchResult => {
    while (result.evaluations < maxEval) {
      const width = hi - lo;
      if (Math.abs(width) <= 1e-14 * Math.max(Math.abs(lo), Math.abs(hi))) break;
      let a = NaN;
      if (Number.isFinite(fHi)) {
        a = Number.isFinite(gHi) ? cubicMinimizer(lo, fLo, gLo, hi, fHi, gHi) : quadraticMinimizer(lo, fLo, gLo, hi, fHi);
      }
      // Safeguard: stay at least 10% of the interval away from both ends; bisect otherwise.
      const left = Math.min(lo, hi) + 0.1 * Math.abs(width);
      const right = Math.max(lo, hi) - 0.1 * Math.abs(width);
      if (!(a >= left && a <= right)) a = Number.isFinite(fHi) ? lo + 0.5 * width : lo + 0.25 * width;
      const fa = evalAt(a);
      if (!armijo(a, fa) || fa >= fLo) {
        hi = a; fHi = fa; gHi = NaN;
        continue;
      }
      const ga = line.slope();
      if (!Number.isFinite(ga)) {
        hi = a; fHi = NaN; gHi = NaN;
        continue;
      }
      if (Math.abs(ga) <= -c2 * slope0) return accept('strong-wolfe', a, fa, ga);
      if (ga * (hi - lo) >= 0) { hi = lo; fHi = fLo; gHi = gLo; }
      lo = a; fLo = fa; gLo = ga;
    }
    return lo > 0 ? accept('sufficient-decrease', lo, fLo, gLo) : result;
  };

  // Bracketing phase (Alg. 3.5).
  let prev = 0;
  let fPrev = phi0;
  let gPrev = slope0;
  let alpha = Math.min(alpha1, alphaMax);
  for (let i = 1; result.evaluations < maxEval; i++) {
    const fa = evalAt(alpha);
    if (!armijo(alpha, fa) || (i > 1 && fa >= fPrev)) return zoom(prev, fPrev, gPrev, alpha, fa, NaN);
    const ga = line.slope();
    if (!Number.isFinite(ga)) return zoom(prev, fPrev, gPrev, alpha, NaN, NaN);
    if (Math.abs(ga) <= -c2 * slope0) return accept('strong-wolfe', alpha, fa, ga);
    if (ga >= 0) return zoom(alpha, fa, ga, prev, fPrev, gPrev);
    prev = alpha; fPrev = fa; gPrev = ga;
    if (alpha >= alphaMax) break;
    alpha = Math.min(2 * alpha, alphaMax);
  }
  // Budget or alphaMax reached while still descending: the last point has sufficient decrease.
  return prev > 0 ? accept('sufficient-decrease', prev, fPrev, gPrev) : result;
}
