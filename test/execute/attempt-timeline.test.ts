import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock';
import { AttemptTimeline } from '../../src/execute/attempt-timeline';
import type { AttemptRecord } from '../../src/records';

describe('AttemptTimeline', () => {
  describe('when attempts start and end', () => {
    it('records each with its start, duration, outcome, code and delay, and tells onRecord', async () => {
      const clock = new ManualClock(1000);
      const told: AttemptRecord[] = [];
      const timeline = new AttemptTimeline(clock, 2, (r) => told.push(r));
      assert.equal(timeline.lastStarted, 1);
      timeline.start(2);
      assert.equal(timeline.isOpen(2), true);
      await clock.advance(30);
      timeline.end('failed', { code: 'STAGE_TIMEOUT', delayMs: 2000 });
      assert.equal(timeline.isOpen(2), false);
      await clock.advance(2000);
      timeline.start(3);
      await clock.advance(5);
      timeline.end('succeeded');
      assert.equal(timeline.lastStarted, 3);
      const expected: AttemptRecord[] = [
        { attempt: 2, startedAt: 1000, durationMs: 30, outcome: 'failed', code: 'STAGE_TIMEOUT', delayMs: 2000 },
        { attempt: 3, startedAt: 3030, durationMs: 5, outcome: 'succeeded' },
      ];
      assert.deepEqual(timeline.records, expected);
      assert.deepEqual(told, expected);
    });
  });

  describe('when a queue worker ran an attempt', () => {
    it('names the worker in that attempt\'s record only, and ignores a worker told for an attempt no longer open', async () => {
      const clock = new ManualClock(0);
      const timeline = new AttemptTimeline(clock, 1);
      timeline.start(1);
      timeline.ranOn(1, 'host-a:101');
      await clock.advance(10);
      timeline.end('failed', { code: 'STAGE_FAILED', delayMs: 5 });
      timeline.ranOn(1, 'host-late:999');
      timeline.start(2);
      await clock.advance(4);
      timeline.end('succeeded');
      assert.deepEqual(timeline.records, [
        { attempt: 1, startedAt: 0, durationMs: 10, outcome: 'failed', code: 'STAGE_FAILED', delayMs: 5, worker: 'host-a:101' },
        { attempt: 2, startedAt: 10, durationMs: 4, outcome: 'succeeded' },
      ]);
    });
  });

  describe('when no attempt is open', () => {
    it('ends nothing', () => {
      const timeline = new AttemptTimeline(new ManualClock(0), 1);
      assert.equal(timeline.end('failed', { code: 'STAGE_CANCELLED' }), undefined);
      assert.deepEqual(timeline.records, []);
      assert.equal(timeline.lastStarted, 0);
    });
  });
});
