import { strict as assert } from 'node:assert';
import { ManualClock } from '../../src/clock';
import { EtaModel } from '../../src/display/eta-model';
import { itemsEtaMs, itemsFraction, itemsProgressText, rateText } from '../../src/display/item-progress';
import { initialProgress, reduceProgress } from '../../src/display/progress-state';
import { renderProgressHtml } from '../../src/display/progress-html';
import { renderProgressText } from '../../src/display/progress-text';
import type { PipelineEvent } from '../../src/events/event';
import { ev } from './progress-events';

/** `discover` succeeds; `embed`, a per-item stage over 250 items, is under way at 2.1 s; `store` waits. */
function runningEvents(): PipelineEvent[] {
  return [
    ev('STEP_START', 0, 'discover', { attempt: 1, idempotencyKey: 'k1' }),
    ev('STEP_SUCCESS', 100, 'discover', { attempt: 1, durationMs: 100, usage: {} }),
    ev('STEP_START', 100, 'embed', { attempt: 1, idempotencyKey: 'k2' }),
    ev('ITEMS_PROGRESS', 1100, 'embed', { done: 40, failed: 0, cached: 30, running: 4, total: 250, itemsPerSecond: 40 }),
    ev('ITEM_FAILURE', 1900, 'embed', { itemId: 'docs/<b>.md', code: 'PARSE_FAILED', errorClass: 'persistent', attempts: 1 }),
    ev('ITEMS_PROGRESS', 2100, 'embed', { done: 98, failed: 2, cached: 30, running: 4, total: 250, itemsPerSecond: 48 }),
  ];
}

/** At 4.6 s the stage ends with 2 items failed, and the run ends PARTIAL. */
function endEvents(): PipelineEvent[] {
  return [
    ev('ITEMS_PROGRESS', 4600, 'embed', { done: 218, failed: 2, cached: 30, running: 0, total: 250, itemsPerSecond: 50 }),
    ev('STEP_SUCCESS', 4600, 'embed', { attempt: 1, durationMs: 4500, usage: {} }),
    ev('STEP_START', 4600, 'store', { attempt: 1, idempotencyKey: 'k3' }),
    ev('STEP_SUCCESS', 4700, 'store', { attempt: 1, durationMs: 100, usage: {} }),
    ev('PIPELINE_COMPLETE', 4700, undefined, { status: 'PARTIAL', durationMs: 4700, counts: {} }),
  ];
}

function stateOf(events: readonly PipelineEvent[]) {
  return events.reduce(reduceProgress, initialProgress({ stages: ['discover', 'embed', 'store'], startedAt: 0 }));
}

describe('item-progress', () => {
  describe('when a per-item stage is under way', () => {
    const items = { done: 98, failed: 2, cached: 30, running: 4, total: 250, itemsPerSecond: 48 };

    it('counts the ended items, the share and the time the rest need at the recent rate', () => {
      assert.equal(itemsFraction(items), 0.52);
      assert.equal(itemsEtaMs(items), 2500);
      assert.equal(itemsProgressText(items, false), '130/250 items · 2 failed · 30 cached · 4 running · 48 items/s · ETA 2.5 s');
    });

    it('says ETA — while no rate is known, and leaves out counts that are 0', () => {
      assert.equal(itemsProgressText({ done: 0, failed: 0, cached: 0, running: 8, total: 1000, itemsPerSecond: 0 }, false), '0/1,000 items · 8 running · 0.0 items/s · ETA —');
    });

    it('gives the rate with one decimal below 10 per second', () => {
      assert.deepEqual([rateText(2.345), rateText(12.5), rateText(20_400)], ['2.3 items/s', '13 items/s', '20,400 items/s']);
    });
  });

  describe('when a per-item stage has ended', () => {
    it('says only the counts', () => {
      assert.equal(itemsProgressText({ done: 218, failed: 2, cached: 30, running: 0, total: 250, itemsPerSecond: 50 }, true), '250/250 items · 2 failed · 30 cached');
    });

    it('has no time left and counts as whole for a stage with no items', () => {
      const none = { done: 0, failed: 0, cached: 0, running: 0, total: 0, itemsPerSecond: 0 };
      assert.deepEqual([itemsFraction(none), itemsEtaMs(none)], [1, 0]);
    });
  });

  describe('when the progress views draw a run with a per-item stage', () => {
    it('fills its bar with items (weighed as a stage without history), shows its rate, ETA and last failed item, and takes the run ETA from the items', () => {
      const snap = new EtaModel({ estimatesMs: { discover: 100, store: 500 }, clock: new ManualClock(2100) }).snapshot(stateOf(runningEvents()));
      assert.equal(snap.etaMs, 3000);
      assert.equal(
        renderProgressText(snap),
        [
          '1 of 3 stages settled · 28% · elapsed 2.1 s · ETA 3.0 s',
          '[#########---------------------] 28%',
          '',
          'stage     status     progress           attempt    elapsed  note',
          '--------  ---------  -----------------  ---------  -------  ' + '-'.repeat(115),
          'discover  succeeded  [##########] 100%              100 ms',
          'embed     running    [#####-----] 52%   attempt 1    2.0 s  130/250 items · 2 failed · 30 cached · 4 running · 48 items/s · ETA 2.5 s · last failed: docs/<b>.md (PARSE_FAILED)',
          'store     pending',
        ].join('\n'),
      );
    });

    it('escapes the failed item id in HTML', () => {
      const snap = new EtaModel({ clock: new ManualClock(2100) }).snapshot(stateOf(runningEvents()));
      const html = renderProgressHtml(snap);
      assert.ok(html.includes('last failed: docs/&lt;b&gt;.md (PARSE_FAILED)'), html);
      assert.ok(!html.includes('<b>.md'));
    });

    it('ends the stage and the run partial when items failed', () => {
      const state = stateOf([...runningEvents(), ...endEvents()]);
      assert.equal(state.stages[1].status, 'PARTIAL');
      assert.equal(state.settled, 3);
      const lines = renderProgressText(new EtaModel({ clock: new ManualClock(9000) }).snapshot(state)).split('\n');
      assert.deepEqual([lines[0], lines[6]], [
        '3 of 3 stages settled · 100% · elapsed 4.7 s · partial',
        'embed     partial    [##########] 100%             4.5 s  250/250 items · 2 failed · 30 cached · last failed: docs/<b>.md (PARSE_FAILED)',
      ]);
    });

    it('ends the stage partial also when its last report comes after its success', () => {
      const [last, success] = endEvents();
      const state = stateOf([...runningEvents(), success, last]);
      assert.equal(state.stages[1].status, 'PARTIAL');
    });

    it('ends a per-item stage whose items all succeeded as succeeded', () => {
      const state = stateOf([
        ev('STEP_START', 0, 'embed', { attempt: 1, idempotencyKey: 'k2' }),
        ev('ITEMS_PROGRESS', 500, 'embed', { done: 3, failed: 0, cached: 0, running: 0, total: 3, itemsPerSecond: 6 }),
        ev('STEP_SUCCESS', 500, 'embed', { attempt: 1, durationMs: 500, usage: {} }),
      ]);
      assert.equal(state.stages[1].status, 'SUCCEEDED');
    });
  });
});
