import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StageContext } from '../../src/definition/types';
import { DagbookError } from '../../src/errors';
import type { PipelineEvent } from '../../src/events/event';
import { compilePipeline } from '../../src/plan/compile';
import { runPipeline } from '../../src/run/run-pipeline';
import { MemoryStore } from '../../src/store/memory-store';
import { begin, T0 } from './fixtures';

/** Each event as `+ms TYPE stage` (and an alert's level and metric). */
function trail(events: readonly PipelineEvent[]): string[] {
  return events.map((e) => {
    const head = `+${Date.parse(e.timestamp) - T0} ${e.type}${e.stageId === undefined ? '' : ` ${e.stageId}`}`;
    return e.type === 'ALERT' ? `${head} ${e.metadata.level} ${e.metadata.metric} ${e.metadata.value}` : head;
  });
}

describe('runPipeline alerts', () => {
  describe('when a stage runs past multiples of its expected duration', () => {
    it('raises WARNING and CRITICAL while it still runs, on the run clock, logged and in the result', async () => {
      const compiled = compilePipeline({
        name: 'slow',
        stages: [{ id: 'load', expectedDurationMs: 1000, run: (ctx: StageContext) => ctx.clock.sleep(6000, ctx.signal).then(() => 'ok') }],
      });
      const run = begin(compiled);
      const result = await run.finish();
      assert.deepEqual(trail(run.events), [
        '+0 RUN_START',
        '+0 STEP_START load',
        '+2000 ALERT load WARNING stageDuration 2000',
        '+5000 ALERT load CRITICAL stageDuration 5000',
        '+6000 STEP_SUCCESS load',
        '+6000 PIPELINE_COMPLETE',
      ]);
      assert.deepEqual(
        result.alerts?.map((a) => a.seq),
        [3, 4],
      );
      assert.deepEqual(
        (await run.store.readEvents('run-1')).filter((e) => e.type === 'ALERT').map((e) => e.message),
        ['Stage `load` has run 2000 ms, 2x its expected 1000 ms (WARNING)', 'Stage `load` has run 5000 ms, 5x its expected 1000 ms (CRITICAL)'],
      );
      assert.equal(run.clock.pending, 0);
    });
  });

  describe('when a stage has no declared expectation but a history', () => {
    it('expects the median of its last successful durations', async () => {
      const compiled = compilePipeline({
        name: 'history',
        stages: [{ id: 'load', params: { v: 4 }, run: (ctx: StageContext) => ctx.clock.sleep(2500, ctx.signal).then(() => 'ok') }],
      });
      const store = new MemoryStore();
      for (const [v, durationMs] of [[1, 1000], [2, 3000], [3, 1200]] as const) {
        await store.putCacheEntry({ stageId: 'load', cacheKey: `k${v}`, outputHash: `h${v}`, durationMs, runId: `old-${v}`, recordedAt: T0 - 10_000 + v });
      }
      const first = begin(compiled, { store });
      await first.finish();
      // Expected: the median of 1000, 3000 and 1200 = 1200; 2400 ms is 2x.
      assert.deepEqual(
        first.events.filter((e) => e.type === 'ALERT').map((e) => [Date.parse(e.timestamp) - T0, e.metadata]),
        [[2400, { level: 'WARNING', metric: 'stageDuration', value: 2400, threshold: 2400, expectedMs: 1200, factor: 2 }]],
      );
    });
  });

  describe('when a stage retries past the retry thresholds', () => {
    it('raises each level once, right after the retry that reached it', async () => {
      let attempts = 0;
      const compiled = compilePipeline({
        name: 'flaky',
        stages: [
          {
            id: 'call',
            retry: { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 100, jitter: 0, minDelayMs: 100 },
            run: () => {
              attempts++;
              if (attempts < 6) throw new DagbookError('STAGE_FAILED', 'busy', { errorClass: 'transient' });
              return 'ok';
            },
          },
        ],
      });
      const run = begin(compiled);
      await run.finish();
      const types = run.events.map((e) => (e.type === 'ALERT' ? `ALERT ${e.metadata.level} ${e.metadata.value}` : e.type === 'STEP_RETRY' ? `RETRY ${e.metadata.nextAttempt}` : undefined)).filter((t) => t !== undefined);
      assert.deepEqual(types, ['RETRY 2', 'RETRY 3', 'RETRY 4', 'ALERT WARNING 3', 'RETRY 5', 'RETRY 6', 'ALERT CRITICAL 5']);
    });
  });

  describe("when too many of a per-item stage's items fail", () => {
    it('raises on the share of its items that failed', async () => {
      const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
      const compiled = compilePipeline({
        name: 'items',
        stages: [
          { id: 'discover', discovery: true, run: () => ids.map((id) => ({ id, hash: id })) },
          {
            id: 'parse',
            forEach: 'discover',
            maxFailureRate: 0.5,
            retry: { maxAttempts: 1 },
            run: (ctx: StageContext) => {
              if (['a', 'b', 'c'].includes(ctx.item?.id as string)) throw new DagbookError('STAGE_FAILED', 'bad', { errorClass: 'persistent' });
              return ctx.item?.id;
            },
          },
        ],
      });
      const run = begin(compiled);
      const result = await run.finish();
      assert.equal(result.status, 'PARTIAL');
      assert.deepEqual(
        result.alerts?.map((a) => [a.stageId, a.message]),
        [
          // The first progress report counts the first failure; the last one all three: past the critical level.
          ['parse', '10% of the items of `parse` failed (1 of 10; WARNING at 10%)'],
          ['parse', '30% of the items of `parse` failed (3 of 10; CRITICAL at 25%)'],
        ],
      );
    });
  });

  describe('when the pipeline has sinks', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'dagbook-run-alerts-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('has delivered the alert to a command when the run resolves, and a failing sink only logs a warning', async () => {
      const compiled = compilePipeline({
        name: 'sinks',
        alerts: {
          // Real time here: the critical level is out of reach, so the one alert is a WARNING whenever its timer runs.
          thresholds: { stageDuration: { warning: 2, critical: 1_000_000 } },
          sinks: [
            { kind: 'command', command: `cat > "${dir}/$DAGBOOK_ALERT_LEVEL.json"` },
            { kind: 'command', command: 'exit 4' },
          ],
        },
        stages: [{ id: 'load', expectedDurationMs: 1, run: () => new Promise((resolve) => setTimeout(() => resolve('ok'), 20)) }],
      });
      const events: PipelineEvent[] = [];
      const result = await runPipeline(compiled, { runId: 'run-1', listeners: [(e) => events.push(e)] });
      assert.equal(result.status, 'SUCCEEDED');
      assert.deepEqual(readdirSync(dir), ['WARNING.json']);
      const warning = JSON.parse(readFileSync(join(dir, 'WARNING.json'), 'utf8')) as Record<string, unknown>;
      assert.deepEqual(
        [warning.pipeline, warning.runId, warning.stageId, warning.level, warning.metric, warning.threshold, warning.expectedMs, warning.factor],
        ['sinks', 'run-1', 'load', 'WARNING', 'stageDuration', 2, 1, 2],
      );
      assert.deepEqual(
        events.filter((e) => e.type === 'LOG').map((e) => [e.level, e.message]),
        [['WARN', 'The WARNING alert on `stageDuration` was not delivered: Alert sink `command exit 4` exited with status 4']],
      );
      assert.deepEqual(events.slice(-2).map((e) => e.type), ['LOG', 'PIPELINE_COMPLETE']);
    });
  });
});
