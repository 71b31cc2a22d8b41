import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { terminalProgress } from '../../src/cli/terminal-progress';
import type { PipelineEvent } from '../../src/events/event';
import { periodPlanOf } from '../display/period-plan';

/** A stream that says it is a terminal, keeping what is written to it. */
function fakeTty(): NodeJS.WriteStream & { text(): string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & { text(): string };
  let written = '';
  Object.assign(stream, {
    isTTY: true,
    columns: 120,
    rows: 40,
    cursorTo: () => true,
    moveCursor: () => true,
    clearLine: () => true,
    clearScreenDown: () => true,
    getWindowSize: () => [120, 40],
    write: (chunk: string) => {
      written += chunk;
      return true;
    },
    text: () => written.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, ''),
  });
  return stream;
}

function event(type: string, stageId: string | undefined, metadata: Record<string, unknown>, message = '', at = 0): PipelineEvent {
  return { timestamp: new Date(Date.UTC(2026, 0, 1) + at).toISOString(), runId: 'r', ...(stageId ? { stageId } : {}), type, level: 'INFO', message, metadata, correlationId: 'r', seq: 1 } as PipelineEvent;
}

describe('terminalProgress', () => {
  describe('when a run reports on a terminal', () => {
    it('draws one bar per stage with its progress and final state', () => {
      const tty = fakeTty();
      const progress = terminalProgress(tty);
      progress.listener(event('STEP_START', 'typing', { attempt: 1, idempotencyKey: 'k' }));
      progress.listener(event('STEP_PROGRESS', 'typing', { done: 3, total: 6 }, 'table 3 of 6'));
      progress.listener(event('STEP_SKIPPED', 'import', { reason: 'up to date', status: 'CACHED' }));
      progress.listener(event('STEP_SUCCESS', 'typing', { attempt: 1, durationMs: 5, usage: {} }));
      progress.stop();
      const text = tty.text();
      assert.match(text, /100% \| typing\s+\| succeeded/);
      assert.match(text, /100% \| import\s+\| cached/);
    });
  });

  describe('when a per-item stage reports its items', () => {
    const items = { done: 98, failed: 2, cached: 30, running: 4, total: 250, itemsPerSecond: 48 };

    it('fills its bar with the items that ended and says the ETA, the rate and the counts (cut at the width of the terminal)', () => {
      const tty = fakeTty();
      const progress = terminalProgress(tty);
      progress.listener(event('STEP_START', 'embed', { attempt: 1, idempotencyKey: 'k' }));
      progress.listener(event('ITEMS_PROGRESS', 'embed', items));
      progress.stop();
      assert.match(tty.text(), /52% \| embed \| ETA 2\.5 s · 48 items\/s · 130\/250 items · 2 failed · 30 cached/);
    });

    it('ends it partial, with how many items failed, when some did', () => {
      const tty = fakeTty();
      const progress = terminalProgress(tty);
      progress.listener(event('STEP_START', 'embed', { attempt: 1, idempotencyKey: 'k' }));
      progress.listener(event('ITEMS_PROGRESS', 'embed', { ...items, done: 218, running: 0 }));
      progress.listener(event('STEP_SUCCESS', 'embed', { attempt: 1, durationMs: 5, usage: {} }));
      progress.stop();
      assert.match(tty.text(), /100% \| embed \| partial: 2 of 250 items failed/);
    });
  });

  describe('when the pipeline has periods', () => {
    const plan = periodPlanOf('workforce', { name: 'year', keys: ['2025', '2026'] }, [['a', 'per']]);
    const run = (progress: ReturnType<typeof terminalProgress>, resumedFrom?: string) => {
      progress.usePlan(plan);
      progress.listener(event('RUN_START', undefined, { stages: plan.order, maxParallel: 1, ...(resumedFrom ? { resumedFrom } : {}) }));
      progress.listener(event('STEP_START', 'a@2025', { attempt: 1, idempotencyKey: 'k' }, '', 0));
      progress.listener(event('STEP_SUCCESS', 'a@2025', { attempt: 1, durationMs: 3000, usage: {} }, '', 3000));
      progress.listener(event('STEP_START', 'checkpoint@2025', { attempt: 1, idempotencyKey: 'k' }, '', 3000));
      progress.listener(event('STEP_SUCCESS', 'checkpoint@2025', { attempt: 1, durationMs: 1000, usage: {} }, '', 4000));
      progress.listener(event('STEP_START', 'a@2026', { attempt: 1, idempotencyKey: 'k' }, '', 4000));
      progress.stop();
    };

    it('draws a first bar of the periods finished, with the current period, the ETA and then the finished ones (cut at the width of the terminal)', () => {
      const tty = fakeTty();
      run(terminalProgress(tty));
      assert.match(tty.text(), /50% \| year 2026 running \(2 of 2\) \| ETA 4\.0 s for 1 year · finished: 2025 4\.0/);
    });

    it('draws no bar of the periods for a resumed run, whose kept stages send no event', () => {
      const tty = fakeTty();
      run(terminalProgress(tty), 'r0');
      assert.doesNotMatch(tty.text(), /\| year/);
      assert.match(tty.text(), /\| a@2026\s+\| attempt 1/);
    });
  });
});
