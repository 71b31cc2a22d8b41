import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { StageDefinition } from '../../src/definition/types';
import { compilePipeline } from '../../src/plan/compile';
import { runToEnd, Timeline } from '../run/fixtures';

/**
 * The scheduler through the real run loop: random DAGs whose stages sleep a
 * random time on the manual clock (0 ms: an immediate async stage).
 */

interface RandomDag {
  /** Stage ids, in definition order. */
  readonly ids: string[];
  /** Deps by stage id (always lower-numbered stages, so acyclic). */
  readonly deps: Record<string, string[]>;
  /** Sleep of each stage, ms. */
  readonly durations: Record<string, number>;
}

const dags = (maxDurationMs: number): fc.Arbitrary<RandomDag> =>
  fc.integer({ min: 1, max: 10 }).chain((n) =>
    fc
      .record({
        edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 2 * n }),
        durations: fc.array(fc.integer({ min: 0, max: maxDurationMs }), { minLength: n, maxLength: n }),
      })
      .map(({ edges, durations }) => {
        const ids = Array.from({ length: n }, (_, i) => `s${i}`);
        const deps: Record<string, string[]> = Object.fromEntries(ids.map((id) => [id, [] as string[]]));
        for (const [a, b] of edges) {
          const [lo, hi] = [Math.min(a, b), Math.max(a, b)];
          if (lo !== hi && !deps[`s${hi}`].includes(`s${lo}`)) deps[`s${hi}`].push(`s${lo}`);
        }
        return { ids, deps, durations: Object.fromEntries(ids.map((id, i) => [id, durations[i]])) };
      }),
  );

async function runDag(dag: RandomDag, maxParallel: number) {
  const t = new Timeline();
  const stages = dag.ids.map((id): StageDefinition => ({ id, deps: dag.deps[id], run: t.stage(dag.durations[id], id) }));
  const { result } = await runToEnd(compilePipeline({ name: 'random', maxParallel, stages }));
  return { t, result };
}

/** Where each stage started and ended: times (ms from T0) and positions in the mark list. */
function positions(t: Timeline) {
  const at: Record<string, { start: number; end: number; startIndex: number; endIndex: number }> = {};
  t.marks.forEach(([time, what, id], index) => {
    at[id] ??= { start: -1, end: -1, startIndex: -1, endIndex: -1 };
    if (what === 'start') Object.assign(at[id], { start: time, startIndex: index });
    else Object.assign(at[id], { end: time, endIndex: index });
  });
  return at;
}

/** Earliest possible start of every stage with unlimited parallelism. */
function earliestStarts(dag: RandomDag): Record<string, number> {
  const start: Record<string, number> = {};
  for (const id of dag.ids) start[id] = Math.max(0, ...dag.deps[id].map((d) => start[d] + dag.durations[d]));
  return start;
}

describe('Scheduler (property, through runPipeline)', () => {
  describe('when any DAG runs under any maxParallel', () => {
    it('starts every stage after all its deps ended and never exceeds maxParallel', async () => {
      await fc.assert(
        fc.asyncProperty(dags(50), fc.integer({ min: 1, max: 4 }), async (dag, maxParallel) => {
          const { t, result } = await runDag(dag, maxParallel);
          assert.equal(result.status, 'SUCCEEDED');
          const at = positions(t);
          assert.deepEqual(Object.keys(at).sort(), [...dag.ids].sort());
          for (const id of dag.ids) {
            for (const dep of dag.deps[id]) {
              assert.ok(at[dep].endIndex < at[id].startIndex, `${id} started before ${dep} ended`);
              assert.ok(at[dep].end <= at[id].start);
            }
          }
          assert.ok(t.peak <= maxParallel, `peak ${t.peak} > maxParallel ${maxParallel}`);
        }),
        { numRuns: 60 },
      );
    });

    it('respects dependencies with immediate async stages too', async () => {
      await fc.assert(
        fc.asyncProperty(dags(0), fc.integer({ min: 1, max: 4 }), async (dag, maxParallel) => {
          const { t } = await runDag(dag, maxParallel);
          const at = positions(t);
          for (const id of dag.ids) for (const dep of dag.deps[id]) assert.ok(at[dep].endIndex < at[id].startIndex);
          assert.ok(t.peak <= maxParallel);
        }),
        { numRuns: 60 },
      );
    });
  });

  describe('when maxParallel is at least the number of stages', () => {
    it('starts every stage as soon as its deps end, so independent stages overlap and the run lasts its critical path', async () => {
      await fc.assert(
        fc.asyncProperty(dags(50), async (dag) => {
          const { t, result } = await runDag(dag, dag.ids.length);
          const at = positions(t);
          const earliest = earliestStarts(dag);
          for (const id of dag.ids) assert.equal(at[id].start, earliest[id], `${id} started late`);
          const criticalPath = Math.max(...dag.ids.map((id) => earliest[id] + dag.durations[id]));
          assert.equal(result.metrics.durationMs, criticalPath);
          // Roots that take time all run at once from 0 ms.
          const slowRoots = dag.ids.filter((id) => dag.deps[id].length === 0 && dag.durations[id] > 0);
          assert.ok(t.peak >= slowRoots.length, `peak ${t.peak} < ${slowRoots.length} slow roots`);
        }),
        { numRuns: 60 },
      );
    });
  });
});
