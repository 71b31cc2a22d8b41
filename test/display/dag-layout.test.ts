import { strict as assert } from 'node:assert';
import { layoutDag } from '../../src/display/dag-layout';
import { planOf } from './small-plan';

const SIZES = { nodeWidth: 100, nodeHeight: 20, layerGap: 40, nodeGap: 10, edgeGap: 4 };

describe('layoutDag', () => {
  describe('when stages have deps of different depths', () => {
    it('puts each stage in the layer of its longest path from a root', () => {
      const plan = planOf('p', [['a', []], ['b', ['a']], ['c', ['b']], ['d', ['a', 'c']], ['e', []]]);
      const layout = layoutDag(plan, SIZES);
      assert.deepEqual(
        layout.nodes.map((n) => [n.id, n.layer, n.x]),
        [['a', 0, 0], ['b', 1, 140], ['c', 2, 280], ['d', 3, 420], ['e', 0, 0]],
      );
      assert.equal(layout.width, 520);
      // a -> d passes layers 1 and 2: one curve in, a straight run per passed layer, one curve out.
      const ad = layout.edges.find((e) => e.from === 'a' && e.to === 'd');
      assert.equal(ad?.points.length, 6);
    });
  });

  describe('when the definition order makes edges cross', () => {
    it('reorders a layer so that no edge crosses', () => {
      // Definition order puts x1 above x2, but x1 feeds the lower target.
      const plan = planOf('p', [['r1', []], ['r2', []], ['t2', ['r2']], ['t1', ['r1']]]);
      const layout = layoutDag(plan, SIZES);
      assert.equal(layout.crossings, 0);
      const y = (id: string) => layout.nodes.find((n) => n.id === id)?.y as number;
      assert.equal(Math.sign(y('r1') - y('r2')), Math.sign(y('t1') - y('t2')));
    });
  });

  describe('when two nodes share a layer', () => {
    it('keeps at least the node gap between them', () => {
      const plan = planOf('p', [['a', []], ['b', ['a']], ['c', ['a']]]);
      const layout = layoutDag(plan, SIZES);
      const [b, c] = ['b', 'c'].map((id) => layout.nodes.find((n) => n.id === id)?.y as number);
      assert.ok(Math.abs(b - c) >= 30, `b at ${b}, c at ${c}`);
      assert.equal(layout.height, 50);
    });
  });
});
