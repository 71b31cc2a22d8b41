import assert from 'node:assert/strict';
import { buildReport, goalLine, markdownTable, workloads, type ReportSystem, type Sample } from '../../../bench/peers/peer-report';

const systems: ReportSystem[] = [
  { key: 'dagbook-durable', label: 'dagbook durable', durable: true, caches: true },
  { key: 'luigi', label: 'Luigi', durable: true, caches: true },
  { key: 'dagster-disk', label: 'Dagster', durable: true, caches: false },
  { key: 'kedro', label: 'Kedro', durable: false, caches: false },
];

function sample(key: string, shape: 'chain' | 'fanout', runMs: number, cachedMs: number | null, round = 0): Sample {
  return { key, round, system: key, mode: 'm', shape, n: 100, runMs, cachedMs, durable: key !== 'kedro', note: '' };
}

describe('peer-report', () => {
  describe('workloads', () => {
    it('lists first runs by size and shape, then the cached re-runs', () => {
      assert.deepEqual(workloads([200, 1000]).map((w) => w.label), [
        'chain 200', 'fan-out 200', 'chain 1,000', 'fan-out 1,000',
        'chain 200, cached re-run', 'fan-out 200, cached re-run', 'chain 1,000, cached re-run', 'fan-out 1,000, cached re-run',
      ]);
    });
  });

  describe('when every system was measured over three rounds', () => {
    const samples = [
      ...[100, 120, 80].map((ms, round) => sample('dagbook-durable', 'chain', ms, 10, round)),
      ...[600, 500, 700].map((ms, round) => sample('luigi', 'chain', ms, 5, round)),
      ...[4000, 4200, 3900].map((ms, round) => sample('dagster-disk', 'chain', ms, null, round)),
      ...[50, 60, 40].map((ms, round) => sample('kedro', 'chain', ms, null, round)),
    ];
    const report = buildReport(systems, workloads([100]).filter((w) => w.shape === 'chain'), samples, new Set());

    it('gives the median ms per task, the fastest durable peer (never a stateless one) and the ratio', () => {
      assert.deepEqual(report[0].cells['dagbook-durable'], { perTaskMs: 1, samples: [1, 1.2, 0.8] });
      assert.deepEqual(report[0].cells.kedro, { perTaskMs: 0.5, samples: [0.5, 0.6, 0.4] });
      assert.deepEqual(report[0].fastestDurablePeer, { key: 'luigi', perTaskMs: 6 });
      assert.equal(report[0].ratio, 6);
      assert.equal(report[0].goalMet, true);
    });

    it('marks the cached re-run n/a for a system that does not skip work, and compares the rest', () => {
      assert.deepEqual(report[1].cells['dagster-disk'], { missing: 'n/a' });
      assert.deepEqual(report[1].fastestDurablePeer, { key: 'luigi', perTaskMs: 0.05 });
      assert.equal(report[1].ratio, 0.5);
      assert.equal(report[1].goalMet, false);
    });

    it('prints the table and a goal line naming the workloads that miss it', () => {
      assert.equal(markdownTable(systems, report), [
        '| ms per task | dagbook durable | Luigi | Dagster | Kedro | fastest durable peer | ratio (goal ≥ 5×) |',
        '|---|---:|---:|---:|---:|---:|---:|',
        '| chain 100 | 1 | 6 | 40 | 0.5 | Luigi | 6× pass |',
        '| chain 100, cached re-run | 0.1 | 0.05 | n/a | n/a | Luigi | 0.5× FAIL |',
      ].join('\n'));
      assert.deepEqual(goalLine(report), {
        met: false,
        line: 'Goal NOT met: dagbook durable is < 5× faster per task than the fastest durable peer on 1 of 2 workloads (chain 100, cached re-run: 0.5×)',
      });
    });
  });

  describe('when a peer failed and nothing else was measured', () => {
    it('marks its cell failed and leaves the row without a ratio', () => {
      const report = buildReport(systems, workloads([100]).slice(0, 1), [sample('dagbook-durable', 'chain', 100, 10)], new Set(['luigi chain-100']));
      assert.deepEqual(report[0].cells.luigi, { missing: 'failed' });
      assert.deepEqual(report[0].cells['dagster-disk'], { missing: 'n/a' });
      assert.equal(report[0].ratio, undefined);
      assert.deepEqual(goalLine(report), { met: false, line: 'Goal not checked: no durable peer was measured beside dagbook durable' });
    });
  });
});
