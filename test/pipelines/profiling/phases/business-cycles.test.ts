import assert from 'node:assert/strict';
import { dominantCycle, regularSeries } from '../../../../pipelines/profiling/phases/business-cycles';
import { autocorrelation } from '../../../../pipelines/profiling/stats-math';

describe('business_cycles phase', () => {
  describe('when a series repeats every 7 periods', () => {
    it('finds the cycle after the first zero crossing', () => {
      const xs = Array.from({ length: 70 }, (_, i) => [5, 6, 7, 6, 5, 1, 0][i % 7]);
      assert.equal(dominantCycle(autocorrelation(xs, 30), 0.2)?.lag, 7);
    });
  });
  describe('when the peak is weak', () => {
    it('finds none', () => {
      assert.equal(dominantCycle([1, 0.5, -0.1, 0.05, 0.1, 0.05, 0], 0.2), null);
    });
  });
  describe('when periods are missing', () => {
    it('averages per period and interpolates the gaps', () => {
      const day = 86_400_000;
      assert.deepEqual(regularSeries([0, 0, 3 * day, null], [1, 3, 8, 100], 'day'), [2, 4, 6, 8]);
    });
  });
});
