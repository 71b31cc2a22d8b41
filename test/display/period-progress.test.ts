import { strict as assert } from 'node:assert';
import { EtaModel } from '../../src/display/eta-model';
import { periodAxis, type PeriodAxis } from '../../src/display/period-axis';
import { periodProgress, periodProgressText } from '../../src/display/period-progress';
import { initialProgress, reduceProgress, type ProgressState } from '../../src/display/progress-state';
import type { PipelineEvent } from '../../src/events/event';
import { ev } from './progress-events';
import { periodPlanOf } from './period-plan';

const plan = periodPlanOf('workforce', { name: 'year', keys: ['2025', '2026', '2027', '2028'] }, [['census', 'before'], ['a', 'per'], ['b', 'per']]);
const axis = periodAxis(plan) as PeriodAxis;

/** A stage that starts at `from` and succeeds at `to` (ms since the run started at 0). */
function ran(stageId: string, from: number, to: number): PipelineEvent[] {
  return [ev('STEP_START', from, stageId, { attempt: 1, idempotencyKey: 'k' }), ev('STEP_SUCCESS', to, stageId, { attempt: 1, durationMs: to - from, usage: {} })];
}

/** A period whose stages run back to back: a, b, then its checkpoint, `[a, b, checkpoint]` ms each, from `at`. */
function period(key: string, at: number, [a, b, c]: readonly [number, number, number]): PipelineEvent[] {
  return [...ran(`a@${key}`, at, at + a), ...ran(`b@${key}`, at + a, at + a + b), ...ran(`checkpoint@${key}`, at + a + b, at + a + b + c)];
}

function cached(stageId: string, at: number): PipelineEvent {
  return ev('STEP_SKIPPED', at, stageId, { reason: 'up to date', status: 'CACHED' });
}

function progressAt(events: readonly PipelineEvent[], now: number) {
  const state = events.reduce<ProgressState>(reduceProgress, initialProgress({ stages: plan.order, startedAt: 0 }));
  return periodProgress(new EtaModel({ clock: { now: () => now } }).snapshot(state), axis);
}

describe('periodProgress', () => {
  describe('when two periods finished and the third is a third done', () => {
    const events = [cached('census', 0), ...period('2025', 0, [1000, 2000, 1000]), ...period('2026', 4000, [2000, 3000, 1000]), ...ran('a@2027', 10_000, 12_000), ev('STEP_START', 12_000, 'b@2027', { attempt: 1, idempotencyKey: 'k' })];
    const pp = progressAt(events, 13_000);

    it('gives each period its state, share done and time, and the current period', () => {
      assert.deepEqual(pp.periods, [
        { key: '2025', state: 'SUCCEEDED', stages: 3, settled: 3, fraction: 1, startedAt: 0, elapsedMs: 4000 },
        { key: '2026', state: 'SUCCEEDED', stages: 3, settled: 3, fraction: 1, startedAt: 4000, elapsedMs: 6000 },
        { key: '2027', state: 'RUNNING', stages: 3, settled: 1, fraction: 1 / 3, startedAt: 10_000, elapsedMs: 3000 },
        { key: '2028', state: 'PENDING', stages: 3, settled: 0, fraction: 0 },
      ]);
      assert.equal(pp.current, '2027');
    });

    it('estimates the rest as the mean period time times the periods left, the running one by its share not done', () => {
      // mean 5 s × (2/3 of 2027 + all of 2028)
      assert.equal(pp.etaMs, 8333);
      assert.equal(periodProgressText(pp), 'year 2027 running (3 of 4) · finished: 2025 4.0 s, 2026 6.0 s · ETA 8.3 s for 2 years');
    });
  });

  describe('when no period has finished yet', () => {
    it('has no ETA', () => {
      const pp = progressAt([cached('census', 0), ...ran('a@2025', 0, 500)], 800);
      assert.equal(pp.etaMs, null);
      assert.equal(periodProgressText(pp), 'year 2025 running (1 of 4) · ETA — for 4 years');
    });
  });

  describe('when earlier periods were restored from cache', () => {
    it('lists them as cached and leaves them out of the mean', () => {
      const restored = ['a@2025', 'b@2025', 'checkpoint@2025', 'a@2026', 'b@2026', 'checkpoint@2026'].map((id) => cached(id, 0));
      const pp = progressAt([cached('census', 0), ...restored, ...period('2027', 0, [1000, 1000, 1000])], 3000);
      assert.equal(pp.periods[0].state, 'CACHED');
      assert.equal(pp.periods[0].elapsedMs, undefined);
      assert.equal(pp.etaMs, 3000);
      assert.equal(periodProgressText(pp), '3 of 4 years finished · 2025 cached, 2026 cached, 2027 3.0 s · ETA 3.0 s for 1 year');
    });
  });

  describe('when the run ended with a period failed', () => {
    it('says how many finished and how the failed one ended, with no ETA', () => {
      const events = [
        cached('census', 0),
        ...period('2025', 0, [1000, 1000, 1000]),
        ev('STEP_START', 3000, 'a@2026', { attempt: 1, idempotencyKey: 'k' }),
        ev('STEP_FAILURE', 5000, 'a@2026', { attempt: 1, durationMs: 2000, code: 'CHECKPOINT_CORRUPT', errorClass: 'persistent', final: true }),
        ...['b@2026', 'checkpoint@2026', 'a@2027', 'b@2027', 'checkpoint@2027', 'a@2028', 'b@2028', 'checkpoint@2028'].map((id) =>
          ev('STEP_SKIPPED', 5000, id, { reason: 'upstream failed', status: 'BLOCKED' }),
        ),
        ev('PIPELINE_COMPLETE', 5000, undefined, { status: 'FAILED', durationMs: 5000, counts: {} }),
      ];
      const pp = progressAt(events, 5000);
      assert.deepEqual(
        pp.periods.map((p) => p.state),
        ['SUCCEEDED', 'FAILED', 'BLOCKED', 'BLOCKED'],
      );
      assert.equal(pp.current, undefined);
      assert.equal(pp.etaMs, 0);
      assert.equal(periodProgressText(pp), '4 of 4 years finished · 2025 3.0 s, 2026 failed after 2.0 s, 2027 blocked, 2028 blocked');
    });
  });
});
