import assert from 'node:assert/strict';
import { slicePeriod, type SlicingOutput } from '../../../../pipelines/profiling/phases/slicing';
import { smallProfile } from '../fixtures';

describe('slicing phase', () => {
  describe('when a table has a time column and a dimension', () => {
    it('slices by day and by the dimension with measure aggregates', async () => {
      const s = ((await smallProfile()).slicing as SlicingOutput).tables[0];
      assert.deepEqual([s.timeColumn, s.period, s.byPeriod.length, s.byPeriod[1].rows], ['day', 'day', 9, 2]);
      assert.deepEqual(s.byDimension[0].slices.map((x) => [x.slice, x.rows, x.measures.amount.mean]), [['store', 5, 22.5], ['web', 5, 221.15]]);
    });
  });
  describe('when choosing the period', () => {
    it('uses years beyond two years and months beyond two months', () => {
      const day = 86_400_000;
      assert.deepEqual([slicePeriod(1460 * day), slicePeriod(89 * day), slicePeriod(9 * day)], ['year', 'month', 'day']);
    });
  });
});
