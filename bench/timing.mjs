// Timing helpers shared by the benchmarks.
import { performance } from 'node:perf_hooks';

/** Median wall time (ms) of `reps` calls of `f` after one warm-up call. */
export function medianMs(f, reps) {
  f();
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(reps / 2)];
}
