import assert from 'node:assert/strict';
import { autocorrelation, cramersV, mean, pearson, quantileSorted, ranks, round, shannonEntropy, spearman, std, valueCounts } from '../../../pipelines/profiling/stats-math';

describe('stats-math', () => {
  describe('when summarising numbers', () => {
    it('computes mean, sample std and type-7 quantiles', () => {
      assert.equal(mean([1, 2, 3, 4]), 2.5);
      assert.equal(round(std([2, 4, 4, 4, 5, 5, 7, 9]), 6), 2.13809);
      assert.equal(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
      assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
    });
    it('gives ties the mean rank', () => {
      assert.deepEqual(ranks([10, 20, 10, 30]), [1.5, 3, 1.5, 4]);
    });
    it('rounds away negative zero', () => {
      assert.ok(Object.is(round(-0.00001), 0));
    });
  });
  describe('when correlating', () => {
    it('gives Pearson 1 for a line and Spearman 1 for any increasing relation', () => {
      assert.equal(pearson([1, 2, 3, 4], [2, 4, 6, 8]), 1);
      assert.ok(pearson([1, 2, 3, 4], [1, 8, 27, 64]) < 1);
      assert.equal(spearman([1, 2, 3, 4], [1, 8, 27, 64]), 1);
    });
    it('gives NaN when a side is constant', () => {
      assert.ok(Number.isNaN(pearson([1, 2, 3], [5, 5, 5])));
    });
    it("gives Cramer's V 1 for a perfect association and 0 for independence", () => {
      assert.equal(cramersV(['a', 'a', 'b', 'b'], ['x', 'x', 'y', 'y']), 1);
      assert.equal(cramersV(['a', 'a', 'b', 'b'], ['x', 'y', 'x', 'y']), 0);
    });
  });
  describe('when measuring information', () => {
    it('gives 1 bit for a fair coin and 2 bits for four equal values', () => {
      assert.equal(shannonEntropy([5, 5]), 1);
      assert.equal(shannonEntropy([1, 1, 1, 1]), 2);
      assert.equal(shannonEntropy([7]), 0);
    });
    it('finds the period of a sine in its autocorrelation', () => {
      const xs = Array.from({ length: 120 }, (_, i) => Math.sin((2 * Math.PI * i) / 12));
      const acf = autocorrelation(xs, 24);
      assert.equal(acf[0], 1);
      assert.ok(acf[12] > 0.85 && acf[6] < -0.85);
    });
    it('counts values, most frequent first then by value', () => {
      assert.deepEqual(valueCounts(['b', 'a', 'b', 'c', 'a']), [['a', 2], ['b', 2], ['c', 1]]);
    });
  });
});
