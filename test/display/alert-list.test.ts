import { strict as assert } from 'node:assert';
import { alertsSummary, renderAlertList } from '../../src/display/alert-list';
import { renderMetricsCard } from '../../src/display/metrics-card';
import { progressRow } from '../../src/display/progress-row';
import { initialProgress, reduceProgress } from '../../src/display/progress-state';
import { EtaModel } from '../../src/display/eta-model';
import { ManualClock } from '../../src/clock';
import type { EventOf } from '../../src/events/event';
import type { StageRecord } from '../../src/records';
import { runMetrics } from '../../src/run/run-metrics';
import type { RunResult } from '../../src/run/run-pipeline';
import { ev } from './progress-events';
import { planOf } from './small-plan';

const warning = ev('ALERT', 2000, 'load', { level: 'WARNING', metric: 'stageDuration', value: 2000, threshold: 2000, expectedMs: 1000, factor: 2 }, 'Stage `load` has run 2000 ms, 2x its expected 1000 ms (WARNING)') as EventOf<'ALERT'>;
const critical = ev('ALERT', 5000, 'load', { level: 'CRITICAL', metric: 'stageDuration', value: 5000, threshold: 5000, expectedMs: 1000, factor: 5 }, 'Stage `load` has run 5000 ms, 5x its expected 1000 ms (CRITICAL)') as EventOf<'ALERT'>;

describe('alert list', () => {
  describe('when a run raised alerts', () => {
    it('counts them by level and lists each with its stage and metric', () => {
      assert.equal(alertsSummary([warning, critical]), '2 alerts: 1 CRITICAL, 1 WARNING');
      assert.equal(alertsSummary([warning]), '1 alert: 1 WARNING');
      const list = renderAlertList([warning, critical]);
      assert.deepEqual(list.text.split('\n').slice(-2), [
        'WARNING   load   stageDuration  Stage `load` has run 2000 ms, 2x its expected 1000 ms (WARNING)',
        'CRITICAL  load   stageDuration  Stage `load` has run 5000 ms, 5x its expected 1000 ms (CRITICAL)',
      ]);
      assert.ok(list.html.includes('border:1px solid #dc2626;color:#b91c1c;font-size:11.5px;line-height:17px;white-space:nowrap;vertical-align:middle">CRITICAL</span>'));
    });
  });

  describe('in the metrics card', () => {
    it('shows the summary and the list after the usage', () => {
      const record: StageRecord = { stageId: 'load', status: 'SUCCEEDED', attempts: 1, durationMs: 6000, idempotencyKey: 'k', usage: {}, validation: [], attemptLog: [] };
      const result: RunResult = { runId: 'r1', status: 'SUCCEEDED', stages: { load: record }, outputHashes: {}, metrics: runMetrics({ load: record }, 6000, {}), alerts: [warning, critical] };
      const card = renderMetricsCard(planOf('slow', [['load', []]]), result);
      const lines = card.text.split('\n');
      assert.equal(lines[3], '2 alerts: 1 CRITICAL, 1 WARNING');
      assert.ok(card.html.includes('2 alerts: 1 CRITICAL, 1 WARNING</div>'));
    });
  });

  describe('in the progress view', () => {
    it("marks the stage's row with the highest level it raised", () => {
      let state = initialProgress({ stages: ['load'], startedAt: 0 });
      for (const e of [ev('STEP_START', 0, 'load', { attempt: 1, idempotencyKey: 'k' }), critical, warning]) state = reduceProgress(state, e);
      assert.equal(state.stages[0].alert, 'CRITICAL');
      const snap = new EtaModel({ estimatesMs: {}, clock: new ManualClock(6000) }).snapshot(state);
      assert.equal(progressRow(snap.stages[0], snap).note, 'CRITICAL alert');
    });
  });
});
