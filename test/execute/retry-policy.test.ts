import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock';
import { DagbookError, NonRetryableError, hasErrorCode } from '../../src/errors';
import { classifyError } from '../../src/execute/classify';
import { retryPolicy, type RetryFailure, type RetryPolicyOptions } from '../../src/execute/retry-policy';
import type { PlanRetry } from '../../src/plan/plan';
import { seededRandom } from '../../src/random';

const RETRY: PlanRetry = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 3000, jitter: 0, minDelayMs: 100, retryOn: ['transient'] };

function setup(overrides: Partial<RetryPolicyOptions> = {}) {
  const clock = new ManualClock(0);
  const failures: RetryFailure[] = [];
  const controller = new AbortController();
  const policy = retryPolicy({
    retry: RETRY,
    clock,
    random: seededRandom(42),
    classify: (e) => classifyError(e),
    onFailure: (f) => failures.push(f),
    ...overrides,
  });
  return { clock, failures, controller, policy };
}

/** Fails with a transient error until attempt `okOn`; notes each attempt number. */
function until(okOn: number, calls: number[]) {
  return async ({ attempt }: { attempt: number }) => {
    calls.push(attempt);
    if (attempt < okOn) throw new Error(`503 on ${attempt}`);
    return `ok on ${attempt}`;
  };
}

