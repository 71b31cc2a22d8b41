import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../src/clock';
import { compilePipeline } from '../../src/plan/compile';
import { startRun } from '../../src/run/run-pipeline';
import { openDurableStore, type DurableStore } from '../../src/store/durable-store';
import { requestRunCancel, runCancelRequestPath } from '../../src/store/run-cancel-request';
import { drive, T0 } from './fixtures';

/**
 * A run on the durable store cancelled from another process: the request
 * file is found at the next poll (on the clock given for them, here the run's), the run ends CANCELLED
 * with its reason, and the file is gone; one left from before the run is not
 * taken for a new request.
 */

describe('cancel requests of a run (durable store)', () => {
  let dir: string;
  let store: DurableStore | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-cancel-'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** `wait` runs until the test releases it (or the run is cancelled: its signal aborts). */
  const pipeline = (release: Promise<void>) =>
    compilePipeline({
      name: 'c',
      stages: [{ id: 'wait', run: (ctx) => Promise.race([release, new Promise<void>((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)))]) }],
    });

  describe('when another process asks while a stage runs', () => {
    it('cancels the run at the next poll with the request’s reason, and removes the file', async () => {
      store = await openDurableStore({ stateDir: dir, pipeline: 'c' });
      const clock = new ManualClock(T0);
      const never = new Promise<void>(() => undefined);
      let running: () => void = () => undefined;
      const stageStarted = new Promise<void>((resolve) => (running = resolve));
      const handle = startRun(pipeline(never), {
        store,
        clock,
        cancelPollClock: clock,
        runId: 'run-1',
        cancelPollMs: 250,
        listeners: [(e) => (e.type === 'STEP_START' ? running() : undefined)],
      });
      await stageStarted;
      requestRunCancel(store.paths, 'run-1', { reason: 'cancelled from the dashboard', at: new Date(T0).toISOString(), pid: 4242 });
      assert.deepEqual(clock.sleeps, [250]);
      const result = await drive(clock, handle.result);
      assert.equal(result.status, 'CANCELLED');
      assert.equal(result.reason, 'cancelled from the dashboard');
      assert.equal(clock.now(), T0 + 250);
      assert.equal(fs.existsSync(runCancelRequestPath(store.paths, 'run-1')), false);
    });
  });

  describe('when a request was left from before the run began', () => {
    it('discards it, and the run goes on to its end', async () => {
      store = await openDurableStore({ stateDir: dir, pipeline: 'c' });
      fs.mkdirSync(path.join(store.paths.runs, 'run-1'), { recursive: true });
      requestRunCancel(store.paths, 'run-1', { reason: 'stale', at: new Date(T0).toISOString(), pid: 4242 });
      const clock = new ManualClock(T0);
      // The stage lasts 1 s on the run's clock: two polls (every 500 ms) happen while it runs.
      const result = await drive(clock, startRun(pipeline(clock.sleep(1000)), { store, clock, cancelPollClock: clock, runId: 'run-1' }).result);
      assert.equal(result.status, 'SUCCEEDED');
      // The stage's sleep, then the polls at T0 + 500 and T0 + 1000 (the first found nothing: the old request was gone).
      assert.deepEqual(clock.sleeps.slice(0, 3), [1000, 500, 500]);
      assert.equal(fs.existsSync(runCancelRequestPath(store.paths, 'run-1')), false);
    });
  });
});
