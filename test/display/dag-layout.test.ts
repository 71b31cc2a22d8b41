import { strict as assert } from 'node:assert';
import { layoutDag, nodeWidth, type LayoutNode } from '../../src/display/dag-layout';
import { PROFILING_PLAN_STAGES } from './profiling-fixture';
import { planOf } from './small-plan';

const SIZES = { nodeHeight: 20, fontSize: 10, paddingX: 5, minNodeWidth: 30, rankGap: 40, nodeGap: 10, edgeGap: 4 };

/** Pairs of nodes whose boxes share any area. */
function overlaps(nodes: readonly LayoutNode[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i];
      const b = nodes[j];
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) found.push(`${a.id}/${b.id}`);
    }
  }
  return found;
}

describe('layoutDag', () => {
  describe('when a dep is also reached through a longer path', () => {
    const plan = planOf('p', [['a', []], ['b', ['a']], ['c', ['b']], ['d', ['a', 'c']], ['e', []]]);

    it('places each stage one rank after its deps and hides the implied edge', () => {
      const layout = layoutDag(plan, SIZES);
      assert.deepEqual(
        layout.nodes.map((n) => [n.id, n.x, n.y, n.width, n.height]),
        [['a', 0, 0, 30, 20], ['b', 70, 0, 30, 20], ['c', 140, 0, 30, 20], ['d', 210, 0, 30, 20], ['e', 0, 30, 30, 20]],
      );
      assert.deepEqual(layout.edges.map((e) => `${e.from}>${e.to}`), ['a>b', 'b>c', 'c>d']);
      assert.deepEqual(layout.hiddenEdges, [{ from: 'a', to: 'd' }]);
      assert.deepEqual([layout.width, layout.height], [240, 50]);
    });

    it('starts each edge mid-right of its dep and ends it mid-left of its dependent', () => {
      const ab = layoutDag(plan, SIZES).edges[0];
      assert.deepEqual(ab.points, [{ x: 30, y: 10 }, { x: 50, y: 10 }, { x: 70, y: 10 }]);
    });

    it("draws every dep with `edges: 'all'`", () => {
      const layout = layoutDag(plan, SIZES, { edges: 'all' });
      assert.deepEqual(layout.edges.map((e) => `${e.from}>${e.to}`), ['a>b', 'b>c', 'a>d', 'c>d']);
      assert.deepEqual(layout.hiddenEdges, []);
    });
  });

  describe('when several edges meet one box side', () => {
    it('fans their ends out 5 px apart in the order of their other ends', () => {
      const layout = layoutDag(planOf('p', [['a', []], ['b', ['a']], ['c', ['a']], ['d', ['b', 'c']]]), SIZES);
      const end = (from: string, to: string, k: 0 | -1) => layout.edges.find((e) => e.from === from && e.to === to)?.points.at(k)?.y;
      const [yb, yc] = ['b', 'c'].map((id) => (layout.nodes.find((n) => n.id === id)?.y as number) + 10);
      const [upper, lower] = yb < yc ? ['b', 'c'] : ['c', 'b'];
      const ya = (layout.nodes[0].y as number) + 10;
      const yd = (layout.nodes[3].y as number) + 10;
      assert.deepEqual([end('a', upper, 0), end('a', lower, 0)], [ya - 2.5, ya + 2.5]);
      assert.deepEqual([end(upper, 'd', -1), end(lower, 'd', -1)], [yd - 2.5, yd + 2.5]);
    });
  });

  describe('when the definition order would make edges cross', () => {
    it('orders the ranks so that each root sits level with its own dependent', () => {
      const layout = layoutDag(planOf('p', [['r1', []], ['r2', []], ['t2', ['r2']], ['t1', ['r1']]]), SIZES);
      assert.deepEqual(layout.nodes.map((n) => [n.id, n.x, n.y]), [['r1', 0, 0], ['r2', 0, 30], ['t2', 70, 30], ['t1', 70, 0]]);
    });
  });

  describe('when ids are long', () => {
    it('makes each box as wide as its whole id at 0.6 em per character, plus padding', () => {
      const id = 'statistical_quality_of_every_column_abcd';
      assert.equal(id.length, 40);
      // 40 characters x 0.6 em x 10 px = 240 px, plus 5 px either side.
      assert.equal(nodeWidth(id, SIZES), 250);
      assert.equal(nodeWidth('ab', SIZES), 30);
      const layout = layoutDag(planOf('p', [['load', []], [id, ['load']]]), SIZES);
      assert.deepEqual(layout.nodes.map((n) => [n.id, n.width]), [['load', 34], [id, 250]]);
    });
  });

  describe('when laying out the 14-stage profiling plan', () => {
    const layout = layoutDag(planOf('profiling', PROFILING_PLAN_STAGES), SIZES);

    it('overlaps no two boxes', () => {
      assert.equal(layout.nodes.length, 14);
      assert.deepEqual(overlaps(layout.nodes), []);
    });

    it('hides the edges into `report` and `entropy` that a longer path implies', () => {
      assert.deepEqual(
        layout.hiddenEdges.map((e) => `${e.from}>${e.to}`),
        ['statistics>entropy', 'import>report', 'typing>report', 'statistics>report', 'relationships>report', 'correlations>report', 'semantic>report', 'temporal>report'],
      );
      assert.deepEqual(
        layout.edges.filter((e) => e.to === 'report').map((e) => e.from),
        ['statistical_quality', 'slicing', 'business_cycles', 'topology', 'validation', 'entropy'],
      );
    });
  });

  describe('when the plan is empty', () => {
    it('is an empty picture', () => {
      assert.deepEqual(layoutDag(planOf('p', []), SIZES), { nodes: [], edges: [], hiddenEdges: [], width: 0, height: 0 });
    });
  });

  describe('when the plan has 500 stages', () => {
    it('lays out every stage without overlap', () => {
      const stages: [string, string[]][] = [];
      for (let i = 0; i < 500; i++) stages.push([`s${i}`, i < 10 ? [] : [...new Set([`s${i - 10}`, `s${(i * 7) % (i - (i % 10))}`, `s${i - 1 - (i % 3)}`])]]);
      const layout = layoutDag(planOf('big', stages), SIZES);
      assert.equal(layout.nodes.length, 500);
      assert.equal(layout.edges.length + layout.hiddenEdges.length, stages.reduce((n, [, deps]) => n + deps.length, 0));
      assert.deepEqual(overlaps(layout.nodes), []);
    });
  });
});
