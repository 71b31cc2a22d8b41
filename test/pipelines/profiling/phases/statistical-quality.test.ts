import assert from 'node:assert/strict';
import { qualityScore, type QualityOutput } from '../../../../pipelines/profiling/phases/statistical-quality';
import { smallProfile } from '../fixtures';

describe('statistical_quality phase', () => {
  describe('when a table has a duplicate row, a null and an outlier', () => {
    it('counts them and scores the table', async () => {
      const q = ((await smallProfile()).statistical_quality as QualityOutput).tables[1];
      assert.deepEqual([q.duplicateRows, q.nullRate, q.outlierRate, q.score], [1, 0.02, 0.0526, 95.1]);
      assert.deepEqual(q.columns.find((c) => c.name === 'amount'), { name: 'amount', nullRate: 0.1, constant: false, outliers: 1, fences: [-2.5, 57.5] });
    });
  });
  describe('when everything is clean', () => {
    it('scores 100', () => {
      assert.equal(qualityScore(0, 0, 0, 0), 100);
      assert.equal(qualityScore(1, 1, 1, 1), 0);
    });
  });
});
