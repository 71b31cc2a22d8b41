import assert from 'node:assert/strict';
import { renderWorkers, workersHeadline } from '../../src/display/workers-view';
import type { WorkerStanding } from '../../src/execute/worker-beat';

const NOW = 1_700_000_000_000;
const worker = (name: string, beatAgeMs: number, alive: boolean): WorkerStanding => ({
  name,
  host: 'box-1',
  pid: 4242,
  concurrency: 4,
  startedAt: NOW - 3_600_000,
  beatAt: NOW - beatAgeMs,
  intervalMs: 5000,
  running: 2,
  completed: 104,
  failed: 3,
  beatAgeMs,
  alive,
});

describe('renderWorkers', () => {
  describe('when a queue has an alive and a stale worker', () => {
    it('heads with the counts and gives a row per worker', () => {
      const view = renderWorkers({ connection: 'redis://r:6379', queue: 'etl', workers: [worker('box-1:4242', 1000, true), worker('box-2:77', 180_000, false)] }, NOW);
      assert.equal(
        view.text,
        [
          'workers on queue `etl` at redis://r:6379: 1 alive, 1 stale',
          '',
          'worker      host   running  completed  failed  last heartbeat  state',
          '----------  -----  -------  ---------  ------  --------------  -----',
          'box-1:4242  box-1      2/4        104       3  just now        alive',
          'box-2:77    box-1      2/4        104       3  3 min ago       stale',
        ].join('\n'),
      );
      assert.ok(view.html.includes('<span style="color:#b45309">stale</span>'), view.html);
    });
  });

  describe('when a queue has no worker, or its Redis could not be read', () => {
    it('says so in one line', () => {
      assert.equal(renderWorkers({ connection: 'redis://r:6379', queue: 'etl', workers: [] }, NOW).text, 'no workers on queue `etl` at redis://r:6379');
      assert.equal(
        workersHeadline({ connection: 'redis://r:6379', queue: 'etl', error: 'Redis at `redis://r:6379` could not be reached within 1000 ms: no answer within 1000 ms' }),
        'workers on queue `etl` at redis://r:6379: Redis at `redis://r:6379` could not be reached within 1000 ms: no answer within 1000 ms',
      );
    });
  });
});
