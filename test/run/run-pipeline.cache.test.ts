import assert from 'node:assert/strict';
import { NonRetryableError } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';
import type { CompiledPipeline } from '../../src/plan/plan';
import { outcomes, runToEnd, trail } from './fixtures';

/**
 * a (param k) -> b (only says whether a's output is positive) -> c, and
 * `apart` on its own: changing k changes a's output, but not b's.
 */
function pipeline(k: number, calls: string[] = []): CompiledPipeline {
  return compilePipeline({
    name: 'cached',
    stages: [
      { id: 'a', params: { k }, run: (ctx) => (calls.push('a'), Number(ctx.params.k) * 10) },
      { id: 'b', deps: ['a'], run: (_ctx, inputs) => (calls.push('b'), Number(inputs.a) > 0 ? 'positive' : 'not positive') },
      { id: 'c', deps: ['b'], run: (_ctx, inputs) => (calls.push('c'), `${String(inputs.b)}!`) },
      { id: 'apart', run: () => (calls.push('apart'), 'apart') },
    ],
  });
}

const IDS = ['a', 'b', 'c', 'apart'];

describe('runPipeline (cache decisions)', () => {
  describe('when an unchanged pipeline runs a second time', () => {
    it('restores every stage from cache as "up to date" and runs nothing', async () => {
      const calls: string[] = [];
      const first = await runToEnd(pipeline(1, calls));
      assert.deepEqual(outcomes(first.result, IDS), IDS.map((id) => [id, 'SUCCEEDED', 'never ran']));
      calls.length = 0;
      const second = await runToEnd(pipeline(1, calls), { store: first.store, clock: first.clock, runId: 'run-2' });
      assert.deepEqual(calls, []);
      assert.equal(second.result.status, 'SUCCEEDED');
      assert.deepEqual(outcomes(second.result, IDS), IDS.map((id) => [id, 'CACHED', 'up to date']));
      assert.deepEqual(second.result.outputHashes, first.result.outputHashes);
      assert.deepEqual(trail(second.events), [
        ['RUN_START'],
        ['STEP_SKIPPED', 'a'],
        ['STEP_SKIPPED', 'apart'],
        ['STEP_SKIPPED', 'b'],
        ['STEP_SKIPPED', 'c'],
        ['PIPELINE_COMPLETE'],
      ]);
      assert.equal(second.events[1].message, 'Stage `a` restored from cache: up to date');
      assert.deepEqual(second.events[1].metadata, { reason: 'up to date', status: 'CACHED' });
      assert.equal(second.result.metrics.cacheHits, 4);
      assert.deepEqual(second.result.metrics.stages.a, {
        status: 'CACHED',
        durationMs: 0,
        attempts: 0,
        retries: 0,
        retryDelaysMs: [],
        usage: {},
        validationFailures: 0,
        cacheHit: true,
      });
      assert.equal(second.result.stages.c.cacheKey, first.result.stages.c.cacheKey);
    });
  });

  describe('when a param changes', () => {
    it('re-runs that stage and the dependents whose upstream output changed, not those whose upstream output stayed equal', async () => {
      const calls: string[] = [];
      const first = await runToEnd(pipeline(1));
      const second = await runToEnd(pipeline(2, calls), { store: first.store, clock: first.clock, runId: 'run-2' });
      assert.deepEqual(calls, ['a', 'b']);
      assert.deepEqual(outcomes(second.result, IDS), [
        ['a', 'SUCCEEDED', 'param `k` changed'],
        ['b', 'SUCCEEDED', 'upstream `a` output changed'],
        ['c', 'CACHED', 'up to date'],
        ['apart', 'CACHED', 'up to date'],
      ]);
      assert.notEqual(second.result.outputHashes.a, first.result.outputHashes.a);
      assert.equal(second.result.outputHashes.b, first.result.outputHashes.b);
    });
  });

  describe('when a param returns to a value an earlier run computed', () => {
    it('restores that run`s outputs instead of running, naming the run, and explains a later change against them', async () => {
      const calls: string[] = [];
      const first = await runToEnd(pipeline(1));
      const opts = (runId: string) => ({ store: first.store, clock: first.clock, runId });
      await runToEnd(pipeline(2), opts('run-2'));
      const third = await runToEnd(pipeline(1, calls), opts('run-3'));
      assert.deepEqual(calls, []);
      assert.deepEqual(outcomes(third.result, IDS), [
        ['a', 'CACHED', 'restored from an earlier run (run-1)'],
        ['b', 'CACHED', 'restored from an earlier run (run-1)'],
        ['c', 'CACHED', 'up to date'],
        ['apart', 'CACHED', 'up to date'],
      ]);
      assert.deepEqual(third.result.outputHashes, first.result.outputHashes);
      const fourth = await runToEnd(pipeline(1, calls), opts('run-4'));
      assert.deepEqual(outcomes(fourth.result, IDS), IDS.map((id) => [id, 'CACHED', 'up to date']));
      const fifth = await runToEnd(pipeline(3, calls), opts('run-5'));
      assert.deepEqual(calls, ['a', 'b']);
      assert.deepEqual(outcomes(fifth.result, ['a', 'b', 'c']), [
        ['a', 'SUCCEEDED', 'param `k` changed'],
        ['b', 'SUCCEEDED', 'upstream `a` output changed'],
        ['c', 'CACHED', 'up to date'],
      ]);
    });
  });

  describe('when a stage`s code changes', () => {
    it('re-runs it with reason "code changed"', async () => {
      const first = await runToEnd(pipeline(1));
      const changed = compilePipeline({ name: 'cached', stages: [{ id: 'apart', run: () => 'apart, rewritten' }] });
      const second = await runToEnd(changed, { store: first.store, clock: first.clock, runId: 'run-2' });
      assert.deepEqual(outcomes(second.result, ['apart']), [['apart', 'SUCCEEDED', 'code changed']]);
    });
  });

  describe('when the run is forced', () => {
    it('re-runs every stage with `force: true`', async () => {
      const calls: string[] = [];
      const first = await runToEnd(pipeline(1));
      const second = await runToEnd(pipeline(1, calls), { store: first.store, clock: first.clock, runId: 'run-2', force: true });
      assert.deepEqual([...calls].sort(), ['a', 'apart', 'b', 'c']);
      assert.deepEqual(outcomes(second.result, IDS), IDS.map((id) => [id, 'SUCCEEDED', 'forced']));
    });

    it('re-runs only the listed stages with `force: [ids]`, and keeps what their unchanged output feeds', async () => {
      const calls: string[] = [];
      const first = await runToEnd(pipeline(1));
      const second = await runToEnd(pipeline(1, calls), { store: first.store, clock: first.clock, runId: 'run-2', force: ['b'] });
      assert.deepEqual(calls, ['b']);
      assert.deepEqual(outcomes(second.result, IDS), [
        ['a', 'CACHED', 'up to date'],
        ['b', 'SUCCEEDED', 'forced'],
        ['c', 'CACHED', 'up to date'],
        ['apart', 'CACHED', 'up to date'],
      ]);
    });
  });

  describe('when caching is off', () => {
    it('runs every stage, saying why', async () => {
      const first = await runToEnd(pipeline(1));
      const second = await runToEnd(pipeline(1), { store: first.store, clock: first.clock, runId: 'run-2', cache: false });
      assert.deepEqual(outcomes(second.result, IDS), IDS.map((id) => [id, 'SUCCEEDED', 'caching is off']));
    });
  });

  describe('when a stage failed in the last run', () => {
    it('runs it again with reason "last attempt failed"', async () => {
      let fail = true;
      const compiled = compilePipeline({
        name: 'retry-later',
        stages: [{ id: 'x', retry: { maxAttempts: 1 }, run: () => (fail ? Promise.reject(new NonRetryableError('not yet')) : 'x') }],
      });
      const first = await runToEnd(compiled);
      assert.equal(first.result.status, 'FAILED');
      fail = false;
      const second = await runToEnd(compiled, { store: first.store, clock: first.clock, runId: 'run-2' });
      assert.deepEqual(outcomes(second.result, ['x']), [['x', 'SUCCEEDED', 'last attempt failed']]);
    });
  });
});