describe('retryPolicy', () => {
  describe('when attempts fail with a transient error and then one succeeds', () => {
    it('calls again after exponential delays on the clock and returns the value', async () => {
      const { clock, failures, controller, policy } = setup();
      const calls: number[] = [];
      const value = await clock.runUntil(policy.execute(until(4, calls), { attempt: 1, signal: controller.signal }));
      assert.equal(value, 'ok on 4');
      assert.deepEqual(calls, [1, 2, 3, 4]);
      assert.deepEqual(clock.sleeps, [1000, 2000, 3000]);
      assert.deepEqual(failures.map((f) => [f.attempt, f.errorClass, f.delayMs]), [[1, 'transient', 1000], [2, 'transient', 2000], [3, 'transient', 3000]]);
    });
  });

  describe('when the retry policy has jitter and random is seededRandom(42)', () => {
    it('waits the exact jittered delays', async () => {
      const { clock, controller, policy } = setup({ retry: { ...RETRY, jitter: 0.1 } });
      await clock.runUntil(policy.execute(until(3, []), { attempt: 1, signal: controller.signal }));
      assert.deepEqual(clock.sleeps, [1020, 1979]);
    });
  });

  describe('when the retry policy has a delay schedule of 5 s, 30 s, 5 min', () => {
    const schedule: PlanRetry = { ...RETRY, maxAttempts: 6, delaysMs: [5000, 30000, 300000] };

    it('waits the scheduled delays on the clock, the last one again past the end, until an attempt succeeds', async () => {
      const { clock, failures, controller, policy } = setup({ retry: schedule });
      const calls: number[] = [];
      const value = await clock.runUntil(policy.execute(until(6, calls), { attempt: 1, signal: controller.signal }));
      assert.equal(value, 'ok on 6');
      assert.deepEqual(calls, [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(clock.sleeps, [5000, 30000, 300000, 300000, 300000]);
      assert.equal(clock.now(), 935000);
      assert.deepEqual(failures.map((f) => [f.attempt, f.delayMs]), [[1, 5000], [2, 30000], [3, 300000], [4, 300000], [5, 300000]]);
    });

    it('waits 5 s then 30 s and gives up after the third attempt when maxAttempts is 3', async () => {
      const { clock, failures, controller, policy } = setup({ retry: { ...schedule, maxAttempts: 3 } });
      const calls: number[] = [];
      await assert.rejects(clock.runUntil(policy.execute(until(99, calls), { attempt: 1, signal: controller.signal })), /503 on 3/);
      assert.deepEqual(calls, [1, 2, 3]);
      assert.deepEqual(clock.sleeps, [5000, 30000]);
      assert.deepEqual(failures.map((f) => [f.attempt, f.delayMs]), [[1, 5000], [2, 30000], [3, undefined]]);
    });

    it('waits the jittered scheduled delays with seededRandom(42) and jitter 0.1', async () => {
      const { clock, controller, policy } = setup({ retry: { ...schedule, jitter: 0.1 } });
      await clock.runUntil(policy.execute(until(4, []), { attempt: 1, signal: controller.signal }));
      assert.deepEqual(clock.sleeps, [5101, 29690, 321148]);
    });

    it('waits from the third delay of the schedule when its first attempt is 3 (a resumed stage)', async () => {
      const { clock, controller, policy } = setup({ retry: schedule, firstAttempt: 3 });
      await clock.runUntil(policy.execute(until(5, []), { attempt: 1, signal: controller.signal }));
      assert.deepEqual(clock.sleeps, [300000, 300000]);
    });
  });

  describe('when every attempt fails', () => {
    it('gives up at lastAttempt, rethrowing the last error, reported without a delay', async () => {
      const { clock, failures, controller, policy } = setup({ firstAttempt: 3 });
      const calls: number[] = [];
      await assert.rejects(clock.runUntil(policy.execute(until(99, calls), { attempt: 1, signal: controller.signal })), /503 on 4/);
      assert.deepEqual(calls, [3, 4]);
      assert.deepEqual(clock.sleeps, [3000]);
      assert.deepEqual(failures.map((f) => [f.attempt, f.delayMs]), [[3, 3000], [4, undefined]]);
    });
  });

  describe('when a failure is not retryable', () => {
    for (const [what, error] of [
      ['a NonRetryableError', new NonRetryableError('empty input')],
      ['a class outside retryOn (logic)', new TypeError('x is undefined')],
      ['BUDGET_EXHAUSTED', new DagbookError('BUDGET_EXHAUSTED', 'used up', { errorClass: 'transient' })],
      ['CIRCUIT_OPEN', new DagbookError('CIRCUIT_OPEN', 'open', { errorClass: 'transient' })],
    ] as const) {
      it(`gives up at once on ${what}`, async () => {
        const { clock, failures, controller, policy } = setup();
        const calls: number[] = [];
        await assert.rejects(policy.execute(async ({ attempt }) => { calls.push(attempt); throw error; }, { attempt: 1, signal: controller.signal }), (e: unknown) => e === error);
        assert.deepEqual(calls, [1]);
        assert.deepEqual(clock.sleeps, []);
        assert.deepEqual(failures.map((f) => [f.attempt, f.delayMs]), [[1, undefined]]);
      });
    }
  });

  describe('when the signal aborts during a backoff wait', () => {
    it('rejects with the signal\'s reason and makes no further attempt', async () => {
      const { clock, controller, policy } = setup();
      const calls: number[] = [];
      const done = policy.execute(until(99, calls), { attempt: 1, signal: controller.signal });
      await clock.advance(500);
      controller.abort(new Error('user pressed stop'));
      await assert.rejects(done, /user pressed stop/);
      assert.deepEqual(calls, [1]);
    });
  });

  describe('when an attempt fails while the signal is aborted', () => {
    it('rethrows at once without reporting a failure', async () => {
      const { failures, controller, policy } = setup();
      await assert.rejects(
        policy.execute(async () => { controller.abort(); throw new Error('aborted mid-call'); }, { attempt: 1, signal: controller.signal }),
        /aborted mid-call/,
      );
      assert.deepEqual(failures, []);
    });
  });

  describe('when the options are out of range', () => {
    it('rejects a firstAttempt below 1 and a lastAttempt below firstAttempt, naming the value', () => {
      assert.throws(() => setup({ firstAttempt: 0 }), (e: unknown) => hasErrorCode(e, 'INVALID_OPTION') && e.message === 'Expected `firstAttempt` to be an integer >= 1, got `0`');
      assert.throws(() => setup({ firstAttempt: 3, lastAttempt: 2 }), (e: unknown) => hasErrorCode(e, 'INVALID_OPTION') && e.message === 'Expected `lastAttempt` to be an integer >= 3, got `2`');
    });
  });
});
