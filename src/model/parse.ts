/**
 * The model-file reader: text → Model. This module reads the sections and their lines
 * (syntax); src/model/validate.ts then checks what the model means (symbols, bounds,
 * omega, compartments). Grammar: docs/model-format.md.
 */
import { ModelError } from '../errors.js';
import { directoryOf, fileStem, joinPath } from './paths.js';
import { STANDARD_ITEMS, type StandardItem } from '../data/types.js';
import { parseEffect } from './parse-effect.js';
import { parseErrorModel } from './parse-error-model.js';
import {
  editDistance, findTopLevelWord, isIdentifier, parseModelNumber, splitComment, splitTopLevel,
} from './text.js';
import type {
  CovariateDecl, CovariateEffect, DosingDef, DosingItem, Model, ObservationRule, OdeEquation,
  SourceLocation, Statement, Structure, ThetaDef, TimeVaryingRule, VarianceBlock,
} from './types.js';
import { validateModel } from './validate.js';

const SECTIONS = new Set([
  'name', 'data', 'covariates', 'theta', 'omega', 'sigma', 'individual', 'effects',
  'structure', 'odes', 'dosing', 'observe',
]);

/**
 * The section keyword that `word`, a lowercase word opening a line at column 1, most likely
 * misspells (e.g. 'indivdual'), or undefined. Words of 4 letters or more only, so that a
 * short name such as a covariate is not mistaken for one.
 */
function misspelledSection(word: string): string | undefined {
  if (word.length < 4 || word !== word.toLowerCase()) return undefined;
  return [...SECTIONS].find((s) => editDistance(word, s) <= (s.length <= 5 ? 1 : 2));
}

/** One line of the file: its number, code (comment removed, columns intact) and comment. */
interface Line {
  readonly n: number;
  readonly code: string;
  readonly comment?: string;
}

/** Options for {@link parseModel}. */
export interface ParseModelOptions {
  /** Skip the semantic checks (for tools that inspect a model being written). Default false. */
  readonly skipValidation?: boolean;
  /**
   * Directory that a relative `data` path is anchored at; default the directory of `file`
   * (as given), else the data path is kept as written (relative to the working directory).
   */
  readonly baseDir?: string;
}

/**
 * Read a model from its text. `file` names the source in messages and anchors the `data`
 * path (relative paths are resolved against its directory). Throws ModelError with
 * file:line:column for any syntax or meaning error.
 * Example: `parseModel(readFileSync('models/pheno.pkm', 'utf8'), 'models/pheno.pkm').theta.length` is 3.
 */
export function parseModel(text: string, file?: string, options: ParseModelOptions = {}): Model {
  const reader = new ModelReader(file, options.baseDir);
  const model = reader.read(text);
  return options.skipValidation ? model : validateModel(model);
}

class ModelReader {
  private name?: string;
  private description: string[] = [];
  private dataPath?: string;
  private dataColumns?: Partial<Record<StandardItem, string>>;
  private covariates: CovariateDecl[] = [];
  private timeVarying: TimeVaryingRule = 'nocb';
  private theta: ThetaDef[] = [];
  private omega: VarianceBlock[] = [];
  private sigma: VarianceBlock[] = [];
  private individual: Statement[] = [];
  private effects: CovariateEffect[] = [];
  private structure?: Structure;
  private structureLine = 0;
  private odeCompartments?: string[];
  private odeEquations: OdeEquation[] = [];
  private odeAt?: SourceLocation;
  private dosing: DosingDef[] = [];
  private observeStatements: Statement[] = [];
  private rules: ObservationRule[] = [];
  private otherwise: 'error' | 'ignore' = 'error';
  private otherwiseAt?: SourceLocation;
  private seenSingle = new Map<string, number>();

  constructor(private readonly file?: string, private readonly baseDir?: string) {}

