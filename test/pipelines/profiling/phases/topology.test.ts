import assert from 'node:assert/strict';
import { components, type TopologyOutput } from '../../../../pipelines/profiling/phases/topology';
import { smallProfile } from '../fixtures';

describe('topology phase', () => {
  describe('when tables are linked by a foreign key', () => {
    it('puts them in one component with their degrees', async () => {
      const t = (await smallProfile()).topology as TopologyOutput;
      assert.deepEqual(t.components, [['sales', 'shops']]);
      assert.deepEqual(t.tables, [{ name: 'shops', inDegree: 1, outDegree: 0, neighbours: 1 }, { name: 'sales', inDegree: 0, outDegree: 1, neighbours: 1 }]);
      assert.deepEqual(t.hubs, []);
      assert.deepEqual(t.correlationClusters, [{ table: 'shops', columns: ['lat', 'lon'] }]);
    });
  });
  describe('when nodes are unlinked', () => {
    it('gives singletons after the largest component', () => {
      assert.deepEqual(components(['d', 'a', 'b', 'c'], [['a', 'b'], ['b', 'c']]), [['a', 'b', 'c'], ['d']]);
    });
  });
});
