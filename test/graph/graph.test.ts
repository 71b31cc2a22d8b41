import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hasErrorCode } from '../../src/errors';
import { downstreamOf, findCycle, findCycles, topologicalOrder, upstreamOf, type DependencyGraph } from '../../src/graph/graph';

/** A random graph: edges only from a higher to a lower index (a DAG), plus optional back edges that may close cycles; ids defined in shuffled order. */
const graphs = (opts: { backEdges: number }): fc.Arbitrary<DependencyGraph> =>
  fc.integer({ min: 1, max: 12 }).chain((n) =>
    fc
      .record({
        edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 3 * n }),
        back: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: opts.backEdges }),
        order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
      })
      .map(({ edges, back, order }) => {
        const deps: Record<string, string[]> = {};
        for (let i = 0; i < n; i++) deps[`s${i}`] = [];
        for (const [a, b] of edges) {
          if (a !== b) deps[`s${Math.max(a, b)}`].push(`s${Math.min(a, b)}`);
        }
        for (const [a, b] of back) deps[`s${Math.min(a, b)}`].push(`s${Math.max(a, b)}`);
        return { ids: order.map((i) => `s${i}`), deps };
      }),
  );

/** Reference: Kahn's algorithm; the graph has a cycle iff some node is never freed. */
function hasCycleReference(g: DependencyGraph): boolean {
  const placed = new Set<string>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const id of g.ids) {
      if (!placed.has(id) && (g.deps[id] ?? []).every((d) => placed.has(d))) {
        placed.add(id);
        progress = true;
      }
    }
  }
  return placed.size < g.ids.length;
}

/** Reference for the stable order: repeatedly take the first-defined node whose deps are all placed. */
function stableOrderReference(g: DependencyGraph): string[] {
  const placed: string[] = [];
  while (placed.length < g.ids.length) {
    const next = g.ids.find((id) => !placed.includes(id) && (g.deps[id] ?? []).every((d) => placed.includes(d)));
    if (next === undefined) throw new Error('cycle');
    placed.push(next);
  }
  return placed;
}

/** Reference closure by breadth-first search over an edge function. */
function bfs(g: DependencyGraph, start: string[], next: (id: string) => readonly string[]): string[] {
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length > 0) {
    for (const n of next(queue.shift()!)) {
      if (!seen.has(n)) {
        seen.add(n);
        queue.push(n);
      }
    }
  }
  return g.ids.filter((id) => seen.has(id));
}

function isRealCycle(g: DependencyGraph, path: string[]): boolean {
  if (path.length < 2 || path[0] !== path[path.length - 1]) return false;
  const inner = path.slice(0, -1);
  if (new Set(inner).size !== inner.length) return false;
  return path.slice(1).every((to, i) => (g.deps[path[i]] ?? []).includes(to));
}

