/**
 * One subject of a bound model: individual parameters per record, the event loop, and the
 * observation rules, with every buffer allocated once at bind time (evaluate allocates
 * nothing).
 *
 * Parameters per record (NONMEM's rule, see src/pk/types.ts): the row of record r governs
 * the interval that ends at r and the doses given at r. Time-varying covariates:
 * - 'nocb' (default, NONMEM): the interval ending at record r uses record r's covariates;
 * - 'locf': it uses the previous record's covariates (dosing items F, ALAG, RATE, DUR still
 *   come from the dose record itself), and observations use their own record's values.
 * When none of the inputs the individual statements read changes within the subject, the
 * statements are evaluated once per evaluation instead of once per record.
 *
 * Derivatives (evaluateWithDerivatives): ∂(individual variables)/∂η are symbolic. The
 * amounts' derivatives are sensitivities carried through one event-loop run (src/pk/predict.ts:
 * exact for the closed forms, forward sensitivity equations for ODEs with symbolic Jacobians)
 * when the system provides them and no eta moves a dosing quantity (F, ALAG, R, D, INIT) in
 * this evaluation; otherwise they come from central
 * differences along the exact direction ∂(PK quantities)/∂η_e (one pair of event-loop runs
 * per eta that moves a PK quantity). The observation expressions are then differentiated
 * symbolically through the chain rule.
 */
import { NumericalError } from '../errors.js';
import type { SubjectEvents } from '../events/types.js';
import type { SubjectEvaluator } from './bound.js';
import { EventLoop, predictSubject, predictSubjectWithSensitivities } from '../pk/predict.js';
import type { PkParameterRow, PkParameters, PredictOptions } from '../pk/types.js';
import type { CompiledModel } from './compile.js';
import type { TimeVaryingRule } from '../model/types.js';

/** What a subject needs from its binding. */
export interface SubjectSetup {
  readonly compiled: CompiledModel;
  readonly id: string;
  /** Dataset record indices of the subject, in file order. */
  readonly records: Int32Array;
  /** Inputs of each of the subject's records (CompiledModel.inputs order). */
  readonly inputRows: readonly (readonly (number | string)[])[];
  /** Events for the event loop (undefined for a model without compartments). */
  readonly events?: SubjectEvents;
  /** Dataset record index of each observation, and the rule (index) that applies to it. */
  readonly obsRecords: Int32Array;
  readonly obsRules: Int32Array;
  /** Observed values (log DV for log rules). */
  readonly dv: Float64Array;
  readonly timeVarying: TimeVaryingRule;
  /** Step in η units for the differences of the amounts. */
  readonly derivativeStep: number;
  /** Central (2 event-loop runs per eta, default) or forward (1 run) differences of the amounts. */
  readonly derivativeDifferences?: 'central' | 'forward';
  /**
   * 'sensitivities' (default): exact sensitivities of the amounts where the system has them
   * (closed forms), differences otherwise; 'differences': always differences.
   */
  readonly amountDerivatives?: 'sensitivities' | 'differences';
  /** The event loop's work buffers, shared by the subjects of one binding (one prediction at a time). */
  readonly eventLoop?: EventLoop;
  /** Steady-state doses with a lag longer than II (PredictOptions.steadyStateLag); default 'nonmem'. */
  readonly steadyStateLag?: 'nonmem' | 'periodic';
}

interface RowSet {
  readonly rows: PkParameterRow[];
  readonly params: PkParameters;
  readonly initial: Float64Array;
  readonly options: PredictOptions;
}

/** A subject evaluator over a compiled model (see the module comment). */
export class ModelSubject implements SubjectEvaluator {
  readonly id: string;
  readonly nObs: number;
  readonly dv: Float64Array;
  readonly obsRecords: Int32Array;
  /** True when the individual variables are the same on every record. */
  readonly constant: boolean;

