import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../src/clock';
import { loadPipelineFile } from '../../src/definition/load-file';
import { compilePipeline } from '../../src/plan/compile';
import { isProcessAlive } from '../../src/process-alive';
import { startRun, type RunResult } from '../../src/run/run-pipeline';
import type { ServiceState } from '../../src/service-record';
import { readServiceState } from '../../src/service/service-state-file';
import { ServiceSupervisor } from '../../src/service/supervisor';
import { openDurableStore, type DurableStore } from '../../src/store/durable-store';

/**
 * A service stage whose readiness and health are HTTP probes of a real
 * server (fixtures/health-server.js) on a free port. The supervisor paces
 * its probes on a manual clock: a probe is asked only when the test moves
 * time on, and the test waits for the server's answer (each one appended to
 * `answers.txt`) before moving it again.
 */

const SERVER = path.join(__dirname, 'fixtures', 'health-server.js');

/** Asks `check` every 10 ms until it returns a value, for at most 10 s (a deadline, not a timing assertion). */
async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A port free on 127.0.0.1 now (the server binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

function pipelineYaml(dir: string, port: number): string {
  const url = `http://127.0.0.1:${port}/health`;
  return [
    'name: quotes',
    'stages:',
    '  feed:',
    '    kind: service',
    '    retry: { maxAttempts: 1 }',
    '    service:',
    `      command: ${JSON.stringify(process.execPath)}`,
    `      args: [${JSON.stringify(SERVER)}, ${JSON.stringify(dir)}]`,
    `      env: { PORT: "${port}" }`,
    `      readiness: { kind: http, url: "${url}", timeoutMs: 10000 }`,
    `      health: { kind: http, url: "${url}", everyMs: 1000, failures: 2, timeoutMs: 2000 }`,
    '      restart: { maxRestarts: 3, backoff: { baseMs: 100 } }',
    '      stopGraceMs: 2000',
    '',
  ].join('\n');
}

describe('a service stage with HTTP readiness and health probes', function () {
  this.timeout(30_000);
  let dir: string;
  let port: number;
  let clock: ManualClock;
  let supervisor: ServiceSupervisor;
  let store: DurableStore | undefined;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-http-probes-'));
    port = await freePort();
    fs.writeFileSync(path.join(dir, 'quotes.yaml'), pipelineYaml(dir, port));
    clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
    supervisor = new ServiceSupervisor({ clock });
  });

  afterEach(async () => {
    // The stop's grace is on the manual clock: the server exits on SIGTERM well within it; a server that did not is killed here.
    await Promise.race([supervisor.stopAll(), new Promise((r) => setTimeout(r, 3000))]);
    for (const pid of answers().map(([pid]) => pid)) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
    await store?.close();
    store = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const stateOf = (): ServiceState => readServiceState(path.join(dir, 'state', 'quotes', 'services', 'feed.json')) as ServiceState;
  /** The server's answers so far: [pid, status] in order. */
  const answers = (): [number, number][] => {
    const file = path.join(dir, 'answers.txt');
    if (!fs.existsSync(file)) return [];
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split(' ').map(Number) as [number, number]);
  };
  /** Waits until the server has given `count` answers and the supervisor sleeps again on the clock. */
  const answered = (count: number) => until(`${count} answers and the next sleep`, () => (answers().length === count && clock.pending === 1 ? true : undefined));

  async function runUntilReady(): Promise<{ result: RunResult; pid: number }> {
    fs.writeFileSync(path.join(dir, 'starting'), '');
    store = await openDurableStore({ stateDir: path.join(dir, 'state'), pipeline: 'quotes' });
    const compiled = compilePipeline(await loadPipelineFile(path.join(dir, 'quotes.yaml')));
    const run = startRun(compiled, { store, supervisor, baseDir: dir });
    let settled = false;
    void run.result.finally(() => (settled = true));
    // The first tries may find the port closed (the server still starting); each next try comes when time moves on.
    const pid = await until('the server answering 503', async () => {
      const first = answers()[0];
      if (first !== undefined) return first;
      if (clock.pending > 0) await clock.advance(50);
      return undefined;
    });
    await answered(1);
    assert.deepEqual(pid, [stateOf().pid, 503]);
    assert.equal(stateOf().status, 'starting');
    assert.equal(settled, false);
    fs.rmSync(path.join(dir, 'starting'));
    await clock.advance(50);
    const result = await run.result;
    return { result, pid: pid[0] };
  }

  describe('when /health answers 2xx only after a while', () => {
    it('succeeds once /health answers 200, and records the service running', async () => {
      const { result, pid } = await runUntilReady();
      assert.equal(result.status, 'SUCCEEDED', result.reason);
      assert.deepEqual([result.stages.feed!.status, result.stages.feed!.reason], ['SUCCEEDED', 'never ran']);
      assert.deepEqual(answers(), [
        [pid, 503],
        [pid, 200],
      ]);
      const state = stateOf();
      assert.deepEqual([state.status, state.pid, state.restarts, isProcessAlive(pid)], ['running', pid, 0, true]);
    });
  });

  describe('when /health fails `failures` times in a row', () => {
    it('restarts the service once, records the restart and why, and the new process is healthy', async () => {
      const { result, pid } = await runUntilReady();
      assert.equal(result.status, 'SUCCEEDED', result.reason);
      // The health checks: one passes, then the server is sick: one failure is tolerated, the second ends it.
      await answered(2);
      await clock.advance(1000);
      await answered(3);
      fs.writeFileSync(path.join(dir, `sick-${pid}`), '');
      await clock.advance(1000);
      await answered(4);
      assert.deepEqual([stateOf().status, stateOf().pid, stateOf().restarts], ['running', pid, 0]);
      await clock.advance(1000);
      const restarting = await until('the restart', () => (stateOf().status === 'restarting' && clock.pending === 1 ? stateOf() : undefined));
      assert.deepEqual(answers().slice(2), [
        [pid, 200],
        [pid, 500],
        [pid, 500],
      ]);
      assert.equal(restarting.restarts, 1);
      assert.deepEqual(restarting.lastExit && [restarting.lastExit.code, restarting.lastExit.signal, restarting.lastExit.reason], [null, 'SIGKILL', `health check failed 2 times in a row (GET http://127.0.0.1:${port}/health)`]);
      assert.equal(isProcessAlive(pid), false);

      // After the 100 ms backoff the new process starts, and is ready once its /health answers.
      await clock.advance(100);
      const restarted = await until('the new process ready', async () => {
        const s = stateOf();
        if (s.status === 'running' && s.pid !== pid) return s;
        if (clock.pending > 0) await clock.advance(50);
        return undefined;
      });
      assert.deepEqual([restarted.restarts, isProcessAlive(restarted.pid as number)], [1, true]);
      assert.deepEqual(answers().filter(([p]) => p === restarted.pid), [[restarted.pid, 200]]);
      // Healthy again: the next check passes and nothing restarts.
      await answered(6);
      await clock.advance(1000);
      await answered(7);
      assert.deepEqual(answers()[6], [restarted.pid, 200]);
      assert.deepEqual([stateOf().status, stateOf().pid, stateOf().restarts], ['running', restarted.pid, 1]);
    });
  });
});
