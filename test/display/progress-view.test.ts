import { strict as assert } from 'node:assert';
import { ProgressModel } from '../../src/display/progress-view';
import { endEvents, firstEvents, laterEvents, STAGES } from './progress-events';

function model(): ProgressModel {
  const m = new ProgressModel({ stages: STAGES, estimatesMs: { a: 1000, b: 2000, c: 3000, d: 2000 }, maxAttempts: { c: 3 }, startedAt: 0 });
  for (const e of firstEvents()) m.apply(e);
  return m;
}

describe('ProgressModel', () => {
  describe('when asked for a snapshot without a time', () => {
    it('estimates at the time of the last event', () => {
      const snap = model().snapshot();
      assert.deepEqual([snap.at, snap.elapsedMs, snap.etaMs, snap.percent], [1100, 1100, 8000, 18.8]);
    });
  });

  describe('when events arrive', () => {
    it('keeps the reduced progress as its state', () => {
      const m = model();
      for (const e of laterEvents()) m.apply(e);
      assert.deepEqual(m.state.stages.map((s) => s.status), ['CACHED', 'SUCCEEDED', 'RUNNING', 'PENDING']);
    });
  });

  describe('when viewed', () => {
    it('renders the HTML card and the text of the same snapshot', () => {
      const m = model();
      for (const e of [...laterEvents(), ...endEvents()]) m.apply(e);
      const view = m.view(9000);
      assert.equal(view.text.split('\n')[0], '3 of 4 stages settled · 75% · elapsed 4.6 s · failed');
      assert.ok(view.html.includes('width:75.0%'));
      assert.ok(view.html.includes('>failed</b>'));
    });
  });
});
