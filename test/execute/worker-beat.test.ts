import assert from 'node:assert/strict';
import { workersKey, workerStandings, type WorkerBeat } from '../../src/execute/worker-beat';

const beat = (name: string, beatAt: number): WorkerBeat => ({
  name,
  host: 'h1',
  pid: 10,
  concurrency: 2,
  startedAt: 1000,
  beatAt,
  intervalMs: 5000,
  running: 1,
  completed: 7,
  failed: 1,
});

describe('workerStandings', () => {
  describe('when beats of several ages are read', () => {
    it('is alive within 3 intervals, stale after, forgotten past the prune age; entries that are not beats are forgotten too', () => {
      const entries = {
        'w-b': JSON.stringify(beat('w-b', 85_000)),
        'w-a': JSON.stringify(beat('w-a', 100_000)),
        'w-old': JSON.stringify(beat('w-old', 100_000 - 600_001)),
        'w-bad': '{"name":"w-bad"}',
        'w-junk': 'not json',
      };
      assert.deepEqual(workerStandings(entries, 100_000), {
        workers: [
          { ...beat('w-a', 100_000), beatAgeMs: 0, alive: true },
          { ...beat('w-b', 85_000), beatAgeMs: 15_000, alive: true },
        ],
        prune: ['w-old', 'w-bad', 'w-junk'],
      });
      assert.deepEqual(
        workerStandings(entries, 100_001).workers.map((w) => [w.name, w.alive]),
        [['w-a', true], ['w-b', false]],
      );
    });
  });

  describe('when naming the hash of a queue', () => {
    it('is dagbook:<queue>:workers', () => {
      assert.equal(workersKey('etl'), 'dagbook:etl:workers');
    });
  });
});
