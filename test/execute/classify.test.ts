import assert from 'node:assert/strict';
import { classifyError, storedErrorCode, toStoredError } from '../../src/execute/classify';
import { createRedactor } from '../../src/execute/redact';
import { DagbookError, NonRetryableError } from '../../src/errors';

function withProps(message: string, props: Record<string, unknown>): Error {
  return Object.assign(new Error(message), props);
}

describe('classifyError', () => {
  describe('when the stage has its own classifier', () => {
    it('uses the class it returns, before every built-in rule', () => {
      assert.equal(classifyError(new TypeError('x'), () => 'transient'), 'transient');
      assert.equal(classifyError(new NonRetryableError('x'), () => 'resource'), 'resource');
    });

    it('falls back to the rules when it returns undefined', () => {
      assert.equal(classifyError(new TypeError('x'), () => undefined), 'logic');
    });

    it('falls back to the rules when it throws', () => {
      const broken = (): undefined => {
        throw new Error('classifier bug');
      };
      assert.equal(classifyError(new RangeError('x'), broken), 'logic');
    });
  });

  describe('when the error is a NonRetryableError', () => {
    it('uses its class, persistent by default', () => {
      assert.equal(classifyError(new NonRetryableError('bad input')), 'persistent');
      assert.equal(classifyError(new NonRetryableError('bug', { errorClass: 'logic' })), 'logic');
    });
  });

  describe('when the error is a DagbookError', () => {
    it('uses its errorClass when set', () => {
      assert.equal(classifyError(new DagbookError('STAGE_FAILED', 'x', { errorClass: 'persistent' })), 'persistent');
    });

    it('classes by code otherwise', () => {
      assert.equal(classifyError(new DagbookError('BUDGET_EXHAUSTED', 'x')), 'resource');
      assert.equal(classifyError(new DagbookError('STAGE_TIMEOUT', 'x')), 'transient');
      assert.equal(classifyError(new DagbookError('CIRCUIT_OPEN', 'x')), 'resource');
      assert.equal(classifyError(new DagbookError('STAGE_VALIDATION_FAILED', 'x')), 'persistent');
      assert.equal(classifyError(new DagbookError('STAGE_FAILED', 'x')), 'transient');
    });
  });

  describe('when the error is a network failure', () => {
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EAI_AGAIN', 'EPIPE']) {
      it(`classes ${code} as transient`, () => {
        assert.equal(classifyError(withProps('socket', { code })), 'transient');
      });
    }

    it('classes Node fetch\'s "TypeError: fetch failed" with a network cause as transient, not logic', () => {
      const error = new TypeError('fetch failed', { cause: withProps('connect ECONNREFUSED', { code: 'ECONNREFUSED' }) });
      assert.equal(classifyError(error), 'transient');
    });
  });

  describe('when the error carries an HTTP status', () => {
    it('classes 429, 408 and 5xx as transient', () => {
      assert.equal(classifyError(withProps('slow down', { status: 429 })), 'transient');
      assert.equal(classifyError(withProps('timeout', { statusCode: 408 })), 'transient');
      assert.equal(classifyError(withProps('bad gateway', { statusCode: 502 })), 'transient');
      assert.equal(classifyError(withProps('unavailable', { status: '503' })), 'transient');
    });

    it('classes another 4xx as persistent', () => {
      assert.equal(classifyError(withProps('not found', { status: 404 })), 'persistent');
      assert.equal(classifyError(withProps('bad request', { statusCode: 400 })), 'persistent');
    });
  });

  describe('when the error is a built-in programming error', () => {
    it('classes TypeError, ReferenceError, SyntaxError and RangeError as logic', () => {
      assert.deepEqual(
        [new TypeError('a'), new ReferenceError('b'), new SyntaxError('c'), new RangeError('d')].map((e) => classifyError(e)),
        ['logic', 'logic', 'logic', 'logic'],
      );
    });
  });

  describe('when the error is anything else', () => {
    it('classes a plain Error, a string and an object as transient', () => {
      assert.deepEqual([new Error('x'), 'boom', { reason: 1 }].map((e) => classifyError(e)), ['transient', 'transient', 'transient']);
    });
  });
});

describe('storedErrorCode', () => {
  it('is the DagbookError code, NON_RETRYABLE, or STAGE_FAILED', () => {
    assert.equal(storedErrorCode(new DagbookError('STAGE_TIMEOUT', 'x')), 'STAGE_TIMEOUT');
    assert.equal(storedErrorCode(new NonRetryableError('x')), 'NON_RETRYABLE');
    assert.equal(storedErrorCode(new Error('x')), 'STAGE_FAILED');
    assert.equal(storedErrorCode('x'), 'STAGE_FAILED');
  });
});

describe('toStoredError', () => {
  const redact = createRedactor(['sk-live-123']);

  describe('when the error mentions a secret', () => {
    it('redacts the message, the stack and the data', () => {
      const error = new DagbookError('STAGE_FAILED', 'auth failed for sk-live-123', { data: { header: 'Bearer sk-live-123' } });
      const stored = toStoredError(error, 'transient', redact);
      assert.equal(stored.code, 'STAGE_FAILED');
      assert.equal(stored.errorClass, 'transient');
      assert.equal(stored.message, 'auth failed for ***');
      assert.deepEqual(stored.data, { header: 'Bearer ***' });
      assert.ok(stored.stack?.startsWith('DagbookError: auth failed for ***'));
      assert.ok(!JSON.stringify(stored).includes('sk-live-123'));
    });
  });

  describe('when the error is a NonRetryableError', () => {
    it('stores NON_RETRYABLE with the given class and no data', () => {
      const stored = toStoredError(new NonRetryableError('bad row 7'), 'persistent', redact);
      assert.equal(stored.code, 'NON_RETRYABLE');
      assert.equal(stored.message, 'bad row 7');
      assert.equal(stored.data, undefined);
    });
  });

  describe('when a non-Error value was thrown', () => {
    it('keeps its text as the message and has no stack', () => {
      assert.deepEqual(toStoredError('sk-live-123 leaked', 'transient', redact), {
        code: 'STAGE_FAILED',
        errorClass: 'transient',
        message: '*** leaked',
      });
    });
  });
});
