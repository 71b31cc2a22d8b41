import { strict as assert } from 'node:assert';
import { renderMetricsCard } from '../../src/display/metrics-card';
import { periodAxis, type PeriodAxis } from '../../src/display/period-axis';
import { periodMetrics, renderPeriodMetrics } from '../../src/display/period-metrics';
import type { StageRecord } from '../../src/records';
import { runMetrics } from '../../src/run/run-metrics';
import type { RunResult } from '../../src/run/run-pipeline';
import { periodPlanOf } from './period-plan';

const plan = periodPlanOf('workforce', { name: 'year', keys: ['2025', '2026', '2027'] }, [['census', 'before'], ['hires', 'per'], ['validate', 'per']]);
const axis = periodAxis(plan) as PeriodAxis;
const base = { idempotencyKey: 'k', usage: {}, validation: [], attemptLog: [] };

function ran(stageId: string, startedAt: number, endedAt: number, extra: Partial<StageRecord> = {}): StageRecord {
  return { ...base, stageId, status: 'SUCCEEDED', attempts: 1, startedAt, endedAt, durationMs: endedAt - startedAt, ...extra };
}
function cached(stageId: string): StageRecord {
  return { ...base, stageId, status: 'CACHED', attempts: 0 };
}

const records: StageRecord[] = [
  cached('census'),
  cached('hires@2025'),
  cached('validate@2025'),
  cached('checkpoint@2025'),
  ran('hires@2026', 1000, 3000),
  ran('validate@2026', 3000, 3500, { validation: [{ rule: 'hire-ratio', severity: 'warning', passed: false, detail: '0.4 > 0.3' }, { rule: 'totals', severity: 'error', passed: true }] }),
  ran('checkpoint@2026', 3500, 3600),
  ran('hires@2027', 3600, 5000),
  ran('validate@2027', 5000, 5200, {
    status: 'FAILED',
    validation: [{ rule: 'event-sequence', severity: 'error', passed: false, detail: '3 events after termination' }, { rule: 'hire-ratio', severity: 'warning', passed: false }],
  }),
  { ...base, stageId: 'checkpoint@2027', status: 'BLOCKED', attempts: 0, reason: 'upstream `validate@2027` failed' },
];
const stages = Object.fromEntries(records.map((r) => [r.stageId, r]));
const result: RunResult = { runId: 'r1', status: 'FAILED', reason: 'stage `validate@2027` failed', stages, outputHashes: {}, metrics: runMetrics(stages, 5200, {}) };

describe('periodMetrics', () => {
  describe('when one period was restored, one ran with a warning and one failed validation', () => {
    it('counts per period what ran, was cached, failed and did not run, its time and its failed rules by severity', () => {
      assert.deepEqual(periodMetrics(axis, result), [
        { key: '2025', ran: 0, cached: 3, failed: 0, notRun: 0, warnings: 0, errors: 0 },
        { key: '2026', ran: 3, cached: 0, failed: 0, notRun: 0, durationMs: 2600, warnings: 1, errors: 0 },
        { key: '2027', ran: 2, cached: 0, failed: 1, notRun: 1, durationMs: 1600, warnings: 1, errors: 1 },
      ]);
    });
  });
});

describe('renderPeriodMetrics', () => {
  describe('as text', () => {
    it('is a table with a row per period', () => {
      assert.equal(
        renderPeriodMetrics(axis, result).text,
        [
          'year  ran  cached  failed  not run  duration  validation',
          '----  ---  ------  ------  -------  --------  ------------------',
          '2025    0       3       0        0         —',
          '2026    3       0       0        0     2.6 s  1 warning',
          '2027    2       0       1        1     1.6 s  1 warning, 1 error',
        ].join('\n'),
      );
    });
  });

  describe('when no period has stages that did not run or failed rules', () => {
    it('leaves those columns out', () => {
      const clean = { ...result, stages: { 'hires@2025': ran('hires@2025', 0, 1000) } };
      assert.equal(renderPeriodMetrics(axis, clean).text.split('\n')[0], 'year  ran  cached  failed  duration');
    });
  });
});

describe('renderMetricsCard of a run with periods', () => {
  it('puts the per-period table above the stage table in the text, and folds the stage table away in the HTML', () => {
    const card = renderMetricsCard(plan, result);
    const lines = card.text.split('\n');
    assert.deepEqual(lines.slice(3, 10), [
      '',
      'year  ran  cached  failed  not run  duration  validation',
      '----  ---  ------  ------  -------  --------  ------------------',
      '2025    0       3       0        0         —',
      '2026    3       0       0        0     2.6 s  1 warning',
      '2027    2       0       1        1     1.6 s  1 warning, 1 error',
      '',
    ]);
    assert.equal(lines[10].split(/\s+/)[0], 'stage');
    assert.ok(card.html.includes('<span style="color:#b91c1c">1 warning, 1 error</span>'));
    assert.ok(card.html.includes('<summary style="cursor:pointer;color:#6b7280;font-size:12.5px">every stage (10)</summary><table class="dagbook-table"'));
    assert.ok(card.html.indexOf('>year</th>') < card.html.indexOf('<details'));
  });
});
