/**
 * A fill-reducing elimination order for the sparse part of the random-effects Cholesky
 * factor: the minimum degree algorithm (Tinney & Walker 1967; George & Liu 1989, "The
 * evolution of the minimum degree ordering algorithm", SIAM Review 31:1) on the explicit
 * elimination graph stored as bit sets, with two of its classical refinements: nodes that
 * become indistinguishable (same neighbours) are merged into supervariables and eliminated
 * together ("mass elimination"), and nodes are chosen by external degree, the number of
 * neighbours outside their own supervariable (Liu 1985, ACM TOMS 11:141; as in AMD,
 * Amestoy, Davis & Duff 1996, SIAM J Matrix Anal Appl 17:886).
 *
 * The graphs popkit orders are the crossed grouping factors after the first one (e.g. the
 * 1,156 lecturer and department:service levels of InstEval): a few thousand nodes at most,
 * for which explicit bit-set elimination is fast and exact. The neighbours of a node when
 * it is eliminated are exactly the below-diagonal structure of its column of L.
 */

/** The result of ordering: elimination order and the factor's column structures. */
export interface EliminationOrder {
  /** order[k] = node eliminated k-th. */
  readonly order: Int32Array;
  /** position[v] = step at which node v is eliminated. */
  readonly position: Int32Array;
  /**
   * structure[k] = positions (ascending, all > k) of the nodes adjacent to the k-th
   * eliminated node at its elimination: the below-diagonal pattern of column k of L.
   */
  readonly structure: readonly Int32Array[];
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Groups of nodes that are pairwise adjacent: nodes[ptr[c] .. ptr[c+1]) for clique c. */
export interface Cliques {
  readonly ptr: Int32Array;
  readonly nodes: Int32Array;
}

/**
 * Minimum (external) degree order of the graph on `n` nodes whose edges are the pairs
 * (`edges[2k]`, `edges[2k+1]`) and the cliques (duplicates and self-loops are ignored).
 * With `natural: true` the nodes are eliminated in index order. Deterministic: ties go to
 * the smaller node index.
 */
export function minimumDegreeOrder(n: number, edges: Int32Array, cliques?: Cliques, natural = false): EliminationOrder {
  const words = (n + 31) >>> 5;
  const adj = new Uint32Array(n * words);
  const link = (a: number, b: number): void => {
    if (a === b) return;
    adj[a * words + (b >>> 5)] |= 1 << (b & 31);
    adj[b * words + (a >>> 5)] |= 1 << (a & 31);
  };
  for (let e = 0; e < edges.length; e += 2) link(edges[e], edges[e + 1]);
  if (cliques) {
    const { ptr, nodes } = cliques;
    for (let c = 0; c + 1 < ptr.length; c++) {
      for (let a = ptr[c] + 1; a < ptr[c + 1]; a++) for (let b = ptr[c]; b < a; b++) link(nodes[a], nodes[b]);
    }
  }
  const weight = new Int32Array(n).fill(1);
  const members: number[][] = Array.from({ length: n }, (_, v) => [v]);
  const alive = new Uint8Array(n).fill(1);
  const degree = new Float64Array(n);
  // Supervariables of weight > 1, so that external degree = popcount + Σ (weight − 1) over them.
  const heavy = new Uint32Array(words);
  const bitsOf = (v: number, out: Int32Array): number => {
    let cnt = 0;
    const base = v * words;
    for (let w = 0; w < words; w++) {
      let bits = adj[base + w];
      while (bits !== 0) {
        const low = bits & -bits;
        out[cnt++] = (w << 5) + (31 - Math.clz32(low));
        bits ^= low;
      }
    }
    return cnt;
  };
  const externalDegree = (v: number): number => {
    const base = v * words;
    let d = 0;
    for (let w = 0; w < words; w++) {
      const bits = adj[base + w];
      if (bits === 0) continue;
      d += popcount32(bits);
      let hb = bits & heavy[w];
      while (hb !== 0) {
        const low = hb & -hb;
        d += weight[(w << 5) + (31 - Math.clz32(low))] - 1;
        hb ^= low;
      }
    }
    return d;
  };
  for (let v = 0; v < n; v++) degree[v] = externalDegree(v);

  const order = new Int32Array(n);
  const position = new Int32Array(n);
  // For each eliminated supervariable: neighbour principals and their member counts then.
  const structNodes: number[][] = new Array(n);
  const nbr = new Int32Array(n);
  const tagged = new Uint8Array(n);
  const touched: number[] = [];
  let k = 0;
  // Multiple elimination (Liu 1985): each pass eliminates every node of minimum degree that
  // is not adjacent to a node eliminated earlier in the pass; degrees are updated after it.
  while (k < n) {
    let minDeg = Infinity;
    if (!natural) for (let u = 0; u < n; u++) if (alive[u] && degree[u] < minDeg) minDeg = degree[u];
    touched.length = 0;
    for (let v = 0; v < n && k < n; v++) {
      if (!alive[v] || tagged[v]) continue;
      if (natural ? touched.length > 0 : degree[v] > minDeg) continue;
      alive[v] = 0;
      const cnt = bitsOf(v, nbr);
      const below: number[] = [];
      for (let c = 0; c < cnt; c++) {
        const u = nbr[c];
        const mu = members[u];
        for (let t = 0; t < weight[u]; t++) below.push(mu[t]);
      }
      // Members of v are eliminated consecutively; each one's structure is the later
      // members of v and the neighbours' members at this moment.
      const mv = members[v];
      for (let t = 0; t < mv.length; t++) {
        const node = mv[t];
        order[k] = node;
        position[node] = k;
        structNodes[k] = [...mv.slice(t + 1), ...below];
        k++;
      }
      // Join the neighbours into a clique and remove v.
      const base = v * words;
      for (let c = 0; c < cnt; c++) {
        const u = nbr[c];
        const ub = u * words;
        for (let w = 0; w < words; w++) adj[ub + w] |= adj[base + w];
        adj[ub + (u >>> 5)] &= ~(1 << (u & 31));
        adj[ub + (v >>> 5)] &= ~(1 << (v & 31));
        if (!tagged[u]) { tagged[u] = 1; touched.push(u); }
      }
      if (natural) touched.push(v);
    }
    // Mass elimination: touched nodes with identical closed neighbourhoods merge.
    const list = Int32Array.from(touched.filter((u) => alive[u]));
    if (!natural && list.length > 1) mergeIndistinguishable(list, list.length, adj, words, weight, members, alive, heavy);
    for (const u of touched) {
      tagged[u] = 0;
      if (alive[u]) degree[u] = externalDegree(u);
    }
  }
  const structure = structNodes.map((nodes) => {
    const s = Int32Array.from(nodes, (u) => position[u]);
    s.sort();
    return s;
  });
  return { order, position, structure };
}

/**
 * Among the nodes nbr[0..cnt), merges those whose closed neighbourhoods (adjacency plus
 * the node itself) are equal: the later node joins the earlier one's supervariable and
 * disappears from the graph.
 */
function mergeIndistinguishable(
  nbr: Int32Array, cnt: number, adj: Uint32Array, words: number, weight: Int32Array,
  members: number[][], alive: Uint8Array, heavy: Uint32Array,
): void {
  const hashes = new Map<number, number[]>();
  for (let c = 0; c < cnt; c++) {
    const u = nbr[c];
    if (!alive[u]) continue;
    const ub = u * words;
    let h = 0;
    for (let w = 0; w < words; w++) {
      let bits = adj[ub + w];
      if (w === u >>> 5) bits |= 1 << (u & 31);
      h = (Math.imul(h, 31) + bits) | 0;
    }
    const list = hashes.get(h);
    if (!list) { hashes.set(h, [u]); continue; }
    let merged = false;
    for (const r of list) {
      if (sameClosedNeighbourhood(r, u, adj, words)) {
        // u joins r: its members follow r's; u leaves every adjacency set.
        for (const m of members[u].slice(0, weight[u])) members[r].push(m);
        weight[r] += weight[u];
        heavy[r >>> 5] |= 1 << (r & 31);
        heavy[u >>> 5] &= ~(1 << (u & 31));
        alive[u] = 0;
        const rb = r * words;
        adj[rb + (u >>> 5)] &= ~(1 << (u & 31));
        const ub2 = u * words;
        for (let w = 0; w < words; w++) {
          let bits = adj[ub2 + w];
          while (bits !== 0) {
            const low = bits & -bits;
            const x = (w << 5) + (31 - Math.clz32(low));
            adj[x * words + (u >>> 5)] &= ~(1 << (u & 31));
            bits ^= low;
          }
          adj[ub2 + w] = 0;
        }
        merged = true;
        break;
      }
    }
    if (!merged) list.push(u);
  }
}

function sameClosedNeighbourhood(a: number, b: number, adj: Uint32Array, words: number): boolean {
  const ab = a * words;
  const bb = b * words;
  for (let w = 0; w < words; w++) {
    let x = adj[ab + w];
    let y = adj[bb + w];
    if (w === a >>> 5) x |= 1 << (a & 31);
    if (w === b >>> 5) y |= 1 << (b & 31);
    if (x !== y) return false;
  }
  return true;
}
