/**
 * Hand-written BoundModels for the estimation tests: Wang (2007)'s one-line model and the
 * phenobarbital model of NONMEM's pheno example (ADVAN1 TRANS2, proportional error), both
 * written directly against the BoundModel interface.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BoundModel, CovarianceSpec, SubjectEvaluator } from '../../src/subject/bound.js';

export const datasetPath = (name: string): string => fileURLToPath(new URL(`../../datasets/${name}`, import.meta.url));

/** Rows of a numeric CSV file as objects keyed by header name. */
export function readNumericCsv(path: string): Record<string, number>[] {
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',').map((h) => h.trim());
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const row: Record<string, number> = {};
    header.forEach((h, i) => { row[h] = cells[i] === '.' ? NaN : Number(cells[i]); });
    return row;
  });
}

function groupById(rows: Record<string, number>[]): Map<number, { row: Record<string, number>; index: number }[]> {
  const groups = new Map<number, { row: Record<string, number>; index: number }[]>();
  rows.forEach((row, index) => {
    const g = groups.get(row.ID) ?? [];
    g.push({ row, index });
    groups.set(row.ID, g);
  });
  return groups;
}

export function diagonalCovariance(names: string[], variances: number[], fixed = false): CovarianceSpec {
  const n = names.length;
  const init = new Float64Array(n * n);
  variances.forEach((v, i) => { init[i * n + i] = v; });
  return { names, init, blocks: names.map((_, i) => ({ indices: [i], fixed })) };
}

/**
 * Wang 2007: ke = θ·e^η, ipred = 10·e^(−ke·t); proportional (y = ipred(1 + ε), h = ipred) or
 * additive (y = ipred + ε, h = 1). θ = 0.5, ω² = 0.04, σ² = 0.1 by default.
 */
export function wangModel(error: 'proportional' | 'additive', withDerivatives = true,
  init = { tke: 0.5, omega: 0.04, sigma: 0.1 }): BoundModel {
  const groups = groupById(readNumericCsv(datasetPath('wang2007.csv')));
  const subjects: SubjectEvaluator[] = [...groups.entries()].map(([id, recs]) => {
    const t = Float64Array.from(recs, (r) => r.row.Time);
    const dv = Float64Array.from(recs, (r) => r.row.Y);
    const evaluate = (theta: Float64Array, eta: Float64Array, f: Float64Array, h: Float64Array): boolean => {
      const ke = theta[0] * Math.exp(eta[0]);
      for (let j = 0; j < t.length; j++) {
        f[j] = 10 * Math.exp(-ke * t[j]);
        h[j] = error === 'proportional' ? f[j] : 1;
      }
      return true;
    };
    const s: SubjectEvaluator = {
      id: String(id), nObs: t.length, dv, obsRecords: Int32Array.from(recs, (r) => r.index), evaluate,
      individualParameters: (theta, eta, out) => { out[0] = theta[0] * Math.exp(eta[0]); },
    };
    if (!withDerivatives) return s;
    return {
      ...s,
      evaluateWithDerivatives: (theta, eta, f, h, dfdeta, dhdeta) => {
        evaluate(theta, eta, f, h);
        const ke = theta[0] * Math.exp(eta[0]);
        for (let j = 0; j < t.length; j++) {
          dfdeta[j] = -f[j] * ke * t[j];
          dhdeta[j] = error === 'proportional' ? dfdeta[j] : 0;
        }
        return true;
      },
    };
  });
  return {
    name: `wang2007-${error}`,
    parameters: {
      theta: [{ name: 'tke', init: init.tke, lower: 0, upper: Infinity, fixed: false }],
      omega: diagonalCovariance(['ETA_KE'], [init.omega]),
      sigma: diagonalCovariance(['EPS'], [init.sigma]),
    },
    subjects, nEta: 1, nEps: 1, individualParameterNames: ['KE'],
  };
}

/**
 * NONMEM's pheno example (nonmem_pheno_real.mod) on pheno_sd.csv: CL = θ1·WT·e^η1,
 * V = θ2·WT·(1 + θ3 if APGR < 5)·e^η2, one-compartment bolus by superposition,
 * y = F + F·ε. Initial estimates as in the control stream.
 */
