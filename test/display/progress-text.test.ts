import { strict as assert } from 'node:assert';
import { ManualClock } from '../../src/clock';
import { EtaModel } from '../../src/display/eta-model';
import { initialProgress, reduceProgress } from '../../src/display/progress-state';
import { renderProgressText } from '../../src/display/progress-text';
import type { PipelineEvent } from '../../src/events/event';
import { endEvents, ev, firstEvents, laterEvents, STAGES } from './progress-events';

function textAt(events: readonly PipelineEvent[], now: number, estimatesMs?: Record<string, number>): string {
  const state = events.reduce(reduceProgress, initialProgress({ stages: STAGES, maxAttempts: { c: 3 }, startedAt: 0 }));
  return renderProgressText(new EtaModel({ estimatesMs, clock: new ManualClock(now) }).snapshot(state));
}

describe('renderProgressText', () => {
  describe('when the run is under way', () => {
    it('shows the headline, an overall bar and a row per stage', () => {
      assert.equal(
        textAt([...firstEvents(), ...laterEvents()], 2600, { a: 1000, b: 2000, c: 3000, d: 2000 }),
        [
          '2 of 4 stages settled · 50% · elapsed 2.6 s · ETA 4.0 s',
          '[###############---------------] 50%',
          '',
          'stage  status     progress           attempt      elapsed  note',
          '-----  ---------  -----------------  -----------  -------  ----------',
          'a      cached     [##########] 100%                        up to date',
          'b      succeeded  [##########] 100%                 2.0 s  4/4',
          'c      running    [###-------] 33%   attempt 2/3    2.5 s',
          'd      pending',
        ].join('\n'),
      );
    });

    it('says ETA — while a stage has no estimate, shows retry notes and the attempt a running stage is on', () => {
      const lines = textAt(firstEvents(), 1100).split('\n');
      assert.equal(lines[0], '1 of 4 stages settled · 31% · elapsed 1.1 s · ETA —');
      assert.equal(lines[6], 'b      running   [###-------] 25%   attempt 1    1.0 s  1/4');
      assert.equal(lines[7], 'c      retrying                                  1.0 s  retry in 500 ms after STAGE_FAILED');
    });
  });

  describe('when the run has ended', () => {
    it('says how it ended and shows stages that never ran as pending', () => {
      const lines = textAt([...firstEvents(), ...laterEvents(), ...endEvents()], 9000, { a: 1000, b: 2000, c: 3000, d: 2000 }).split('\n');
      assert.deepEqual([lines[0], lines[7], lines[8]], [
        '3 of 4 stages settled · 75% · elapsed 4.6 s · failed',
        'c      failed     [##########] 100%  attempt 2/3    4.5 s  STAGE_TIMEOUT',
        'd      pending',
      ]);
    });
  });

  describe('when stages ran on queue workers', () => {
    it('names the worker of an ended stage, and a per-item stage\'s items per worker', () => {
      const events = [
        ev('STEP_SKIPPED', 0, 'a', { reason: 'up to date', status: 'CACHED' }),
        ev('STEP_START', 100, 'b', { attempt: 1, idempotencyKey: 'kb' }),
        ev('STEP_SUCCESS', 2100, 'b', { attempt: 1, durationMs: 2000, usage: {}, worker: 'host-a:101' }),
        ev('STEP_START', 2100, 'c', { attempt: 1, idempotencyKey: 'kc' }),
        ev('ITEMS_PROGRESS', 2600, 'c', { done: 3, failed: 0, cached: 0, running: 1, total: 4, itemsPerSecond: 6, workers: { 'host-b:202': 1, 'host-a:101': 2 } }),
      ];
      const lines = textAt(events, 2600).split('\n');
      assert.deepEqual(lines.slice(6, 8), [
        'b      succeeded  [##########] 100%                 2.0 s  on worker host-a:101',
        'c      running    [########--] 75%   attempt 1/3   500 ms  3/4 items · 1 running · 6.0 items/s · ETA 167 ms · worker host-a:101 — 2 items, worker host-b:202 — 1 item',
      ]);
    });
  });
});
