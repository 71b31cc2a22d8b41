import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PriorityQueue } from '../../src/graph/priority-queue';

const ascending = (): PriorityQueue<number> => new PriorityQueue<number>((a, b) => a < b);

describe('PriorityQueue', () => {
  describe('when empty', () => {
    it('has size 0, pops undefined and drains to []', () => {
      const queue = ascending();
      assert.equal(queue.size, 0);
      assert.equal(queue.pop(), undefined);
      assert.deepEqual(queue.drain(), []);
    });
  });

  describe('when items are pushed out of order', () => {
    it('pops them first-first by the comparator', () => {
      const queue = ascending();
      for (const n of [5, 1, 4, 1, 5, 9, 2, 6]) queue.push(n);
      assert.equal(queue.size, 8);
      assert.equal(queue.pop(), 1);
      assert.equal(queue.pop(), 1);
      assert.equal(queue.pop(), 2);
      assert.equal(queue.size, 5);
      assert.deepEqual(queue.drain(), [4, 5, 5, 6, 9]);
      assert.equal(queue.size, 0);
    });

    it('follows a composite comparator (highest priority, then lowest index)', () => {
      const queue = new PriorityQueue<{ id: string; priority: number; index: number }>(
        (a, b) => a.priority > b.priority || (a.priority === b.priority && a.index < b.index),
      );
      queue.push({ id: 'c', priority: 3, index: 2 });
      queue.push({ id: 'a', priority: 3, index: 0 });
      queue.push({ id: 'd', priority: 9, index: 3 });
      queue.push({ id: 'b', priority: 1, index: 1 });
      assert.deepEqual(
        queue.drain().map((e) => e.id),
        ['d', 'a', 'c', 'b'],
      );
    });
  });

  describe('when pushes and pops interleave', () => {
    it('always pops the least item present', () => {
      const queue = ascending();
      queue.push(10);
      queue.push(3);
      assert.equal(queue.pop(), 3);
      queue.push(7);
      queue.push(1);
      assert.equal(queue.pop(), 1);
      assert.equal(queue.pop(), 7);
      queue.push(8);
      assert.deepEqual(queue.drain(), [8, 10]);
    });
  });

  describe('for any sequence of numbers', () => {
    it('drains them sorted (against Array.prototype.sort)', () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 200 }), (numbers) => {
          const queue = ascending();
          for (const n of numbers) queue.push(n);
          assert.equal(queue.size, numbers.length);
          assert.deepEqual(queue.drain(), [...numbers].sort((a, b) => a - b));
        }),
      );
    });
  });
});
