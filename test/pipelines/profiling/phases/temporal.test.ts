import assert from 'node:assert/strict';
import { profileTimeColumn, type TemporalOutput } from '../../../../pipelines/profiling/phases/temporal';
import { smallProfile } from '../fixtures';

describe('temporal phase', () => {
  describe('when a daily column misses a day', () => {
    it('reports granularity, coverage and the gap', async () => {
      const t = (await smallProfile()).temporal as TemporalOutput;
      assert.equal(t.columns.length, 1);
      const { granularity, expectedPeriods, observedPeriods, coverage, gapCount, largestGaps, min, max } = t.columns[0];
      assert.deepEqual({ granularity, expectedPeriods, observedPeriods, coverage, gapCount, largestGaps, min, max }, {
        granularity: 'day', expectedPeriods: 10, observedPeriods: 9, coverage: 0.9, gapCount: 1,
        largestGaps: [{ from: '2024-01-03', to: '2024-01-03', periods: 1 }], min: '2024-01-01', max: '2024-01-10',
      });
      assert.deepEqual(t.sources.map((s) => s.name), ['sales']);
    });
  });
  describe('when a column is all null', () => {
    it('gives no profile', () => {
      assert.equal(profileTimeColumn('t', 'c', 'date', undefined, [null]), undefined);
    });
  });
});
