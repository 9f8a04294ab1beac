/**
 * The meaning checks of a model, run on every model (read from a file or built with
 * defineModel and the transforms): unique names, theta bounds, positive definite omega and
 * sigma blocks, known symbols in every expression, existing compartments, covariate effects
 * that fit their form, and every theta, eta and eps used. The first problem found is thrown
 * as a ModelError naming the file, line and column.
 */
import { ModelError } from '../errors.js';
import { choleskyLowerTriangle } from './covariance.js';
import { identifierOffset, parseExpression, type ExpressionSite, type ParsedExpression } from './expression.js';
import { errorModelExpression, formatErrorModel } from './parse-error-model.js';
import { effectTarget, renderIndividual } from './render.js';
import {
  CONTEXT_HELP, RESERVED, Scope, closedFormParameterNames, compartmentNames, type ExpressionContext,
} from './scope.js';
import { editDistance } from './text.js';
import type { Model, SourceLocation, VarianceBlock } from './types.js';

/** Check `model`; returns it (deeply frozen) or throws the first ModelError found. */
export function validateModel(model: Model): Model {
  new Checker(model).run();
  return deepFreeze(model);
}

class Checker {
  private readonly declared = new Map<string, { what: string; at?: SourceLocation }>();
  private readonly used = new Set<string>();

  constructor(private readonly model: Model) {}

  private fail(message: string, at?: SourceLocation, offset = 0): ModelError {
    return new ModelError(message, {
      file: this.model.file ?? `model ${this.model.name}`,
      line: at?.line,
      column: at !== undefined ? at.column + offset : undefined,
    });
  }

  private site(at?: SourceLocation): ExpressionSite {
    return { file: this.model.file ?? `model ${this.model.name}`, at };
  }

  run(): void {
    this.declareNames();
    this.checkThetas();
    for (const b of this.model.omega) this.checkVariance(b, 'omega');
    for (const b of this.model.sigma) this.checkVariance(b, 'sigma');
    this.checkEffects();
    this.checkIndividual();
    this.checkStructure();
    this.checkDosing();
    this.checkObserve();
    this.checkUsage();
  }

  private declare(name: string, what: string, at?: SourceLocation): void {
    if (name.startsWith('__')) throw this.fail(`names starting with '__' are reserved for popkit; rename '${name}'`, at);
    if (RESERVED.has(name)) throw this.fail(`'${name}' is a reserved name (a data item, function or keyword); choose another name for this ${what}`, at);
    const previous = this.declared.get(name);
    if (previous !== undefined) {
      throw this.fail(`'${name}' is already defined as ${previous.what}${previous.at ? ` on line ${previous.at.line}` : ''}`, at);
    }
    this.declared.set(name, { what, at });
  }

  private declareNames(): void {
    const m = this.model;
    for (const t of m.theta) this.declare(t.name, 'a theta', t.at);
    for (const b of m.omega) for (const n of b.names) this.declare(n, 'an eta (omega)', b.at);
    for (const b of m.sigma) for (const n of b.names) this.declare(n, 'an eps (sigma)', b.at);
    for (const c of m.covariates) this.declare(c.name, 'a covariate', c.at);
    for (const s of m.individual) this.declare(s.name, 'an individual parameter', s.at);
    const compartments = compartmentNames(m);
    for (const c of compartments) this.declare(c, 'a compartment', m.structure.kind === 'none' ? undefined : m.structure.at);
    for (const s of m.observe.statements) this.declare(s.name, 'an output of observe', s.at);
  }

  private checkThetas(): void {
    for (const t of this.model.theta) {
      if (!(t.lower < t.upper)) throw this.fail(`theta ${t.name}: lower bound ${t.lower} is not below upper bound ${t.upper}`, t.at);
      if (!Number.isFinite(t.init)) throw this.fail(`theta ${t.name}: initial value ${t.init} is not a finite number`, t.at);
      if (t.fixed ? t.init < t.lower || t.init > t.upper : t.init <= t.lower || t.init >= t.upper) {
        const where = t.init <= t.lower ? `at or below its lower bound ${t.lower}` : `at or above its upper bound ${t.upper}`;
        throw this.fail(`theta ${t.name}: initial value ${t.init} is ${where}; an estimated theta must start strictly inside its bounds`, t.at);
      }
    }
  }

  private checkVariance(b: VarianceBlock, section: 'omega' | 'sigma'): void {
    const n = b.names.length;
    if (b.lower.length !== (n * (n + 1)) / 2) {
      throw this.fail(`${section} block [${b.names.join(', ')}] needs ${(n * (n + 1)) / 2} values, not ${b.lower.length}`, b.at);
    }
    if (!b.correlated && n !== 1) throw this.fail(`a diagonal ${section} element names one random effect`, b.at);
    // An omega variance fixed at 0 switches its eta off (NONMEM's $OMEGA 0 FIX).
    if (section === 'omega' && n === 1 && b.lower[0] === 0 && b.fixed) return;
    const failedAt = choleskyLowerTriangle(b.lower, n);
    if (failedAt >= 0) {
      const what = n === 1 ? `variance of ${b.names[0]} must be positive (it is ${b.lower[0]})${section === 'omega' ? `; to switch the random effect off, fix it at 0: ${b.names[0]} ~ 0 FIX` : ''}`
        : `${section} block [${b.names.join(', ')}] is not positive definite (the problem shows at ${b.names[failedAt]}): the covariances are too large for the variances`;
      throw this.fail(what, b.at);
    }
  }

