import { strict as assert } from 'node:assert';
import { cacheKey, describeChanges, MISSING_FILE } from '../../src/plan/cache-key';

describe('describeChanges', () => {
  const before = { code: 'code:aaa', 'param:x': 'h1', 'param:y': 'h2', 'upstream:typing': 'u1', 'file:data/a.csv': 'f1' };

  describe('when nothing changed', () => {
    it('returns no reason, and the keys are equal', () => {
      assert.deepEqual(describeChanges(before, { ...before }), []);
      assert.equal(cacheKey(before), cacheKey({ ...before }));
    });
  });

  describe('when several parts changed', () => {
    it('names each, code first, then params, upstream outputs and input files', () => {
      const after = { code: 'code:bbb', 'param:x': 'h9', 'param:z': 'h3', 'upstream:typing': 'u2', 'file:data/a.csv': 'f2' };
      assert.deepEqual(describeChanges(before, after), [
        'code changed',
        'param `x` changed',
        'param `y` removed',
        'param `z` added',
        'upstream `typing` output changed',
        'input file `data/a.csv` changed',
      ]);
      assert.notEqual(cacheKey(before), cacheKey(after));
    });
  });

  describe('when a declared version changed or a file disappeared', () => {
    it('says so', () => {
      assert.deepEqual(
        describeChanges({ code: 'version:1', 'file:b.csv': 'f' }, { code: 'version:2', 'file:b.csv': MISSING_FILE }),
        ['version changed (1 -> 2)', 'input file `b.csv` is missing'],
      );
    });
  });
});
