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

  describe('when code parts changed', () => {
    it('names each file, code dependency and package, the function first', () => {
      const was = {
        'code:fn': 'stages.ts#scale',
        'code:file:stages.ts': 's1',
        'code:file:lib/helper.ts': 'h1',
        'code:file:lib/old.ts': 'o1',
        'code:dep:helper': 'd1',
        'code:pkg:lodash': '4.17.20',
        'code:pkg:left-pad': '1.0.0',
        'param:x': 'p1',
      };
      const now = {
        'code:fn': 'stages.ts#scaleAll',
        'code:file:stages.ts': 's1',
        'code:file:lib/helper.ts': 'h2',
        'code:file:lib/new.ts': 'n1',
        'code:dep:helper': 'd2',
        'code:dep:clean': 'c1',
        'code:pkg:lodash': '4.17.21',
        'code:pkg:zod': '3.25.76',
        'param:x': 'p2',
      };
      assert.deepEqual(describeChanges(was, now), [
        'stage function changed (stages.ts#scale -> stages.ts#scaleAll)',
        'code changed: lib/helper.ts',
        'code added: lib/new.ts',
        'code removed: lib/old.ts',
        'code dependency `clean` added',
        'code dependency `helper` changed',
        'package `left-pad` removed',
        'package `lodash` changed (4.17.20 -> 4.17.21)',
        'package `zod` added (3.25.76)',
        'param `x` changed',
      ]);
    });

    it('says "code changed" when an inline function`s text changed', () => {
      assert.deepEqual(describeChanges({ 'code:fn': 'aaa' }, { 'code:fn': 'bbb' }), ['code changed']);
    });
  });

  describe('when a version is declared in place of tracked code, or the key was made with a single code hash', () => {
    it('says so once, without listing the code parts', () => {
      const tracked = { 'code:fn': 'stages.ts#scale', 'code:file:stages.ts': 's1', 'param:x': 'p1' };
      assert.deepEqual(describeChanges(tracked, { code: 'version:1', 'param:x': 'p1' }), ['version declared or removed']);
      assert.deepEqual(describeChanges({ code: 'version:1', 'param:x': 'p1' }, tracked), ['version declared or removed']);
      assert.deepEqual(describeChanges({ code: 'code:aaa', 'param:x': 'p1' }, tracked), ['code changed']);
    });
  });
});
