import { strict as assert } from 'node:assert';
import { dryRunHeadline, renderPlanView } from '../../src/display/plan-view';
import type { DryRunResult } from '../../src/query/dry-run';
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
