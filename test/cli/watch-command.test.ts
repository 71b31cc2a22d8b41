import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readDaemonState } from '../../src/store/daemon-file';
import { readHeartbeat } from '../../src/store/heartbeat-file';
import { statePaths } from '../../src/store/state-paths';
import { startWatch, type Watcher } from './watch-process';

/**
 * `dagbook watch` in real child processes (the CLI from src/ through tsx),
 * with state in a temp folder and a 300 ms interval: the discovery reads
 * `trials.json`, `backtest` (one item at a time) appends each call to
 * `calls.log` and waits while a `gate-<item>` file exists, so a test holds an
 * item running for as long as it needs.
 */


const STAGES = `
const fs = require('node:fs');
const path = require('node:path');
exports.discover = () => JSON.parse(fs.readFileSync(path.join(__dirname, 'trials.json'), 'utf8')).map((t) => ({ id: t.id, hash: JSON.stringify(t), payload: t }));
exports.backtest = async (ctx) => {
  fs.appendFileSync(path.join(__dirname, 'calls.log'), ctx.item.id + '\\n');
  ctx.log('backtesting ' + ctx.item.id, { score: ctx.item.payload.score });
  const gate = path.join(__dirname, 'gate-' + ctx.item.id);
  while (fs.existsSync(gate)) await new Promise((resolve) => setTimeout(resolve, 20));
  if (ctx.item.payload.fail) throw new Error('no fills for trial ' + ctx.item.id);
  return { score: ctx.item.payload.score };
};
`;

const PIPELINE = `name: trials
stages:
  discover:
    fn: ./stages.js#discover
    discovery: true
  backtest:
    fn: ./stages.js#backtest
    forEach: discover
    concurrency: 1
    maxFailureRate: 0.5
    retry: { maxAttempts: 1 }
`;

interface Project {
  readonly dir: string;
  readonly file: string;
  readonly stateDir: string;
  trials(ids: readonly string[], failing?: readonly string[]): void;
  calls(): string[];
  closeGate(item: string): void;
  openGate(item: string): void;
}

function makeProject(): Project {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-watch-'));
  fs.writeFileSync(path.join(dir, 'stages.js'), STAGES);
  fs.writeFileSync(path.join(dir, 'trials.yaml'), PIPELINE);
  const callsFile = path.join(dir, 'calls.log');
  return {
    dir,
    file: path.join(dir, 'trials.yaml'),
    stateDir: path.join(dir, 'state'),
    trials: (ids, failing = []) => fs.writeFileSync(path.join(dir, 'trials.json'), JSON.stringify(ids.map((id, i) => ({ id, score: i, ...(failing.includes(id) ? { fail: true } : {}) })))),
    calls: () => (fs.existsSync(callsFile) ? fs.readFileSync(callsFile, 'utf8').split('\n').filter((l) => l !== '') : []),
    closeGate: (item) => fs.writeFileSync(path.join(dir, `gate-${item}`), ''),
    openGate: (item) => fs.rmSync(path.join(dir, `gate-${item}`), { force: true }),
  };
}

function watch(project: Project, extra: readonly string[] = []): Watcher {
  return startWatch([project.file, '--every', '300ms', '--state-dir', project.stateDir, ...extra]);
}

function journalFile(project: Project): string {
  return path.join(project.stateDir, 'trials', 'items', 'backtest.jsonl');
}

