import { strict as assert } from 'node:assert';
import { standingState, standingSummary } from '../../src/cli/graph-command';
import type { StageStanding } from '../../src/query/status';

function row(status: StageStanding['status'], stale: boolean): StageStanding {
  return { stageId: 's', status, stale, reason: stale ? 'params changed' : 'up to date' };
}

describe('graph command', () => {
  describe('when a stage is drawn by its standing', () => {
    it('is up to date, stale, failed or never run', () => {
      assert.deepEqual(
        [row('SUCCEEDED', false), row('CACHED', false), row('SUCCEEDED', true), row('CANCELLED', true), row('FAILED', true), row('NEVER_RUN', true)].map(standingState),
        ['skip', 'skip', 'STALE', 'STALE', 'FAILED', 'NEVER_RUN'],
      );
    });
  });

  describe('when the standings are summed up', () => {
    it('counts them in legend order, in the legend’s words', () => {
      assert.equal(standingSummary(['NEVER_RUN', 'skip', 'STALE', 'FAILED', 'skip']), '5 stages — 2 up to date, 1 never run, 1 failed, 1 stale');
    });
  });
});
