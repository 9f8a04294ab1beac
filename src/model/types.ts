/**
 * The population model as a typed, immutable value: what a model file says, and what
 * `defineModel` builds. Expressions are kept as the text the user wrote (mathjs syntax);
 * they are parsed, checked and compiled into JavaScript by src/subject/compile.ts.
 *
 * Grammar and meaning of every part: docs/model-format.md.
 */
import type { StandardItem } from '../data/types.js';

/** Where something was written: 1-based line and column in the model file. */
export interface SourceLocation {
  readonly line: number;
  readonly column: number;
}

/** One fixed effect: `CL_WT = 0.0047 (0, ) FIX  # L/h/kg`. */
export interface ThetaDef {
  readonly name: string;
  readonly init: number;
  /** -Infinity when unbounded. */
  readonly lower: number;
  /** +Infinity when unbounded. */
  readonly upper: number;
  readonly fixed: boolean;
  readonly comment?: string;
  readonly at?: SourceLocation;
}

/**
 * A group of random effects (ω or σ) with their (co)variances. A single name with one
 * value is a diagonal element; `correlated` groups carry the lower triangle row by row
 * (`[a, b] ~ [v_aa, c_ba, v_bb]`).
 */
export interface VarianceBlock {
  readonly names: readonly string[];
  /** Lower triangle row-wise: length n(n+1)/2 (variances on the diagonal). */
  readonly lower: readonly number[];
  readonly correlated: boolean;
  readonly fixed: boolean;
  readonly comment?: string;
  readonly at?: SourceLocation;
}

/** `NAME = expression`, evaluated in order. */
export interface Statement {
  readonly name: string;
  readonly expression: string;
  readonly comment?: string;
  /** Location of the name; `expressionAt` is the location of the expression's first character. */
  readonly at?: SourceLocation;
  readonly expressionAt?: SourceLocation;
}

/** How time-varying covariates are interpolated between records. */
export type TimeVaryingRule =
  /** NONMEM: the parameters evaluated at a record apply over the interval ending at it (next observation carried backward). */
  | 'nocb'
  /** Last observation carried forward: the interval ending at a record uses the previous record's values. */
  | 'locf';

/** A data column the model reads: `WT or WGT` (WT, or WGT when the dataset has no WT). */
export interface CovariateDecl {
  /** The name expressions use. */
  readonly name: string;
  /** Other column names tried, in order, when the dataset has no column `name`. */
  readonly aliases: readonly string[];
  readonly comment?: string;
  readonly at?: SourceLocation;
}

/** The functional forms of a structured covariate relation (as in PsN scm and Pharmpy). */
export type CovariateForm = 'power' | 'linear' | 'exponential' | 'piecewise-linear' | 'categorical';

/**
 * A structured covariate relation: the parameter's typical value is multiplied by a factor.
 * - power: (COV / ref)^θ
 * - linear: 1 + θ (COV − ref)
 * - exponential: exp(θ (COV − ref))
 * - piecewise-linear: 1 + θ₁ (COV − ref) for COV ≤ ref, 1 + θ₂ (COV − ref) above
 * - categorical: 1 + θ_k for category k (one θ per non-reference category), 1 for the reference
 * The factor multiplies statement `TV<parameter>` when the model defines one, else `<parameter>`.
 */
export interface CovariateEffect {
  readonly parameter: string;
  readonly covariate: string;
  readonly form: CovariateForm;
  /** Reference value (continuous) or reference category (categorical). */
  readonly reference: number | string;
  /** Theta names: 1 (power, linear, exponential), 2 (piecewise: below, above), one per category. */
  readonly thetas: readonly string[];
  /** Categorical only: the non-reference categories, parallel to `thetas`. */
  readonly categories?: readonly (number | string)[];
  readonly at?: SourceLocation;
}

/** Closed-form compartment structure (NONMEM ADVAN1-4, 11, 12 numbering). */
export interface CompartmentalStructure {
  readonly kind: 'compartmental';
  readonly compartments: 1 | 2 | 3;
  /** 'infusion' is the same system as 'iv' (doses into the central compartment). */
  readonly route: 'iv' | 'infusion' | 'oral';
  readonly at?: SourceLocation;
}

/** `d/dt(name) = expression`: one per compartment, in compartment order. */
export interface OdeEquation {
  readonly compartment: string;
  readonly expression: string;
  readonly at?: SourceLocation;
  readonly expressionAt?: SourceLocation;
}

/** A structure defined by ordinary differential equations. */
export interface OdeStructure {
  readonly kind: 'odes';
  /** Compartment names in order (index + 1 = CMT in the data). */
  readonly compartments: readonly string[];
  readonly equations: readonly OdeEquation[];
  readonly at?: SourceLocation;
}