export function phenoModel(withDerivatives = true): BoundModel {
  const groups = groupById(readNumericCsv(datasetPath('pheno_sd.csv')));
  const subjects: SubjectEvaluator[] = [...groups.entries()].map(([id, recs]) => {
    const wt = recs[0].row.WT;
    const apgrLow = recs[0].row.APGR < 5;
    const doseTimes: number[] = [];
    const doseAmts: number[] = [];
    // For observation j, doses given before it in record order.
    const obsTimes: number[] = [];
    const obsDoseCount: number[] = [];
    const dvs: number[] = [];
    const obsRecords: number[] = [];
    for (const { row, index } of recs) {
      if (row.EVID === 1) { doseTimes.push(row.TIME); doseAmts.push(row.AMT); }
      else if (row.MDV === 0) {
        obsTimes.push(row.TIME); obsDoseCount.push(doseTimes.length); dvs.push(row.DV); obsRecords.push(index);
      }
    }
    const n = obsTimes.length;
    const clv = (theta: Float64Array, eta: Float64Array): [number, number] => [
      theta[0] * wt * Math.exp(eta[0]),
      theta[1] * wt * (apgrLow ? 1 + theta[2] : 1) * Math.exp(eta[1]),
    ];
    const core = (theta: Float64Array, eta: Float64Array, f: Float64Array, h: Float64Array,
      dfdeta?: Float64Array, dhdeta?: Float64Array): boolean => {
      const [cl, v] = clv(theta, eta);
      if (!(cl > 0 && v > 0)) return false;
      const k = cl / v;
      for (let j = 0; j < n; j++) {
        let c = 0;
        let dc1 = 0;
        for (let d = 0; d < obsDoseCount[j]; d++) {
          const dt = obsTimes[j] - doseTimes[d];
          const cd = (doseAmts[d] / v) * Math.exp(-k * dt);
          c += cd;
          dc1 += -k * dt * cd;
        }
        f[j] = c;
        h[j] = c;
        if (dfdeta && dhdeta) {
          // ∂c/∂η1 = Σ −k·dt·c_d;  ∂c/∂η2 = Σ (−1 + k·dt)·c_d = −c − ∂c/∂η1.
          dfdeta[j * 2] = dc1;
          dfdeta[j * 2 + 1] = -c - dc1;
          dhdeta[j * 2] = dc1;
          dhdeta[j * 2 + 1] = -c - dc1;
        }
      }
      return true;
    };
    const s: SubjectEvaluator = {
      id: String(id), nObs: n, dv: Float64Array.from(dvs), obsRecords: Int32Array.from(obsRecords),
      evaluate: (theta, eta, f, h) => core(theta, eta, f, h),
      individualParameters: (theta, eta, out) => { const [cl, v] = clv(theta, eta); out[0] = cl; out[1] = v; },
    };
    return withDerivatives ? { ...s, evaluateWithDerivatives: core } : s;
  });
  return {
    name: 'pheno',
    parameters: {
      theta: [
        { name: 'CL_per_kg', init: 0.00469307, lower: 0, upper: Infinity, fixed: false },
        { name: 'V_per_kg', init: 1.00916, lower: 0, upper: Infinity, fixed: false },
        { name: 'APGR_lt5_on_V', init: 0.1, lower: -0.99, upper: Infinity, fixed: false },
      ],
      omega: diagonalCovariance(['ETA_CL', 'ETA_V'], [0.0309626, 0.031128]),
      sigma: diagonalCovariance(['EPS_PROP'], [0.013241]),
    },
    subjects, nEta: 2, nEps: 1, individualParameterNames: ['CL', 'V'],
  };
}

/**
 * Bolus_1CPT (Schoemaker et al. 2019 designs) written by hand: CL = θ1·e^η1, V = θ2·e^η2,
 * one-compartment bolus by superposition; an SS=1 dose resets the system and adds the
 * steady-state amount D/(1 − e^(−k·II)); proportional error. Initial estimates: truth
 * (CL 4, V 70, IIV 30% → ω² 0.09, proportional SD 20% → σ² 0.04) moved by 30–50%.
 */
