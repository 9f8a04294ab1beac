/**
 * The registry of estimation methods (src/estimation/methods/): one module per method, each
 * declaring what it supports, and one place that refuses what a method cannot do.
 */
import { describe, expect, it } from 'vitest';
import { PopkitError } from '../../src/errors.js';
import { ESTIMATION_METHODS, estimationMethod } from '../../src/estimation/methods/index.js';

describe('estimation methods as modules', () => {
  it('lists FO, FOCE, FOCE-I and Laplace with their NONMEM names', () => {
    expect(ESTIMATION_METHODS).toEqual(['fo', 'foce', 'focei', 'laplace']);
    expect(ESTIMATION_METHODS.map((m) => estimationMethod(m).nonmem))
      .toEqual(['METHOD=0', 'METHOD=1', 'METHOD=1 INTERACTION', 'METHOD=1 LAPLACE INTERACTION']);
  });

  it('declares what each supports: interaction for FOCE-I and Laplace, conditional modes for all but FO', () => {
    expect(ESTIMATION_METHODS.filter((m) => estimationMethod(m).supports.interaction)).toEqual(['focei', 'laplace']);
    expect(ESTIMATION_METHODS.filter((m) => estimationMethod(m).supports.conditionalModes)).toEqual(['foce', 'focei', 'laplace']);
    expect(ESTIMATION_METHODS.filter((m) => estimationMethod(m).supports.exactHessian)).toEqual(['laplace']);
    expect(estimationMethod('fo').posthoc).toBe('foce');
  });

  it('refuses an unknown method, naming the ones there are', () => {
    expect(() => estimationMethod('saem2')).toThrow(PopkitError);
    expect(() => estimationMethod('saem2')).toThrow(/unknown estimation method 'saem2' \(use fo, foce, focei, laplace\)/);
  });

  it('refuses a capability a method lacks, in one place, saying why it was needed', () => {
    expect(() => estimationMethod('foce', { interaction: 'a residual error that depends on η' }))
      .toThrow(/foce does not support η–ε interaction, which a residual error that depends on η needs; use focei or laplace/);
    expect(estimationMethod('focei', { interaction: 'x' }).name).toBe('focei');
  });
});
