// Speed of the dense kernels (src/linalg), the per-subject Gaussian marginal-likelihood
// kernel (src/estimation/gaussian-kernel.ts). Single thread, wall clock.
import { medianMs } from './timing.mjs';
import { choleskyInPlace } from '../dist/linalg/cholesky.js';
import { GaussianMarginalKernel } from '../dist/estimation/gaussian-kernel.js';

function spd(n) {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i + j * n] = Math.exp(-Math.abs(i - j) / 3) + (i === j ? 0.1 : 0);
  return a;
}

function choleskyRow(n, count) {
  const a = spd(n);
  const w = new Float64Array(n * n);
  const ms = medianMs(() => {
    for (let k = 0; k < count; k++) { w.set(a); choleskyInPlace(w, n); }
  }, 7);
  return { what: `choleskyInPlace n = ${n}`, how: `median of 7 runs of ${count} factorizations (incl. copy)`, figure: `${((ms * 1000) / count).toFixed(3)} µs each` };
}

export default async function run() {
  const rows = [choleskyRow(3, 200_000), choleskyRow(50, 2_000), choleskyRow(300, 10)];

  // Kernel: 10 observations, 3 random effects, 100,000 subject evaluations.
  const n = 10;
  const q = 3;
  const kernel = new GaussianMarginalKernel(n, q);
  const r = new Float64Array(n).map((_, j) => Math.sin(j));
  const G = new Float64Array(n * q).map((_, j) => Math.cos(j));
  const omega = Float64Array.of(0.1, 0.02, 0, 0.02, 0.2, 0.01, 0, 0.01, 0.3);
  const R = new Float64Array(n).fill(0.05);
  const subjects = 100_000;
  let sink = 0;
  const kms = medianMs(() => { for (let i = 0; i < subjects; i++) sink += kernel.evaluate(r, G, omega, R, n, q); }, 5);
  rows.push({ what: 'GaussianMarginalKernel.evaluate n = 10, q = 3', how: `median of 5 runs of ${subjects} evaluations`, figure: `${((kms * 1000) / subjects).toFixed(3)} µs each` });

  if (!Number.isFinite(sink)) throw new Error('kernel benchmark produced a non-finite value');
  return rows;
}
