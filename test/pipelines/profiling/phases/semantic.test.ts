import assert from 'node:assert/strict';
import { annotateColumn, type SemanticOutput } from '../../../../pipelines/profiling/phases/semantic';
import { smallProfile } from '../fixtures';

describe('semantic phase', () => {
  describe('when columns are named and typed', () => {
    it('gives identifier, dimension, geo, timestamp and measure roles', async () => {
      const s = (await smallProfile()).semantic as SemanticOutput;
      assert.deepEqual(s.tables.map((t) => t.columns.map((c) => `${c.name}:${c.role}`)), [
        ['shop_id:identifier', 'city:dimension', 'lat:geo_coordinate', 'lon:geo_coordinate'],
        ['day:timestamp', 'shop:dimension', 'amount:measure', 'units:measure', 'channel:dimension'],
      ]);
      assert.deepEqual(s.tables[0].columns[2].range, [59.9, 60.4]);
    });
  });
  describe('when a latitude-named column is out of range', () => {
    it('is a measure, not a coordinate', () => {
      const a = annotateColumn({ name: 'lat', type: 'float', confidence: 1, count: 2, nulls: 0, distinct: 2, min: 10, max: 200, top: [] }, 2);
      assert.equal(a.role, 'measure');
    });
  });
});