  /** Parse `text` and check every symbol against `context`; returns the parsed expression. */
  private checkExpression(
    text: string, at: SourceLocation | undefined, context: ExpressionContext, upTo?: number, shownText = text,
  ): ParsedExpression {
    const parsed = parseExpression(text, this.site(at));
    const scope = Scope.forContext(this.model, context, upTo);
    for (const name of parsed.symbols) {
      const kind = scope.kinds.get(name);
      if (kind === undefined) {
        throw this.fail(unknownSymbolMessage(name, context, scope, this.declared), at, identifierOffset(shownText, name));
      }
      this.used.add(name);
    }
    return parsed;
  }

  private checkEffects(): void {
    const m = this.model;
    const covariates = new Set(m.covariates.map((c) => c.name));
    const thetas = new Set(m.theta.map((t) => t.name));
    const seen = new Set<string>();
    for (const e of m.effects) {
      const key = `${e.parameter}~${e.covariate}`;
      if (seen.has(key)) throw this.fail(`a second effect of ${e.covariate} on ${e.parameter}`, e.at);
      seen.add(key);
      if (effectTarget(m.individual, e.parameter) === undefined) {
        throw this.fail(`covariate effect on '${e.parameter}', which is not an individual parameter (define ${e.parameter} or TV${e.parameter} in individual)`, e.at);
      }
      if (!covariates.has(e.covariate)) throw this.fail(`'${e.covariate}' is not a declared covariate (add it to the covariates section)`, e.at);
      for (const t of e.thetas) {
        if (!thetas.has(t)) throw this.fail(`covariate effect on ${e.parameter} uses '${t}', which is not a theta`, e.at);
        this.used.add(t);
      }
      this.used.add(e.covariate);
      const count = e.form === 'piecewise-linear' ? 2 : e.form === 'categorical' ? (e.categories?.length ?? 0) : 1;
      if (e.form === 'categorical') {
        if (e.categories === undefined || e.categories.length === 0) throw this.fail(`a categorical effect needs 'categories = [...]', the non-reference categories`, e.at);
        if (e.categories.some((c) => c === e.reference)) throw this.fail(`the reference category ${JSON.stringify(e.reference)} must not be listed among the categories`, e.at);
        if (new Set(e.categories).size !== e.categories.length) throw this.fail(`a category is listed twice`, e.at);
      } else {
        if (typeof e.reference !== 'number' || !Number.isFinite(e.reference)) throw this.fail(`a ${e.form} effect needs a numeric reference value`, e.at);
        if (e.categories !== undefined) throw this.fail(`only categorical effects take 'categories'`, e.at);
        if (e.form === 'power' && !(e.reference > 0)) throw this.fail(`a power effect needs a positive reference value`, e.at);
      }
      if (e.thetas.length !== count) {
        throw this.fail(`a ${e.form} effect needs ${count} theta${count === 1 ? '' : 's'}${e.form === 'piecewise-linear' ? ' (below and above the reference)' : e.form === 'categorical' ? ' (one per category)' : ''}, not ${e.thetas.length}`, e.at);
      }
    }
  }

  private checkIndividual(): void {
    const rendered = renderIndividual(this.model);
    rendered.forEach((s, k) => {
      const original = this.model.individual[k]!;
      // Effects were checked above; an error in a rendered factor would point at the statement.
      this.checkExpression(s === original ? s.expression : original.expression, original.expressionAt, 'individual', k);
      if (s !== original) this.checkExpression(s.expression, original.expressionAt, 'individual', k);
    });
  }

  private checkStructure(): void {
    const m = this.model;
    const s = m.structure;
    if (s.kind === 'compartmental') {
      const needed = closedFormParameterNames(s.compartments, s.route === 'oral');
      const defined = new Set(m.individual.map((x) => x.name));
      const missing = needed.filter((p) => !defined.has(p));
      if (missing.length > 0) {
        throw this.fail(`structure ${s.compartments}cmt ${s.route} needs the individual parameters ${needed.join(', ')}; ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not defined in individual`, s.at);
      }
      for (const p of needed) this.used.add(p);
    } else if (s.kind === 'odes') {
      const names = new Set<string>();
      for (const c of s.compartments) {
        if (names.has(c)) throw this.fail(`compartment '${c}' is listed twice`, s.at);
        names.add(c);
      }
      const seen = new Map<string, number>();
      for (const eq of s.equations) {
        if (!names.has(eq.compartment)) {
          throw this.fail(`compartment '${eq.compartment}' does not exist; compartments are ${s.compartments.join(', ')}`, eq.at);
        }
        if (seen.has(eq.compartment)) throw this.fail(`a second equation for d/dt(${eq.compartment}) (the first is on line ${seen.get(eq.compartment)})`, eq.at);
        seen.set(eq.compartment, eq.at?.line ?? 0);
        this.checkExpression(eq.expression, eq.expressionAt, 'odes');
      }
      const without = s.compartments.filter((c) => !seen.has(c));
      if (without.length > 0) throw this.fail(`compartment${without.length > 1 ? 's' : ''} ${without.join(', ')} ha${without.length > 1 ? 've' : 's'} no equation d/dt(…)`, s.at);
    }
  }

