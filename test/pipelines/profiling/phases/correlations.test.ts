import assert from 'node:assert/strict';
import { tableCorrelations, type CorrelationsOutput } from '../../../../pipelines/profiling/phases/correlations';
import { smallProfile } from '../fixtures';

describe('correlations phase', () => {
  describe('when a table has numeric columns', () => {
    it('correlates them over rows where both are present', async () => {
      const c = (await smallProfile()).correlations as CorrelationsOutput;
      assert.deepEqual(c.tables[1].numeric, [{ a: 'amount', b: 'units', pearson: 0.0702, spearman: 0.2269, n: 9 }]);
    });
  });
  describe('when a table has categorical columns', () => {
    it("gives Cramer's V", () => {
      const out = tableCorrelations({ name: 't', rows: 4, columns: [{ name: 'a', type: 'category', values: ['x', 'x', 'y', 'y'] }, { name: 'b', type: 'boolean', values: [true, true, false, false] }] }, 50);
      assert.deepEqual(out.categorical, [{ a: 'a', b: 'b', cramersV: 1, n: 4 }]);
    });
  });
});
