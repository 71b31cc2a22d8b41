import { strict as assert } from 'node:assert';
import { renderStatusView } from '../../src/display/status-view';
import type { StageStanding } from '../../src/query/status';
import { periodPlanOf } from './period-plan';
import { planOf } from './small-plan';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const plan = planOf('etl', [['extract', []], ['transform', ['extract']], ['load', ['transform']], ['audit', []]]);
const rows: StageStanding[] = [
  { stageId: 'extract', status: 'SUCCEEDED', lastRunId: 'r1', lastEndedAt: NOW - 180_000, lastDurationMs: 820, outputHash: '3fa2c9d1e0c4b8a6', stale: false, reason: 'up to date' },
  { stageId: 'transform', status: 'CACHED', lastRunId: 'r2', lastEndedAt: NOW - 12_000, lastDurationMs: 3, producedInMs: 2500, outputHash: 'abcdef0123456789', stale: true, reason: 'param `x` changed' },
  { stageId: 'load', status: 'FAILED', lastRunId: 'r2', lastEndedAt: NOW - 11_000, lastDurationMs: 95, stale: true, reason: 'last run failed', errorCode: 'STAGE_TIMEOUT' },
  { stageId: 'audit', status: 'NEVER_RUN', stale: false, reason: 'never ran' },
];

describe('renderStatusView', () => {
  describe('when a per-item stage has items', () => {
    it('adds an items column with how its items ended in its latest run', () => {
      const docs = planOf('docs', [['discover', []], ['embed', ['discover']]]);
      const standing: StageStanding[] = [
        { stageId: 'discover', status: 'SUCCEEDED', lastRunId: 'r3', lastEndedAt: NOW - 60_000, lastDurationMs: 120, outputHash: '0123456789abcdef', stale: false, reason: 'up to date' },
        {
          stageId: 'embed',
          status: 'PARTIAL',
          lastRunId: 'r3',
          lastEndedAt: NOW - 60_000,
          lastDurationMs: 4500,
          outputHash: 'fedcba9876543210',
          stale: true,
          reason: '2 items failed last time',
          items: { total: 480, succeeded: 248, failed: 2, cached: 230, blocked: 0, skipped: 0, deleted: 0 },
        },
      ];
      const view = renderStatusView(docs, standing, NOW);
      assert.equal(
        view.text,
        [
          'status of `docs`: 2 stages — 1 succeeded, 1 partial; 1 to run: 1 stale',
          '',
          'stage     state      items                           last run          took  output    freshness',
          '--------  ---------  ------------------------------  --------------  ------  --------  -------------------------------',
          'discover  succeeded                                  1 min ago (r3)  120 ms  01234567  up to date',
          'embed     partial    248 ok · 2 failed · 230 cached  1 min ago (r3)   4.5 s  fedcba98  stale: 2 items failed last time',
        ].join('\n'),
      );
      assert.ok(view.html.includes('data-stage="embed" data-state="PARTIAL"'));
    });
  });

  describe('when stages are fresh, stale, failed and never run', () => {
    it('renders a headline counting never-run stages among those to run, and an aligned table where a restored stage shows how long computing it took', () => {
      assert.equal(
        renderStatusView(plan, rows, NOW).text,
        [
          'status of `etl`: 4 stages — 1 succeeded, 1 cached, 1 never run, 1 failed; 3 to run: 2 stale, 1 never ran',
          '',
          'stage      state                   last run                    took  output    freshness',
          '---------  ----------------------  --------------  ----------------  --------  ------------------------',
          'extract    succeeded               3 min ago (r1)            820 ms  3fa2c9d1  up to date',
          'transform  cached                  12 s ago (r2)   2.5 s (restored)  abcdef01  stale: param `x` changed',
          'load       failed (STAGE_TIMEOUT)  11 s ago (r2)              95 ms  —         stale: last run failed',
          'audit      never run               —                              —  —         never ran',
        ].join('\n'),
      );
    });

    it('draws stale outputs amber in the DAG and marks them in the table', () => {
      const { html } = renderStatusView(plan, rows, NOW);
      assert.ok(html.includes('data-stage="transform" data-state="STALE"'));
      assert.ok(html.includes('data-stage="load" data-state="FAILED"'));
      assert.equal((html.match(/>stale<\/span>/g) ?? []).length, 2);
    });
  });

  describe('when every stage is up to date', () => {
    it('says none is to run', () => {
      assert.equal(renderStatusView(plan, [rows[0]], NOW).text.split('\n')[0], 'status of `etl`: 1 stage — 1 succeeded; 0 to run');
    });
  });
});

describe('renderStatusView of a pipeline with periods', () => {
  const periodPlan = periodPlanOf('workforce', { name: 'year', keys: ['2025', '2026'] }, [['census', 'before'], ['hires', 'per'], ['accumulate', 'per']]);
  const ok = (stageId: string): StageStanding => ({ stageId, status: 'SUCCEEDED', lastRunId: 'r1', lastEndedAt: NOW - 60_000, lastDurationMs: 900, outputHash: 'aa', stale: false, reason: 'up to date' });
  const periodRows: StageStanding[] = [
    ok('census'),
    ok('hires@2025'),
    ok('accumulate@2025'),
    ok('checkpoint@2025'),
    { ...ok('hires@2026'), stale: true, reason: 'param `rate` changed' },
    { stageId: 'accumulate@2026', status: 'FAILED', lastRunId: 'r1', lastEndedAt: NOW - 50_000, stale: true, reason: 'last run failed', errorCode: 'CHECKPOINT_CORRUPT' },
    { stageId: 'checkpoint@2026', status: 'NEVER_RUN', stale: false, reason: 'never ran' },
  ];

  describe('when a period has stale, failed and never-run stages', () => {
    it('prints the headline, where each period stands, and the grid by last status', () => {
      assert.equal(
        renderStatusView(periodPlan, periodRows, NOW).text,
        [
          'status of `workforce`: 7 stages — 5 succeeded, 1 never run, 1 failed; 3 to run: 2 stale, 1 never ran',
          'year 2025: 3 succeeded · 2026: 1 never run, 1 failed, 1 stale (param `rate` changed)',
          '',
          'year        2025  2026',
          'census      ✓ (not per year)',
          'hires       ✓     !',
          'accumulate  ✓     ✗',
          'checkpoint  ✓     ·',
          'legend: ✓ succeeded · · never run · ✗ failed · ! stale',
        ].join('\n'),
      );
    });

    it('draws the grid instead of the DAG, with the error code in the tooltip', () => {
      const { html } = renderStatusView(periodPlan, periodRows, NOW);
      assert.ok(!html.includes('<svg'));
      assert.ok(html.includes('data-stage="accumulate@2026" data-state="FAILED" title="accumulate@2026: failed — CHECKPOINT_CORRUPT; last run failed"'));
      assert.ok(html.includes('data-stage="hires@2026" data-state="STALE" title="hires@2026: stale — param `rate` changed"'));
      assert.ok(html.includes('<summary style="cursor:pointer;color:#6b7280;font-size:12.5px">every stage (7)</summary>'));
    });
  });
});
