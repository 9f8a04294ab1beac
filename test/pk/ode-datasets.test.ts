/**
 * The Michaelis–Menten ODE systems against the simulated datasets they were made for:
 * datasets/{Bolus,Infusion,Oral}_{1,2}CPTMM.csv (Schoemaker et al., CPT:PSP 2019; nlmixr2data),
 * 120 subjects each, simulated with the individual parameters given in the columns (VM in
 * µg/h, KM in µg/L, V/V1/V2 in L, Q in L/h, KA in 1/h; doses in µg) and a 20% proportional
 * residual error (datasets/README.md). Predicting every subject with its own true parameters
 * must therefore leave residuals log(DV/prediction) centred on 0 with SD ≈ 0.2. Tolerances:
 * |mean| < 0.03 (the standard error of the mean is about 0.0025 for ~7000 observations;
 * E[log(1+ε)] = -0.02 for ε ~ N(0, 0.2²)), SD within [0.18, 0.22]. A wrong unit convention,
 * e.g. KM read as an amount instead of a concentration, shifts the mean by more than 1.
 */
import { describe, expect, it } from 'vitest';
import { readDataset } from '../../src/io/data-files.js';
import { buildAllEvents } from '../../src/events/build.js';
import { michaelisMentenOdeSystem } from '../../src/pk/ode-library.js';
import { constantParameters, pkParameterRow } from '../../src/pk/parameters.js';
import { predictSubject } from '../../src/pk/predict.js';

const CASES = [
  { file: 'Bolus_1CPTMM', nCmt: 1, route: 'iv', columns: ['VM', 'KM', 'V'] },
  { file: 'Infusion_1CPTMM', nCmt: 1, route: 'iv', columns: ['VM', 'KM', 'V'] },
  { file: 'Oral_1CPTMM', nCmt: 1, route: 'oral', columns: ['VM', 'KM', 'V', 'KA'] },
  { file: 'Bolus_2CPTMM', nCmt: 2, route: 'iv', columns: ['VM', 'KM', 'V', 'Q', 'V2'] },
  { file: 'Infusion_2CPTMM', nCmt: 2, route: 'iv', columns: ['VM', 'KM', 'V', 'Q', 'V2'] },
  { file: 'Oral_2CPTMM', nCmt: 2, route: 'oral', columns: ['VM', 'KM', 'V1', 'Q', 'V2', 'KA'] },
] as const;

/**
 * log(DV / predicted concentration) for every observation with DV > 0 and a positive
 * prediction; `zeros` counts the observations predicted at exactly 0 (an emptied compartment:
 * the ODE path keeps amounts non-negative and sets those within the tolerance of 0 to 0).
 */
function logResiduals(c: (typeof CASES)[number], transformKM: (km: number, v: number) => number = (km) => km): number[] & { zeros: number } {
  const ds = readDataset(`datasets/${c.file}.csv`);
  const system = michaelisMentenOdeSystem(c.nCmt, c.route);
  const observed = system.defaultObservationCompartment;
  const n = system.compartments.length;
  const residuals = Object.assign([] as number[], { zeros: 0 });
  buildAllEvents(ds, system).forEach((subject, s) => {
    const first = ds.subjects[s]!.recordIndices[0]!;
    const p = c.columns.map((name) => ds.covariate(name, first) as number);
    const volume = p[2]!;
    p[1] = transformKM(p[1]!, volume);
    const out = new Float64Array(subject.observationIndices.length * n);
    predictSubject(system, subject, constantParameters(pkParameterRow(n, p)), out);
    subject.observationRecords.forEach((record, j) => {
      const dv = ds.records[record]!.dv;
      const predicted = out[j * n + observed]! / volume;
      expect(predicted).toBeGreaterThanOrEqual(0);
      if (predicted === 0) residuals.zeros++;
      else if (dv > 0) residuals.push(Math.log(dv / predicted));
    });
  });
  return residuals;
}

function meanAndSd(x: number[]): { mean: number; sd: number } {
  const mean = x.reduce((s, v) => s + v, 0) / x.length;
  return { mean, sd: Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / (x.length - 1)) };
}

describe('Michaelis-Menten ODE systems reproduce the simulated CPTMM datasets', () => {
  it.each(CASES.map((c) => [c.file, c] as const))('%s: residuals centred on 0 with SD 0.2', (_file, c) => {
    const residuals = logResiduals(c);
    expect(residuals.zeros).toBe(0);
    expect(residuals.length).toBeGreaterThan(6900);
    const { mean, sd } = meanAndSd(residuals);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(sd).toBeGreaterThan(0.18);
    expect(sd).toBeLessThan(0.22);
  });

  it('the check is sensitive to the unit convention: KM taken as an amount (KM/V as concentration) is far off', () => {
    const residuals = logResiduals(CASES[0], (km, v) => km / v);
    const { mean } = meanAndSd(residuals);
    expect(Math.abs(mean)).toBeGreaterThan(1);
  });
});
