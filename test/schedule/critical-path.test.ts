import assert from 'node:assert/strict';
import { criticalPathLengths } from '../../src/schedule/critical-path';

describe('criticalPathLengths', () => {
  describe('when every duration is known', () => {
    it('gives each stage its longest remaining chain, own duration included', () => {
      // a -> b -> d, a -> c -> d
      const lengths = criticalPathLengths({
        order: ['a', 'b', 'c', 'd'],
        dependents: { a: ['b', 'c'], b: ['d'], c: ['d'], d: [] },
        durations: { a: 10, b: 50, c: 5, d: 20 },
      });
      assert.deepEqual(lengths, { a: 80, b: 70, c: 25, d: 20 });
    });
  });

  describe('when some durations are missing', () => {
    it('counts each missing one as 1 ms by default', () => {
      const lengths = criticalPathLengths({
        order: ['a', 'b', 'c'],
        dependents: { a: ['b'], b: ['c'], c: [] },
        durations: { b: 7 },
      });
      assert.deepEqual(lengths, { a: 9, b: 8, c: 1 });
    });

    it('counts each missing one as `defaultMs` when given', () => {
      const lengths = criticalPathLengths({
        order: ['a', 'b', 'c'],
        dependents: { a: ['b'], b: ['c'], c: [] },
        durations: { b: 7 },
        defaultMs: 100,
      });
      assert.deepEqual(lengths, { a: 207, b: 107, c: 100 });
    });
  });

  describe('when no durations are given', () => {
    it('gives the number of stages on the longest remaining chain', () => {
      const lengths = criticalPathLengths({
        order: ['x', 'a', 'b', 'c', 'y'],
        dependents: { x: [], a: ['b', 'y'], b: ['c'], c: [], y: [] },
      });
      assert.deepEqual(lengths, { x: 1, a: 3, b: 2, c: 1, y: 1 });
    });
  });

  describe('when a dependent is outside the order', () => {
    it('ignores it', () => {
      const lengths = criticalPathLengths({
        order: ['a', 'b'],
        dependents: { a: ['b', 'elsewhere'], b: [] },
        durations: { a: 3, b: 4, elsewhere: 1000 },
      });
      assert.deepEqual(lengths, { a: 7, b: 4 });
    });
  });

  describe('when the order is empty', () => {
    it('returns no lengths', () => {
      assert.deepEqual(criticalPathLengths({ order: [], dependents: {} }), {});
    });
  });
});
