import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../src/clock';
import type { PlanService } from '../../src/plan/plan';
import { isProcessAlive } from '../../src/process-alive';
import { readServiceState } from '../../src/service/service-state-file';
import { ServiceSupervisor } from '../../src/service/supervisor';
import type { ServiceEvent } from '../../src/service/supervised-service';
import type { ServiceState } from '../../src/service-record';

const TICKER = path.join(__dirname, 'fixtures', 'ticker.js');

/** The ticker fixture as a resolved service: ready on its line, restarts after 30 ms, 60 ms … */
export function tickerService(ticks: string, env: Record<string, string> = {}, overrides: Partial<PlanService> = {}): PlanService {
  return {
    command: process.execPath,
    args: [TICKER, ticks],
    env,
    readiness: { kind: 'log', pattern: '^ticker ready', timeoutMs: 10_000 },
    health: null,
    restart: { maxRestarts: 5, windowMs: 600_000, backoff: { baseMs: 30, maxMs: 1000 } },
    logs: { maxBytes: 1024 * 1024, keep: 2 },
    stopGraceMs: 2000,
    ...overrides,
  };
}

/** Polls `check` every 10 ms until it returns a value, for at most 10 s (a deadline, not a timing assertion). */
export async function until<T>(what: string, check: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ServiceSupervisor', () => {
  let dir: string;
  let supervisor: ServiceSupervisor;
  let events: ServiceEvent[];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-service-'));
    events = [];
    supervisor = new ServiceSupervisor({ onEvent: (e) => events.push(e) });
  });

  afterEach(async () => {
    await supervisor.stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const place = (name = 'ticker') => ({ pipelineDir: dir, pipeline: 'trials', stageId: 'ticker', name, cacheKey: 'key-1' });
  const stateOf = (name = 'ticker'): ServiceState => readServiceState(path.join(dir, 'services', `${name}.json`)) as ServiceState;
  const ticksOf = (file: string, pid: number) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith(`${pid} `)).length : 0);

  describe('when the service prints its ready line', () => {
    it('resolves with its pid once ready, records it running, and the service keeps ticking', async () => {
      const ticks = path.join(dir, 'ticks.txt');
      const started = await supervisor.start(tickerService(ticks), place());
      assert.equal(isProcessAlive(started.pid), true);
      assert.deepEqual(started, {
        name: 'ticker',
        pid: started.pid,
        startedAt: started.startedAt,
        logFile: path.join(dir, 'services', 'logs', 'ticker.log'),
        stateFile: path.join(dir, 'services', 'ticker.json'),
      });
      const state = stateOf();
      assert.deepEqual([state.status, state.pid, state.supervisorPid, state.restarts, state.cacheKey], ['running', started.pid, process.pid, 0, 'key-1']);
      await until('3 ticks', () => ticksOf(ticks, started.pid) >= 3);
      assert.match(fs.readFileSync(started.logFile, 'utf8'), new RegExp(`^ticker ready pid=${started.pid}\n`));
    });
  });

  describe('when its process is killed with SIGKILL', () => {
    it('restarts it after the base backoff and counts the restart in its state', async () => {
      const ticks = path.join(dir, 'ticks.txt');
      const first = await supervisor.start(tickerService(ticks), place());
      process.kill(first.pid, 'SIGKILL');
      const state = await until('a restart', () => {
        const s = stateOf();
        return s.status === 'running' && s.pid !== first.pid ? s : undefined;
      });
      assert.equal(state.restarts, 1);
      assert.deepEqual(state.lastExit && [state.lastExit.code, state.lastExit.signal, state.lastExit.reason], [null, 'SIGKILL', 'killed by SIGKILL']);
      assert.deepEqual(
        events.map((e) => (e.kind === 'restarting' ? `restarting in ${e.delayMs} ms (${e.restarts})` : e.kind)),
        ['ready', 'exited', 'restarting in 30 ms (1)', 'ready'],
      );
      await until('ticks of the new process', () => ticksOf(ticks, state.pid as number) >= 1);
    });
  });

  describe('when the service crashes in a loop', () => {
    it('gives up after maxRestarts: FAILED, with its last lines in the error', async () => {
      const ticks = path.join(dir, 'ticks.txt');
      const service = tickerService(ticks, { CRASH_AFTER: '2' }, { restart: { maxRestarts: 2, windowMs: 600_000, backoff: { baseMs: 10, maxMs: 100 } } });
      await supervisor.start(service, place());
      await supervisor.idle();
      const state = stateOf();
      assert.equal(state.status, 'failed');
      assert.equal(state.restarts, 2);
      assert.deepEqual(state.error, {
        code: 'SERVICE_FAILED',
        message: 'Service `ticker` exited with code 3; crashed 3 times within 600000 ms (at most 2 restarts allowed)',
      });
      assert.deepEqual(state.lastLines?.slice(-2), ['ticker ready pid=' + (state.pid as number), 'crashing on purpose after 2 ticks']);
      assert.deepEqual(
        events.filter((e) => e.kind === 'restarting').map((e) => (e.kind === 'restarting' ? e.delayMs : 0)),
        [10, 20],
      );
    });
  });

  describe('when it never prints its ready line', () => {
    it('fails the start with SERVICE_NOT_READY naming the probe, and leaves no process', async () => {
      const ticks = path.join(dir, 'ticks.txt');
      const service = tickerService(ticks, {}, { readiness: { kind: 'log', pattern: '^never$', timeoutMs: 200 } });
      // The readiness wait on a manual clock, whose 200 ms pass once the ticker has printed (however long it takes to start).
      const clock = new ManualClock(0);
      const manual = new ServiceSupervisor({ clock });
      const starting = manual.start(service, place());
      const log = path.join(dir, 'services', 'logs', 'ticker.log');
      await until('its first line', () => fs.existsSync(log) && fs.readFileSync(log, 'utf8').startsWith('ticker ready'));
      await clock.advance(200);
      await assert.rejects(starting, (error: { code: string; message: string; data: { lastLines: string[] } }) => {
        assert.equal(error.code, 'SERVICE_NOT_READY');
        assert.match(error.message, /^Service `ticker` \(.*ticker\.js .*ticks\.txt\): not ready within 200 ms \(a line matches \/\^never\$\/\); last output:\n {2}ticker ready pid=\d+/);
        return true;
      });
      const state = stateOf();
      assert.equal(state.status, 'failed');
      assert.equal(isProcessAlive(state.pid as number), false);
    });
  });

  describe('when its output passes maxBytes', () => {
    it('rotates the log, keeping `keep` rotated files of at most maxBytes each', async () => {
      const ticks = path.join(dir, 'ticks.txt');
      const service = tickerService(ticks, { LINE_BYTES: '200', TICK_MS: '2' }, { logs: { maxBytes: 1024, keep: 2 } });
      const started = await supervisor.start(service, place());
      await until('two rotations', () => fs.existsSync(`${started.logFile}.2`));
      await supervisor.stopAll();
      for (const file of [started.logFile, `${started.logFile}.1`, `${started.logFile}.2`]) assert.ok(fs.statSync(file).size <= 1024, file);
      assert.equal(fs.existsSync(`${started.logFile}.3`), false);
      assert.deepEqual(fs.readFileSync(`${started.logFile}.1`, 'utf8').split('\n').slice(0, -1).map((l) => l.length), [199, 199, 199, 199, 199]);
    });
  });

  describe('when it is stopped', () => {
    it('ends it with SIGTERM, records it stopped and does not restart it', async () => {
      const ticks = path.join(dir, 'ticks.txt');
      const started = await supervisor.start(tickerService(ticks), place());
      await supervisor.stop(dir, 'ticker');
      const state = stateOf();
      assert.deepEqual([state.status, state.restarts, state.lastExit?.reason], ['stopped', 0, 'exited with code 0']);
      assert.equal(isProcessAlive(started.pid), false);
      assert.deepEqual(state.lastLines?.slice(-1), ['stopping']);
      assert.deepEqual(supervisor.running(), []);
    });
  });
});
