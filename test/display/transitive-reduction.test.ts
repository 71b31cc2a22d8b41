import { strict as assert } from 'node:assert';
import { transitiveReduction } from '../../src/display/transitive-reduction';

function reduce(stages: readonly (readonly [string, readonly string[]])[]) {
  const deps = new Map(stages);
  const { kept, implied } = transitiveReduction(stages.map(([id]) => id), (id) => deps.get(id) ?? []);
  const pairs = (edges: readonly { from: string; to: string }[]) => edges.map((e) => `${e.from}>${e.to}`);
  return { kept: pairs(kept), implied: pairs(implied) };
}

describe('transitiveReduction', () => {
  describe('when a dep is also reached through a longer path', () => {
    it('keeps only the edges no longer path implies', () => {
      // a -> b -> c -> d, plus shortcuts a -> c, a -> d, b -> d; e -> d stands alone.
      const result = reduce([['a', []], ['b', ['a']], ['c', ['a', 'b']], ['e', []], ['d', ['a', 'b', 'c', 'e']]]);
      assert.deepEqual(result, { kept: ['a>b', 'b>c', 'c>d', 'e>d'], implied: ['a>c', 'a>d', 'b>d'] });
    });
  });

  describe('when two paths join without a shortcut (a diamond)', () => {
    it('keeps every edge', () => {
      assert.deepEqual(reduce([['a', []], ['b', ['a']], ['c', ['a']], ['d', ['b', 'c']]]), { kept: ['a>b', 'a>c', 'b>d', 'c>d'], implied: [] });
    });
  });

  describe('when a dep is named twice or is not in the order', () => {
    it('counts it once and ignores the unknown one', () => {
      assert.deepEqual(reduce([['a', []], ['b', ['a', 'a', 'zz']]]), { kept: ['a>b'], implied: [] });
    });
  });

  describe('when the graph has more than 32 stages (several bitset words)', () => {
    it('finds a shortcut across word boundaries', () => {
      const chain: [string, string[]][] = Array.from({ length: 70 }, (_, i) => [`s${i}`, i === 0 ? [] : [`s${i - 1}`]]);
      chain.push(['end', ['s0', 's33', 's69']]);
      assert.deepEqual(reduce(chain).implied, ['s0>end', 's33>end']);
    });
  });
});
