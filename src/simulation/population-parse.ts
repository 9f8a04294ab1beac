/**
 * The text form of a virtual population (the `--population` option):
 *
 *   population := item { ";" item }
 *   item := NAME "~" dist [ "trunc" "(" lower "," upper ")" ]
 *         | NAME "=" value                                    a constant
 *         | NAME "=" value [":"] freq { "," value [":"] freq }    categories with frequencies
 *   dist := "normal(" mean "," sd ")" | "lognormal(" median "," sdlog ")" | "uniform(" lower "," upper ")"
 *   freq := <number> ["%"]    (fractions summing to 1, or percentages summing to 100)
 *
 * Example: "WT~lognormal(70,0.2) trunc(40,150); AGE~uniform(18,80); CYP2C9=EM:0.6,IM:0.3,PM:0.1; SEX=0:50%,1:50%".
 * Names are kept as written (the model's covariate names). Errors are SpecErrors pointing at the
 * offending word.
 */
import type { CovariateDistribution, CovariateSpec } from './population.js';
import { checkDistribution } from './population.js';
import { PopkitError } from '../errors.js';
import { SpecError, tokenize, TokenCursor, type Token } from './spec-text.js';

/**
 * Parse a population text (grammar in the module comment).
 * Example: `parsePopulation('WT~normal(70,10); SEX=0:0.5,1:0.5')` → two CovariateSpecs.
 */
export function parsePopulation(text: string): CovariateSpec[] {
  const c = new TokenCursor(tokenize(text, 'population', { splitCounts: false, punctuation: ',;:-()~=%' }), text, 'population');
  if (c.done) throw c.error('the population is empty; write e.g. "WT~lognormal(70,0.2)"');
  const specs: CovariateSpec[] = [];
  const names = new Map<string, Token>();
  for (;;) {
    const nameTok = c.next()!;
    if (nameTok.kind !== 'word') throw c.error(`expected a covariate name, found '${nameTok.text}'`, nameTok);
    if (names.has(nameTok.text)) throw c.error(`${nameTok.text} is given twice`, nameTok);
    names.set(nameTok.text, nameTok);
    const op = c.next();
    let distribution: CovariateDistribution;
    if (op?.text === '~') distribution = parseContinuous(c);
    else if (op?.text === '=') distribution = parseCategories(c);
    else throw c.error(`expected '~' (a distribution) or '=' (a value or categories) after ${nameTok.text}`, op);
    try {
      checkDistribution(nameTok.text, distribution);
    } catch (err) {
      if (err instanceof PopkitError) throw c.errorSpan(err.message.replace(/^population: /, ''), nameTok, c.tokens[c.pos - 1]!);
      throw err;
    }
    specs.push({ name: nameTok.text, distribution });
    if (c.done) break;
    const sep = c.next()!;
    if (sep.text !== ';') throw c.error(`unexpected '${sep.text}'; separate covariates with ';'`, sep);
    if (c.done) break;
  }
  return specs;
}

function parseArguments(c: TokenCursor, count: number, what: string): number[] {
  const open = c.next();
  if (open?.text !== '(') throw c.error(`expected '(' after ${what}`, open);
  const args: number[] = [];
  for (let k = 0; k < count; k++) {
    if (k > 0) {
      const comma = c.next();
      if (comma?.text !== ',') throw c.error(`${what} takes ${count} numbers separated by ','`, comma);
    }
    args.push(c.number(`a number in ${what}(...)`).value);
  }
  const close = c.next();
  if (close?.text !== ')') throw c.error(`${what} takes ${count} numbers; expected ')'`, close);
  return args;
}

function parseContinuous(c: TokenCursor): CovariateDistribution {
  const t = c.next();
  const kind = t?.lower;
  let d: CovariateDistribution;
  if (kind === 'normal') {
    const [mean, sd] = parseArguments(c, 2, 'normal');
    d = { kind: 'normal', mean: mean!, sd: sd! };
  } else if (kind === 'lognormal') {
    const [median, sdLog] = parseArguments(c, 2, 'lognormal');
    d = { kind: 'lognormal', median: median!, sdLog: sdLog! };
  } else if (kind === 'uniform') {
    const [lower, upper] = parseArguments(c, 2, 'uniform');
    return { kind: 'uniform', lower: lower!, upper: upper! };
  } else {
    throw c.error(`unknown distribution '${t?.text ?? ''}'; use normal(mean, sd), lognormal(median, sdlog) or uniform(lower, upper)`, t);
  }
  if (c.peek()?.lower === 'trunc') {
    c.next();
    const [lower, upper] = parseArguments(c, 2, 'trunc');
    d = { ...d, lower: lower!, upper: upper! };
  }
  return d;
}

function parseCategories(c: TokenCursor): CovariateDistribution {
  const values: (number | string)[] = [];
  const freqs: number[] = [];
  const freqTokens: Token[] = [];
  let percent: boolean | undefined;
  const first = c.peek();
  for (;;) {
    const v = c.next();
    if (v === undefined || (v.kind !== 'word' && v.kind !== 'number')) throw c.error('expected a value or a category', v);
    const value = v.kind === 'number' ? v.value : v.text;
    c.accept(':');
    const f = c.peek();
    if (f === undefined || f.kind !== 'number') {
      if (values.length === 0 && (f === undefined || f.text === ';')) return { kind: 'constant', value };
      throw c.error(`expected the frequency of ${v.text} (e.g. ${v.text}:0.5)`, f);
    }
    c.next();
    const isPercent = c.accept('%') !== undefined;
    if (percent !== undefined && percent !== isPercent) throw c.error('write all frequencies as fractions or all as percentages', f);
    percent = isPercent;
    values.push(value);
    freqs.push(f.value);
    freqTokens.push(f);
    if (c.peek()?.text !== ',') break;
    c.next();
  }
  const sum = freqs.reduce((a, b) => a + b, 0);
  const target = percent ? 100 : 1;
  if (Math.abs(sum - target) > 1e-6 * target) {
    throw new SpecError('population', `the frequencies add up to ${Number(sum.toPrecision(10))}${percent ? '%' : ''}, not ${target}${percent ? '%' : ''}`,
      c.text, first!.start, freqTokens[freqTokens.length - 1]!.end - first!.start + (percent ? 1 : 0));
  }
  const numeric = values.every((v) => typeof v === 'number');
  return {
    kind: 'categorical',
    values: numeric ? values : values.map(String),
    probabilities: freqs.map((f) => f / target),
  };
}
