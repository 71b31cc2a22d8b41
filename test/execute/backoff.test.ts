import assert from 'node:assert/strict';
import { backoffDelay } from '../../src/execute/backoff';
import { hasErrorCode } from '../../src/errors';
import type { PlanRetry } from '../../src/plan/plan';
import { seededRandom } from '../../src/random';

/** SMVM retry table: Validate Idea (3 attempts, 1s base, 10s max, jitter 0.1). */
const validate: PlanRetry = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10000, jitter: 0.1, minDelayMs: 100, retryOn: ['transient'] };
/** SMVM retry table: Ingest Data (5 attempts, 2s base, 30s max, jitter 0.2). */
const ingest: PlanRetry = { maxAttempts: 5, baseDelayMs: 2000, maxDelayMs: 30000, jitter: 0.2, minDelayMs: 100, retryOn: ['transient'] };

const never = (): number => {
  throw new Error('random must not be drawn when jitter is 0');
};

function delays(retry: PlanRetry, random: () => number): number[] {
  return Array.from({ length: retry.maxAttempts - 1 }, (_, i) => backoffDelay(i + 1, retry, random));
}

describe('backoffDelay', () => {
  describe('when jitter is 0', () => {
    it('doubles from the base delay for the validate row', () => {
      assert.deepEqual(delays({ ...validate, jitter: 0 }, never), [1000, 2000]);
    });

    it('doubles from the base delay for the ingest row', () => {
      assert.deepEqual(delays({ ...ingest, jitter: 0 }, never), [2000, 4000, 8000, 16000]);
    });

    it('caps the delay at maxDelayMs', () => {
      assert.deepEqual(
        [1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, { ...validate, jitter: 0 }, never)),
        [1000, 2000, 4000, 8000, 10000, 10000],
      );
    });

    it('never goes below minDelayMs', () => {
      assert.equal(backoffDelay(1, { ...validate, baseDelayMs: 10, jitter: 0 }, never), 100);
    });
  });

  describe('when jitter is set and the random source is seededRandom(42)', () => {
    it('gives the exact jittered validate delays', () => {
      // draws 0.6011..., 0.4482...: 1000 * (1 + 0.1 * 0.2022) and 2000 * (1 - 0.1 * 0.1034)
      assert.deepEqual(delays(validate, seededRandom(42)), [1020, 1979]);
    });

    it('gives the exact jittered ingest delays', () => {
      assert.deepEqual(delays(ingest, seededRandom(42)), [2081, 3917, 9128, 17086]);
    });

    it('stays within +/- jitter of the un-jittered delay at the extremes of random()', () => {
      assert.equal(backoffDelay(3, ingest, () => 0), 6400);
      assert.equal(backoffDelay(3, ingest, () => 0.9999999999), 9600);
    });

    it('applies the floor after the jitter', () => {
      assert.equal(backoffDelay(1, { ...validate, baseDelayMs: 100, jitter: 0.5 }, () => 0), 100);
    });
  });

  describe('when the policy has a delay schedule (the trial team: 5 s, 30 s, 5 min)', () => {
    const trials: PlanRetry = { ...validate, maxAttempts: 6, delaysMs: [5000, 30000, 300000], jitter: 0 };

    it('waits the schedule in order, then its last entry for every attempt past its end', () => {
      assert.deepEqual(delays(trials, never), [5000, 30000, 300000, 300000, 300000]);
    });

    it('ignores baseDelayMs and maxDelayMs', () => {
      assert.deepEqual(delays({ ...trials, baseDelayMs: 1, maxDelayMs: 2 }, never), [5000, 30000, 300000, 300000, 300000]);
    });

    it('applies the jitter to each scheduled delay, drawing as the exponential backoff does', () => {
      // draws 0.6011, 0.4483, 0.8525, 0.6697, 0.1748: 5000 * (1 + 0.1 * 0.2022), 30000 * (1 - 0.1 * 0.1034), 300000 * (1 + 0.1 * 0.7049), ...
      assert.deepEqual(delays({ ...trials, jitter: 0.1 }, seededRandom(42)), [5101, 29690, 321148, 310184, 280489]);
    });

    it('raises a scheduled delay below minDelayMs to it', () => {
      assert.deepEqual(delays({ ...trials, maxAttempts: 3, delaysMs: [0, 50] }, never), [100, 100]);
    });
  });

  describe('when the attempt number is not an integer >= 1', () => {
    for (const attempt of [0, -1, 1.5, Number.NaN]) {
      it(`throws INVALID_OPTION naming the value ${String(attempt)}`, () => {
        assert.throws(
          () => backoffDelay(attempt, validate, never),
          (e: unknown) =>
            hasErrorCode(e, 'INVALID_OPTION') &&
            e.message === `Expected \`attempt\` to be an integer >= 1, got \`${String(attempt)}\``,
        );
      });
    }
  });
});
