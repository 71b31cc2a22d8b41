import assert from 'node:assert/strict';
import { columnEntropy, type EntropyOutput } from '../../../../pipelines/profiling/phases/entropy';
import { smallProfile } from '../fixtures';

describe('entropy phase', () => {
  describe('when run over the small tables', () => {
    it('gives entropy per column and the structured columns per table', async () => {
      const e = ((await smallProfile()).entropy as EntropyOutput).tables;
      assert.deepEqual(e[1].columns.find((c) => c.name === 'channel'), { name: 'channel', role: 'dimension', entropy: 1, normalized: 1, levels: 2, binned: false });
      assert.deepEqual(e[0].structuredColumns, ['shop_id', 'lat', 'lon']);
    });
  });
  describe('when a numeric column has many values', () => {
    it('bins them', () => {
      const r = columnEntropy(Array.from({ length: 100 }, (_, i) => i), true, 4);
      assert.deepEqual(r, { entropy: 2, normalized: 1, levels: 4, binned: true });
    });
  });
});