  private error(message: string, line: number, offset = 0): ModelError {
    return new ModelError(message, { file: this.file ?? '<model>', line, column: offset + 1 });
  }

  read(text: string): Model {
    const rawLines = text.split(/\r?\n/);
    let section: string | undefined;
    for (let i = 0; i < rawLines.length; i++) {
      const { code, comment } = splitComment(rawLines[i]!);
      const line: Line = { n: i + 1, code, comment };
      if (code.trim() === '') {
        if (section === undefined && comment !== undefined && /^\s*#/.test(rawLines[i]!)) this.description.push(comment);
        continue;
      }
      const header = /^([A-Za-z]+)(?=\s|$)\s*(.*)$/.exec(code);
      if (header && SECTIONS.has(header[1]!) && !/^[=~(]/.test(header[2]!)) {
        section = header[1]!;
        const restOffset = code.length - header[2]!.length;
        this.startSection(section, header[2]!.trimEnd(), restOffset, line);
        continue;
      }
      if (section === undefined) {
        throw this.error(`this line is outside any section; a model starts with a section such as 'theta' or 'individual' (sections: ${[...SECTIONS].join(', ')})`, line.n, firstNonBlank(code));
      }
      if (['name', 'data', 'structure'].includes(section)) {
        throw this.error(`'${section}' takes a single line; unexpected text`, line.n, firstNonBlank(code));
      }
      const misspelled = header && section !== 'covariates' && !/^[=~(]/.test(header[2]!) ? misspelledSection(header[1]!) : undefined;
      if (misspelled !== undefined) {
        throw this.error(`unknown section '${header![1]}' (did you mean '${misspelled}'?); sections: ${[...SECTIONS].join(', ')}`, line.n, 0);
      }
      this.sectionLine(section, line, firstNonBlank(code));
    }
    return this.build();
  }

  private startSection(section: string, rest: string, restOffset: number, line: Line): void {
    if (['name', 'data', 'structure', 'odes'].includes(section)) {
      const previous = this.seenSingle.get(section);
      if (previous !== undefined) throw this.error(`a second '${section}' section (the first is on line ${previous})`, line.n);
      this.seenSingle.set(section, line.n);
    }
    switch (section) {
      case 'name':
        if (!isIdentifier(rest.trim().replace(/[-.]/g, '_'))) throw this.error(`'name' needs a model name, e.g. 'name pheno'`, line.n, restOffset);
        this.name = rest.trim();
        return;
      case 'data':
        this.readData(rest, restOffset, line);
        return;
      case 'structure':
        this.readStructure(rest, restOffset, line);
        return;
      case 'odes':
        if (this.structure !== undefined) throw this.error(`a model has either 'structure' or 'odes', not both (structure is on line ${this.structureLine})`, line.n);
        this.odeAt = { line: line.n, column: 1 };
        break;
      default:
        break;
    }
    if (rest.trim() !== '') this.sectionLine(section, { n: line.n, code: ' '.repeat(restOffset) + rest, comment: line.comment }, restOffset);
  }

  private sectionLine(section: string, line: Line, offset: number): void {
    const text = line.code.trim();
    switch (section) {
      case 'covariates': return this.readCovariates(text, offset, line);
      case 'theta': return this.readTheta(text, offset, line);
      case 'omega': this.omega.push(this.readVariance(text, offset, line, 'omega')); return;
      case 'sigma': this.sigma.push(this.readVariance(text, offset, line, 'sigma')); return;
      case 'individual': this.individual.push(this.readStatement(text, offset, line, 'individual')); return;
      case 'effects': this.effects.push(parseEffect(text, offset, line.n, this.file)); return;
      case 'odes': return this.readOde(text, offset, line);
      case 'dosing': return this.readDosing(text, offset, line);
      case 'observe': return this.readObserve(text, offset, line);
      default: throw this.error(`internal: no reader for section ${section}`, line.n);
    }
  }

  private readData(rest: string, offset: number, line: Line): void {
    const m = /^\s*("([^"]*)"|'([^']*)'|(\S+))\s*(.*)$/.exec(rest);
    if (!m || rest.trim() === '') throw this.error(`'data' needs a file path, e.g. 'data ../datasets/pheno_sd.csv'`, line.n, offset);
    this.dataPath = m[2] ?? m[3] ?? m[4];
    const mappings = m[5]!.trim();
    if (mappings === '') return;
    const columns: Partial<Record<StandardItem, string>> = {};
    let at = offset + rest.length - m[5]!.length;
    for (const piece of mappings.split(/\s+/)) {
      const pos = rest.indexOf(piece, at - offset) + offset;
      at = pos + piece.length;
      const mm = /^([A-Za-z]+)=([^\s=]+)$/.exec(piece);
      const item = mm ? STANDARD_ITEMS.find((s) => s === mm[1]!.toUpperCase()) : undefined;
      if (!mm || item === undefined) {
        throw this.error(`expected ITEM=COLUMN after the data path (e.g. DV=Y), with ITEM one of ${STANDARD_ITEMS.join(' ')}; got '${piece}'`, line.n, pos);
      }
      columns[item] = mm[2]!;
    }
    this.dataColumns = columns;
  }

  private readStructure(rest: string, offset: number, line: Line): void {
    if (this.seenSingle.has('odes')) throw this.error(`a model has either 'structure' or 'odes', not both (odes is on line ${this.seenSingle.get('odes')})`, line.n);
    const m = /^\s*([123])\s*cmt\s+(iv|infusion|oral)\s*$/i.exec(rest);
    if (!m) {
      throw this.error(`'structure' expects '<n>cmt <route>' with n 1, 2 or 3 and route iv, infusion or oral (e.g. 'structure 1cmt iv'); for other systems write an 'odes' section`, line.n, offset);
    }
    this.structure = {
      kind: 'compartmental',
      compartments: Number(m[1]) as 1 | 2 | 3,
      route: m[2]!.toLowerCase() as 'iv' | 'infusion' | 'oral',
      at: { line: line.n, column: offset + 1 },
    };
    this.structureLine = line.n;
  }

  private readCovariates(text: string, offset: number, line: Line): void {
    const tv = /^time-varying\s+(\S+)$/i.exec(text);
    if (tv) {
      const rule = tv[1]!.toLowerCase();
      if (rule !== 'nocb' && rule !== 'locf') throw this.error(`time-varying rule must be nocb (NONMEM's) or locf, not '${tv[1]}'`, line.n, offset + text.indexOf(tv[1]!));
      this.timeVarying = rule;
      return;
    }
    const pieces = splitTopLevel(text, ',', offset);
    for (const piece of pieces) {
      const words = piece.text.split(/\s+/);
      const bad = words.length === 0 || !isIdentifier(words[0]!) || words.length % 2 === 0
        || words.some((w, k) => (k % 2 === 1 ? w.toLowerCase() !== 'or' : !isIdentifier(w)));
      if (bad) {
        throw this.error(`expected a covariate name, optionally with alternative column names ('WT or WGT'), or 'time-varying nocb|locf'; got '${piece.text}'`, line.n, piece.offset);
      }
      this.covariates.push({
        name: words[0]!,
        aliases: words.filter((_, k) => k % 2 === 0 && k > 0),
        comment: pieces.length === 1 ? line.comment : undefined,
        at: { line: line.n, column: piece.offset + 1 },
      });
    }
  }

  private readTheta(text: string, offset: number, line: Line): void {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)\s*(.*)$/.exec(text);
    if (!m) throw this.error(`expected 'NAME = initial (lower, upper) [FIX]', e.g. 'CL = 0.0047 (0, )'`, line.n, offset);
    const name = m[1]!;
    let rest = m[2]!;
    let restOffset = offset + text.length - rest.length;
    const initMatch = /^(\S+?)(?=\s|\(|$)/.exec(rest);
    const initText = initMatch?.[1] ?? '';
    const init = parseModelNumber(initText);
    if (!Number.isFinite(init)) throw this.error(`initial value of theta ${name} is not a number ('${initText}')`, line.n, restOffset);
    rest = rest.slice(initText.length);
    restOffset += initText.length;
    let lower = -Infinity, upper = Infinity;
    const trimmed = rest.trimStart();
    restOffset += rest.length - trimmed.length;
    rest = trimmed;
    if (rest.startsWith('(')) {
      const close = rest.indexOf(')');
      const inside = close < 0 ? undefined : rest.slice(1, close);
      const parts = inside?.split(',');
      if (inside === undefined || parts!.length !== 2) {
        throw this.error(`bounds of theta ${name} must be written '(lower, upper)', either may be empty: '(0, )'`, line.n, restOffset);
      }
      const [lo, hi] = parts!.map((p) => p.trim());
      if (lo !== '') lower = parseModelNumber(lo!);
      if (hi !== '') upper = parseModelNumber(hi!);
      if (Number.isNaN(lower)) throw this.error(`lower bound of theta ${name} is not a number ('${lo}')`, line.n, restOffset + 1);
      if (Number.isNaN(upper)) throw this.error(`upper bound of theta ${name} is not a number ('${hi}')`, line.n, restOffset + 1 + parts![0]!.length + 1);
      restOffset += close + 1;
      rest = rest.slice(close + 1);
    }
    const tail = rest.trim();
    let fixed = false;
    if (/^FIX(ED)?$/i.test(tail)) fixed = true;
    else if (tail !== '') throw this.error(`unexpected '${tail}' after theta ${name} (expected '(lower, upper)' or FIX)`, line.n, restOffset + rest.indexOf(tail));
    this.theta.push({ name, init, lower, upper, fixed, comment: line.comment, at: { line: line.n, column: offset + 1 } });
  }

  private readVariance(text: string, offset: number, line: Line, section: 'omega' | 'sigma'): VarianceBlock {
    const example = section === 'omega' ? `'eta_CL ~ 0.1' or '[eta_CL, eta_V] ~ [0.1, 0.01, 0.1]'` : `'eps_prop ~ 0.01'`;
    const m = /^(\[[^\]]*\]|[A-Za-z_][A-Za-z0-9_]*)\s*~\s*(.*)$/.exec(text);
    if (!m) throw this.error(`expected ${example}, optionally followed by FIX`, line.n, offset);
    const at = { line: line.n, column: offset + 1 };
    const correlated = m[1]!.startsWith('[');
    const names = correlated ? m[1]!.slice(1, -1).split(',').map((s) => s.trim()) : [m[1]!];
    const badName = names.find((s) => !isIdentifier(s));
    if (badName !== undefined) throw this.error(`'${badName}' is not a valid ${section} name`, line.n, offset + Math.max(0, text.indexOf(badName)));
    let rest = m[2]!.trim();
    const valuesOffset = offset + text.length - m[2]!.length + (m[2]!.length - m[2]!.trimStart().length);
    let fixed = false;
    const fix = /\s*\bFIX(ED)?$/i.exec(rest);
    if (fix) { fixed = true; rest = rest.slice(0, fix.index).trim(); }
    let valueTexts: string[];
    if (correlated) {
      if (!rest.startsWith('[') || !rest.endsWith(']')) {
        throw this.error(`a block [${names.join(', ')}] needs its lower triangle in brackets, row by row: [${lowerTriangleExample(names)}]`, line.n, valuesOffset);
      }
      valueTexts = rest.slice(1, -1).split(',').map((s) => s.trim());
    } else {
      valueTexts = [rest];
    }
    const values = valueTexts.map((v) => parseModelNumber(v));
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw this.error(`${section} value '${valueTexts[bad]}' is not a number`, line.n, valuesOffset + Math.max(0, rest.indexOf(valueTexts[bad]!)));
    const expected = (names.length * (names.length + 1)) / 2;
    if (values.length !== expected) {
      throw this.error(`block [${names.join(', ')}] needs ${expected} values (its lower triangle row by row: ${lowerTriangleExample(names)}), not ${values.length}`, line.n, valuesOffset);
    }
    return { names, lower: values, correlated, fixed, comment: line.comment, at };
  }

  private readStatement(text: string, offset: number, line: Line, section: string): Statement {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)\s*(.*)$/.exec(text);
    if (!m) throw this.error(`expected 'NAME = expression' in ${section}`, line.n, offset);
    const exprOffset = offset + text.length - m[2]!.length;
    if (m[2]!.trim() === '') throw this.error(`an expression is missing after '${m[1]} ='`, line.n, exprOffset);
    return {
      name: m[1]!, expression: m[2]!.trim(), comment: line.comment,
      at: { line: line.n, column: offset + 1 }, expressionAt: { line: line.n, column: exprOffset + 1 },
    };
  }

