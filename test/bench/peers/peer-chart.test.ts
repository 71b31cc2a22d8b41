import assert from 'node:assert/strict';
import { peersChart } from '../../../bench/peers/peer-chart';
import type { ReportRow, ReportSystem } from '../../../bench/peers/peer-report';

const systems: ReportSystem[] = [
  { key: 'dagbook-durable', label: 'dagbook durable', durable: true, caches: true },
  { key: 'luigi', label: 'Luigi', durable: true, caches: true },
  { key: 'kedro', label: 'Kedro <mem>', durable: false, caches: false },
];

const row: ReportRow = {
  workload: { id: 'chain-100', label: 'chain 100', shape: 'chain', n: 100, cached: false },
  cells: { 'dagbook-durable': { perTaskMs: 0.1, samples: [0.1] }, luigi: { perTaskMs: 10, samples: [10] }, kedro: { missing: 'n/a' } },
  fastestDurablePeer: { key: 'luigi', perTaskMs: 10 },
  ratio: 100,
  goalMet: true,
};

describe('peersChart', () => {
  describe('when a panel spans two decades', () => {
    const svg = peersChart(systems, [row], ['2026-11-30', 'Goal met']);

    it('draws each bar on the log scale from the lowest decade: 0.1 ms a stub, 10 ms the full plot width', () => {
      const bars = svg.split('\n').filter((line) => line.startsWith('<rect x='));
      assert.deepEqual(bars, [
        '<rect x="160" y="94" width="1.0" height="16" fill="#1f6feb"/>',
        '<rect x="160" y="114" width="250.0" height="16" fill="#d9822b"/>',
      ]);
    });

    it('labels the decades, names the ratio in the title, marks a missing value and escapes labels', () => {
      assert.deepEqual(svg.match(/>(0\.1|1|10)<\/text>/g), ['>0.1</text>', '>1</text>', '>10</text>', '>0.1</text>', '>10</text>']);
      assert.ok(svg.includes('>chain 100 — fastest durable peer / dagbook durable = 100×</text>'));
      assert.ok(svg.includes('fill="#999">n/a</text>'));
      assert.ok(svg.includes('>Kedro &lt;mem&gt;</text>'));
    });
  });
});