export function bolus1cptModel(): BoundModel {
  const groups = groupById(readNumericCsv(datasetPath('Bolus_1CPT.csv')));
  const subjects: SubjectEvaluator[] = [...groups.entries()].map(([id, recs]) => {
    const doses: { t: number; amt: number; ss: boolean; ii: number }[] = [];
    const obsDoseStart: number[] = [];
    const obsDoseEnd: number[] = [];
    const obsTimes: number[] = [];
    const dvs: number[] = [];
    const obsRecords: number[] = [];
    let start = 0;
    for (const { row, index } of recs) {
      if (row.EVID === 1) {
        if (row.SS === 1) start = doses.length;
        doses.push({ t: row.TIME, amt: row.AMT, ss: row.SS === 1, ii: row.II });
      } else if (row.MDV === 0) {
        obsTimes.push(row.TIME); obsDoseStart.push(start); obsDoseEnd.push(doses.length); dvs.push(row.DV); obsRecords.push(index);
      }
    }
    const n = obsTimes.length;
    const core = (theta: Float64Array, eta: Float64Array, f: Float64Array, h: Float64Array, dfdeta?: Float64Array, dhdeta?: Float64Array): boolean => {
      const cl = theta[0] * Math.exp(eta[0]);
      const v = theta[1] * Math.exp(eta[1]);
      if (!(cl > 0 && v > 0)) return false;
      const k = cl / v;
      for (let j = 0; j < n; j++) {
        let c = 0;
        let dk = 0; // ∂c/∂k · k
        for (let d = obsDoseStart[j]; d < obsDoseEnd[j]; d++) {
          const dose = doses[d];
          const dt = obsTimes[j] - dose.t;
          let cd = (dose.amt / v) * Math.exp(-k * dt);
          let dlog = -dt; // ∂ log c_d / ∂k
          if (dose.ss) {
            const e = Math.exp(-k * dose.ii);
            cd /= 1 - e;
            dlog += (-dose.ii * e) / (1 - e);
          }
          c += cd;
          dk += cd * dlog * k;
        }
        f[j] = c;
        h[j] = c;
        if (dfdeta && dhdeta) {
          // k = CL/V: ∂k/∂η1 = k, ∂k/∂η2 = −k; ∂(1/V)/∂η2 = −1/V.
          dfdeta[j * 2] = dk;
          dfdeta[j * 2 + 1] = -c - dk;
          dhdeta[j * 2] = dk;
          dhdeta[j * 2 + 1] = -c - dk;
        }
      }
      return true;
    };
    return {
      id: String(id), nObs: n, dv: Float64Array.from(dvs), obsRecords: Int32Array.from(obsRecords),
      evaluate: (theta, eta, f, h) => core(theta, eta, f, h),
      evaluateWithDerivatives: core,
      individualParameters: (theta, eta, out) => { out[0] = theta[0] * Math.exp(eta[0]); out[1] = theta[1] * Math.exp(eta[1]); },
    };
  });
  return {
    name: 'Bolus_1CPT',
    parameters: {
      theta: [
        { name: 'CL', init: 6, lower: 0, upper: Infinity, fixed: false },
        { name: 'V', init: 50, lower: 0, upper: Infinity, fixed: false },
      ],
      omega: diagonalCovariance(['ETA_CL', 'ETA_V'], [0.2, 0.2]),
      sigma: diagonalCovariance(['EPS_PROP'], [0.1]),
    },
    subjects, nEta: 2, nEps: 1, individualParameterNames: ['CL', 'V'],
  };
}

/**
 * A model linear in η with additive error: y_ij = θ + η_i + ε_ij. Every method is exact here,
 * and the marginal −2LL has the closed form log|V| + rᵀV⁻¹r with V = ω·11ᵀ + σ·I, so
 * log|V| = (n−1)·log σ + log(σ + nω) and V⁻¹ = (I − ω/(σ + nω)·11ᵀ)/σ.
 */
export function linearModel(data: number[][], theta: number, omega: number, sigma: number): BoundModel {
  const subjects: SubjectEvaluator[] = data.map((ys, i) => ({
    id: String(i + 1), nObs: ys.length, dv: Float64Array.from(ys), obsRecords: Int32Array.from(ys, (_, j) => j),
    evaluate: (th, eta, f, h) => { for (let j = 0; j < ys.length; j++) { f[j] = th[0] + eta[0]; h[j] = 1; } return true; },
  }));
  return {
    name: 'linear', subjects, nEta: 1, nEps: 1,
    parameters: {
      theta: [{ name: 'mu', init: theta, lower: -Infinity, upper: Infinity, fixed: false }],
      omega: diagonalCovariance(['ETA'], [omega]), sigma: diagonalCovariance(['EPS'], [sigma]),
    },
  };
}