/** No compartments: the observation expressions use TIME and covariates only ($PRED models). */
export interface NoStructure {
  readonly kind: 'none';
}

/** The structural model: closed form, ODEs, or none. */
export type Structure = CompartmentalStructure | OdeStructure | NoStructure;

/** The per-compartment dosing items. */
export type DosingItem =
  /** Bioavailability (fraction, default 1). */
  | 'F'
  /** Absorption lag time (time, default 0). */
  | 'ALAG'
  /** Modelled infusion rate for RATE = -1 doses (amount/time). */
  | 'RATE'
  /** Modelled infusion duration for RATE = -2 doses (time). */
  | 'DUR'
  /** Initial amount at the subject's first record (amount, default 0). */
  | 'INIT';

/** `F(depot) = BIOAV`, `central(0) = A0`. */
export interface DosingDef {
  readonly item: DosingItem;
  readonly compartment: string;
  readonly expression: string;
  readonly at?: SourceLocation;
  readonly expressionAt?: SourceLocation;
}

/**
 * How an observation relates to its prediction f and the residual errors ε:
 * y = f + Σ h_k ε_k (NONMEM's Y). Arguments are expressions in the observe context;
 * `eps…` are sigma names.
 */
export type ErrorModel =
  /** y = f + ε. */
  | { readonly kind: 'additive'; readonly prediction: string; readonly eps: string }
  /** y = f (1 + ε). */
  | { readonly kind: 'proportional'; readonly prediction: string; readonly eps: string }
  /** log y = log f + ε (log-transformed DV; DV must be positive). */
  | { readonly kind: 'exponential'; readonly prediction: string; readonly eps: string }
  /** Variance sum: y = f + ε_add + f ε_prop, Var = σ_add + f² σ_prop (NONMEM W = SQRT(A² + (B·F)²)). */
  | { readonly kind: 'combined-variance'; readonly prediction: string; readonly additiveEps: string; readonly proportionalEps: string }
  /** SD sum: y = f + (a + b f) ε, with a and b expressions (usually thetas) and Var(ε) usually fixed to 1. */
  | { readonly kind: 'combined-sd'; readonly prediction: string; readonly additiveSd: string; readonly proportionalSd: string; readonly eps: string }
  /** A user expression W for the residual SD: y = f + W ε. */
  | { readonly kind: 'residual-sd'; readonly prediction: string; readonly sd: string; readonly eps: string }
  /** Any expression in ε (linearized at ε = 0); `logDV` when written as `log(DV) ~ …`. */
  | { readonly kind: 'expression'; readonly expression: string; readonly logDV: boolean };

/** The names of the error models ('additive', 'proportional', …). */
export type ErrorModelKind = ErrorModel['kind'];

/** `DV ~ proportional(CP, eps_prop) if DVID == "cp"`. */
export interface ObservationRule {
  readonly error: ErrorModel;
  /** Condition on data columns selecting the records this rule applies to (all when absent). */
  readonly when?: string;
  readonly at?: SourceLocation;
  /** Column of the error-model text and of the condition, for messages. */
  readonly errorAt?: SourceLocation;
  readonly whenAt?: SourceLocation;
}

/** The observe section: named outputs, then one rule per observed output. */
export interface ObserveDef {
  readonly statements: readonly Statement[];
  readonly rules: readonly ObservationRule[];
  /** What to do with an observation record no rule selects: an error (default) or ignore it. */
  readonly otherwise: 'error' | 'ignore';
  readonly otherwiseAt?: SourceLocation;
}

/** A population model. Build it with `parseModel`/`loadModelFile` or `defineModel`; never mutate it. */
export interface Model {
  readonly name: string;
  /** Comment lines at the top of the file (without '#'), e.g. the model's source. */
  readonly description: readonly string[];
  /** Path of the model file as given by the user, when it was read from one (used in messages). */
  readonly file?: string;
  /** Default dataset as written in the model (relative to the model file). */
  readonly dataPath?: string;
  /** Default dataset as an absolute path, or undefined. */
  readonly dataFile?: string;
  /** Header names of standard items in that dataset, like NONMEM's `$INPUT DV=Y`: `{ DV: 'Y' }`. */
  readonly dataColumns?: Readonly<Partial<Record<StandardItem, string>>>;
  readonly covariates: readonly CovariateDecl[];
  readonly timeVarying: TimeVaryingRule;
  readonly theta: readonly ThetaDef[];
  readonly omega: readonly VarianceBlock[];
  readonly sigma: readonly VarianceBlock[];
  readonly individual: readonly Statement[];
  readonly effects: readonly CovariateEffect[];
  readonly structure: Structure;
  readonly dosing: readonly DosingDef[];
  readonly observe: ObserveDef;
}