  private readOde(text: string, offset: number, line: Line): void {
    const cm = /^compartments\s+(.*)$/i.exec(text);
    if (cm) {
      if (this.odeCompartments !== undefined) throw this.error(`compartments are already listed`, line.n, offset);
      const names = cm[1]!.split(/[\s,]+/).filter((s) => s !== '');
      const bad = names.find((s) => !isIdentifier(s));
      if (bad !== undefined) throw this.error(`'${bad}' is not a valid compartment name`, line.n, offset + text.indexOf(bad));
      this.odeCompartments = names;
      return;
    }
    const m = /^d\s*\/\s*dt\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*=(?!=)\s*(.*)$/.exec(text);
    if (!m) throw this.error(`expected 'd/dt(compartment) = expression' or 'compartments a, b, ...' in odes`, line.n, offset);
    const exprOffset = offset + text.length - m[2]!.length;
    if (m[2]!.trim() === '') throw this.error(`an expression is missing after 'd/dt(${m[1]}) ='`, line.n, exprOffset);
    this.odeEquations.push({
      compartment: m[1]!, expression: m[2]!.trim(),
      at: { line: line.n, column: offset + text.indexOf(m[1]!) + 1 }, expressionAt: { line: line.n, column: exprOffset + 1 },
    });
  }

