import { strict as assert } from 'node:assert';
import { dryRunHeadline, renderPlanView } from '../../src/display/plan-view';
import type { DryRunResult, DryRunRow } from '../../src/query/dry-run';
import { periodPlanOf } from './period-plan';
import { planOf } from './small-plan';

const plan = planOf('etl', [['extract', []], ['transform', ['extract']], ['load', ['transform']], ['audit', []]], { audit: { enabled: false } });

const dry: DryRunResult = {
  pipeline: 'etl',
  rows: [
    { stageId: 'extract', action: 'skip', reason: 'up to date', estimatedMs: 820, deps: [] },
    { stageId: 'transform', action: 'run', reason: 'param `limit` changed', estimatedMs: 1430, deps: ['extract'] },
    { stageId: 'load', action: 'run', reason: 'upstream `transform` will run', deps: ['transform'] },
    { stageId: 'audit', action: 'disabled', reason: 'disabled in config', deps: [] },
  ],
  toRun: 2,
  estimatedMs: 1430,
};

describe('renderPlanView', () => {
  describe('when some stages would run', () => {
    it('renders the headline and an aligned table as text', () => {
      assert.equal(
        renderPlanView(plan, dry).text,
        [
          'dry run of `etl`: 2 of 4 stages would run, ~1.4 s estimated (1 without history)',
          '',
          'stage      action      reason                         estimate',
          '---------  ----------  -----------------------------  --------',
          'extract    up to date  up to date                       820 ms',
          'transform  will run    param `limit` changed             1.4 s',
          'load       will run    upstream `transform` will run         —',
          'audit      disabled    disabled in config                    —',
        ].join('\n'),
      );
    });

    it('colours the DAG by action and shows reasons with inline code', () => {
      const { html } = renderPlanView(plan, dry);
      assert.ok(html.includes('data-stage="transform" data-state="run"'));
      assert.ok(html.includes('data-stage="audit" data-state="disabled"'));
      assert.ok(html.includes('param <code'));
      assert.equal((html.match(/<tr>/g) ?? []).length, 5);
      assert.ok(!html.includes('<script'));
    });
  });

  describe('when nothing would run or nothing is known', () => {
    it('says so in the headline', () => {
      assert.equal(dryRunHeadline({ ...dry, rows: dry.rows.slice(0, 1), toRun: 0, estimatedMs: 0 }), 'dry run of `etl`: 0 of 1 stage would run');
      assert.equal(dryRunHeadline({ ...dry, rows: dry.rows.slice(2, 3), toRun: 1, estimatedMs: 0 }), 'dry run of `etl`: 1 of 1 stage would run, duration unknown (no history)');
      assert.equal(dryRunHeadline({ ...dry, rows: dry.rows.slice(0, 2), toRun: 1 }), 'dry run of `etl`: 1 of 2 stages would run, ~1.4 s estimated');
    });
  });
});

describe('renderPlanView of a pipeline with periods', () => {
  const periodPlan = periodPlanOf('workforce', { name: 'year', keys: ['2025', '2026', '2027'] }, [['census', 'before'], ['terminations', 'per'], ['accumulate', 'per'], ['summary', 'after']]);
  const row = (stageId: string, action: DryRunRow['action'], reason: string): DryRunRow => ({ stageId, action, reason, deps: [] });
  const periodDry: DryRunResult = {
    pipeline: 'workforce',
    rows: [
      row('census', 'skip', 'up to date'),
      row('terminations@2025', 'skip', 'up to date'),
      row('accumulate@2025', 'skip', 'up to date'),
      row('checkpoint@2025', 'skip', 'up to date'),
      row('terminations@2026', 'run', 'param `terminationRate` changed'),
      row('accumulate@2026', 'run', 'upstream `terminations@2026` will run'),
      row('checkpoint@2026', 'run', 'upstream `accumulate@2026` will run'),
      row('terminations@2027', 'run', 'param `terminationRate` changed; upstream `checkpoint@2026` will run'),
      row('accumulate@2027', 'run', 'upstream `terminations@2027` will run'),
      row('checkpoint@2027', 'run', 'upstream `accumulate@2027` will run'),
      row('summary', 'run', 'upstream `checkpoint@2027` will run'),
    ],
    toRun: 7,
    estimatedMs: 0,
  };

  describe('when a param changed from one period on', () => {
    it('prints the headline, what each period would do and why, and a stage × period grid instead of the table', () => {
      assert.equal(
        renderPlanView(periodPlan, periodDry).text,
        [
          'dry run of `workforce`: 7 of 11 stages would run, duration unknown (no history)',
          'year 2025: 3 up to date · 2026–2027: 3 will run (param `terminationRate` changed)',
          '',
          'year          2025  2026  2027',
          'census        ✓ (not per year)',
          'terminations  ✓     ▶     ▶',
          'accumulate    ✓     ▶     ▶',
          'summary       ▶ (not per year)',
          'checkpoint    ✓     ▶     ▶',
          'legend: ✓ up to date · ▶ will run',
        ].join('\n'),
      );
    });

    it('draws the grid instead of the DAG, with the summary above and the stage table folded below', () => {
      const { html } = renderPlanView(periodPlan, periodDry);
      assert.ok(!html.includes('<svg'));
      assert.ok(html.includes('class="dagbook-period-grid"'));
      assert.ok(html.includes('data-stage="terminations@2026" data-state="run" title="terminations@2026: will run — param `terminationRate` changed"'));
      assert.ok(html.includes('year 2025: 3 up to date · 2026–2027: 3 will run (param <code'));
      assert.ok(html.includes('<summary style="cursor:pointer;color:#6b7280;font-size:12.5px">every stage (11)</summary><table class="dagbook-table"'));
      assert.equal((html.split('<table class="dagbook-table"')[1].match(/<tr>/g) ?? []).length, 12);
    });
  });
});
