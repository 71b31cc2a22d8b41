import assert from 'node:assert/strict';
import { Scheduler } from '../../src/schedule/scheduler';

/** Takes every ready stage, in the order the scheduler hands them out. */
function takeAll(scheduler: Scheduler): string[] {
  const out: string[] = [];
  for (let id = scheduler.next(); id !== undefined; id = scheduler.next()) out.push(id);
  return out;
}

// a -> b -> d -> e, a -> c -> d, and f on its own.
const DIAMOND = {
  stages: ['a', 'b', 'c', 'd', 'e', 'f'],
  deps: { a: [], b: ['a'], c: ['a'], d: ['b', 'c'], e: ['d'], f: [] },
};

describe('Scheduler', () => {
  describe('when it starts', () => {
    it('makes the stages without deps ready and nothing running', () => {
      const scheduler = new Scheduler(DIAMOND);
      assert.equal(scheduler.readyCount, 2);
      assert.equal(scheduler.runningCount, 0);
      assert.equal(scheduler.finished, false);
    });

    it('hands out the longest remaining chain first (4 stages from a, 1 from f)', () => {
      const scheduler = new Scheduler({ ...DIAMOND, stages: ['f', 'a', 'b', 'c', 'd', 'e'] });
      assert.deepEqual(takeAll(scheduler), ['a', 'f']);
      assert.equal(scheduler.runningCount, 2);
      assert.equal(scheduler.readyCount, 0);
    });

    it('counts a dep outside the stages as satisfied', () => {
      const scheduler = new Scheduler({ stages: ['b', 'c'], deps: { b: ['a'], c: ['b'] } });
      assert.deepEqual(takeAll(scheduler), ['b']);
    });
  });

  describe('when durations are known', () => {
    it('starts the stage on the critical path first, whatever the plan order', () => {
      // quick (5 ms, alone) is first in plan order; slow (10) -> tail (10) is the critical path.
      const scheduler = new Scheduler({
        stages: ['quick', 'slow', 'tail'],
        deps: { quick: [], slow: [], tail: ['slow'] },
        durations: { quick: 5, slow: 10, tail: 10 },
      });
      assert.equal(scheduler.next(), 'slow');
      assert.equal(scheduler.next(), 'quick');
      assert.equal(scheduler.next(), undefined);
    });

    it('ranks ready stages by remaining chain length in ms: 300 before 250 before 40', () => {
      const scheduler = new Scheduler({
        stages: ['a', 'b', 'c', 'b2', 'c2'],
        deps: { a: [], b: [], c: [], b2: ['b'], c2: ['c'] },
        durations: { a: 40, b: 50, b2: 200, c: 100, c2: 200 },
      });
      assert.deepEqual(takeAll(scheduler), ['c', 'b', 'a']);
    });
  });

  describe('when ready stages tie on priority', () => {
    it('keeps plan order', () => {
      const scheduler = new Scheduler({ stages: ['z', 'y', 'x'], deps: {}, durations: { z: 3, y: 3, x: 3 } });
      assert.deepEqual(takeAll(scheduler), ['z', 'y', 'x']);
    });
  });

  describe('when stages succeed', () => {
    it('makes a dependent ready only once all its deps succeeded', () => {
      const scheduler = new Scheduler(DIAMOND);
      assert.deepEqual(takeAll(scheduler), ['a', 'f']);
      scheduler.succeeded('a');
      assert.equal(scheduler.runningCount, 1);
      assert.deepEqual(takeAll(scheduler), ['b', 'c']);
      scheduler.succeeded('b');
      assert.equal(scheduler.next(), undefined, 'd still waits on c');
      scheduler.succeeded('c');
      assert.deepEqual(takeAll(scheduler), ['d']);
      scheduler.succeeded('d');
      scheduler.succeeded('f');
      assert.deepEqual(takeAll(scheduler), ['e']);
      assert.equal(scheduler.finished, false);
      scheduler.succeeded('e');
      assert.equal(scheduler.finished, true);
      assert.equal(scheduler.runningCount, 0);
    });
  });

  describe('when a stage fails', () => {
    it('returns its transitive dependents in plan order and settles them', () => {
      const scheduler = new Scheduler(DIAMOND);
      takeAll(scheduler);
      scheduler.succeeded('a');
      takeAll(scheduler);
      assert.deepEqual(scheduler.failed('b'), ['d', 'e']);
      assert.equal(scheduler.runningCount, 2, 'c and f still run');
      scheduler.succeeded('c');
      assert.equal(scheduler.next(), undefined, 'd was blocked by b');
      scheduler.succeeded('f');
      assert.equal(scheduler.finished, true);
    });

    it('blocks every stage below a root, in plan order, and leaves the independent branch alone', () => {
      const scheduler = new Scheduler(DIAMOND);
      takeAll(scheduler);
      assert.deepEqual(scheduler.failed('a'), ['b', 'c', 'd', 'e']);
      assert.equal(scheduler.runningCount, 1);
      assert.equal(scheduler.finished, false);
      scheduler.succeeded('f');
      assert.equal(scheduler.finished, true);
    });

    it('does not list again stages an earlier failure already blocked', () => {
      const scheduler = new Scheduler(DIAMOND);
      takeAll(scheduler);
      scheduler.succeeded('a');
      takeAll(scheduler);
      assert.deepEqual(scheduler.failed('c'), ['d', 'e']);
      assert.deepEqual(scheduler.failed('b'), []);
    });

    it('returns [] for a stage without dependents', () => {
      const scheduler = new Scheduler(DIAMOND);
      takeAll(scheduler);
      assert.deepEqual(scheduler.failed('f'), []);
      assert.equal(scheduler.runningCount, 1);
    });
  });

  describe('when the unstarted stages are drained', () => {
    it('settles the waiting and ready ones, returns them in plan order, and leaves nothing ready', () => {
      const scheduler = new Scheduler({ ...DIAMOND, stages: ['f', 'a', 'b', 'c', 'd', 'e'] });
      assert.equal(scheduler.next(), 'a');
      scheduler.succeeded('a');
      assert.equal(scheduler.next(), 'b');
      assert.equal(scheduler.readyCount, 2, 'f and c');
      assert.deepEqual(scheduler.drainUnstarted(), ['f', 'c', 'd', 'e']);
      assert.equal(scheduler.readyCount, 0);
      assert.equal(scheduler.runningCount, 1);
      assert.equal(scheduler.next(), undefined);
      assert.equal(scheduler.finished, false, 'b still runs');
      scheduler.succeeded('b');
      assert.equal(scheduler.next(), undefined, 'd was drained, so b finishing does not release it');
      assert.equal(scheduler.finished, true);
    });

    it('returns [] once everything has started', () => {
      const scheduler = new Scheduler({ stages: ['a'], deps: {} });
      scheduler.next();
      assert.deepEqual(scheduler.drainUnstarted(), []);
    });
  });

  describe('when there are no stages', () => {
    it('is finished at once', () => {
      const scheduler = new Scheduler({ stages: [], deps: {} });
      assert.equal(scheduler.finished, true);
      assert.equal(scheduler.next(), undefined);
    });
  });
});
