import assert from 'node:assert/strict';
import { compilePipeline } from '../../src/plan/compile';
import type { CompiledPipeline } from '../../src/plan/plan';
import { outcomes, runToEnd } from './fixtures';

/** `up` returns structured data; `down` says what it received, and returns a Map of its own. */
function pipeline(seen: unknown[]): CompiledPipeline {
  return compilePipeline({
    name: 'typed',
    stages: [
      {
        id: 'up',
        run: () => ({
          byId: new Map([['a', { at: new Date(86_400_000), total: 12n }]]),
          tags: new Set(['x']),
          bytes: new Uint16Array([1, 2]),
        }),
      },
      {
        id: 'down',
        deps: ['up'],
        run: (_ctx, inputs) => {
          seen.push(inputs.up);
          const up = inputs.up as { byId: Map<string, { total: bigint }> };
          return new Map([...up.byId].map(([id, v]) => [id, v.total * 2n]));
        },
      },
    ],
  });
}

const EXPECTED_UP = {
  byId: new Map([['a', { at: new Date(86_400_000), total: 12n }]]),
  tags: new Set(['x']),
  bytes: new Uint16Array([1, 2]),
};

describe('runPipeline (structured outputs)', () => {
  describe('when a stage returns a Map, a Set, a Date, a BigInt and a typed array', () => {
    it('hands them to its dependent with their types, and stores them so', async () => {
      const seen: unknown[] = [];
      const { result, store } = await runToEnd(pipeline(seen));
      assert.equal(result.status, 'SUCCEEDED');
      assert.deepStrictEqual(seen, [EXPECTED_UP]);
      assert.deepStrictEqual(await store.getOutput(result.outputHashes.up), EXPECTED_UP);
      assert.deepStrictEqual(await store.getOutput(result.outputHashes.down), new Map([['a', 24n]]));
    });
  });

  describe('when the upstream is restored from cache and the dependent runs again', () => {
    it('hands the dependent the stored value with its types', async () => {
      const seen: unknown[] = [];
      const first = await runToEnd(pipeline(seen));
      const second = await runToEnd(pipeline(seen), { store: first.store, clock: first.clock, runId: 'run-2', force: ['down'] });
      assert.deepEqual(outcomes(second.result, ['up', 'down']), [
        ['up', 'CACHED', 'up to date'],
        ['down', 'SUCCEEDED', 'forced'],
      ]);
      assert.deepStrictEqual(seen, [EXPECTED_UP, EXPECTED_UP]);
      assert.ok(seen[1] !== seen[0], 'the second run read the stored output');
    });
  });

  describe('when a stage returns a value that cannot be stored', () => {
    it('fails the stage with OUTPUT_NOT_SERIALIZABLE naming the path, and blocks its dependent', async () => {
      const compiled = compilePipeline({
        name: 'unstorable',
        stages: [
          { id: 'rows', run: () => ({ rows: [{ id: 0 }, { id: 1 }, { id: 2 }, { id: 3, callback: () => 3 }] }) },
          { id: 'after', deps: ['rows'], run: () => 'never' },
        ],
      });
      const { result } = await runToEnd(compiled);
      assert.equal(result.status, 'FAILED');
      assert.equal(result.stages.rows.status, 'FAILED');
      assert.equal(result.stages.rows.error?.code, 'OUTPUT_NOT_SERIALIZABLE');
      assert.deepEqual(result.stages.rows.error?.data, { path: 'output.rows[3].callback', found: 'a function' });
      assert.equal(result.stages.after.status, 'BLOCKED');
    });
  });
});
