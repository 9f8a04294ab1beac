/**
 * Stepwise covariate model building (SCM; Jonsson & Karlsson 1998, Pharm Res 15:1463; as
 * implemented by PsN's scm): forward inclusion, then backward elimination.
 *
 * Forward step: every candidate relation not yet in the model is added to the current model
 * (which carries the current final estimates as initial estimates) and fitted; each fit is
 * judged against the current model by the forward criterion (default: likelihood-ratio test,
 * p < 0.05); the supported candidate with the lowest score (lowest p) is included. As in PsN, a
 * linear relation already included may be upgraded to piecewise-linear (df 1). Steps repeat
 * until no candidate is supported.
 * Backward step: every included relation is removed in turn and the reduced model fitted; a
 * relation is kept when the backward criterion supports it against its removal (default:
 * p < 0.01); the unsupported relation with the highest score (highest p) is removed. Steps
 * repeat until every relation is supported.
 * A candidate whose model cannot be built or fitted is recorded as failed with the reason and
 * takes no further part in that step; the search goes on.
 */
import { PopkitError } from '../errors.js';
import type { CovariateForm, Model } from '../model/types.js';
import type { ScmRelation } from './scm-candidates.js';
import { lrt, relationTest, type Criterion, type CriterionVerdict, type RelationTest } from './scm-criteria.js';
import type { ScmFit, ScmFitter } from './scm-fit.js';
import { addRelation, removeRelation, withEstimates } from './scm-model.js';

/** A relation named by its parameter, covariate and form. */
export interface RelationRef {
  readonly parameter: string;
  readonly covariate: string;
  readonly form: CovariateForm;
}

/** One candidate of one step. */
export interface ScmCandidateResult extends RelationRef {
  /** Forward upgrades only: the form this relation replaces (e.g. 'linear' for piecewise-linear). */
  readonly replaces?: CovariateForm;
  /** 'ok' when fitted (converged or not, see `converged`), 'failed' when it could not be built or fitted. */
  readonly status: 'ok' | 'failed';
  /** Failure reason, or notes on an ok fit (not converged, warnings). */
  readonly message?: string;
  readonly converged?: boolean;
  /** OFV of the candidate model (NaN when failed). */
  readonly ofv: number;
  /** PsN's "OFV drop": base OFV − candidate OFV (backward: negative when removal raises the OFV). NaN when failed. */
  readonly dofv: number;
  /** Degrees of freedom of the test (PsN's dDF: negative backward). */
  readonly df: number;
  /** Likelihood-ratio p-value (NaN when failed). */
  readonly p: number;
  /** Criterion verdict: the relation is supported (forward: may be included; backward: is kept). */
  readonly significant: boolean;
  readonly score: number;
  /** The criterion's short text, e.g. "p=0.0012 < 0.05". */
  readonly detail: string;
  /** The candidate's fit (absent when failed). */
  readonly fit?: ScmFit;
}

/** One step of the search. */
export interface ScmStep {
  readonly direction: 'forward' | 'backward';
  /** 1-based within its direction. */
  readonly number: number;
  /** OFV of the model the step starts from. */
  readonly baseOfv: number;
  /** The criterion's name. */
  readonly criterion: string;
  readonly candidates: readonly ScmCandidateResult[];
  /** Relation included (forward) or removed (backward) in this step; undefined when none. */
  readonly chosen?: RelationRef;
  /** OFV of the model after the step. */
  readonly ofv: number;
  /** Relations in the model after the step. */
  readonly included: readonly RelationRef[];
}

/** Progress of a search, for logs and progress bars. */
export type ScmProgress =
  | { readonly kind: 'base'; readonly fit: ScmFit }
  | { readonly kind: 'step-start'; readonly direction: 'forward' | 'backward'; readonly number: number; readonly candidates: number }
  | { readonly kind: 'candidate'; readonly direction: 'forward' | 'backward'; readonly number: number; readonly done: number; readonly of: number; readonly candidate: ScmCandidateResult }
  | { readonly kind: 'step'; readonly step: ScmStep };

