import assert from 'node:assert/strict';
import { columnStats, type StatisticsOutput } from '../../../../pipelines/profiling/phases/statistics';
import { smallProfile } from '../fixtures';

describe('statistics phase', () => {
  describe('when a column is numeric', () => {
    it('gives count, nulls, distinct, min, max, mean, quantiles and top values', async () => {
      const stats = (await smallProfile()).statistics as StatisticsOutput;
      const amount = stats.tables[1].columns.find((c) => c.name === 'amount')!;
      assert.deepEqual(
        [amount.count, amount.nulls, amount.distinct, amount.min, amount.max, amount.mean, amount.quantiles?.p25, amount.quantiles?.p50, amount.quantiles?.p75],
        [9, 1, 8, 10.5, 1000, 132.8611, 20, 25, 35],
      );
      assert.deepEqual(amount.top[0], { value: '20', count: 2 });
    });
  });
  describe('when a column holds dates', () => {
    it('gives min and max as ISO dates and no mean', () => {
      const s = columnStats({ name: 'd', type: 'date', values: [Date.UTC(2020, 1, 3), null, Date.UTC(2019, 0, 1)] }, 1);
      assert.deepEqual([s.min, s.max, s.mean, s.count, s.nulls], ['2019-01-01', '2020-02-03', undefined, 2, 1]);
    });
  });
});
