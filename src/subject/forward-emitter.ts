/**
 * Generates straight-line JavaScript that evaluates a list of assignments and, optionally,
 * their total derivatives with respect to the etas by forward propagation:
 *
 *   d(x_k)/dη_e = Σ_s ∂expr_k/∂s · ds/dη_e
 *
 * over the symbols s that expr_k reads and that depend on η (etas themselves, earlier
 * assignments, compartment amounts whose derivatives are supplied). The partials ∂expr/∂s
 * are symbolic (src/subject/derivative.ts); a partial without a symbolic rule is replaced by a
 * central difference of the expression in s, emitted inline (no closures, no allocation).
 */
import type { MathNode } from 'mathjs';
import { emitJs, numberLiteral } from './codegen.js';
import { differentiate } from './derivative.js';

/** A symbol readable by the generated code. */
export interface EmitSymbol {
  /** JavaScript reading its value. */
  readonly js: string;
  /** Etas (indices) its value depends on; empty for constants with respect to η. */
  readonly etaDeps: ReadonlySet<number>;
  /** JavaScript reading dsymbol/dη_e (only called for e in etaDeps). */
  readonly derivative?: (e: number) => string;
}

/** Counts of how partials were obtained, for tests and reports. */
export interface DerivativeStats {
  symbolic: number;
  finiteDifference: number;
}

/** Accumulates the lines of one generated function. */
export class ForwardEmitter {
  readonly lines: string[] = [];
  private counter = 0;

  constructor(
    private readonly symbols: Map<string, EmitSymbol>,
    private readonly nEta: number,
    readonly stats: DerivativeStats = { symbolic: 0, finiteDifference: 0 },
  ) {}

  /** A fresh local variable name. */
  local(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }

  resolve = (name: string): string => {
    const s = this.symbols.get(name);
    if (s === undefined) throw new Error(`internal: symbol ${name} has no binding`);
    return s.js;
  };

  /** JavaScript for the value of `node`. */
  value(node: MathNode): string {
    return emitJs(node, this.resolve);
  }

  /** Etas `node` depends on, through the symbols it reads. */
  etaDeps(node: MathNode): Set<number> {
    const deps = new Set<number>();
    node.traverse((n: MathNode, path: string) => {
      if (n.type === 'SymbolNode' && path !== 'fn') {
        const s = this.symbols.get((n as unknown as { name: string }).name);
        if (s !== undefined) for (const e of s.etaDeps) deps.add(e);
      }
    });
    return deps;
  }

  /**
   * Emit locals holding ∂node/∂η_e for every eta `node` depends on; returns a map e → JS
   * reading the derivative (absent = 0).
   */
  derivatives(node: MathNode): Map<number, string> {
    const used: string[] = [];
    node.traverse((n: MathNode, path: string) => {
      if (n.type === 'SymbolNode' && path !== 'fn') {
        const name = (n as unknown as { name: string }).name;
        const s = this.symbols.get(name);
        if (s !== undefined && s.etaDeps.size > 0 && !used.includes(name)) used.push(name);
      }
    });
    const terms = new Map<number, string[]>();
    for (const name of used) {
      const s = this.symbols.get(name)!;
      const partial = this.partial(node, name);
      if (partial === undefined) continue;
      for (const e of s.etaDeps) {
        const ds = s.derivative?.(e) ?? '1';
        const list = terms.get(e) ?? [];
        list.push(ds === '1' ? partial : `${partial} * ${ds}`);
        terms.set(e, list);
      }
    }
    const out = new Map<number, string>();
    for (let e = 0; e < this.nEta; e++) {
      const list = terms.get(e);
      if (list === undefined) continue;
      const d = this.local('d');
      this.lines.push(`const ${d} = ${list.join(' + ')};`);
      out.set(e, d);
    }
    return out;
  }

  /** A local holding ∂node/∂name (undefined when identically 0). */
  private partial(node: MathNode, name: string): string | undefined {
    let symbolic: MathNode | undefined;
    try {
      symbolic = differentiate(node, name);
    } catch {
      symbolic = undefined;
    }
    const p = this.local('p');
    if (symbolic !== undefined) {
      const n = symbolic as unknown as { type: string; value?: unknown };
      if (n.type === 'ConstantNode' && n.value === 0) return undefined;
      this.stats.symbolic++;
      this.lines.push(`const ${p} = ${this.value(symbolic)};`);
      return p;
    }
    // Central difference in `name`, step relative to its magnitude.
    this.stats.finiteDifference++;
    const x0 = this.local('x'), hx = this.local('h');
    this.lines.push(`const ${x0} = ${this.resolve(name)};`);
    this.lines.push(`const ${hx} = ${numberLiteral(1e-6)} * Math.max(1, Math.abs(${x0}));`);
    const shifted = (sign: string): string => emitJs(node, (s) => (s === name ? `(${x0} ${sign} ${hx})` : this.resolve(s)));
    this.lines.push(`const ${p} = (${shifted('+')} - ${shifted('-')}) / (2 * ${hx});`);
    return p;
  }
}