  private readDosing(text: string, offset: number, line: Line): void {
    const item = /^(F|ALAG|RATE|DUR|R|D)\s*\(\s*([A-Za-z0-9_]+)\s*\)\s*=(?!=)\s*(.*)$/i.exec(text);
    const init = /^([A-Za-z_][A-Za-z0-9_]*)\s*\(\s*0\s*\)\s*=(?!=)\s*(.*)$/.exec(text);
    let def: DosingDef;
    if (item) {
      const key = item[1]!.toUpperCase();
      const kind: DosingItem = key === 'R' ? 'RATE' : key === 'D' ? 'DUR' : key as DosingItem;
      const exprOffset = offset + text.length - item[3]!.length;
      def = {
        item: kind, compartment: item[2]!, expression: item[3]!.trim(),
        at: { line: line.n, column: offset + text.indexOf(item[2]!, item[1]!.length) + 1 },
        expressionAt: { line: line.n, column: exprOffset + 1 },
      };
    } else if (init) {
      const exprOffset = offset + text.length - init[2]!.length;
      def = {
        item: 'INIT', compartment: init[1]!, expression: init[2]!.trim(),
        at: { line: line.n, column: offset + 1 }, expressionAt: { line: line.n, column: exprOffset + 1 },
      };
    } else {
      throw this.error(`expected 'F(cmt) = …', 'ALAG(cmt) = …', 'RATE(cmt) = …', 'DUR(cmt) = …' or 'cmt(0) = …' in dosing`, line.n, offset);
    }
    if (def.expression === '') throw this.error(`an expression is missing`, line.n, def.expressionAt!.column - 1);
    this.dosing.push(def);
  }

