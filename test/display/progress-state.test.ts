import { strict as assert } from 'node:assert';
import { initialProgress, ProgressFold, reduceProgress, type ProgressState } from '../../src/display/progress-state';
import type { PipelineEvent } from '../../src/events/event';
import { endEvents, ev, firstEvents, laterEvents, STAGES } from './progress-events';

function fold(events: readonly PipelineEvent[], from: ProgressState = initialProgress({ stages: STAGES, maxAttempts: { c: 3 }, startedAt: 0 })): ProgressState {
  return events.reduce(reduceProgress, from);
}

describe('reduceProgress', () => {
  describe('before any event', () => {
    it('has every stage pending', () => {
      assert.deepEqual(initialProgress({ stages: ['a', 'c'], maxAttempts: { c: 3 }, startedAt: 5 }), {
        startedAt: 5,
        lastEventAt: 5,
        stages: [{ stageId: 'a', status: 'PENDING', attempt: 0 }, { stageId: 'c', status: 'PENDING', attempt: 0, maxAttempts: 3 }],
        settled: 0,
      });
    });
  });

  describe('when stages are skipped, report items and retry', () => {
    it('records each stage exactly', () => {
      assert.deepEqual(fold(firstEvents()), {
        startedAt: 0,
        lastEventAt: 1100,
        stages: [
          { stageId: 'a', status: 'CACHED', attempt: 0, message: 'up to date', endedAt: 0 },
          { stageId: 'b', status: 'RUNNING', attempt: 1, startedAt: 100, attemptStartedAt: 100, done: 1, total: 4, message: '1/4' },
          { stageId: 'c', status: 'RETRYING', attempt: 1, maxAttempts: 3, startedAt: 100, attemptStartedAt: 100, done: undefined, total: undefined, message: 'retry in 500 ms after STAGE_FAILED' },
          { stageId: 'd', status: 'PENDING', attempt: 0 },
        ],
        settled: 1,
      });
    });
  });

  describe('when a stage succeeds after reporting items, and the run ends', () => {
    it('fills its items, keeps its first start, counts settled stages once and ends the run', () => {
      const state = fold([...firstEvents(), ...laterEvents(), ...endEvents()]);
      assert.deepEqual(
        state.stages.map((s) => [s.stageId, s.status, s.attempt, s.done, s.startedAt, s.attemptStartedAt, s.endedAt, s.message]),
        [
          ['a', 'CACHED', 0, undefined, undefined, undefined, 0, 'up to date'],
          ['b', 'SUCCEEDED', 1, 4, 100, 100, 2100, undefined],
          ['c', 'FAILED', 2, undefined, 100, 1600, 4600, 'STAGE_TIMEOUT'],
          ['d', 'PENDING', 0, undefined, undefined, undefined, undefined, undefined],
        ],
      );
      assert.deepEqual([state.settled, state.runStatus, state.endedAt, state.lastEventAt], [3, 'FAILED', 4600, 4600]);
    });
  });

  describe('when an event arrives', () => {
    it('leaves the state it was given unchanged', () => {
      const before = fold(firstEvents());
      const copy = JSON.parse(JSON.stringify(before));
      const after = reduceProgress(before, laterEvents()[0]);
      assert.deepEqual(JSON.parse(JSON.stringify(before)), copy);
      assert.notEqual(after, before);
      assert.equal(after.stages[0], before.stages[0]);
    });
  });

  describe('when an event names a stage it was not given', () => {
    it('adds the stage at the end', () => {
      const state = fold([ev('STEP_START', 10, 'x', { attempt: 1, idempotencyKey: 'k' })], initialProgress({ stages: ['a'], startedAt: 0 }));
      assert.deepEqual(state.stages.map((s) => [s.stageId, s.status]), [['a', 'PENDING'], ['x', 'RUNNING']]);
    });
  });

  describe('when a stage is skipped twice or the run is cancelled', () => {
    it('counts the stage once and marks the run CANCELLED', () => {
      const state = fold([
        ev('STEP_SKIPPED', 0, 'a', { reason: 'up to date', status: 'CACHED' }),
        ev('STEP_SKIPPED', 0, 'a', { reason: 'up to date', status: 'CACHED' }),
        ev('CANCELLED', 50, 'b', { reason: 'cancelled by the user' }),
        ev('CANCELLED', 50, undefined, { reason: 'cancelled by the user' }),
      ]);
      assert.deepEqual([state.settled, state.runStatus, state.stages[1].status, state.stages[1].message], [2, 'CANCELLED', 'CANCELLED', 'cancelled by the user']);
    });
  });
});

describe('ProgressFold', () => {
  const start = () => initialProgress({ stages: STAGES, maxAttempts: { c: 3 }, startedAt: 0 });
  const all = () => [
    ...firstEvents(),
    ev('LOG', 1200, 'b', {}, 'a log line changes nothing'),
    ev('STEP_START', 1300, 'x', { attempt: 1, idempotencyKey: 'kx' }),
    ev('STEP_SKIPPED', 1400, 'a', { reason: 'up to date', status: 'CACHED' }),
    ev('CANCELLED', 1500, undefined, { reason: 'cancelled by the user' }),
    ...laterEvents(),
    ...endEvents(),
  ];

  describe('when events are folded one by one', () => {
    it('has after each event the state reduceProgress gives', () => {
      const fold = new ProgressFold(start());
      let reduced = start();
      for (const event of all()) {
        fold.apply(event);
        reduced = reduceProgress(reduced, event);
        assert.deepEqual(fold.state, reduced, `after ${event.type} ${event.stageId ?? ''}`);
      }
      assert.deepEqual([fold.state.settled, fold.state.runStatus, fold.state.stages.map((s) => s.stageId)], [3, 'FAILED', ['a', 'b', 'c', 'd', 'x']]);
    });
  });

  describe('when a state it handed out is kept while more events arrive', () => {
    it('leaves that state as it was, and hands out the same object until the next change', () => {
      const from = start();
      const fold = new ProgressFold(from);
      assert.equal(fold.state, from);
      for (const event of firstEvents()) fold.apply(event);
      const kept = fold.state;
      const copy = JSON.parse(JSON.stringify(kept));
      assert.equal(fold.state, kept);
      for (const event of [...laterEvents(), ...endEvents()]) fold.apply(event);
      assert.deepEqual(JSON.parse(JSON.stringify(kept)), copy);
      assert.deepEqual(from, start());
      assert.notEqual(fold.state, kept);
    });
  });
});
