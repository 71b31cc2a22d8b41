import { strict as assert } from 'node:assert';
import { ManualClock } from '../../src/clock';
import { EtaModel } from '../../src/display/eta-model';
import { initialProgress, reduceProgress } from '../../src/display/progress-state';
import { renderProgressHtml } from '../../src/display/progress-html';
import type { PipelineEvent } from '../../src/events/event';
import { endEvents, ev, firstEvents, laterEvents, STAGES } from './progress-events';

function htmlAt(events: readonly PipelineEvent[], now: number): string {
  const state = events.reduce(reduceProgress, initialProgress({ stages: STAGES, maxAttempts: { c: 3 }, startedAt: 0 }));
  return renderProgressHtml(new EtaModel({ estimatesMs: { a: 1000, b: 2000, c: 3000, d: 2000 }, clock: new ManualClock(now) }).snapshot(state));
}

describe('renderProgressHtml', () => {
  describe('when the run is under way', () => {
    const html = htmlAt([...firstEvents(), ...laterEvents()], 2600);

    it('shows the percent, a running overall bar and the ETA in bold', () => {
      assert.ok(html.startsWith('<div class="dagbook-view"'));
      assert.ok(html.includes('<span style="font-size:20px;font-weight:600;min-width:64px">50%</span>'));
      assert.ok(html.includes('width:50.0%;height:100%;background:#2563eb'));
      assert.ok(html.includes('2 of 4 stages settled · elapsed 2.6 s · <b style="color:#1f2937;font-weight:600">ETA 4.0 s</b>'));
    });

    it('has a row per stage with a badge, and a bar only for started stages', () => {
      assert.equal((html.match(/<tr>/g) ?? []).length, 5);
      assert.equal((html.match(/width:110px/g) ?? []).length, 3);
      assert.ok(html.includes('>attempt 2/3</td>'));
      assert.ok(html.includes('<span style="color:#6b7280">up to date</span>'));
    });
  });

  describe('when the run has failed', () => {
    it('fills the overall bar in the failed colour and says failed', () => {
      const html = htmlAt([...firstEvents(), ...laterEvents(), ...endEvents()], 9000);
      assert.ok(html.includes('width:75.0%;height:100%;background:#dc2626'));
      assert.ok(html.includes('<b style="color:#1f2937;font-weight:600">failed</b>'));
    });
  });
});

describe('renderProgressHtml of a blocked stage', () => {
  describe('when an upstream failure blocked a stage before it started', () => {
    it('draws its bar empty at 0%, not full', () => {
      const blocked = ev('STEP_SKIPPED', 4600, 'd', { reason: 'upstream `c` failed', status: 'BLOCKED' });
      const html = htmlAt([...firstEvents(), ...laterEvents(), ...endEvents().slice(0, 1), blocked], 4600);
      const row = /<tr>(?:(?!<tr>).)*>d<\/td>(?:(?!<\/tr>).)*<\/tr>/s.exec(html)?.[0] ?? '';
      assert.ok(row.includes('width:0.0%'), row);
      assert.ok(row.includes('>0%</span>'), row);
      assert.ok(!row.includes('width:100.0%'), row);
    });
  });
});
