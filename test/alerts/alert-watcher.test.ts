import { strict as assert } from 'node:assert';
import { AlertWatcher } from '../../src/alerts/alert-watcher';
import { flushMicrotasks, ManualClock } from '../../src/clock';
import type { EventDraft, EventType, PipelineEvent } from '../../src/events/event';
import { DEFAULT_ALERT_THRESHOLDS } from '../../src/plan/defaults';

/** A watcher on a manual clock, with what it emitted as [time, type, stage, level, message, metadata]. */
function watch(expectedMs: Record<string, number> = {}) {
  const clock = new ManualClock(0);
  const emitted: unknown[][] = [];
  const watcher = new AlertWatcher({
    thresholds: DEFAULT_ALERT_THRESHOLDS,
    expectedMs,
    clock,
    emit: <T extends EventType>(type: T, draft: EventDraft<T>) => {
      emitted.push([clock.now(), type, draft.stageId, draft.level, draft.message, draft.metadata]);
    },
  });
  let seq = 0;
  const event = (type: string, stageId: string, metadata: object): void =>
    watcher.observe({ timestamp: new Date(clock.now()).toISOString(), runId: 'r', stageId, type, level: 'INFO', message: '', metadata, correlationId: 'c', seq: ++seq } as PipelineEvent);
  return { clock, emitted, watcher, event };
}

