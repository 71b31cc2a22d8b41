import { strict as assert } from 'node:assert';
import { inspect } from 'node:util';
import { DagbookError, errorMessage, hasErrorCode, isDagbookError, isNonRetryableError, NonRetryableError, planInvalidError } from '../src/errors';

describe('errors', () => {
  describe('when a module is loaded twice (a notebook cell re-imports it)', () => {
    it('recognises errors by their brand, not their class', () => {
      const fromOtherCopy = Object.assign(new Error('x'), { __dagbookError: true, code: 'STAGE_TIMEOUT' });
      assert.equal(fromOtherCopy instanceof DagbookError, false);
      assert.equal(isDagbookError(fromOtherCopy), true);
      assert.equal(hasErrorCode(fromOtherCopy, 'STAGE_TIMEOUT'), true);
      assert.equal(isNonRetryableError(Object.assign(new Error('y'), { __dagbookNonRetryable: true })), true);
      assert.equal(isDagbookError(new Error('plain')), false);
    });
  });

  describe('when a stage author stops retries', () => {
    it('carries the error class, persistent by default', () => {
      assert.equal(new NonRetryableError('bad input').errorClass, 'persistent');
      assert.equal(new NonRetryableError('bug', { errorClass: 'logic' }).errorClass, 'logic');
    });
  });

  describe('when a definition has several problems', () => {
    it('lists them all in one message with their codes and paths', () => {
      const e = planInvalidError([
        { code: 'PLAN_UNKNOWN_DEP', path: 'stages.b.deps[0]', message: 'unknown stage `typo`; did you mean `typing`?' },
        { code: 'PLAN_CYCLE', path: 'stages', message: 'cycle a -> c -> a' },
      ]);
      assert.equal(e.code, 'PLAN_INVALID');
      assert.equal(
        e.message,
        'The pipeline definition has 2 problems:\n  - [PLAN_UNKNOWN_DEP] stages.b.deps[0]: unknown stage `typo`; did you mean `typing`?\n  - [PLAN_CYCLE] stages: cycle a -> c -> a',
      );
      assert.equal((e.data.issues as unknown[]).length, 2);
    });
  });

  describe('when a DagbookError is inspected (a notebook cell or a console prints it)', () => {
    it('prints one line with its code, without a dump of its fields', () => {
      const e = new DagbookError('INVALID_OPTION', '`orders` has no run to resume');
      assert.equal(inspect(e), 'DagbookError [INVALID_OPTION]: `orders` has no run to resume');
      assert.equal(String(e), 'DagbookError [INVALID_OPTION]: `orders` has no run to resume');
    });

    it('adds the stage, one line of data and the cause when there are', () => {
      const e = new DagbookError('OUTPUT_MISSING', 'Stage `clean` has no stored output yet', {
        stageId: 'clean',
        data: { outputHash: 'ab12', tried: ['db.json', 'outputs/'] },
        cause: new Error('ENOENT: no such file\nsecond line'),
      });
      assert.equal(
        inspect(e),
        [
          'DagbookError [OUTPUT_MISSING]: Stage `clean` has no stored output yet',
          '  stage: clean',
          '  data: {"outputHash":"ab12","tried":["db.json","outputs/"]}',
          '  cause: ENOENT: no such file',
        ].join('\n'),
      );
    });

    it('cuts long data at 160 characters', () => {
      const line = inspect(new DagbookError('INVALID_OPTION', 'x', { data: { value: 'v'.repeat(300) } })).split('\n')[1];
      assert.equal(line, `  data: {"value":"${'v'.repeat(149)}…`);
    });
  });

  describe('errorMessage', () => {
    it('reads a message from anything thrown', () => {
      assert.deepEqual([errorMessage(new Error('a')), errorMessage('b'), errorMessage({ c: 1 })], ['a', 'b', '{"c":1}']);
    });
  });
});
