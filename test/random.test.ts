import { strict as assert } from 'node:assert';
import { seededRandom } from '../src/random';

describe('seededRandom', () => {
  describe('when two sources share a seed', () => {
    it('yield the same sequence, in [0, 1)', () => {
      const a = seededRandom(42);
      const b = seededRandom(42);
      const xs = Array.from({ length: 1000 }, () => a());
      assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
      assert.ok(xs.every((x) => x >= 0 && x < 1));
    });
  });

  describe('when the seeds differ', () => {
    it('yield different sequences', () => {
      assert.notEqual(seededRandom(1)(), seededRandom(2)());
    });
  });
});