  private readonly c: CompiledModel;
  private readonly nVar: number;
  private readonly nEta: number;
  private readonly nEps: number;
  private readonly nCmt: number;
  private readonly nRows: number;
  private readonly firstRecord: number;
  private readonly localOf: Int32Array;
  private readonly inputRows: readonly (readonly (number | string)[])[];
  private readonly obsLocal: Int32Array;
  private readonly obsRules: Int32Array;
  private readonly events?: SubjectEvents;
  private readonly vars: Float64Array;
  private readonly dvars: Float64Array;
  private readonly amounts: Float64Array;
  private readonly plus: Float64Array;
  private readonly minus: Float64Array;
  private readonly damounts: Float64Array;
  private readonly main: RowSet;
  private readonly perturbed: RowSet;
  private readonly locf: boolean;
  private readonly step: number;
  private readonly hasInit: boolean;
  private readonly forward: boolean;
  /** Number of etas that move a PK quantity, when exact sensitivities are used (else 0). */
  private readonly nSens: number;
  private readonly dAmountsCompact: Float64Array;
  private readonly eventLoop: EventLoop | undefined;
  private readonly steadyStateLag: 'nonmem' | 'periodic';

  constructor(setup: SubjectSetup) {
    const c = setup.compiled;
    this.c = c;
    this.eventLoop = c.system === undefined ? undefined : setup.eventLoop ?? new EventLoop(c.system);
    this.steadyStateLag = setup.steadyStateLag ?? 'nonmem';
    this.id = setup.id;
    this.dv = setup.dv;
    this.obsRecords = setup.obsRecords;
    this.obsRules = setup.obsRules;
    this.nObs = setup.obsRecords.length;
    this.events = setup.events;
    this.inputRows = setup.inputRows;
    this.nVar = c.varNames.length;
    this.nEta = c.etaNames.length;
    this.nEps = c.epsNames.length;
    this.nCmt = c.compartments.length;
    this.step = setup.derivativeStep;
    this.forward = setup.derivativeDifferences === 'forward';
    this.locf = setup.timeVarying === 'locf';
    this.hasInit = Array.from(c.doseVars.INIT).some((k) => k >= 0);

    const records = setup.records;
    this.firstRecord = records[0]!;
    let last = this.firstRecord;
    for (const r of records) last = Math.max(last, r);
    this.localOf = new Int32Array(last - this.firstRecord + 1).fill(-1);
    records.forEach((r, k) => { this.localOf[r - this.firstRecord] = k; });
    this.obsLocal = Int32Array.from(setup.obsRecords, (r) => this.localOf[r - this.firstRecord]!);

    this.constant = c.individualInputs.every((i) => setup.inputRows.every((row) => row[i] === setup.inputRows[0]![i]));
    this.nRows = this.constant ? 1 : records.length;
    this.vars = new Float64Array(this.nRows * this.nVar);
    this.dvars = new Float64Array(this.nRows * this.nVar * this.nEta);
    this.amounts = new Float64Array(this.nObs * this.nCmt);
    this.plus = new Float64Array(this.nObs * this.nCmt);
    this.minus = new Float64Array(this.nObs * this.nCmt);
    this.damounts = new Float64Array(this.nObs * this.nCmt * this.nEta);
    this.nSens = setup.amountDerivatives !== 'differences' && c.system?.advanceWithSensitivities !== undefined
      ? c.pkEtas.length : 0;
    this.dAmountsCompact = new Float64Array(this.nObs * this.nCmt * this.nSens);
    this.main = this.rowSet(this.nSens);
    this.perturbed = this.rowSet(0);
  }

