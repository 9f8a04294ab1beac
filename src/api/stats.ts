/**
 * Distribution functions used across popkit: the normal and chi-square distributions
 * (cdf, tails, quantiles) and seeded, splittable random streams.
 * Example: `stats.chiSquarePValue(3.84, 1)` is about 0.05.
 */
export { chiSquareCdf, chiSquareCritical, chiSquarePValue, logGamma, regularizedGammaP, regularizedGammaQ } from '../stats/chi-square.js';
export { normalCdf, normalQuantile, normalUpperTail } from '../stats/normal.js';
export { checkSeed, randomStream, RandomStream, STREAMS } from '../stats/random.js';
