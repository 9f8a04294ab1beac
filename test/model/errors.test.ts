/**
 * Every class of model error names the file, line and column and says what is wrong.
 * Each case edits one line of models/pheno.pkm and checks the exact location.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataError, ModelError } from '../../src/errors.js';
import { parseDataset } from '../../src/data/dataset.js';
import { bindModel } from '../../src/subject/bind.js';
import { defineModel } from '../../src/model/define.js';
import { loadModelFile, readModelDataset } from '../../src/io/model-file.js';
import { parseModel } from '../../src/model/parse.js';

const PHENO = readFileSync('models/pheno.pkm', 'utf8');
const FILE = 'models/bad.pkm';

function errorOf(from: string, to: string): ModelError {
  const text = PHENO.replace(from, to);
  expect(text).not.toBe(PHENO);
  try {
    parseModel(text, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    return err as ModelError;
  }
  throw new Error('expected a ModelError');
}

describe('model errors name file:line:column', () => {
  it.each([
    ['an unknown symbol (with a suggestion)', 'TVCL = CL_WT * WT', 'TVCL = CL_WT * Wt', `${FILE}:28:18: unknown symbol 'Wt'`, /did you mean WT\?/],
    ['a syntax error, at the character', 'TVCL = CL_WT * WT', 'TVCL = CL_WT * * WT', `${FILE}:28:18: syntax error in 'CL_WT * * WT'`, /Value expected/],
    ['an unclosed parenthesis', 'TVCL = CL_WT * WT', 'TVCL = CL_WT * (WT', `${FILE}:28:21: syntax error`, /Parenthesis \) expected/],
    ['a missing operator', 'TVCL = CL_WT * WT', 'TVCL = CL_WT WT', `${FILE}:28:10: missing operator`, /write '\*'/],
    ['an unknown function', 'TVCL = CL_WT * WT', 'TVCL = CL_WT * foo(WT)', `${FILE}:28:18: unknown function 'foo'`, /known functions: exp/],
    ['an omega block that is not positive definite', '  eta_V  ~ 0.031128             # IIV on V (variance)\n', '  [eta_V, eta_X] ~ [0.03, 0.05, 0.03]\n', `${FILE}:22:3: omega block [eta_V, eta_X] is not positive definite`, /covariances are too large/],
    ['a non-positive variance', 'eta_V  ~ 0.031128', 'eta_V  ~ -0.031128', `${FILE}:22:3: variance of eta_V must be positive`, /to switch the random effect off, fix it at 0: eta_V ~ 0 FIX/],
    ['an initial value violating a bound', 'APGR_V = 0.1 (-0.99, )', 'APGR_V = -1 (-0.99, )', `${FILE}:18:3: theta APGR_V: initial value -1 is at or below its lower bound -0.99`, /strictly inside/],
    ['an initial value on a bound', 'CL_WT  = 0.00469307 (0, )', 'CL_WT  = 0 (0, )', `${FILE}:16:3: theta CL_WT: initial value 0 is at or below its lower bound 0`, /strictly inside/],
    ['a compartment that does not exist (dosing)', 'structure 1cmt iv', 'structure 1cmt iv\ndosing\n  F(depot) = 0.5', `${FILE}:35:5: compartment 'depot' does not exist`, /compartments are central/],
    ['a compartment that does not exist (observe)', 'CP = central / V', 'CP = centrl / V', `${FILE}:36:8: unknown symbol 'centrl'`, /did you mean central\?/],
    ['an eps outside the observation rules', 'V    = TVV * exp(eta_V)', 'V    = TVV * exp(eta_V + eps_prop)', `${FILE}:31:28: 'eps_prop' (an eps (sigma)) cannot be used here`, /individual section may use/],
    ['a theta that is not a number', 'CL_WT  = 0.00469307 (0, )', 'CL_WT  = abc (0, )', `${FILE}:16:12: initial value of theta CL_WT is not a number ('abc')`, /./],
    ['a name defined twice', 'TVV  = V_WT', 'CL_WT  = V_WT', `${FILE}:29:3: 'CL_WT' is already defined as a theta on line 16`, /./],
    ['a structural parameter that is not defined', 'V    = TVV * exp(eta_V)', 'VV    = TVV * exp(eta_V)', `${FILE}:33:11: structure 1cmt iv needs the individual parameters CL, V; V is not defined`, /./],
    ['an eta used nowhere', 'CL   = TVCL * exp(eta_CL)', 'CL   = TVCL', `${FILE}:21:3: eta eta_CL is declared in omega but used nowhere`, /./],
    ['a line outside any section', '# Phenobarbital', 'junk line\n# Phenobarbital', `${FILE}:1:1: this line is outside any section`, /./],
    ['an error model with the wrong arguments', 'DV ~ proportional(CP, eps_prop)', 'DV ~ proportional(CP)', `${FILE}:37:8: proportional() takes 2 arguments (prediction, eps), not 1`, /./],
    ['an unknown symbol in an error model', 'DV ~ proportional(CP, eps_prop)', 'DV ~ proportional(CPX, eps_prop)', `${FILE}:37:21: unknown symbol 'CPX'`, /did you mean CP\?/],
    ['an unknown structure', 'structure 1cmt iv', 'structure 4cmt iv', `${FILE}:33:11: 'structure' expects '<n>cmt <route>'`, /odes/],
    ['a reserved name', 'TVV  = V_WT', 'TIME  = V_WT', `${FILE}:29:3: 'TIME' is a reserved name`, /./],
    ['a misspelled section keyword', '\nindividual\n', '\nindivdual\n', `${FILE}:27:1: unknown section 'indivdual' (did you mean 'individual'?)`, /sections: name, data/],
  ])('%s', (_what, from, to, prefix, detail) => {
    const err = errorOf(from, to);
    expect(err.message.startsWith(prefix)).toBe(true);
    expect(err.message).toMatch(detail);
  });

  it('an ODE equation for a compartment that is not listed', () => {
    const text = PHENO.replace('structure 1cmt iv', 'odes\n  compartments central\n  d/dt(central) = -CL / V * central\n  d/dt(periph) = 0');
    expect(() => parseModel(text, FILE)).toThrow(`${FILE}:36:8: compartment 'periph' does not exist; compartments are central`);
  });

  it('a covariate the dataset does not have, at bind time, naming the model line', () => {
    const model = parseModel(PHENO.replace('  APGR                  # Apgar score', '  APGR\n  AGE').replace('TVCL = CL_WT * WT', 'TVCL = CL_WT * WT * AGE / AGE'), FILE);
    const dataset = readModelDataset(model);
    expect(() => bindModel(model, dataset)).toThrow(ModelError);
    expect(() => bindModel(model, dataset)).toThrow(/^models\/bad\.pkm:14:3: covariate AGE is not in the dataset .*pheno_sd\.csv: no column AGE \(its covariate columns: WT, APGR\)/);
  });

  it('a model file that does not exist', () => {
    expect(() => loadModelFile('models/none.pkm')).toThrow('models/none.pkm: model file not found');
  });

  it('defineModel errors name the model', () => {
    expect(() => defineModel({
      name: 'tiny', theta: { K: 1 }, omega: { eta_K: 0.1 }, sigma: { eps: 0.1 },
      individual: { KE: 'K * exp(eta_K) * X' },
      observe: { outputs: { IPRED: 'exp(-KE * TIME)' }, rules: ['additive(IPRED, eps)'] },
    })).toThrow(/^model tiny: unknown symbol 'X'/);
  });
});

describe('data errors at bind time name the data line', () => {
  const model = loadModelFile('models/wang2007_proportional.pkm');

  it('an observation no rule selects', () => {
    const m = parseModel(readFileSync('models/warfarin.pkm', 'utf8').replace('  otherwise ignore\n', ''), 'models/w.pkm');
    expect(() => bindModel(m, readModelDataset(m))).toThrow(DataError);
    expect(() => bindModel(m, readModelDataset(m))).toThrow(/warfarin\.csv:\d+: ID 1: this observation matches no rule/);
  });

  it('a modelled-rate dose (RATE = -1) into a compartment without RATE() in the model', () => {
    const pheno = loadModelFile('models/pheno.pkm');
    const ds = parseDataset('ID,TIME,AMT,RATE,DV,WT,APGR\n1,0,25,-1,.,1.4,7\n1,2,0,0,17,1.4,7\n', 'rate.csv');
    expect(() => bindModel(pheno, ds)).toThrow(DataError);
    expect(() => bindModel(pheno, ds)).toThrow(/rate\.csv:2: column RATE: RATE = -1 asks the model for the infusion rate of compartment 1 \(central\), but pheno .* has no RATE\(central\)/);
    const withRate = parseModel(readFileSync('models/pheno.pkm', 'utf8').replace('structure 1cmt iv', 'structure 1cmt iv\n\ndosing\n  RATE(central) = 10'), 'models/pheno_rate.pkm');
    expect(bindModel(withRate, ds).subjects).toHaveLength(1);
  });

  it('a DV that cannot be log-transformed', () => {
    const exp = parseModel(readFileSync('models/wang2007_proportional.pkm', 'utf8').replace('proportional(IPRED, eps_prop)', 'exponential(IPRED, eps_prop)'), 'models/e.pkm');
    const ds = parseDataset('ID,TIME,DV\n1,0,10\n1,1,-2\n', 'neg.csv');
    expect(() => bindModel(exp, ds)).toThrow('neg.csv:3: column DV: ID 1: DV -2 cannot be log-transformed');
    expect(model.observe.rules).toHaveLength(1);
  });

  it('text in a covariate the model uses in arithmetic', () => {
    const pheno = loadModelFile('models/pheno.pkm');
    const ds = parseDataset('ID,TIME,AMT,WT,APGR,DV,MDV,EVID\n1,0,25,1.4,7,.,1,1\n1,2,0,heavy,7,17.3,0,0\n', 'wt.csv');
    expect(() => bindModel(pheno, ds)).toThrow("wt.csv:3: column WT: WT is not a number ('heavy'); the model uses WT in arithmetic");
  });

  it('a dose in the data of a model without compartments', () => {
    const ds = parseDataset('ID,TIME,DV,AMT\n1,0,0,100\n1,1,5,0\n', 'dose.csv');
    expect(() => bindModel(model, ds)).toThrow(/dose\.csv:2: a dose record, but the model wang2007_proportional .* has no compartments/);
  });
});