  /** Parameter rows for the event loop, with room for tangents along `nDir` directions. */
  private rowSet(nDir: number): RowSet {
    const nPar = this.c.structuralVars.length;
    const nCmt = this.nCmt;
    const width = nPar + 4 * nCmt + nPar * nDir;
    const buffer = new Float64Array(this.nRows * width);
    const rows: PkParameterRow[] = [];
    for (let i = 0; i < this.nRows; i++) {
      const o = i * width;
      const t = o + nPar + 4 * nCmt;
      rows.push({
        structural: buffer.subarray(o, o + nPar),
        F: buffer.subarray(o + nPar, o + nPar + nCmt),
        ALAG: buffer.subarray(o + nPar + nCmt, o + nPar + 2 * nCmt),
        R: buffer.subarray(o + nPar + 2 * nCmt, o + nPar + 3 * nCmt),
        D: buffer.subarray(o + nPar + 3 * nCmt, t),
        ...(nDir > 0 ? { structuralTangent: buffer.subarray(t, o + width) } : {}),
      });
    }
    const first = rows[0]!;
    const params: PkParameters = this.constant
      ? { at: () => first, constant: true }
      : { at: (record: number) => rows[this.localOf[record - this.firstRecord]!]!, constant: false };
    const initial = new Float64Array(nCmt);
    const loop = this.eventLoop;
    return {
      rows, params, initial,
      options: { ...(this.hasInit ? { initialState: initial } : {}), ...(loop !== undefined ? { loop } : {}), steadyStateLag: this.steadyStateLag },
    };
  }

  /** Row of the individual variables used at the subject's k-th record. */
  private rowOf(local: number): number {
    return this.constant ? 0 : local;
  }

  private computeVars(theta: Float64Array, eta: Float64Array, withDerivatives: boolean): void {
    const { nVar, nEta } = this;
    for (let i = 0; i < this.nRows; i++) {
      if (withDerivatives) this.c.individualWithDerivatives(theta, eta, this.inputRows[i]!, this.vars, i * nVar, this.dvars, i * nVar * nEta);
      else this.c.individual(theta, eta, this.inputRows[i]!, this.vars, i * nVar);
    }
  }

  /** Variable k of row `row`, shifted by `shift`·∂v_k/∂η_e (shift 0: none). */
  private shifted(row: number, k: number, shift: number, e: number): number {
    const q = row * this.nVar + k;
    return shift === 0 ? this.vars[q]! : this.vars[q]! + shift * this.dvars[q * this.nEta + e]!;
  }

  /** Fill a row set from the variables, shifted by `shift`·∂v/∂η_e (shift 0: none). Returns false on a non-finite value. */
  private fillRows(set: RowSet, shift: number, e: number): boolean {
    const nCmt = this.nCmt;
    const sv = this.c.structuralVars;
    const dose = this.c.doseVars;
    for (let i = 0; i < this.nRows; i++) {
      const row = set.rows[i]!;
      const intervalRow = this.locf && i > 0 ? i - 1 : i;
      for (let p = 0; p < sv.length; p++) {
        const x = this.shifted(intervalRow, sv[p]!, shift, e);
        if (!Number.isFinite(x)) return false;
        row.structural[p] = x;
      }
      for (let cm = 0; cm < nCmt; cm++) {
        const f = dose.F[cm]!, lag = dose.ALAG[cm]!, r = dose.RATE[cm]!, d = dose.DUR[cm]!;
        row.F[cm] = f >= 0 ? this.shifted(i, f, shift, e) : 1;
        row.ALAG[cm] = lag >= 0 ? this.shifted(i, lag, shift, e) : 0;
        row.R[cm] = r >= 0 ? this.shifted(i, r, shift, e) : 0;
        row.D[cm] = d >= 0 ? this.shifted(i, d, shift, e) : 0;
        if (!Number.isFinite(row.F[cm]! + row.ALAG[cm]! + row.R[cm]! + row.D[cm]!)) return false;
      }
    }
    if (this.hasInit) {
      for (let cm = 0; cm < nCmt; cm++) {
        const k = dose.INIT[cm]!;
        set.initial[cm] = k >= 0 ? this.shifted(0, k, shift, e) : 0;
        if (!Number.isFinite(set.initial[cm]!)) return false;
      }
    }
    return true;
  }

