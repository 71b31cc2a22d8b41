import assert from 'node:assert/strict';
import { hasErrorCode } from '../../src/errors';
import { resolveRunOptions } from '../../src/run/run-options';

const PLAN = { maxParallel: 4, failurePolicy: 'fail-fast', items: {} } as const;

/** The message of the INVALID_OPTION that resolving `options` throws. */
function refusal(options: Record<string, unknown>): string {
  try {
    resolveRunOptions(options, PLAN);
  } catch (error) {
    assert.ok(hasErrorCode(error, 'INVALID_OPTION'), String(error));
    return error.message;
  }
  return assert.fail('accepted');
}

describe('resolveRunOptions', () => {
  describe('when no option overrides the plan', () => {
    it("takes the plan's maxParallel and failure policy", () => {
      assert.deepEqual(resolveRunOptions({}, PLAN), { maxParallel: 4, failurePolicy: 'fail-fast', items: {} });
    });
  });

  describe('when item options are given', () => {
    it('keeps them, and refuses a bad one naming the option and the value', () => {
      assert.deepEqual(resolveRunOptions({ items: { mode: 'test', sample: 5, skip: ['a'] } }, PLAN).items, { mode: 'test', sample: 5, skip: ['a'] });
      assert.throws(() => resolveRunOptions({ items: { mode: 'some' as 'full' } }, PLAN), { code: 'INVALID_OPTION', message: 'Expected `items.mode` to be `incremental`, `full` or `test`, got `some`' });
      assert.throws(() => resolveRunOptions({ items: { sample: 0 } }, PLAN), { code: 'INVALID_OPTION', message: 'Expected `items.sample` to be an integer >= 1, got `0`' });
    });
  });

  describe('when options override the plan', () => {
    it('takes them', () => {
      assert.deepEqual(resolveRunOptions({ maxParallel: 1, failurePolicy: 'keep-going', runId: 'run-1', force: ['a'], cache: false, baseDir: '/data' }, PLAN), {
        maxParallel: 1,
        failurePolicy: 'keep-going',
        items: {},
      });
    });
  });

  describe('when maxParallel is not an integer >= 1', () => {
    it('refuses it naming the field and the value', () => {
      assert.equal(refusal({ maxParallel: -1 }), 'Expected `maxParallel` to be an integer >= 1, got `-1`');
      assert.equal(refusal({ maxParallel: 0 }), 'Expected `maxParallel` to be an integer >= 1, got `0`');
      assert.equal(refusal({ maxParallel: 1.5 }), 'Expected `maxParallel` to be an integer >= 1, got `1.5`');
      assert.equal(refusal({ maxParallel: NaN }), 'Expected `maxParallel` to be an integer >= 1, got `NaN`');
      assert.equal(refusal({ maxParallel: Infinity }), 'Expected `maxParallel` to be an integer >= 1, got `Infinity`');
      assert.equal(refusal({ maxParallel: '2' }), 'Expected `maxParallel` to be an integer >= 1, got `2`');
    });
  });

  describe('when the other options have the wrong form', () => {
    it('refuses each, naming the field and the value', () => {
      assert.equal(refusal({ failurePolicy: 'fail-slow' }), 'Expected `failurePolicy` to be `fail-fast` or `keep-going`, got `fail-slow`');
      assert.equal(refusal({ cache: 'no' }), 'Expected `cache` to be a boolean, got `no`');
      assert.equal(refusal({ force: ['a', 1] }), 'Expected `force` to be a boolean or an array of stage ids, got `["a",1]`');
      assert.equal(refusal({ runId: '../x' }), "Expected `runId` to be letters, digits, '.', '_' or '-' (not starting with '.' or '-', at most 200), got `../x`");
      assert.equal(refusal({ resume: '' }), "Expected `resume` to be letters, digits, '.', '_' or '-' (not starting with '.' or '-', at most 200), got ``");
      assert.equal(refusal({ baseDir: '' }), 'Expected `baseDir` to be a non-empty string, got ``');
      assert.equal(refusal({ editedInCell: { a: ['code'] } }), 'Expected `editedInCell` to be an object of stage ids to arrays of \'stage\' or \'params\', got `{"a":["code"]}`');
    });
  });

  describe('when several options are wrong', () => {
    it('reports them all in one error, with their fields and values as data', () => {
      try {
        resolveRunOptions({ maxParallel: -1, cache: 1 } as never, PLAN);
        assert.fail('accepted');
      } catch (error) {
        assert.ok(hasErrorCode(error, 'INVALID_OPTION'));
        assert.equal(error.message, 'Expected `maxParallel` to be an integer >= 1, got `-1`; Expected `cache` to be a boolean, got `1`');
        assert.deepEqual(error.data, { problems: [{ field: 'maxParallel', value: '-1' }, { field: 'cache', value: '1' }] });
      }
    });
  });
});
