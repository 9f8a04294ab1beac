/**
 * Seeded random numbers for simulations. One seed gives independent streams (covariates, η,
 * ε, parameter uncertainty, ...): stream k is the xoroshiro128+ generator of pure-rand seeded
 * with the seed and advanced by k + 1 jumps of 2⁶⁴ steps (Blackman & Vigna, "Scrambled linear
 * pseudorandom number generators", 2018), so streams never overlap. Each stream is drawn
 * subject after subject, so the first n subjects of a simulation of N > n subjects are the
 * same as those of a simulation of n subjects with the same seed.
 *
 * Uniforms have 53 random bits and lie strictly inside (0, 1); normal deviates are
 * Φ⁻¹(u) by Wichura's AS 241 (one uniform per deviate, so every draw uses a known amount of
 * the stream).
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import { normalQuantile } from './normal.js';
import { PopkitError } from '../errors.js';

/** Named streams of a simulation (or of NPDE's replicates), so that adding draws of one kind never shifts another. */
export const STREAMS = { covariates: 0, eta: 1, epsilon: 2, uncertainty: 3, posterior: 4, resample: 5, npde: 6 } as const;

const HALF_ULP = 2 ** -54;

/** One stream of uniform and normal deviates. */
export class RandomStream {
  constructor(private readonly rng: JumpableRandomGenerator) {}

  /** Uniform on (0, 1), 53 random bits. */
  uniform(): number {
    return uniformFloat64(this.rng) + HALF_ULP;
  }

  /** Standard normal deviate. */
  normal(): number {
    return normalQuantile(this.uniform());
  }

  /** Fill out[0..n) with standard normal deviates. */
  normalsInto(out: Float64Array, n: number = out.length): void {
    for (let i = 0; i < n; i++) out[i] = normalQuantile(this.uniform());
  }

  /** A whole number uniform on 0..n−1. */
  index(n: number): number {
    return Math.min(n - 1, Math.floor(this.uniform() * n));
  }
}

/**
 * Check a seed: a whole number in [0, 2³²). Throws PopkitError otherwise.
 * Example: `checkSeed(12345)` returns 12345.
 */
export function checkSeed(seed: number): number {
  if (!(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)) {
    throw new PopkitError(`seed must be a whole number from 0 to ${2 ** 32 - 1} (got ${seed})`);
  }
  return seed;
}

/**
 * Stream `k` (see STREAMS) of the simulation seeded with `seed`.
 * Example: `randomStream(42, STREAMS.eta).normal()` is the same number on every run.
 */
export function randomStream(seed: number, k: number): RandomStream {
  const g = xoroshiro128plus(checkSeed(seed) | 0);
  // Warm up: the seeding leaves most state bits fixed; the jumps mix them.
  for (let j = 0; j <= k; j++) g.jump();
  return new RandomStream(g);
}