  /**
   * Fills the main rows' structural tangents, ∂p/∂η_e for the etas that move PK quantities;
   * returns false when an eta moves a dosing quantity (F, ALAG, R, D, INIT), which the
   * sensitivities do not cover.
   */
  private fillTangents(): boolean {
    const { nVar, nEta, nCmt, nSens } = this;
    const pkEtas = this.c.pkEtas;
    const dv = this.dvars;
    const dose = this.c.doseVars;
    const moves = (row: number, k: number): boolean => {
      if (k < 0) return false;
      const q = (row * nVar + k) * nEta;
      for (const e of pkEtas) if (dv[q + e] !== 0) return true;
      return false;
    };
    for (let i = 0; i < this.nRows; i++) {
      for (let cm = 0; cm < nCmt; cm++) {
        if (moves(i, dose.F[cm]!) || moves(i, dose.ALAG[cm]!) || moves(i, dose.RATE[cm]!) || moves(i, dose.DUR[cm]!)) return false;
      }
    }
    if (this.hasInit) for (let cm = 0; cm < nCmt; cm++) if (moves(0, dose.INIT[cm]!)) return false;
    const sv = this.c.structuralVars;
    for (let i = 0; i < this.nRows; i++) {
      const tangent = this.main.rows[i]!.structuralTangent!;
      const intervalRow = this.locf && i > 0 ? i - 1 : i;
      for (let p = 0; p < sv.length; p++) {
        const q = (intervalRow * nVar + sv[p]!) * nEta;
        for (let d = 0; d < nSens; d++) tangent[p * nSens + d] = dv[q + pkEtas[d]!]!;
      }
    }
    return true;
  }

  /** Amounts and their exact sensitivities to the etas (damounts); false as `predict`. */
  private predictWithSensitivities(): boolean {
    const system = this.c.system!;
    if (this.events === undefined) return true;
    const compact = this.dAmountsCompact;
    try {
      predictSubjectWithSensitivities(system, this.events, this.main.params, this.amounts, compact, this.nSens, this.main.options);
    } catch (err) {
      if (err instanceof NumericalError) return false;
      throw err;
    }
    const { nEta, nSens } = this;
    const pkEtas = this.c.pkEtas;
    const da = this.damounts;
    da.fill(0);
    const count = this.nObs * this.nCmt;
    for (let q = 0; q < count; q++) {
      for (let d = 0; d < nSens; d++) {
        const v = compact[q * nSens + d]!;
        if (!Number.isFinite(v)) return false;
        da[q * nEta + pkEtas[d]!] = v;
      }
    }
    return true;
  }

  /** Run the event loop; false when the parameters are invalid for the system. */
  private predict(set: RowSet, out: Float64Array): boolean {
    const system = this.c.system;
    if (system === undefined || this.events === undefined) return true;
    try {
      predictSubject(system, this.events, set.params, out, set.options);
    } catch (err) {
      if (err instanceof NumericalError) return false;
      throw err;
    }
    return true;
  }

  evaluate(theta: Float64Array, eta: Float64Array, f: Float64Array, h: Float64Array): boolean {
    this.computeVars(theta, eta, false);
    if (this.c.system !== undefined && (!this.fillRows(this.main, 0, 0) || !this.predict(this.main, this.amounts))) return false;
    const { nVar, nCmt, nEps } = this;
    const rules = this.c.rules;
    for (let j = 0; j < this.nObs; j++) {
      const local = this.obsLocal[j]!;
      rules[this.obsRules[j]!]!.evaluate(theta, eta, this.inputRows[local]!, this.vars, this.rowOf(local) * nVar, this.amounts, j * nCmt, f, j, h, j * nEps);
      if (!Number.isFinite(f[j]!)) return false;
      for (let k = 0; k < nEps; k++) if (!Number.isFinite(h[j * nEps + k]!)) return false;
    }
    return true;
  }