  private readObserve(text: string, offset: number, line: Line): void {
    const other = /^otherwise\s+(\S+)$/i.exec(text);
    if (other) {
      const what = other[1]!.toLowerCase();
      if (what !== 'ignore' && what !== 'error') throw this.error(`'otherwise' takes 'ignore' or 'error', not '${other[1]}'`, line.n, offset + text.indexOf(other[1]!));
      this.otherwise = what;
      this.otherwiseAt = { line: line.n, column: offset + 1 };
      return;
    }
    const rule = /^(DV|log\s*\(\s*DV\s*\))\s*~\s*(.*)$/.exec(text);
    if (!rule) {
      this.observeStatements.push(this.readStatement(text, offset, line, 'observe'));
      return;
    }
    const logDV = rule[1] !== 'DV';
    let rhs = rule[2]!;
    let rhsOffset = offset + text.length - rhs.length;
    const lead = rhs.length - rhs.trimStart().length;
    rhs = rhs.trim();
    rhsOffset += lead;
    let when: string | undefined;
    let whenAt: SourceLocation | undefined;
    const ifAt = findTopLevelWord(rhs, 'if');
    if (ifAt >= 0) {
      when = rhs.slice(ifAt + 2).trim();
      whenAt = { line: line.n, column: rhsOffset + ifAt + 2 + (rhs.slice(ifAt + 2).length - rhs.slice(ifAt + 2).trimStart().length) + 1 };
      if (when === '') throw this.error(`a condition is missing after 'if'`, line.n, rhsOffset + ifAt + 2);
      rhs = rhs.slice(0, ifAt).trim();
    }
    if (rhs === '') throw this.error(`an error model is missing after '~' (e.g. 'DV ~ proportional(CP, eps_prop)')`, line.n, rhsOffset);
    const error = parseErrorModel(rhs, logDV, { file: this.file ?? '<model>', line: line.n, offset: rhsOffset });
    this.rules.push({
      error, when, whenAt,
      at: { line: line.n, column: offset + 1 }, errorAt: { line: line.n, column: rhsOffset + 1 },
    });
  }

