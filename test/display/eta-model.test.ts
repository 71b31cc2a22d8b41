import { strict as assert } from 'node:assert';
import { ManualClock } from '../../src/clock';
import { EtaModel } from '../../src/display/eta-model';
import { initialProgress, reduceProgress, type ProgressState } from '../../src/display/progress-state';
import type { PipelineEvent } from '../../src/events/event';
import { endEvents, firstEvents, laterEvents, STAGES } from './progress-events';

function fold(events: readonly PipelineEvent[]): ProgressState {
  return events.reduce(reduceProgress, initialProgress({ stages: STAGES, maxAttempts: { c: 3 }, startedAt: 0 }));
}

const ALL = { a: 1000, b: 2000, c: 3000, d: 2000 };

describe('EtaModel', () => {
  describe('when a stage has no estimate', () => {
    it('weighs it by the mean estimate and has no ETA', () => {
      const snap = new EtaModel({ estimatesMs: { a: 1000, b: 2000, c: 3000 }, clock: new ManualClock(1100) }).snapshot(fold(firstEvents()));
      // (a 1000 settled + b 2000 x 1/4) / (1000 + 2000 + 3000 + mean 2000)
      assert.deepEqual([snap.at, snap.percent, snap.etaMs, snap.elapsedMs, snap.settled], [1100, 18.8, null, 1100, 1]);
      assert.deepEqual(snap.stages.map((s) => [s.stageId, s.fraction]), [['a', 1], ['b', 0.25], ['c', 0], ['d', 0]]);
    });
  });

  describe('when no stage has an estimate', () => {
    it('weighs every stage alike', () => {
      const snap = new EtaModel({ clock: new ManualClock(1100) }).snapshot(fold(firstEvents()));
      // (1 + 1/4) of 4 stages
      assert.deepEqual([snap.percent, snap.etaMs], [31.3, null]);
    });
  });

  describe('when every stage has an estimate', () => {
    it('takes the ETA from the item rate of running stages and the estimates of the rest, divided by the parallelism', () => {
      const state = fold(firstEvents());
      // b: 1000 ms for 1 of 4 -> 3000 ms more; c waits to retry: 3000; d: 2000.
      assert.equal(new EtaModel({ estimatesMs: ALL, clock: new ManualClock(1100) }).snapshot(state).etaMs, 8000);
      assert.equal(new EtaModel({ estimatesMs: ALL, parallelism: 2, clock: new ManualClock(1100) }).snapshot(state).etaMs, 4000);
    });

    it('counts a running stage without reports by its time against its estimate, as the clock moves', async () => {
      const clock = new ManualClock(2600);
      const model = new EtaModel({ estimatesMs: ALL, clock });
      const state = fold([...firstEvents(), ...laterEvents()]);
      // a 1000 + b 2000 + c 3000 x (1000 / 3000) = 4000 of 8000; ETA c 2000 + d 2000.
      const at2600 = model.snapshot(state);
      assert.deepEqual([at2600.percent, at2600.etaMs, at2600.elapsedMs], [50, 4000, 2600]);
      await clock.advance(3000);
      // c is capped at 95% of its estimate while it reports nothing: (1000 + 2000 + 3000 x 0.95) / 8000; it is past
      // its estimate, so only d's 2000 ms are left.
      const at5600 = model.snapshot(state);
      assert.deepEqual([at5600.percent, at5600.etaMs, at5600.elapsedMs, at5600.stages[2].fraction], [73.1, 2000, 5600, 0.95]);
    });
  });

  describe('when the run has ended', () => {
    it('freezes the elapsed time and has nothing left', () => {
      const snap = new EtaModel({ estimatesMs: ALL, clock: new ManualClock(9000) }).snapshot(fold([...firstEvents(), ...laterEvents(), ...endEvents()]));
      assert.deepEqual([snap.runStatus, snap.percent, snap.etaMs, snap.elapsedMs, snap.settled], ['FAILED', 75, 0, 4600, 3]);
    });
  });
});
