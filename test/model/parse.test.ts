/**
 * The model format: every shipped model parses, compiles and binds to its dataset; pheno
 * matches the NONMEM control stream it was written from; models round-trip through
 * writeModelFile; defineModel builds the same model as a file.
 */
import { resolve } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bindModel } from '../../src/subject/bind.js';
import { compileModel } from '../../src/subject/compile.js';
import { defineModel } from '../../src/model/define.js';
import { loadModelFile, readModelDataset } from '../../src/io/model-file.js';
import { parseModel } from '../../src/model/parse.js';
import { withoutLocations } from '../../src/model/symbols.js';
import { writeModelFile } from '../../src/model/write.js';

const MODEL_FILES = readdirSync('models').filter((f) => f.endsWith('.pkm')).sort();

describe('shipped models', () => {
  it('are the 19 shipped models (pheno, pheno_base, theo_sd, warfarin, wang2007 ×2, nmtest_oral1, 12 designs)', () => {
    expect(MODEL_FILES).toEqual([
      'bolus_1cpt.pkm', 'bolus_1cpt_mm.pkm', 'bolus_2cpt.pkm', 'bolus_2cpt_mm.pkm',
      'infusion_1cpt.pkm', 'infusion_1cpt_mm.pkm', 'infusion_2cpt.pkm', 'infusion_2cpt_mm.pkm',
      'nmtest_oral1.pkm', 'oral_1cpt.pkm', 'oral_1cpt_mm.pkm', 'oral_2cpt.pkm', 'oral_2cpt_mm.pkm',
      'pheno.pkm', 'pheno_base.pkm', 'theo_sd.pkm', 'wang2007_additive.pkm', 'wang2007_proportional.pkm', 'warfarin.pkm',
    ]);
  });

  it.each(MODEL_FILES)('%s names its source, parses, compiles and binds to its default dataset', (file) => {
    const model = loadModelFile(`models/${file}`);
    expect(model.description.join(' ')).toMatch(/Source:/);
    expect(model.dataFile).toBeDefined();
    const compiled = compileModel(model);
    expect(compiled.derivativeStats.finiteDifference).toBe(0);
    const bound = bindModel(model, readModelDataset(model));
    expect(bound.subjects.length).toBeGreaterThan(0);
    const theta = Float64Array.from(model.theta.map((t) => t.init));
    const eta = new Float64Array(bound.nEta);
    for (const s of bound.subjects) {
      const f = new Float64Array(s.nObs), h = new Float64Array(s.nObs * bound.nEps);
      expect(s.evaluate(theta, eta, f, h)).toBe(true);
    }
  });

  it.each(MODEL_FILES)('%s round-trips through writeModelFile', (file) => {
    const model = loadModelFile(`models/${file}`);
    const again = parseModel(writeModelFile(model), `models/${file}`, { baseDir: resolve('models') });
    expect(withoutLocations(again)).toEqual(withoutLocations(model));
  });
});

describe('pheno is the NONMEM control stream nonmem_pheno_real.mod', () => {
  const model = loadModelFile('models/pheno.pkm');

  it('has its thetas, bounds, omega and sigma ($THETA (0,0.00469307) (0,1.00916) (-.99,.1); $OMEGA 0.0309626 0.031128; $SIGMA 0.013241)', () => {
    expect(model.theta.map((t) => [t.name, t.init, t.lower, t.upper, t.fixed])).toEqual([
      ['CL_WT', 0.00469307, 0, Infinity, false],
      ['V_WT', 1.00916, 0, Infinity, false],
      ['APGR_V', 0.1, -0.99, Infinity, false],
    ]);
    expect(model.omega.map((b) => [b.names, b.lower])).toEqual([[['eta_CL'], [0.0309626]], [['eta_V'], [0.031128]]]);
    expect(model.sigma.map((b) => [b.names, b.lower])).toEqual([[['eps_prop'], [0.013241]]]);
    expect(model.structure).toMatchObject({ kind: 'compartmental', compartments: 1, route: 'iv' });
    expect(model.observe.rules[0]!.error).toEqual({ kind: 'proportional', prediction: 'CP', eps: 'eps_prop' });
  });

  it('binds to pheno_sd.csv (WT) and to NONMEM\'s pheno.dta (WGT) with identical predictions', () => {
    const a = bindModel(model, readModelDataset(model));
    const b = bindModel(model, readModelDataset(model, 'datasets/pheno.dta'));
    expect(b.covariateColumns.get('WT')).toBe('WGT');
    expect(a.subjects.length).toBe(59);
    expect(a.subjects.reduce((n, s) => n + s.nObs, 0)).toBe(155);
    const theta = Float64Array.of(0.00469555, 0.984258, 0.15892), eta = Float64Array.of(0.1, -0.05);
    a.subjects.forEach((s, i) => {
      const t = b.subjects[i]!;
      const f1 = new Float64Array(s.nObs), h1 = new Float64Array(s.nObs), f2 = new Float64Array(s.nObs), h2 = new Float64Array(s.nObs);
      s.evaluate(theta, eta, f1, h1);
      t.evaluate(theta, eta, f2, h2);
      expect(Array.from(f2)).toEqual(Array.from(f1));
      expect(Array.from(t.dv)).toEqual(Array.from(s.dv));
    });
  });

  it('hands the estimation layer its parameter specification', () => {
    const bound = bindModel(model, readModelDataset(model));
    expect(bound.nEta).toBe(2);
    expect(bound.nEps).toBe(1);
    expect(bound.parameters.omega.names).toEqual(['eta_CL', 'eta_V']);
    expect(Array.from(bound.parameters.omega.init)).toEqual([0.0309626, 0, 0, 0.031128]);
    expect(bound.parameters.omega.blocks).toEqual([{ indices: [0], fixed: false }, { indices: [1], fixed: false }]);
    expect(bound.individualParameterNames).toEqual(['TVCL', 'TVV', 'CL', 'V']);
  });
});