  private checkDosing(): void {
    const compartments = compartmentNames(this.model);
    const seen = new Set<string>();
    for (const d of this.model.dosing) {
      const index = compartmentIndex(compartments, d.compartment);
      if (index < 0) {
        throw this.fail(compartments.length === 0
          ? `compartment '${d.compartment}' does not exist: this model has no compartments (no structure or odes section)`
          : `compartment '${d.compartment}' does not exist; compartments are ${compartments.join(', ')} (or their numbers 1–${compartments.length})`, d.at);
      }
      const key = `${d.item}:${index}`;
      if (seen.has(key)) throw this.fail(`${d.item} of compartment ${compartments[index]} is defined twice`, d.at);
      seen.add(key);
      this.checkExpression(d.expression, d.expressionAt, 'dosing');
    }
  }

  private checkObserve(): void {
    const o = this.model.observe;
    o.statements.forEach((s, k) => this.checkExpression(s.expression, s.expressionAt, 'observe', k));
    if (o.rules.length === 0) throw this.fail(`the observe section needs a rule for the observations, e.g. 'DV ~ proportional(CP, eps_prop)'`, o.otherwiseAt);
    const eps = new Set(this.model.sigma.flatMap((b) => b.names));
    o.rules.forEach((r, k) => {
      if (r.when === undefined && k < o.rules.length - 1) {
        throw this.fail(`this rule has no 'if' condition, so the rules after it can never apply`, r.at);
      }
      const shown = formatErrorModel(r.error);
      if (r.error.kind !== 'expression') {
        for (const arg of Object.entries(r.error).filter(([k]) => k !== 'kind').map(([, v]) => String(v))) {
          const shift = Math.max(0, shown.indexOf(arg));
          parseExpression(arg, this.site(r.errorAt && { line: r.errorAt.line, column: r.errorAt.column + shift }));
        }
      }
      // Messages point into the rule's own text (the rendered Y expression is longer).
      const parsed = this.checkExpression(errorModelExpression(r.error), r.errorAt, 'error', undefined, shown);
      if (!parsed.symbols.some((s) => eps.has(s))) {
        throw this.fail(`this observation rule uses no eps: write the residual error, e.g. 'DV ~ proportional(CP, eps_prop)'`, r.errorAt);
      }
      if (r.when !== undefined) this.checkExpression(r.when, r.whenAt, 'when');
    });
  }

  private checkUsage(): void {
    const m = this.model;
    for (const b of m.omega) {
      const unused = b.names.filter((n) => !this.used.has(n));
      if (unused.length > 0) throw this.fail(`eta ${unused.join(', ')} is declared in omega but used nowhere`, b.at);
    }
    for (const b of m.sigma) {
      const unused = b.names.filter((n) => !this.used.has(n));
      if (unused.length > 0) throw this.fail(`eps ${unused.join(', ')} is declared in sigma but used by no observation rule`, b.at);
    }
    for (const t of m.theta) {
      if (!this.used.has(t.name)) throw this.fail(`theta ${t.name} is used nowhere`, t.at);
    }
  }
}

/** 0-based index of compartment `ref` (a name, or a 1-based number), or -1. */
export function compartmentIndex(compartments: readonly string[], ref: string): number {
  if (/^\d+$/.test(ref)) {
    const k = Number(ref) - 1;
    return k >= 0 && k < compartments.length ? k : -1;
  }
  return compartments.indexOf(ref);
}

function unknownSymbolMessage(
  name: string, context: ExpressionContext, scope: Scope,
  declared: ReadonlyMap<string, { what: string; at?: SourceLocation }>,
): string {
  const elsewhere = declared.get(name);
  if (elsewhere !== undefined) {
    return `'${name}' (${elsewhere.what}) cannot be used here; ${contextName(context)} may use ${CONTEXT_HELP[context]}`;
  }
  const candidates = [...scope.kinds.keys()];
  const suggestion = candidates.find((c) => c.toLowerCase() === name.toLowerCase())
    ?? candidates.find((c) => editDistance(c, name) <= Math.min(2, Math.floor(name.length / 3)));
  return `unknown symbol '${name}': not ${CONTEXT_HELP[context]}${suggestion !== undefined ? ` (did you mean ${suggestion}?)` : ''}${context !== 'when' && context !== 'odes' ? '; a data column must be declared in the covariates section' : ''}`;
}

function contextName(context: ExpressionContext): string {
  return context === 'error' ? 'an observation rule' : context === 'when' ? `an 'if' condition` : `the ${context} section`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