export interface ScmOptions {
  /** The base model; its initial estimates start the base fit. */
  readonly model: Model;
  /** Candidate relations (see scmCandidates). */
  readonly relations: readonly ScmRelation[];
  /** Fits one model (inProcessFitter, createWorkerFitter, or your own). */
  readonly fitter: ScmFitter;
  /** Forward criterion; default lrt(pForward). `false` skips the forward search. */
  readonly forward?: Criterion | false;
  /** Backward criterion; default lrt(pBackward). `false` skips the backward search. */
  readonly backward?: Criterion | false;
  /** Significance levels of the default criteria: 0.05 forward, 0.01 backward. */
  readonly pForward?: number;
  readonly pBackward?: number;
  /** Stop the forward search after this many steps (default: no limit). */
  readonly maxForwardSteps?: number;
  /** Stop the backward search after this many steps (default: no limit). */
  readonly maxBackwardSteps?: number;
  /** Try upgrading an included linear relation to piecewise-linear in later forward steps (PsN states 2 → 3). Default true. */
  readonly upgrades?: boolean;
  /** Treat a fit that did not converge as failed. Default false (PsN uses its OFV). */
  readonly requireConvergence?: boolean;
  /** The base model's fit, when already known (the base model is then not fitted again). */
  readonly baseFit?: ScmFit;
  readonly onProgress?: (event: ScmProgress) => void;
}

/** What a search found. */
export interface ScmResult {
  readonly baseFit: ScmFit;
  readonly steps: readonly ScmStep[];
  /** Relations kept at the end (after backward elimination), in order of inclusion. */
  readonly final: readonly ScmRelation[];
  /** The final model, with its final estimates as initial estimates. */
  readonly finalModel: Model;
  readonly finalFit: ScmFit;
  /** Relations and model at the end of the forward search. */
  readonly forwardRelations: readonly ScmRelation[];
  readonly forwardModel: Model;
}

/** PsN's state order of the forms: a forward upgrade goes to a later state with more thetas. */
const STATE: Readonly<Record<CovariateForm, number>> = { linear: 2, 'piecewise-linear': 3, exponential: 4, power: 5, categorical: 2 };

/** `parameter-covariate-form`, the name a relation has in logs. */
export function relationLabel(r: RelationRef): string {
  return `${r.parameter}-${r.covariate}-${r.form}`;
}

function refOf(r: RelationRef): RelationRef {
  return { parameter: r.parameter, covariate: r.covariate, form: r.form };
}