describe('graph', () => {
  describe('topologicalOrder', () => {
    describe('when the graph has no edges', () => {
      it('keeps definition order', () => {
        assert.deepEqual(topologicalOrder({ ids: ['c', 'a', 'b'], deps: {} }), ['c', 'a', 'b']);
      });
    });

    describe('when several nodes are ready at once', () => {
      it('takes them in definition order', () => {
        const g = { ids: ['report', 'load', 'typing', 'stats', 'quality'], deps: { report: ['stats', 'quality'], typing: ['load'], stats: ['typing'], quality: ['typing'] } };
        assert.deepEqual(topologicalOrder(g), ['load', 'typing', 'stats', 'quality', 'report']);
      });
    });

    describe('when deps name unknown ids or repeat', () => {
      it('ignores them', () => {
        assert.deepEqual(topologicalOrder({ ids: ['b', 'a'], deps: { b: ['a', 'a', 'ghost'] } }), ['a', 'b']);
      });
    });

    describe('when the graph has a cycle', () => {
      it('throws PLAN_CYCLE with the cycle path', () => {
        assert.throws(
          () => topologicalOrder({ ids: ['a', 'b', 'c', 'e'], deps: { a: ['b', 'c'], c: ['e'], e: ['a'] } }),
          (e: unknown) => hasErrorCode(e, 'PLAN_CYCLE') && e.message === 'The dependencies form a cycle: a -> c -> e -> a' && JSON.stringify(e.data.cycle) === '["a","c","e","a"]',
        );
      });
    });

    describe('when the graph is a random DAG', () => {
      it('places every node after all of its deps, in the stable order', () => {
        fc.assert(
          fc.property(graphs({ backEdges: 0 }), (g) => {
            const order = topologicalOrder(g);
            const position = new Map(order.map((id, i) => [id, i]));
            assert.equal(order.length, g.ids.length);
            for (const id of g.ids) for (const dep of g.deps[id] ?? []) assert.ok(position.get(dep)! < position.get(id)!);
            assert.deepEqual(order, stableOrderReference(g));
          }),
        );
      });
    });

    describe('when the graph is very deep', () => {
      it('orders a 20000-node chain without overflowing the stack', () => {
        const ids = Array.from({ length: 20000 }, (_, i) => `n${i}`);
        const deps = Object.fromEntries(ids.map((id, i) => [id, i === 0 ? [] : [ids[i - 1]]]));
        const order = topologicalOrder({ ids: [...ids].reverse(), deps });
        assert.deepEqual(order, ids);
        assert.equal(findCycle({ ids, deps }), null);
      });
    });
  });

  describe('findCycle', () => {
    describe('when the graph is acyclic', () => {
      it('returns null', () => {
        assert.equal(findCycle({ ids: ['a', 'b', 'c'], deps: { b: ['a'], c: ['a', 'b'] } }), null);
      });
    });

    describe('when there is a cycle', () => {
      it('returns the path from its first-defined node back to it', () => {
        assert.deepEqual(findCycle({ ids: ['a', 'b', 'c', 'e'], deps: { a: ['b', 'c'], c: ['e'], e: ['a'] } }), ['a', 'c', 'e', 'a']);
      });

      it('returns a shortest cycle through that node', () => {
        assert.deepEqual(findCycle({ ids: ['a', 'b', 'c', 'd'], deps: { a: ['b'], b: ['c'], c: ['a', 'd'], d: ['a'] } }), ['a', 'b', 'c', 'a']);
      });
    });

    describe('when a node depends on itself', () => {
      it('returns the one-node cycle', () => {
        assert.deepEqual(findCycle({ ids: ['x', 'y'], deps: { y: ['y'] } }), ['y', 'y']);
      });
    });

    describe('when the graph is random', () => {
      it('finds a cycle exactly when Kahn leaves nodes over, and the cycle is real', () => {
        fc.assert(
          fc.property(graphs({ backEdges: 2 }), (g) => {
            const cycle = findCycle(g);
            assert.equal(cycle !== null, hasCycleReference(g));
            if (cycle !== null) assert.ok(isRealCycle(g, cycle), `not a cycle: ${cycle.join(' -> ')}`);
          }),
        );
      });
    });
  });

  describe('findCycles', () => {
    describe('when there are two separate cycles', () => {
      it('returns one path for each, in definition order', () => {
        const g = { ids: ['p', 'a', 'b', 'x', 'y'], deps: { a: ['b'], b: ['a'], x: ['y'], y: ['x', 'p'] } };
        assert.deepEqual(findCycles(g), [['a', 'b', 'a'], ['x', 'y', 'x']]);
      });
    });

    describe('when the graph is random', () => {
      it('returns only real cycles, pairwise disjoint', () => {
        fc.assert(
          fc.property(graphs({ backEdges: 4 }), (g) => {
            const cycles = findCycles(g);
            const seen = new Set<string>();
            for (const cycle of cycles) {
              assert.ok(isRealCycle(g, cycle));
              for (const id of cycle.slice(0, -1)) {
                assert.ok(!seen.has(id));
                seen.add(id);
              }
            }
            assert.equal(cycles.length > 0, hasCycleReference(g));
          }),
        );
      });
    });
  });

  describe('upstreamOf', () => {
    const g = { ids: ['load', 'typing', 'stats', 'report', 'other'], deps: { typing: ['load'], stats: ['typing'], report: ['stats', 'typing'] } };

    describe('when given one node', () => {
      it('returns everything it needs, transitively, in definition order, without the node', () => {
        assert.deepEqual(upstreamOf(g, ['report']), ['load', 'typing', 'stats']);
      });
    });

    describe('when a start node is upstream of another', () => {
      it('includes it', () => {
        assert.deepEqual(upstreamOf(g, ['stats', 'typing']), ['load', 'typing']);
      });
    });

    describe('when the ids are unknown', () => {
      it('ignores them', () => {
        assert.deepEqual(upstreamOf(g, ['ghost']), []);
      });
    });

    describe('when the graph is random', () => {
      it('equals a reference breadth-first search', () => {
        fc.assert(
          fc.property(graphs({ backEdges: 2 }), fc.nat(), (g, seed) => {
            const start = [g.ids[seed % g.ids.length]];
            assert.deepEqual(upstreamOf(g, start), bfs(g, start, (id) => g.deps[id] ?? []));
          }),
        );
      });
    });
  });

  describe('downstreamOf', () => {
    const g = { ids: ['load', 'typing', 'stats', 'report', 'other'], deps: { typing: ['load'], stats: ['typing'], report: ['stats', 'typing'] } };

    describe('when given one node', () => {
      it('returns everything that needs it, transitively, without the node', () => {
        assert.deepEqual(downstreamOf(g, ['typing']), ['stats', 'report']);
      });
    });

    describe('when the graph is random', () => {
      it('equals a reference breadth-first search', () => {
        fc.assert(
          fc.property(graphs({ backEdges: 2 }), fc.nat(), fc.nat(), (g, s1, s2) => {
            const start = [g.ids[s1 % g.ids.length], g.ids[s2 % g.ids.length]];
            const dependents = (id: string) => g.ids.filter((other) => (g.deps[other] ?? []).includes(id));
            assert.deepEqual(downstreamOf(g, start), bfs(g, start, dependents));
          }),
        );
      });
    });
  });
});
