import { strict as assert } from 'node:assert';
import { ManualClock } from '../../src/clock';
import { EtaModel } from '../../src/display/eta-model';
import { initialProgress, reduceProgress } from '../../src/display/progress-state';
import { renderProgressText } from '../../src/display/progress-text';
import type { PipelineEvent } from '../../src/events/event';
import { endEvents, firstEvents, laterEvents, STAGES } from './progress-events';

function textAt(events: readonly PipelineEvent[], now: number, estimatesMs?: Record<string, number>): string {
  const state = events.reduce(reduceProgress, initialProgress({ stages: STAGES, maxAttempts: { c: 3 }, startedAt: 0 }));
  return renderProgressText(new EtaModel({ estimatesMs, clock: new ManualClock(now) }).snapshot(state));
}

describe('renderProgressText', () => {
  describe('when the run is under way', () => {
    it('shows the headline, an overall bar and a row per stage', () => {
      assert.equal(
        textAt([...firstEvents(), ...laterEvents()], 2600, { a: 1000, b: 2000, c: 3000, d: 2000 }),
        [
          '2 of 4 stages settled · 50% · elapsed 2.6 s · ETA 4.0 s',
          '[###############---------------] 50%',
          '',
          'stage  status     progress           attempt      elapsed  note',
          '-----  ---------  -----------------  -----------  -------  ----------',
          'a      cached     [##########] 100%                        up to date',
          'b      succeeded  [##########] 100%                 2.0 s  4/4',
          'c      running    [###-------] 33%   attempt 2/3    2.5 s',
          'd      pending',
        ].join('\n'),
      );
    });

    it('says ETA — while a stage has no estimate, shows retry notes and the attempt a running stage is on', () => {
      const lines = textAt(firstEvents(), 1100).split('\n');
      assert.equal(lines[0], '1 of 4 stages settled · 31% · elapsed 1.1 s · ETA —');
      assert.equal(lines[6], 'b      running   [###-------] 25%   attempt 1    1.0 s  1/4');
      assert.equal(lines[7], 'c      retrying                                  1.0 s  retry in 500 ms after STAGE_FAILED');
    });
  });

  describe('when the run has ended', () => {
    it('says how it ended and shows stages that never ran as pending', () => {
      const lines = textAt([...firstEvents(), ...laterEvents(), ...endEvents()], 9000, { a: 1000, b: 2000, c: 3000, d: 2000 }).split('\n');
      assert.deepEqual([lines[0], lines[7], lines[8]], [
        '3 of 4 stages settled · 75% · elapsed 4.6 s · failed',
        'c      failed     [##########] 100%  attempt 2/3    4.5 s  STAGE_TIMEOUT',
        'd      pending',
      ]);
    });
  });
});
