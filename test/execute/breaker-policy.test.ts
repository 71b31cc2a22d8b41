import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock';
import { hasErrorCode, type ErrorClass } from '../../src/errors';
import { breakerPolicy } from '../../src/execute/breaker-policy';
import { CircuitBreaker } from '../../src/execute/circuit-breaker';

/** 2024-12-02T10:30:45.000Z */
const T0 = Date.UTC(2024, 11, 2, 10, 30, 45);

function setup(errorClass: ErrorClass = 'transient') {
  const clock = new ManualClock(T0);
  const breaker = new CircuitBreaker({ key: 'llm', failureThreshold: 2, recoveryTimeoutMs: 60_000, clock });
  const controller = new AbortController();
  const policy = breakerPolicy(breaker, 'enrich', () => errorClass);
  return { clock, breaker, controller, policy, context: { attempt: 1, signal: controller.signal } };
}

const fail = async (): Promise<never> => {
  throw new Error('503');
};

describe('breakerPolicy', () => {
  describe('when calls fail up to the threshold', () => {
    it('counts each failure, opens, and then refuses with CIRCUIT_OPEN without calling', async () => {
      const { breaker, policy, context } = setup();
      await assert.rejects(policy.execute(fail, context), /503/);
      assert.deepEqual(breaker.toJSON(), { state: 'CLOSED', failures: 1, openedAt: null });
      await assert.rejects(policy.execute(fail, context), /503/);
      assert.deepEqual(breaker.toJSON(), { state: 'OPEN', failures: 2, openedAt: T0 });
      let called = false;
      await assert.rejects(policy.execute(async () => (called = true), context), (e: unknown) => hasErrorCode(e, 'CIRCUIT_OPEN'));
      assert.equal(called, false);
    });
  });

  describe('when a call succeeds', () => {
    it('resets the count and returns the value', async () => {
      const { breaker, policy, context } = setup();
      await assert.rejects(policy.execute(fail, context));
      assert.equal(await policy.execute(async () => 'ok', context), 'ok');
      assert.deepEqual(breaker.toJSON(), { state: 'CLOSED', failures: 0, openedAt: null });
    });
  });

  describe('when a call fails with a persistent error', () => {
    it('leaves the count as it was (the breaker\'s rule for its class)', async () => {
      const { breaker, policy, context } = setup('persistent');
      await assert.rejects(policy.execute(fail, context));
      assert.deepEqual(breaker.toJSON(), { state: 'CLOSED', failures: 0, openedAt: null });
    });
  });

  describe('when the caller\'s signal aborted during the call', () => {
    it('releases the permit without counting the failure', async () => {
      const { breaker, policy, context, controller } = setup();
      await assert.rejects(policy.execute(async () => { controller.abort(); throw new Error('cancelled'); }, context));
      assert.deepEqual(breaker.toJSON(), { state: 'CLOSED', failures: 0, openedAt: null });
    });
  });
});
