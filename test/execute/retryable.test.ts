import assert from 'node:assert/strict';
import { isRetryable } from '../../src/execute/retryable';
import { DagbookError, NonRetryableError } from '../../src/errors';

describe('isRetryable', () => {
  describe('when the class is in retryOn', () => {
    it('retries a plain error', () => {
      assert.equal(isRetryable(new Error('x'), 'transient', ['transient']), true);
      assert.equal(isRetryable(new Error('x'), 'resource', ['transient', 'resource']), true);
    });

    it('never retries a NonRetryableError or a never-retried code', () => {
      const all = ['transient', 'persistent', 'resource', 'logic'] as const;
      assert.equal(isRetryable(new NonRetryableError('x'), 'persistent', all), false);
      for (const code of ['BUDGET_EXHAUSTED', 'CIRCUIT_OPEN', 'STAGE_VALIDATION_FAILED', 'STAGE_CANCELLED', 'RUN_CANCELLED'] as const) {
        assert.equal(isRetryable(new DagbookError(code, 'x'), 'resource', all), false, code);
      }
    });

    it('retries a STAGE_TIMEOUT', () => {
      assert.equal(isRetryable(new DagbookError('STAGE_TIMEOUT', 'x'), 'transient', ['transient']), true);
    });
  });

  describe('when the class is not in retryOn', () => {
    it('does not retry', () => {
      assert.equal(isRetryable(new TypeError('x'), 'logic', ['transient']), false);
    });
  });
});