  evaluateWithDerivatives(
    theta: Float64Array, eta: Float64Array, f: Float64Array, h: Float64Array, dfdeta: Float64Array, dhdeta: Float64Array,
  ): boolean {
    this.computeVars(theta, eta, true);
    const { nVar, nEta, nCmt, nEps } = this;
    if (this.c.system !== undefined && !this.fillRows(this.main, 0, 0)) return false;
    if (this.c.system !== undefined && this.nSens > 0 && this.fillTangents()) {
      if (!this.predictWithSensitivities()) return false;
      // An ODE integrated with its sensitivities takes other steps than alone: the amounts
      // come from a plain run, so that f is the same as evaluate's, bit for bit.
      if (!this.c.closedForm && !this.predict(this.main, this.amounts)) return false;
    } else if (this.c.system !== undefined) {
      if (!this.predict(this.main, this.amounts)) return false;
      const da = this.damounts;
      da.fill(0);
      const step = this.step;
      for (const e of this.c.pkEtas) {
        if (!this.fillRows(this.perturbed, step, e) || !this.predict(this.perturbed, this.plus)) return false;
        const lower = this.forward ? this.amounts : this.minus;
        if (!this.forward && (!this.fillRows(this.perturbed, -step, e) || !this.predict(this.perturbed, this.minus))) return false;
        const width = this.forward ? step : 2 * step;
        for (let j = 0; j < this.nObs; j++) {
          for (let cm = 0; cm < nCmt; cm++) {
            const q = j * nCmt + cm;
            da[q * nEta + e] = (this.plus[q]! - lower[q]!) / width;
          }
        }
      }
    }
    const rules = this.c.rules;
    for (let j = 0; j < this.nObs; j++) {
      const local = this.obsLocal[j]!;
      const row = this.rowOf(local);
      rules[this.obsRules[j]!]!.evaluateWithDerivatives(
        theta, eta, this.inputRows[local]!, this.vars, row * nVar, this.dvars, row * nVar * nEta,
        this.amounts, j * nCmt, this.damounts, j * nCmt * nEta,
        f, j, h, j * nEps, dfdeta, j * nEta, dhdeta, j * nEps * nEta,
      );
      if (!Number.isFinite(f[j]!)) return false;
      for (let k = 0; k < nEps; k++) if (!Number.isFinite(h[j * nEps + k]!)) return false;
      for (let e = 0; e < nEta; e++) if (!Number.isFinite(dfdeta[j * nEta + e]!)) return false;
    }
    return true;
  }

  individualParameters(theta: Float64Array, eta: Float64Array, out: Float64Array): void {
    this.c.individual(theta, eta, this.inputRows[0]!, this.vars, 0);
    for (let k = 0; k < this.c.nUserVars; k++) out[k] = this.vars[k]!;
  }

  /**
   * For tables: at every observation, the prediction of its rule on the data's scale
   * (NaN where `obsRules` is -1) and every model output (nObs × nOutputs). Returns false when
   * the parameters give no prediction.
   */
  tabulate(theta: Float64Array, eta: Float64Array, pred: Float64Array, outputs: Float64Array): boolean {
    this.computeVars(theta, eta, false);
    if (this.c.system !== undefined && (!this.fillRows(this.main, 0, 0) || !this.predict(this.main, this.amounts))) return false;
    const nOut = this.c.outputNames.length;
    for (let j = 0; j < this.nObs; j++) {
      const local = this.obsLocal[j]!;
      const vo = this.rowOf(local) * this.nVar;
      const cv = this.inputRows[local]!;
      const rule = this.obsRules[j]!;
      pred[j] = rule >= 0 ? this.c.rules[rule]!.prediction(theta, eta, cv, this.vars, vo, this.amounts, j * this.nCmt) : NaN;
      this.c.outputs(theta, eta, cv, this.vars, vo, this.amounts, j * this.nCmt, outputs, j * nOut);
    }
    return true;
  }
}