/** Each item's records in the backtest journal (one line per record written). */
function journalRecords(project: Project): Record<string, number> {
  const file = journalFile(project);
  const counts: Record<string, number> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '')) {
    const id = (JSON.parse(line) as { itemId: string }).itemId;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

describe('dagbook watch', function () {
  this.timeout(90_000);
  let project: Project;
  let running: Watcher | undefined;

  beforeEach(() => {
    project = makeProject();
  });

  afterEach(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL');
      await running.exit;
    }
    running = undefined;
    fs.rmSync(project.dir, { recursive: true, force: true });
  });

  describe('when items are added while it watches', () => {
    it('runs the new batch at the next tick, logs JSON lines, beats, serves /health, and exits 0 on SIGTERM', async () => {
      project.trials(['t1', 't2']);
      const w = (running = watch(project, ['--serve', '--port', '0']));
      const started = await w.line((l) => l.event === 'started', 'started');
      const first = await w.line((l) => l.event === 'tick_end' && l.tick === 1, 'the first tick');
      assert.equal(first.status, 'SUCCEEDED');
      assert.deepEqual(first.counts, { SUCCEEDED: 2, items_succeeded: 2, items_cached: 0, items_failed: 0 });
      const beatAfterFirst = readHeartbeat(statePaths(project.stateDir, 'trials'));
      assert.equal(beatAfterFirst.kind, 'beat');

      project.trials(['t1', 't2', 't3', 't4']);
      const addedAt = Date.now();
      const second = await w.line((l) => l.event === 'tick_end' && l.counts?.items_succeeded === 2 && l.counts?.items_cached === 2, 'a tick that runs the new batch');
      // Within one interval of the tick after the change (the tick in progress may have read the old file).
      assert.ok(Date.parse(second.ts) - addedAt < 300 + 2 * 1000, `picked up after ${Date.parse(second.ts) - addedAt} ms`);
      assert.deepEqual(project.calls(), ['t1', 't2', 't3', 't4']);

      const beat = readHeartbeat(statePaths(project.stateDir, 'trials'));
      assert.equal(beat.kind === 'beat' && beat.beat.pid, w.child.pid);
      assert.ok(beat.kind === 'beat' && beatAfterFirst.kind === 'beat' && Date.parse(beat.beat.at) > Date.parse(beatAfterFirst.beat.at), 'the heartbeat moved on');
      const daemon = readDaemonState(statePaths(project.stateDir, 'trials'));
      assert.equal(daemon.kind, 'state');
      if (daemon.kind === 'state') {
        assert.equal(daemon.state.pid, w.child.pid);
        assert.equal(daemon.state.state, 'running');
        assert.equal(daemon.state.intervalMs, 300);
        assert.equal(daemon.state.consecutiveFailures, 0);
        assert.ok(daemon.state.ticks >= 2, `ticks ${daemon.state.ticks}`);
      }

      const health = await (await fetch(`${started.serve_url}/health`)).json();
      assert.equal(health.pipelines[0].name, 'trials');
      assert.equal(health.pipelines[0].heartbeat.pid, w.child.pid);
      assert.equal(health.pipelines[0].heartbeat.stale, false);
      assert.ok(health.pipelines[0].heartbeat.age_ms >= 0 && health.pipelines[0].heartbeat.age_ms < 5_000, `age ${health.pipelines[0].heartbeat.age_ms}`);
      const status = await (await fetch(`${started.serve_url}/status`)).json();
      assert.equal(status.pipelines[0].daemon.pid, w.child.pid);
      assert.equal(status.pipelines[0].daemon.state, 'running');
      assert.match(status.pipelines[0].daemon.summary, /^daemon: running, /);

      w.child.kill('SIGTERM');
      assert.equal(await w.exit, 0);
      const events = w.lines.map((l) => l.event);
      assert.equal(events[0], 'started');
      // A tick in progress at the SIGTERM ends between the two; none starts after it.
      const stoppingAt = events.indexOf('stopping');
      assert.equal(events[events.length - 1], 'stopped');
      assert.deepEqual(events.slice(stoppingAt + 1, -1).filter((e) => e !== 'tick_end'), []);
      for (const l of w.lines) {
        assert.equal(typeof l.ts, 'string');
        assert.ok(['info', 'warn', 'error'].includes(l.level), JSON.stringify(l));
        assert.equal(l.pipeline, 'trials');
        assert.equal(typeof l.message, 'string');
      }
      for (const end of w.lines.filter((l) => l.event === 'tick_end')) {
        assert.match(end.run_id, /^run_/);
        assert.equal(typeof end.duration_ms, 'number');
        assert.equal(typeof end.counts, 'object');
      }
      const stopped = readDaemonState(statePaths(project.stateDir, 'trials'));
      assert.equal(stopped.kind === 'state' && stopped.state.state, 'stopped');
      assert.equal(fs.readFileSync(path.join(project.stateDir, 'trials', 'logs', 'items', 'backtest', 't3.log'), 'utf8').split('\n')[0].endsWith('backtesting t3 {"score":2}'), true);
    });
  });

  describe('when an item fails', () => {
    it('logs item_failed with the stage, item and code, and writes the failure in the item log', async () => {
      project.trials(['t1', 't2'], ['t2']);
      const w = (running = watch(project));
      const failed = await w.line((l) => l.event === 'item_failed', 'item_failed');
      assert.equal(failed.level, 'warn');
      assert.equal(failed.stage, 'backtest');
      assert.equal(failed.item, 't2');
      assert.equal(failed.code, 'STAGE_FAILED');
      assert.match(failed.run_id, /^run_/);
      const end = await w.line((l) => l.event === 'tick_end', 'tick_end');
      assert.equal(end.status, 'PARTIAL');
      assert.equal(end.consecutive_failures, 0);
      w.child.kill('SIGTERM');
      assert.equal(await w.exit, 0);
      const log = fs.readFileSync(path.join(project.stateDir, 'trials', 'logs', 'items', 'backtest', 't2.log'), 'utf8');
      assert.match(log, /WARN \[run_[^\]]+\] Item `t2` of `backtest` failed: no fills for trial t2 \{"code":"STAGE_FAILED","attempts":1\}\n/);
    });
  });

  describe('when SIGTERM comes in the middle of a tick', () => {
    it('lets the running item finish, starts no other, exits 0, and the next start does only the rest', async () => {
      project.trials(['t1', 't2', 't3', 't4']);
      project.closeGate('t2');
      const w = (running = watch(project, ['--grace', '20s']));
      await waitFor(() => project.calls().includes('t2'), 't2 running');
      w.child.kill('SIGTERM');
      await w.line((l) => l.event === 'stopping', 'stopping');
      project.openGate('t2');
      assert.equal(await w.exit, 0);
      const end = w.lines.find((l) => l.event === 'tick_end');
      assert.equal(end.status, 'CANCELLED');
      assert.equal(end.consecutive_failures, 0);
      assert.deepEqual(project.calls(), ['t1', 't2']);
      assert.deepEqual(journalRecords(project), { t1: 1, t2: 1 });

      const again = (running = watch(project));
      const next = await again.line((l) => l.event === 'tick_end', 'the next tick');
      assert.equal(next.status, 'SUCCEEDED');
      assert.deepEqual(next.counts, { SUCCEEDED: 2, items_succeeded: 2, items_cached: 2, items_failed: 0 });
      again.child.kill('SIGTERM');
      assert.equal(await again.exit, 0);
      assert.deepEqual(project.calls(), ['t1', 't2', 't3', 't4']);
      assert.deepEqual(journalRecords(project), { t1: 1, t2: 1, t3: 1, t4: 1 });
    });

    it('cancels the running item when the grace runs out, and the next start runs it again', async () => {
      project.trials(['t1', 't2']);
      project.closeGate('t1');
      const w = (running = watch(project, ['--grace', '300ms']));
      await waitFor(() => project.calls().includes('t1'), 't1 running');
      w.child.kill('SIGTERM');
      assert.equal(await w.exit, 0);
      assert.equal(w.lines.find((l) => l.event === 'tick_end').status, 'CANCELLED');
      assert.equal(fs.existsSync(path.join(project.stateDir, 'trials', 'items', 'backtest.jsonl')), false);
      project.openGate('t1');
      const again = (running = watch(project));
      await again.line((l) => l.event === 'tick_end', 'the next tick');
      again.child.kill('SIGTERM');
      assert.equal(await again.exit, 0);
      assert.deepEqual(project.calls(), ['t1', 't1', 't2']);
      assert.deepEqual(journalRecords(project), { t1: 1, t2: 1 });
    });
  });

  describe('when it is killed with SIGKILL in the middle of a tick', () => {
    it('resumes the interrupted run at the next start and records each item once', async () => {
      project.trials(['t1', 't2', 't3']);
      project.closeGate('t2');
      const w = (running = watch(project));
      const first = await w.line((l) => l.event === 'tick_start' && typeof l.run_id === 'string', 'the first run');
      // Killed once t1's record is written (a record not yet written when the process dies runs again: at least once).
      await waitFor(() => project.calls().includes('t2') && fs.existsSync(journalFile(project)) && journalRecords(project).t1 === 1, 't1 recorded and t2 running');
      w.child.kill('SIGKILL');
      await w.exit;
      project.openGate('t2');

      const again = (running = watch(project));
      const resumed = await again.line((l) => l.event === 'tick_start' && l.resumed === true, 'the resumed run');
      assert.equal(resumed.run_id, first.run_id);
      const end = await again.line((l) => l.event === 'tick_end', 'the resumed tick');
      assert.equal(end.run_id, first.run_id);
      assert.equal(end.status, 'SUCCEEDED');
      // t1 ended before the kill and is kept; t2 was interrupted (never recorded) and runs again; t3 runs.
      assert.deepEqual(end.counts, { SUCCEEDED: 2, items_succeeded: 2, items_cached: 1, items_failed: 0 });
      const later = await again.line((l) => l.event === 'tick_end' && l.tick === 2, 'a fresh tick');
      assert.notEqual(later.run_id, first.run_id);
      // Nothing changed since: the per-item stage is restored whole from the cache.
      assert.deepEqual(later.counts, { SUCCEEDED: 1, CACHED: 1, items_succeeded: 0, items_cached: 0, items_failed: 0 });
      again.child.kill('SIGTERM');
      assert.equal(await again.exit, 0);
      assert.deepEqual(project.calls(), ['t1', 't2', 't2', 't3']);
      assert.deepEqual(journalRecords(project), { t1: 1, t2: 1, t3: 1 });
    });
  });

  describe('when the pipeline file is bad', () => {
    it('exits 1 at start with the coded error, and starts nothing', async () => {
      fs.writeFileSync(project.file, 'name: trials\nstages:\n  a:\n    fn: ./stages.js#nowhere\n');
      const w = (running = watch(project));
      assert.equal(await w.exit, 1);
      assert.equal(w.lines.length, 1);
      assert.equal(w.lines[0].event, 'start_failed');
      assert.equal(w.lines[0].code, 'PLAN_INVALID');
      assert.match(w.stderr(), /^dagbook: /);
      assert.equal(fs.existsSync(path.join(project.stateDir, 'trials')), false);
    });
  });
});

/** Polls `check` every 20 ms until it holds, for at most 30 s. */
async function waitFor(check: () => boolean, what: string): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > 30_000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
