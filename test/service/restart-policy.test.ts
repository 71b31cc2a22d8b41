import assert from 'node:assert/strict';
import { RestartPolicy } from '../../src/service/restart-policy';

const options = { maxRestarts: 3, windowMs: 60_000, backoff: { baseMs: 1000, maxMs: 3000 } };

describe('RestartPolicy', () => {
  describe('when a service crashes in a loop', () => {
    it('restarts it after 1 s, 2 s, then the 3 s cap, and gives up at the fourth crash within the window', () => {
      const policy = new RestartPolicy(options);
      assert.deepEqual([policy.onCrash(0), policy.onCrash(10), policy.onCrash(20), policy.onCrash(30)], [
        { restart: true, delayMs: 1000, restartsInWindow: 1 },
        { restart: true, delayMs: 2000, restartsInWindow: 2 },
        { restart: true, delayMs: 3000, restartsInWindow: 3 },
        { restart: false, reason: 'crashed 4 times within 60000 ms (at most 3 restarts allowed)' },
      ]);
      assert.deepEqual(policy.toJSON(), [0, 10, 20]);
    });
  });

  describe('when earlier restarts fall out of the window', () => {
    it('forgets them and starts over at the base delay', () => {
      const policy = new RestartPolicy(options, [0, 10, 20]);
      assert.deepEqual(policy.onCrash(60_015), { restart: true, delayMs: 2000, restartsInWindow: 2 });
      assert.deepEqual(policy.toJSON(), [20, 60_015]);
    });
  });

  describe('when no restart is allowed', () => {
    it('gives up at the first crash', () => {
      assert.deepEqual(new RestartPolicy({ ...options, maxRestarts: 0 }).onCrash(5), { restart: false, reason: 'crashed once within 60000 ms (at most 0 restarts allowed)' });
    });
  });
});
