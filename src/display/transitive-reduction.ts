/**
 * The transitive reduction of a DAG: an edge `dep -> stage` is *implied*
 * when another dep of the stage already depends on `dep`, directly or
 * through a longer path; the drawing hides implied edges because the path
 * already shows the order. Ancestor sets are bitsets filled in one pass over
 * a topological order, so the reduction costs O(V * E / 32) word operations
 * (a few ms for 500 stages). graphlib (dagre's graph library) has no
 * transitive reduction, hence this small module.
 */

/** A directed edge from a dep to the stage that needs it. */
export interface DagEdge {
  readonly from: string;
  readonly to: string;
}

/** The edges of a DAG split into those drawn and those implied by a longer path. */
export interface ReducedEdges {
  /** Edges no longer path implies, by stage in the given order, deps in declared order. */
  readonly kept: readonly DagEdge[];
  /** Edges a longer path implies, in the same order. */
  readonly implied: readonly DagEdge[];
}

/**
 * Splits the edges of a DAG into kept and implied ones. `order` must be
 * topological (every dep before the stages that need it, as a plan's order
 * is); deps not in `order` are ignored.
 */
export function transitiveReduction(order: readonly string[], depsOf: (id: string) => readonly string[]): ReducedEdges {
  const index = new Map<string, number>();
  order.forEach((id, i) => index.set(id, i));
  const words = Math.ceil(order.length / 32);
  // ancestors[i]: every stage stage i depends on, directly or not.
  const ancestors: Uint32Array[] = [];
  const has = (set: Uint32Array, i: number) => (set[i >>> 5] & (1 << (i & 31))) !== 0;
  const kept: DagEdge[] = [];
  const implied: DagEdge[] = [];
  for (const id of order) {
    const deps = [...new Set(depsOf(id))].filter((d) => {
      const i = index.get(d);
      return i !== undefined && i < ancestors.length;
    });
    const set = new Uint32Array(words);
    for (const dep of deps) {
      const d = index.get(dep) as number;
      const above = ancestors[d];
      for (let w = 0; w < words; w++) set[w] |= above[w];
      set[d >>> 5] |= 1 << (d & 31);
    }
    for (const dep of deps) {
      const d = index.get(dep) as number;
      const viaOther = deps.some((other) => other !== dep && has(ancestors[index.get(other) as number], d));
      (viaOther ? implied : kept).push({ from: dep, to: id });
    }
    ancestors.push(set);
  }
  return { kept, implied };
}
