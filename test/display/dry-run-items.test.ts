import { strict as assert } from 'node:assert';
import { dryRunItemIdsHtml, dryRunItemsText } from '../../src/display/dry-run-items';
import { renderPlanView } from '../../src/display/plan-view';
import type { DryRunResult } from '../../src/query/dry-run';
import type { DryRunItems } from '../../src/query/item-preview';
import { planOf } from './small-plan';

const items: DryRunItems = {
  new: 52,
  changed: 3,
  deleted: 1,
  unchanged: 230,
  failedLastTime: 2,
  toRun: 57,
  ids: {
    new: Array.from({ length: 52 }, (_, i) => `docs/new-${i}.md`),
    changed: ['docs/a.md', 'docs/<b>.md', 'docs/c.md'],
    deleted: ['docs/gone.md'],
    failedLastTime: ['docs/x.md', 'docs/y.md'],
  },
};

describe('dry-run-items', () => {
  describe('when a per-item stage has items of every kind', () => {
    it('counts them and how many would run', () => {
      assert.equal(dryRunItemsText(items), '52 new · 3 changed · 1 deleted · 230 unchanged · 2 failed last time — 57 will run');
    });

    it('lists the ids by kind in HTML, at most 50 each, escaped', () => {
      const html = dryRunItemIdsHtml('embed', items);
      assert.ok(html.startsWith('<details'));
      assert.ok(html.includes('items of embed: 52 new · 3 changed · 1 deleted · 230 unchanged · 2 failed last time — 57 will run</summary>'));
      assert.ok(html.includes('docs/new-49.md'));
      assert.ok(!html.includes('docs/new-50.md'));
      assert.ok(html.includes('and 2 more'));
      assert.ok(html.includes('docs/&lt;b&gt;.md'));
      assert.ok(!html.includes('<b>.md'));
      assert.deepEqual(
        [...html.matchAll(/<b>([^<]+)<\/b> <span style="color:#6b7280">\((\d+)\)<\/span>/g)].map((m) => `${m[1]} ${m[2]}`),
        ['new 52', 'changed 3', 'deleted 1', 'failed last time 2'],
      );
    });
  });

  describe('when nothing changed', () => {
    const unchanged: DryRunItems = { new: 0, changed: 0, deleted: 0, unchanged: 230, failedLastTime: 0, toRun: 0, ids: { new: [], changed: [], deleted: [], failedLastTime: [] } };

    it('says only the unchanged, and that none will run', () => {
      assert.equal(dryRunItemsText({ ...unchanged }), '230 unchanged — 0 will run');
    });

    it('lists nothing, having no new, changed, deleted or failed ids', () => {
      assert.equal(dryRunItemIdsHtml('embed', unchanged), '');
    });
  });

  describe('when the plan view shows a dry run with a per-item stage', () => {
    const plan = planOf('docs', [['discover', []], ['embed', ['discover']]]);
    const dry: DryRunResult = {
      pipeline: 'docs',
      rows: [
        { stageId: 'discover', action: 'run', reason: 'a discovery stage reads its source on every run: 286 item(s)', deps: [], discovered: 286 },
        { stageId: 'embed', action: 'run', reason: '52 new, 3 changed, 1 deleted, 230 unchanged, 2 failed last time — 57 will run', estimatedMs: 4200, deps: ['discover'], items },
      ],
      toRun: 2,
      estimatedMs: 4200,
    };

    it('adds an items column with the counts (and the items a discovery found) and keeps the reason as the engine set it', () => {
      assert.equal(
        renderPlanView(plan, dry).text,
        [
          'dry run of `docs`: 2 of 2 stages would run, ~4.2 s estimated (1 without history)',
          '',
          'stage     action    reason                                                                         items                                                                              estimate',
          '--------  --------  -----------------------------------------------------------------------------  ---------------------------------------------------------------------------------  --------',
          'discover  will run  a discovery stage reads its source on every run: 286 item(s)                   286 items found                                                                           —',
          'embed     will run  52 new, 3 changed, 1 deleted, 230 unchanged, 2 failed last time — 57 will run  52 new · 3 changed · 1 deleted · 230 unchanged · 2 failed last time — 57 will run     4.2 s',
        ].join('\n'),
      );
    });

    it('folds the ids under the table in HTML', () => {
      assert.ok(renderPlanView(plan, dry).html.includes('<summary style="cursor:pointer;color:#6b7280;font-size:12.5px">items of embed: '));
    });
  });
});
