import { strict as assert } from 'node:assert';
import { ManualClock, systemClock } from '../src/clock';

describe('ManualClock', () => {
  describe('when advanced', () => {
    it('wakes sleepers in time order, each at its own time, and records every delay', async () => {
      const clock = new ManualClock(1000);
      const woke: [string, number][] = [];
      void clock.sleep(300).then(() => woke.push(['b', clock.now()]));
      void clock.sleep(100).then(() => woke.push(['a', clock.now()]));
      void clock.sleep(500).then(() => woke.push(['c', clock.now()]));
      await clock.advance(400);
      assert.deepEqual(woke, [
        ['a', 1100],
        ['b', 1300],
      ]);
      assert.equal(clock.now(), 1400);
      assert.equal(clock.pending, 1);
      await clock.advance(100);
      assert.deepEqual(woke[2], ['c', 1500]);
      assert.deepEqual(clock.sleeps, [300, 100, 500]);
    });
  });

  describe('when a sleep is aborted', () => {
    it('rejects with the signal reason and forgets the sleeper', async () => {
      const clock = new ManualClock();
      const controller = new AbortController();
      const sleeping = clock.sleep(1000, controller.signal);
      controller.abort(new Error('stop'));
      await assert.rejects(sleeping, /stop/);
      assert.equal(clock.pending, 0);
    });
  });

  describe('when running a promise to its end', () => {
    it('moves time from sleep to sleep until it settles', async () => {
      const clock = new ManualClock();
      const work = (async () => {
        await clock.sleep(100);
        await new Promise((r) => setImmediate(r)); // I/O between two waits
        await clock.sleep(200);
        return clock.now();
      })();
      assert.equal(await clock.runUntil(work), 300);
    });
  });
});

describe('systemClock.sleep', () => {
  describe('when the signal is already aborted', () => {
    it("rejects at once with the signal's reason", async () => {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(systemClock.sleep(10_000, controller.signal), (e: unknown) => (e as Error).name === 'AbortError');
    });
  });

  describe('when it is not aborted', () => {
    it('resolves with nothing', async () => {
      assert.equal(await systemClock.sleep(1), undefined);
    });
  });
});