  private build(): Model {
    let structure: Structure = this.structure ?? { kind: 'none' };
    if (this.seenSingle.has('odes')) {
      if (this.odeEquations.length === 0) throw this.error(`the odes section has no equations 'd/dt(compartment) = …'`, this.odeAt!.line);
      const compartments = this.odeCompartments ?? this.odeEquations.map((e) => e.compartment);
      structure = { kind: 'odes', compartments, equations: this.odeEquations, at: this.odeAt };
    }
    const file = this.file;
    const name = this.name ?? (this.file !== undefined ? fileStem(this.file) : 'model');
    return {
      name,
      description: this.description,
      file,
      dataPath: this.dataPath,
      dataFile: this.dataPath === undefined ? undefined : joinPath(this.baseDir ?? (file !== undefined ? directoryOf(file) : ''), this.dataPath),
      dataColumns: this.dataColumns,
      covariates: this.covariates,
      timeVarying: this.timeVarying,
      theta: this.theta,
      omega: this.omega,
      sigma: this.sigma,
      individual: this.individual,
      effects: this.effects,
      structure,
      dosing: this.dosing,
      observe: { statements: this.observeStatements, rules: this.rules, otherwise: this.otherwise, otherwiseAt: this.otherwiseAt },
    };
  }
}

function firstNonBlank(code: string): number {
  return code.length - code.trimStart().length;
}

function lowerTriangleExample(names: readonly string[]): string {
  const cells: string[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = 0; j <= i; j++) cells.push(i === j ? `var(${names[i]})` : `cov(${names[i]},${names[j]})`);
  }
  return cells.join(', ');
}
