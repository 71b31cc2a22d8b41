import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isProcessAlive } from '../../../src/process-alive';
import type { ItemRecord } from '../../../src/records';
import { readServiceStates } from '../../../src/service/service-state-file';
import { readDaemonState } from '../../../src/store/daemon-file';
import { statePaths } from '../../../src/store/state-paths';
import { runStudy, TRIALS_FILE } from './study-run';
import { startWatch, type Watcher } from '../../cli/watch-process';

/**
 * `dagbook watch pipelines/trials.yaml` in a real child process (the CLI from
 * src/ through tsx) on a real Optuna study: a first batch of 4 trials, then a
 * second of 2 while it watches every second, then SIGTERM.
 *
 * The second batch is run on a copy of the study and renamed over it, so the
 * watcher sees both new trials at once: Optuna commits each trial as it ends,
 * and a tick reading the study mid-batch would rightly take the first new
 * trial alone, leaving the second to the tick after.
 */

const INTERVAL_MS = 1000;

function watch(stateDir: string): Watcher {
  return startWatch([TRIALS_FILE, '--every', `${INTERVAL_MS}ms`, '--state-dir', stateDir], 60_000);
}

/** The backtest journal's lines, in order. */
function backtestRecords(stateDir: string): ItemRecord[] {
  const file = path.join(stateDir, 'trials', 'items', 'backtest.jsonl');
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as ItemRecord);
}

/** The trials whose backtest run `runId` recorded, sorted. */
function backtestedBy(stateDir: string, runId: string): string[] {
  return backtestRecords(stateDir)
    .filter((r) => r.runId === runId)
    .map((r) => r.itemId)
    .sort();
}

describe('dagbook watch pipelines/trials.yaml', function () {
  this.timeout(120_000);

  describe('when the study adds a second batch while it watches', () => {
    let dir: string;
    let stateDir: string;
    let studyDb: string;
    let watcher: Watcher | undefined;

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-trials-watch-'));
      stateDir = path.join(dir, 'state');
      studyDb = path.join(stateDir, 'trials', 'study.db');
      await runStudy(studyDb, 4);
    });

    after(async () => {
      if (watcher && watcher.child.exitCode === null && watcher.child.signalCode === null) {
        watcher.child.kill('SIGKILL');
        await watcher.exit;
      }
      // The traders of a watcher killed outright outlive it.
      const servicesDir = path.join(stateDir, 'trials', 'services');
      if (fs.existsSync(servicesDir)) {
        for (const s of readServiceStates(path.join(stateDir, 'trials'))) if (s.pid !== undefined && isProcessAlive(s.pid)) process.kill(s.pid, 'SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('backtests exactly the new trials at the tick after the batch, and on SIGTERM exits 0 with every trial recorded once and no trader left', async () => {
      const w = (watcher = watch(stateDir));
      const first = await w.line((l) => l.event === 'tick_end', 'the first tick');
      assert.equal(first.status, 'SUCCEEDED', first.message);
      // 4 backtests and 3 traders; the stress test is off.
      assert.deepEqual(first.counts, { SKIPPED: 1, SUCCEEDED: 4, items_succeeded: 7, items_cached: 0, items_failed: 0 });
      assert.deepEqual(backtestedBy(stateDir, first.run_id), ['0', '1', '2', '3']);
      const firstTraders = readServiceStates(path.join(stateDir, 'trials'));
      assert.deepEqual(
        firstTraders.map((s) => [s.name, s.status, isProcessAlive(s.pid as number)]),
        [
          ['deploy@0', 'running', true],
          ['deploy@2', 'running', true],
          ['deploy@3', 'running', true],
        ],
      );

      const next = path.join(dir, 'next.db');
      fs.copyFileSync(studyDb, next);
      await runStudy(next, 2);
      const from = w.lines.length;
      fs.renameSync(next, studyDb);
      const addedAt = Date.now();

      // The first tick to record a new trial; a tick in progress at the rename may have read the study before it.
      const picked = await w.line((l) => l.event === 'tick_end' && backtestedBy(stateDir, l.run_id).length > 0, 'a tick that backtests the second batch', from);
      assert.equal(picked.status, 'SUCCEEDED', picked.message);
      assert.deepEqual(backtestedBy(stateDir, picked.run_id), ['4', '5']);
      // The 2 new backtests and the trader of trial 4, which replaces trial 3's in the top 3; the other 6 kept.
      assert.deepEqual(picked.counts, { SKIPPED: 1, SUCCEEDED: 4, items_succeeded: 3, items_cached: 6, items_failed: 0 });
      const pickedStart = Date.parse(picked.ts) - picked.duration_ms;
      assert.ok(pickedStart - addedAt <= INTERVAL_MS + 250, `the tick started ${pickedStart - addedAt} ms after the batch`);

      w.child.kill('SIGTERM');
      assert.equal(await w.exit, 0);
      assert.equal(w.lines[w.lines.length - 1].event, 'stopped');
      // Each trial backtested once over the whole watch: nothing lost, nothing run twice.
      const perTrial: Record<string, number> = {};
      for (const r of backtestRecords(stateDir)) perTrial[r.itemId] = (perTrial[r.itemId] ?? 0) + 1;
      assert.deepEqual(perTrial, { '0': 1, '1': 1, '2': 1, '3': 1, '4': 1, '5': 1 });
      assert.ok(backtestRecords(stateDir).every((r) => r.status === 'SUCCEEDED'));
      const daemon = readDaemonState(statePaths(stateDir, 'trials'));
      assert.equal(daemon.kind === 'state' && daemon.state.state, 'stopped');

      const traders = readServiceStates(path.join(stateDir, 'trials'));
      assert.deepEqual(
        traders.map((s) => [s.name, s.status]),
        [
          ['deploy@0', 'stopped'],
          ['deploy@2', 'stopped'],
          ['deploy@3', 'stopped'],
          ['deploy@4', 'stopped'],
        ],
      );
      const pids = [...firstTraders, ...traders].map((s) => s.pid).filter((pid): pid is number => pid !== undefined);
      assert.deepEqual(pids.filter((pid) => isProcessAlive(pid)), []);
    });
  });
});
