import { strict as assert } from 'node:assert';
import { renderStatusView } from '../../src/display/status-view';
import type { StageStanding } from '../../src/query/status';
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
