import assert from 'node:assert/strict';
import { validateTable, type ValidationOutput } from '../../../../pipelines/profiling/phases/validation';
import { smallProfile } from '../fixtures';

describe('validation phase', () => {
  describe('when a table has no identifier', () => {
    it('fails the rule as a warning', async () => {
      const v = (await smallProfile()).validation as ValidationOutput;
      assert.deepEqual(v.summary, { passed: 6, info: 0, warning: 1, error: 0 });
      assert.deepEqual(v.results.filter((r) => !r.passed).map((r) => [r.rule, r.table]), [['has-identifier', 'sales']]);
    });
  });
  describe('when a latitude has no longitude', () => {
    it('fails geo-pair as an error', () => {
      const results = validateTable({ name: 't', columns: [{ name: 'lat', type: 'float', confidence: 1, role: 'geo_coordinate', axis: 'latitude', range: [1, 2], reason: '' }] }, 0.99);
      assert.deepEqual(results.find((r) => r.rule === 'geo-pair'), { rule: 'geo-pair', severity: 'error', table: 't', passed: false, message: '1 latitude and 0 longitude column(s)' });
    });
  });
});
