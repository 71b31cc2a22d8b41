import type { StageContext, StageInputs } from '../../../src/definition/types';
import { inputOf, numberParam } from '../phase-io';
import type { CorrelationsOutput } from './correlations';
import type { RelationshipsOutput } from './relationships';

/**
 * Phase `topology`: the graph of tables linked by foreign keys — each
 * table's in/out degree, the connected components and the hubs — and, within
 * tables, the clusters of strongly correlated columns. Plain TypeScript
 * (union-find).
 */

/** Degrees of one table in the foreign-key graph. */
export interface TableDegree {
  readonly name: string;
  /** Foreign keys pointing at the table. */
  readonly inDegree: number;
  /** Foreign keys of the table pointing elsewhere. */
  readonly outDegree: number;
  /** Distinct tables it is linked to. */
  readonly neighbours: number;
}

/** Output of `topology`. */
export interface TopologyOutput {
  /** Degrees by table, in relationships order. */
  readonly tables: readonly TableDegree[];
  /** Connected components (tables sorted), largest first. */
  readonly components: readonly (readonly string[])[];
  /** Tables linked to at least `minHubNeighbours` others, most linked first. */
  readonly hubs: readonly string[];
  /** Groups of columns of one table linked by strong correlations. */
  readonly correlationClusters: readonly { readonly table: string; readonly columns: readonly string[] }[];
}

/** Connected components of an undirected graph, each sorted, largest first (then by first name). */
export function components(nodes: readonly string[], edges: readonly (readonly [string, string])[]): string[][] {
  const parent = new Map(nodes.map((n) => [n, n]));
  const find = (n: string): string => {
    let r = n;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(n, r);
    return r;
  };
  for (const [a, b] of edges) parent.set(find(a), find(b));
  const groups = new Map<string, string[]>();
  for (const n of nodes) {
    const r = find(n);
    groups.set(r, [...(groups.get(r) ?? []), n]);
  }
  return [...groups.values()].map((g) => g.sort()).sort((a, b) => b.length - a.length || (a[0] < b[0] ? -1 : 1));
}

/** Params: `minCorrelation` (|r| that links columns, default 0.7), `minCramersV` (default 0.5), `minHubNeighbours` (default 2). */
export async function run(ctx: StageContext, inputs: StageInputs): Promise<TopologyOutput> {
  const rel = inputOf<RelationshipsOutput>(inputs, 'relationships');
  const corr = inputOf<CorrelationsOutput>(inputs, 'correlations');
  const minR = numberParam(ctx.params, 'minCorrelation', 0.7, 0, 1);
  const minV = numberParam(ctx.params, 'minCramersV', 0.5, 0, 1);
  const minHub = numberParam(ctx.params, 'minHubNeighbours', 2, 1);
  const edges = rel.foreignKeys.map((fk) => [fk.from.table, fk.to.table] as const).filter(([a, b]) => a !== b);
  const tables = rel.tables.map((name) => ({
    name,
    inDegree: rel.foreignKeys.filter((fk) => fk.to.table === name).length,
    outDegree: rel.foreignKeys.filter((fk) => fk.from.table === name).length,
    neighbours: new Set(edges.filter((e) => e.includes(name)).map(([a, b]) => (a === name ? b : a))).size,
  }));
  ctx.progress(1, 2, 'table graph');
  const correlationClusters: { table: string; columns: string[] }[] = [];
  for (const t of corr.tables) {
    const strong = [
      ...t.numeric.filter((p) => Math.abs(p.pearson ?? 0) >= minR || Math.abs(p.spearman ?? 0) >= minR),
      ...t.categorical.filter((p) => (p.cramersV ?? 0) >= minV),
    ].map((p) => [p.a, p.b] as const);
    const nodes = [...new Set(strong.flat())];
    for (const c of components(nodes, strong)) if (c.length > 1) correlationClusters.push({ table: t.name, columns: c });
  }
  ctx.progress(2, 2, 'correlation clusters');
  return {
    tables,
    components: components(rel.tables, edges),
    hubs: tables.filter((t) => t.neighbours >= minHub).sort((a, b) => b.neighbours - a.neighbours || (a.name < b.name ? -1 : 1)).map((t) => t.name),
    correlationClusters,
  };
}