describe('AlertWatcher', () => {
  describe('when a stage runs past multiples of its expected duration', () => {
    it('raises WARNING at 2x and CRITICAL at 5x while it still runs, and nothing more at its end', async () => {
      const { clock, emitted, watcher, event } = watch({ load: 1000 });
      event('STEP_START', 'load', { attempt: 1, idempotencyKey: 'k' });
      await clock.advance(1999);
      assert.deepEqual(emitted, []);
      await clock.advance(1);
      await clock.advance(3000);
      event('STEP_SUCCESS', 'load', { attempt: 1, durationMs: 6000, stageDurationMs: 6000, usage: {} });
      await flushMicrotasks();
      watcher.close();
      assert.deepEqual(emitted, [
        [2000, 'ALERT', 'load', 'WARN', 'Stage `load` has run 2000 ms, 2x its expected 1000 ms (WARNING)', { level: 'WARNING', metric: 'stageDuration', value: 2000, threshold: 2000, expectedMs: 1000, factor: 2 }],
        [5000, 'ALERT', 'load', 'ERROR', 'Stage `load` has run 5000 ms, 5x its expected 1000 ms (CRITICAL)', { level: 'CRITICAL', metric: 'stageDuration', value: 5000, threshold: 5000, expectedMs: 1000, factor: 5 }],
      ]);
      assert.equal(clock.pending, 0);
    });

    it('stops its timers when the stage ends first, and raises at the end what the event loop held back', async () => {
      const { clock, emitted, watcher, event } = watch({ fast: 1000, held: 1000 });
      event('STEP_START', 'fast', { attempt: 1, idempotencyKey: 'k' });
      event('STEP_SUCCESS', 'fast', { attempt: 1, durationMs: 900, stageDurationMs: 900, usage: {} });
      assert.equal(clock.pending, 0);
      event('STEP_START', 'held', { attempt: 1, idempotencyKey: 'k' });
      // The stage reports 2.5 s before its timer could run.
      event('STEP_FAILURE', 'held', { attempt: 1, durationMs: 2500, stageDurationMs: 2500, code: 'STAGE_FAILED', errorClass: 'logic', final: true });
      await flushMicrotasks();
      watcher.close();
      assert.deepEqual(emitted.map((e) => [e[1], e[2], e[5]]), [
        ['ALERT', 'held', { level: 'WARNING', metric: 'stageDuration', value: 2500, threshold: 2000, expectedMs: 1000, factor: 2 }],
      ]);
      assert.equal(clock.pending, 0);
    });

    it('raises no duration alert for a stage with no expected duration', async () => {
      const { clock, emitted, event } = watch({});
      event('STEP_START', 'new', { attempt: 1, idempotencyKey: 'k' });
      assert.equal(clock.pending, 0);
      event('STEP_SUCCESS', 'new', { attempt: 1, durationMs: 99_000, stageDurationMs: 99_000, usage: {} });
      await flushMicrotasks();
      assert.deepEqual(emitted, []);
    });
  });

  describe('when a stage retries', () => {
    it('raises WARNING on its 3rd retry and CRITICAL on its 5th, once each, after the retry event', async () => {
      const { emitted, event } = watch();
      for (let next = 2; next <= 7; next++) event('STEP_RETRY', 'flaky', { attempt: next - 1, nextAttempt: next, delayMs: 100, code: 'STAGE_FAILED' });
      assert.deepEqual(emitted, []);
      await flushMicrotasks();
      assert.deepEqual(emitted.map((e) => [e[3], e[4], e[5]]), [
        ['WARN', 'Stage `flaky` has retried 3 time(s) (WARNING at 3)', { level: 'WARNING', metric: 'retries', value: 3, threshold: 3 }],
        ['ERROR', 'Stage `flaky` has retried 5 time(s) (CRITICAL at 5)', { level: 'CRITICAL', metric: 'retries', value: 5, threshold: 5 }],
      ]);
    });
  });

  describe('when a stage uses its budget', () => {
    it("raises on the stage's share and on the run's share separately", async () => {
      const { emitted, watcher } = watch();
      watcher.observeUsage('llm', { resource: 'tokens', amount: 400, stageUsed: 400, stageLimit: 500, globalUsed: 400, globalLimit: 10_000 });
      watcher.observeUsage('llm', { resource: 'tokens', amount: 90, stageUsed: 490, stageLimit: 500, globalUsed: 9600, globalLimit: 10_000 });
      await flushMicrotasks();
      assert.deepEqual(emitted.map((e) => [e[2], e[4], e[5]]), [
        ['llm', 'Stage `llm` has used 80% of its `tokens` budget (400 of 500; WARNING at 80%)', { level: 'WARNING', metric: 'tokenUse', value: 0.8, threshold: 0.8, resource: 'tokens', scope: 'stage', used: 400, limit: 500 }],
        ['llm', 'Stage `llm` has used 98% of its `tokens` budget (490 of 500; CRITICAL at 95%)', { level: 'CRITICAL', metric: 'tokenUse', value: 0.98, threshold: 0.95, resource: 'tokens', scope: 'stage', used: 490, limit: 500 }],
        ['llm', 'The run has used 96% of its `tokens` budget (9600 of 10000, last by `llm`; CRITICAL at 95%)', { level: 'CRITICAL', metric: 'tokenUse', value: 0.96, threshold: 0.95, resource: 'tokens', scope: 'global', used: 9600, limit: 10_000 }],
      ]);
    });
  });

  describe("when a per-item stage's items fail", () => {
    it('raises on the failed share of all its items', async () => {
      const { emitted, event } = watch();
      const progress = (failed: number) => event('ITEMS_PROGRESS', 'docs', { done: 0, failed, cached: 0, running: 0, total: 20, itemsPerSecond: 0 });
      progress(1);
      progress(2);
      progress(4);
      progress(5);
      await flushMicrotasks();
      assert.deepEqual(emitted.map((e) => [e[4], e[5]]), [
        ['10% of the items of `docs` failed (2 of 20; WARNING at 10%)', { level: 'WARNING', metric: 'itemFailureRate', value: 0.1, threshold: 0.1, failed: 2, total: 20 }],
        ['25% of the items of `docs` failed (5 of 20; CRITICAL at 25%)', { level: 'CRITICAL', metric: 'itemFailureRate', value: 0.25, threshold: 0.25, failed: 5, total: 20 }],
      ]);
    });
  });
});
