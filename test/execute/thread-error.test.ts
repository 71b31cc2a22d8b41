import assert from 'node:assert/strict';
import { DagbookError, isDagbookError, isNonRetryableError, NonRetryableError } from '../../src/errors';
import { classifyError, storedErrorCode } from '../../src/execute/classify';
import { rebuildThreadError, serializeThreadError } from '../../src/execute/thread-error';

/** What a value becomes after crossing a thread: serialized, cloned, rebuilt. */
function across(value: unknown): unknown {
  return rebuildThreadError(structuredClone(serializeThreadError(value)));
}

describe('thread-error', () => {
  describe('when a DagbookError crosses', () => {
    it('keeps its brand, code, class, stage id, data, name, message and stack', () => {
      const original = new DagbookError('BUDGET_EXHAUSTED', 'over budget', { stageId: 's', errorClass: 'resource', data: { used: 3, limit: 2 } });
      const rebuilt = across(original);
      assert.ok(isDagbookError(rebuilt));
      assert.deepEqual(
        [rebuilt.code, rebuilt.errorClass, rebuilt.stageId, rebuilt.data, rebuilt.name, rebuilt.message, rebuilt.stack],
        ['BUDGET_EXHAUSTED', 'resource', 's', { used: 3, limit: 2 }, 'DagbookError', 'over budget', original.stack],
      );
    });
  });

  describe('when a NonRetryableError crosses', () => {
    it('stays non-retryable with its class', () => {
      const original = new NonRetryableError('bad input', { errorClass: 'logic' });
      const rebuilt = across(original);
      assert.ok(isNonRetryableError(rebuilt));
      assert.deepEqual([rebuilt.errorClass, rebuilt.name, rebuilt.message, rebuilt.stack], ['logic', 'NonRetryableError', 'bad input', original.stack]);
      assert.equal(storedErrorCode(rebuilt), 'NON_RETRYABLE');
    });
  });

  describe('when built-in errors cross', () => {
    it('keeps a TypeError a logic error', () => {
      const rebuilt = across(new TypeError('x is not a function'));
      assert.ok(rebuilt instanceof TypeError);
      assert.equal(classifyError(rebuilt), 'logic');
    });

    it('keeps the network code in the cause chain, so the failure stays transient', () => {
      const original = new TypeError('fetch failed', { cause: Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' }) });
      const rebuilt = across(original) as Error & { cause: Error & { code: string } };
      assert.equal(rebuilt.cause.code, 'ECONNREFUSED');
      assert.equal(rebuilt.cause.message, 'connect refused');
      assert.equal(classifyError(rebuilt), 'transient');
    });

    it('keeps an HTTP status, so a 404 stays persistent', () => {
      const rebuilt = across(Object.assign(new Error('not found'), { status: 404 }));
      assert.equal(classifyError(rebuilt), 'persistent');
    });

    it('keeps a custom name', () => {
      class QuotaError extends Error {
        constructor() {
          super('quota');
          this.name = 'QuotaError';
        }
      }
      const rebuilt = across(new QuotaError()) as Error;
      assert.deepEqual([rebuilt.name, rebuilt.message], ['QuotaError', 'quota']);
    });
  });

  describe('when a value that is not an Error is thrown', () => {
    it('comes back as the same value', () => {
      assert.equal(across('plain text'), 'plain text');
      assert.deepEqual(across({ reason: 'odd' }), { reason: 'odd' });
      assert.equal(across(undefined), 'undefined');
    });
  });
});