function samePair(a: RelationRef, b: RelationRef): boolean {
  return a.parameter === b.parameter && a.covariate === b.covariate;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A planned candidate: the relation tested and how to build the model that tests it. */
interface Plan {
  readonly relation: ScmRelation;
  readonly replaces?: ScmRelation;
  readonly build: () => Model;
}

interface Evaluated {
  readonly plan: Plan;
  readonly result: ScmCandidateResult;
  readonly model?: Model;
}

class Search {
  private readonly forward: Criterion | false;
  private readonly backward: Criterion | false;
  private readonly steps: ScmStep[] = [];

  constructor(private readonly options: ScmOptions) {
    this.forward = options.forward ?? lrt(options.pForward ?? 0.05);
    this.backward = options.backward ?? lrt(options.pBackward ?? 0.01);
  }

  private progress(event: ScmProgress): void {
    this.options.onProgress?.(event);
  }

  private async fit(model: Model, label: string): Promise<ScmFit> {
    const fit = await this.options.fitter(model, label);
    if (!Number.isFinite(fit.ofv)) throw new PopkitError(`the fit has no finite OFV (${fit.status})`);
    if (this.options.requireConvergence && !fit.converged) throw new PopkitError(`not converged: ${fit.status}`);
    return fit;
  }

  async run(): Promise<ScmResult> {
    const { model } = this.options;
    let baseFit = this.options.baseFit;
    if (baseFit === undefined) {
      try {
        baseFit = await this.fit(model, 'base model');
      } catch (err) {
        throw new PopkitError(`the base model ${model.name} could not be fitted, so the search cannot start: ${errorMessage(err)}`);
      }
    }
    this.progress({ kind: 'base', fit: baseFit });
    let current = { model: withEstimates(model, baseFit), fit: baseFit, included: [] as ScmRelation[] };

    if (this.forward !== false) {
      const max = this.options.maxForwardSteps ?? Infinity;
      for (let number = 1; number <= max; number++) {
        const next = await this.step('forward', number, this.forward, current);
        if (next === undefined) break;
        current = next;
      }
    }
    const forwardRelations = current.included;
    const forwardModel = current.model;
    if (this.backward !== false && current.included.length > 0) {
      const max = this.options.maxBackwardSteps ?? Infinity;
      for (let number = 1; number <= max && current.included.length > 0; number++) {
        const next = await this.step('backward', number, this.backward, current);
        if (next === undefined) break;
        current = next;
      }
    }
    return {
      baseFit, steps: this.steps, final: current.included, finalModel: current.model, finalFit: current.fit,
      forwardRelations, forwardModel,
    };
  }

  private plans(direction: 'forward' | 'backward', current: { model: Model; included: ScmRelation[] }): Plan[] {
    if (direction === 'backward') {
      return current.included.map((relation) => ({
        relation, build: () => removeRelation(current.model, relation.parameter, relation.covariate),
      }));
    }
    const plans: Plan[] = [];
    for (const relation of this.options.relations) {
      const present = current.included.find((r) => samePair(r, relation));
      if (present === undefined) {
        plans.push({ relation, build: () => addRelation(current.model, relation) });
      } else if ((this.options.upgrades ?? true) && STATE[relation.form] > STATE[present.form] && relation.df > present.df) {
        plans.push({
          relation, replaces: present,
          build: () => addRelation(removeRelation(current.model, present.parameter, present.covariate), relation),
        });
      }
    }
    return plans;
  }

  private async step(
    direction: 'forward' | 'backward', number: number, criterion: Criterion,
    current: { model: Model; fit: ScmFit; included: ScmRelation[] },
  ): Promise<{ model: Model; fit: ScmFit; included: ScmRelation[] } | undefined> {
    const plans = this.plans(direction, current);
    if (plans.length === 0) return undefined;
    this.progress({ kind: 'step-start', direction, number, candidates: plans.length });
    let done = 0;
    const evaluated = await Promise.all(plans.map(async (plan): Promise<Evaluated> => {
      const evaluation = await this.evaluate(direction, number, criterion, current, plan);
      this.progress({ kind: 'candidate', direction, number, done: ++done, of: plans.length, candidate: evaluation.result });
      return evaluation;
    }));
    const chosen = direction === 'forward' ? pickForward(evaluated) : pickBackward(evaluated);
    let next: { model: Model; fit: ScmFit; included: ScmRelation[] } | undefined;
    if (chosen !== undefined) {
      const { plan, result, model } = chosen;
      const included = direction === 'forward'
        ? [...current.included.filter((r) => r !== plan.replaces), plan.relation]
        : current.included.filter((r) => r !== plan.relation);
      next = { model: withEstimates(model!, result.fit!), fit: result.fit!, included };
    }
    const after = next ?? current;
    const step: ScmStep = {
      direction, number, baseOfv: current.fit.ofv, criterion: criterion.name,
      candidates: evaluated.map((e) => e.result),
      chosen: chosen !== undefined ? refOf(chosen.plan.relation) : undefined,
      ofv: after.fit.ofv,
      included: after.included.map(refOf),
    };
    this.steps.push(step);
    this.progress({ kind: 'step', step });
    return next;
  }

  private async evaluate(
    direction: 'forward' | 'backward', number: number, criterion: Criterion,
    current: { model: Model; fit: ScmFit }, plan: Plan,
  ): Promise<Evaluated> {
    const r = plan.relation;
    const df = plan.replaces !== undefined ? r.df - plan.replaces.df : r.df;
    const base = {
      ...refOf(r), replaces: plan.replaces?.form, df: direction === 'forward' ? df : -df,
    };
    let model: Model;
    let fit: ScmFit;
    try {
      model = plan.build();
      fit = await this.fit(model, `${direction} ${number}: ${direction === 'backward' ? 'without ' : ''}${relationLabel(r)}`);
    } catch (err) {
      return {
        plan,
        result: { ...base, status: 'failed', message: errorMessage(err), ofv: NaN, dofv: NaN, p: NaN, significant: false, score: NaN, detail: 'failed' },
      };
    }
    const test: RelationTest = direction === 'forward'
      ? relationTest('forward', r, fit, current.fit, df)
      : relationTest('backward', r, current.fit, fit, df);
    let verdict: CriterionVerdict;
    try {
      verdict = criterion.judge(test);
    } catch (err) {
      return {
        plan, model,
        result: { ...base, status: 'failed', message: `criterion ${criterion.name}: ${errorMessage(err)}`, converged: fit.converged, ofv: fit.ofv, dofv: current.fit.ofv - fit.ofv, p: test.p, significant: false, score: NaN, detail: 'criterion failed', fit },
      };
    }
    const notes = [...(fit.converged ? [] : [`not converged: ${fit.status}`]), ...fit.warnings];
    return {
      plan, model,
      result: {
        ...base, status: 'ok', message: notes.length > 0 ? notes.join('; ') : undefined, converged: fit.converged,
        ofv: fit.ofv, dofv: current.fit.ofv - fit.ofv, p: test.p,
        significant: verdict.significant, score: verdict.score, detail: verdict.detail, fit,
      },
    };
  }
}

/** The supported candidate with the lowest score (ties: the larger OFV drop, then the first listed). */
function pickForward(evaluated: readonly Evaluated[]): Evaluated | undefined {
  let best: Evaluated | undefined;
  for (const e of evaluated) {
    const r = e.result;
    if (r.status !== 'ok' || !r.significant || Number.isNaN(r.score)) continue;
    if (best === undefined || r.score < best.result.score || (r.score === best.result.score && r.dofv > best.result.dofv)) best = e;
  }
  return best;
}

/** The unsupported relation with the highest score (ties: the smaller OFV increase, then the first listed). */
function pickBackward(evaluated: readonly Evaluated[]): Evaluated | undefined {
  let worst: Evaluated | undefined;
  for (const e of evaluated) {
    const r = e.result;
    if (r.status !== 'ok' || r.significant || Number.isNaN(r.score)) continue;
    if (worst === undefined || r.score > worst.result.score || (r.score === worst.result.score && r.dofv > worst.result.dofv)) worst = e;
  }
  return worst;
}

/**
 * Run a stepwise covariate search: fit the base model, then forward inclusion and backward
 * elimination (see the module comment). Candidate fits of a step run concurrently when the
 * fitter is asynchronous (createWorkerFitter). Throws PopkitError only when the base model
 * cannot be fitted; failed candidates are recorded in their step.
 * Example:
 *   const { relations } = scmCandidates(model, dataset, { parameters: ['CL', 'V'], covariates: ['WT'] });
 *   const result = await stepwiseCovariateSearch({ model, relations, fitter: inProcessFitter(dataset) });
 *   result.final.map(relationLabel)   // e.g. ['V-WT-power', 'CL-WT-power']
 */
export function stepwiseCovariateSearch(options: ScmOptions): Promise<ScmResult> {
  return new Search(options).run();
}