describe('defineModel', () => {
  it('builds the same model as the file wang2007_proportional.pkm', () => {
    const fromFile = loadModelFile('models/wang2007_proportional.pkm');
    const defined = defineModel({
      name: 'wang2007_proportional',
      description: fromFile.description,
      data: '../datasets/wang2007.csv',
      baseDir: resolve('models'),
      dataColumns: { DV: 'Y' },
      theta: { TKE: { init: 0.5, comment: 'elimination rate constant (1/time)' } },
      omega: { eta_KE: 0.04 },
      sigma: { eps_prop: 0.1 },
      individual: { KE: 'TKE * exp(eta_KE)' },
      observe: { outputs: { IPRED: '10 * exp(-KE * TIME)' }, rules: ['proportional(IPRED, eps_prop)'] },
    });
    expect(withoutLocations(defined)).toEqual(withoutLocations(fromFile));
  });

  it('builds the same model as the file pheno.pkm, including ODE-free structure and comments', () => {
    const fromFile = withoutLocations(loadModelFile('models/pheno.pkm'));
    const defined = defineModel({
      name: 'pheno', description: fromFile.description, data: '../datasets/pheno_sd.csv', baseDir: resolve('models'),
      covariates: [{ name: 'WT', aliases: ['WGT'] }, 'APGR'],
      theta: {
        CL_WT: { init: 0.00469307, lower: 0 }, V_WT: { init: 1.00916, lower: 0 }, APGR_V: { init: 0.1, lower: -0.99 },
      },
      omega: [{ name: 'eta_CL', variance: 0.0309626 }, { name: 'eta_V', variance: 0.031128 }],
      sigma: { eps_prop: 0.013241 },
      individual: {
        TVCL: 'CL_WT * WT', TVV: 'V_WT * WT * (APGR < 5 ? 1 + APGR_V : 1)', CL: 'TVCL * exp(eta_CL)', V: 'TVV * exp(eta_V)',
      },
      structure: '1cmt iv',
      observe: { outputs: { CP: 'central / V' }, rules: [{ error: { kind: 'proportional', prediction: 'CP', eps: 'eps_prop' } }] },
    });
    const strip = (m: typeof fromFile) => JSON.parse(JSON.stringify(m, (k, v) => (k === 'comment' ? undefined : v)));
    expect(strip(defined)).toEqual(strip(fromFile));
  });

  it('returns a frozen model', () => {
    const m = loadModelFile('models/pheno.pkm');
    expect(Object.isFrozen(m)).toBe(true);
    expect(Object.isFrozen(m.theta[0])).toBe(true);
  });
});

describe('the format accepts', () => {
  const base = readFileSync('models/pheno.pkm', 'utf8');

  it('omega blocks, FIX, bounds on both sides, comments and inline sections', () => {
    const text = base
      .replace(/omega\n[^\n]*\n[^\n]*\n/, 'omega\n  [eta_CL, eta_V] ~ [0.03, 0.001, 0.03] FIX  # correlated\n')
      .replace('APGR_V = 0.1 (-0.99, )', 'APGR_V = 0.1 (-0.99, 5) FIX');
    const m = parseModel(text, 'models/block.pkm');
    expect(m.omega).toHaveLength(1);
    expect(m.omega[0]).toMatchObject({ names: ['eta_CL', 'eta_V'], lower: [0.03, 0.001, 0.03], correlated: true, fixed: true, comment: 'correlated' });
    expect(m.theta[2]).toMatchObject({ lower: -0.99, upper: 5, fixed: true });
    const bound = bindModel(m, readModelDataset(m));
    expect(Array.from(bound.parameters.omega.init)).toEqual([0.03, 0.001, 0.001, 0.03]);
    expect(bound.parameters.omega.blocks).toEqual([{ indices: [0, 1], fixed: true }]);
  });

  it('string categories in conditions and categorical covariate effects', () => {
    const m = parseModel([
      'theta', '  TVCL = 1 (0, )', '  CL_PM = -0.5 (-1, )', '  CL_UM = 0.5 (-1, )',
      'omega', '  eta_CL ~ 0.1',
      'sigma', '  eps ~ 0.01',
      'covariates CYP2D6',
      'individual', '  CL = TVCL * exp(eta_CL)', '  V = 10',
      'effects', '  CL ~ categorical(CYP2D6, ref = "EM", categories = ["PM", "UM"], theta = [CL_PM, CL_UM])',
      'structure 1cmt iv',
      'observe', '  CP = central / V', '  DV ~ proportional(CP, eps) if CYP2D6 != "XX"',
    ].join('\n'), 'cyp.pkm');
    expect(m.effects[0]).toMatchObject({ parameter: 'CL', covariate: 'CYP2D6', form: 'categorical', reference: 'EM', categories: ['PM', 'UM'] });
    expect(writeModelFile(m)).toContain('CL ~ categorical(CYP2D6, ref = "EM", categories = ["PM", "UM"], theta = [CL_PM, CL_UM])');
  });
});
