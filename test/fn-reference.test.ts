import { strict as assert } from 'node:assert';
import { FN_REFERENCE_PATTERN, formatFnReference, parseFnReference } from '../src/fn-reference';

describe('fn reference', () => {
  describe('FN_REFERENCE_PATTERN', () => {
    describe('when a reference is written as a definition writes it', () => {
      it('accepts a module, `#` and an identifier', () => {
        assert.deepEqual(['./stages#typing', '/abs/stages.ts#run_1', 'pkg/mod#$x'].map((r) => FN_REFERENCE_PATTERN.test(r)), [true, true, true]);
      });
    });

    describe('when it is not', () => {
      it('refuses no module, no export, a second `#`, spaces and an export that is no identifier', () => {
        assert.deepEqual(
          ['#typing', './stages#', './stages', './a#b#c', './my stages#typing', './stages#1st'].map((r) => FN_REFERENCE_PATTERN.test(r)),
          [false, false, false, false, false, false],
        );
      });
    });
  });

  describe('parseFnReference', () => {
    describe('when there is a module before a `#`', () => {
      it('splits at the last `#`, so a resolved path may hold one', () => {
        assert.deepEqual(parseFnReference('./stages#typing'), { module: './stages', exportName: 'typing' });
        assert.deepEqual(parseFnReference('/work/my #1 folder/stages.ts#typing'), { module: '/work/my #1 folder/stages.ts', exportName: 'typing' });
      });
    });

    describe('when there is no module before a `#`', () => {
      it('is undefined', () => {
        assert.deepEqual([parseFnReference('stages'), parseFnReference('#typing'), parseFnReference('')], [undefined, undefined, undefined]);
      });
    });
  });

  describe('formatFnReference', () => {
    describe('when given the parts', () => {
      it('joins them with `#`, the inverse of parsing', () => {
        assert.equal(formatFnReference({ module: '/abs/stages.ts', exportName: 'typing' }), '/abs/stages.ts#typing');
        assert.deepEqual(parseFnReference(formatFnReference({ module: '/a#b/c.ts', exportName: 'run' })), { module: '/a#b/c.ts', exportName: 'run' });
      });
    });
  });
});
