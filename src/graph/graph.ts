import { DagbookError } from '../errors';
import { PriorityQueue } from './priority-queue';

/**
 * Pure graph algorithms over stage dependencies. Edges point from a stage to
 * the stages it needs (`deps`). Deps naming ids that are not in `ids` are
 * ignored here: compile reports them.
 */

/** A dependency graph as plain data. */
export interface DependencyGraph {
  /** Node ids in definition order; the order breaks ties. */
  readonly ids: readonly string[];
  /** The ids each node needs; a missing entry means none. */
  readonly deps: Readonly<Record<string, readonly string[] | undefined>>;
}

interface Indexed {
  readonly ids: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** needs[i]: indices node i depends on (unique, in deps order). */
  readonly needs: readonly number[][];
  /** neededBy[i]: indices that depend on node i (unique, in definition order). */
  readonly neededBy: readonly number[][];
}

function indexGraph(graph: DependencyGraph): Indexed {
  const index = new Map<string, number>();
  const ids: string[] = [];
  for (const id of graph.ids) {
    if (!index.has(id)) {
      index.set(id, ids.length);
      ids.push(id);
    }
  }
  const needs: number[][] = ids.map(() => []);
  const neededBy: number[][] = ids.map(() => []);
  ids.forEach((id, i) => {
    const seen = new Set<number>();
    for (const dep of Object.prototype.hasOwnProperty.call(graph.deps, id) ? graph.deps[id] ?? [] : []) {
      const j = index.get(dep);
      if (j === undefined || seen.has(j)) continue;
      seen.add(j);
      needs[i].push(j);
      neededBy[j].push(i);
    }
  });
  return { ids, index, needs, neededBy };
}

/**
 * A topological order: every node after all of its deps. Stable: among nodes
 * ready at the same time, the one defined first comes first, so a graph
 * without edges keeps definition order.
 *
 * @throws DagbookError `PLAN_CYCLE` when the graph has a cycle (`data.cycle` holds the path).
 */
export function topologicalOrder(graph: DependencyGraph): string[] {
  const g = indexGraph(graph);
  const waiting = g.needs.map((n) => n.length);
  // Indices in definition order: the ready node defined first comes out first.
  const ready = new PriorityQueue<number>((a, b) => a < b);
  waiting.forEach((count, i) => {
    if (count === 0) ready.push(i);
  });
  const order: string[] = [];
  while (ready.size > 0) {
    const i = ready.pop() as number;
    order.push(g.ids[i]);
    for (const j of g.neededBy[i]) {
      if (--waiting[j] === 0) ready.push(j);
    }
  }
  if (order.length < g.ids.length) {
    const cycle = findCycle(graph) ?? [];
    throw new DagbookError('PLAN_CYCLE', `The dependencies form a cycle: ${formatCycle(cycle)}`, {
      data: { cycle },
    });
  }
  return order;
}

/** A cycle path as text: `a -> c -> e -> a`. */
export function formatCycle(cycle: readonly string[]): string {
  return cycle.join(' -> ');
}

/**
 * Every cycle worth reporting: one per strongly connected component that has
 * a cycle, ordered by the component's first-defined node. Each path starts and
 * ends at that node and follows deps edges (`['a','c','e','a']`: a needs c,
 * c needs e, e needs a); it is a shortest such cycle.
 */
export function findCycles(graph: DependencyGraph): string[][] {
  const g = indexGraph(graph);
  const component = stronglyConnectedComponents(g);
  const members = new Map<number, number[]>();
  component.forEach((c, i) => {
    const list = members.get(c);
    if (list) list.push(i);
    else members.set(c, [i]);
  });
  // Members are filled in index order, so a component's first member is its
  // first-defined node, and the map (insertion order) yields components by it.
  const cycles: string[][] = [];
  for (const [c, nodes] of members) {
    const start = nodes[0];
    const selfLoop = g.needs[start].includes(start);
    if (nodes.length === 1 && !selfLoop) continue;
    cycles.push(shortestCycle(g, start, (i) => component[i] === c));
  }
  return cycles;
}

/** The first cycle of {@link findCycles}, or null when the graph is acyclic. */
export function findCycle(graph: DependencyGraph): string[] | null {
  return findCycles(graph)[0] ?? null;
}

function shortestCycle(g: Indexed, start: number, inComponent: (i: number) => boolean): string[] {
  // Breadth-first along deps edges from `start` back to `start`.
  const parent = new Map<number, number>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const i = queue[head];
    for (const j of g.needs[i]) {
      if (j === start) {
        const walk: number[] = [];
        for (let k = i; k !== start; k = parent.get(k)!) walk.push(k);
        return [start, ...walk.reverse(), start].map((node) => g.ids[node]);
      }
      if (!inComponent(j) || parent.has(j)) continue;
      parent.set(j, i);
      queue.push(j);
    }
  }
  // Unreachable for a component with a cycle, which always leads back to its start.
  return [g.ids[start], g.ids[start]];
}

/** Tarjan's algorithm, iterative so deep graphs cannot overflow the stack. Returns a component number per node. */
function stronglyConnectedComponents(g: Indexed): number[] {
  const n = g.ids.length;
  const order = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const component = new Array<number>(n).fill(-1);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  let counter = 0;
  let components = 0;
  for (let root = 0; root < n; root++) {
    if (order[root] !== -1) continue;
    const frames: { node: number; next: number }[] = [{ node: root, next: 0 }];
    order[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      const v = frame.node;
      if (frame.next < g.needs[v].length) {
        const w = g.needs[v][frame.next++];
        if (order[w] === -1) {
          order[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          frames.push({ node: w, next: 0 });
        } else if (onStack[w]) {
          low[v] = Math.min(low[v], order[w]);
        }
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1].node;
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] === order[v]) {
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          component[w] = components;
        } while (w !== v);
        components++;
      }
    }
  }
  return component;
}

function closure(ids: readonly string[], start: readonly string[], next: (i: number) => readonly number[], index: ReadonlyMap<string, number>): string[] {
  const reached = new Array<boolean>(ids.length).fill(false);
  const queue: number[] = [];
  for (const id of start) {
    const i = index.get(id);
    if (i !== undefined) queue.push(i);
  }
  for (let head = 0; head < queue.length; head++) {
    for (const j of next(queue[head])) {
      if (!reached[j]) {
        reached[j] = true;
        queue.push(j);
      }
    }
  }
  return ids.filter((_, i) => reached[i]);
}

/**
 * Every node that the given nodes need, directly or transitively, in
 * definition order. A start node is included only when another start node
 * needs it (or it lies on a cycle). Unknown ids are ignored.
 */
export function upstreamOf(graph: DependencyGraph, ids: readonly string[]): string[] {
  const g = indexGraph(graph);
  return closure(g.ids, ids, (i) => g.needs[i], g.index);
}

/**
 * Every node that needs the given nodes, directly or transitively, in
 * definition order. A start node is included only when it needs another start
 * node (or it lies on a cycle). Unknown ids are ignored.
 */
export function downstreamOf(graph: DependencyGraph, ids: readonly string[]): string[] {
  const g = indexGraph(graph);
  return closure(g.ids, ids, (i) => g.neededBy[i], g.index);
}
