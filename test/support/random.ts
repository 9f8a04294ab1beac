/**
 * Seeded generators for tests, so that every randomized case is reproducible.
 * mulberry32 (T. Ettinger, public domain): 32 bits of state, ample for test inputs.
 */

/** Uniform [0, 1) deviates from `seed`. */
export function uniform01(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform [−1, 1) deviates from `seed`. */
export function uniformSymmetric(seed: number): () => number {
  const u = uniform01(seed);
  return () => u() * 2 - 1;
}
