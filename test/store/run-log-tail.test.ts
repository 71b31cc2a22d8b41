import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { logHeader } from '../../src/store/log-record';
import { RunLogTail, writerActive } from '../../src/store/run-log-tail';
import { statePaths } from '../../src/store/state-paths';
import { logEvent, runRecord, tempDir } from './fixtures';

describe('RunLogTail', () => {
  let dir: string;
  const paths = () => statePaths(dir, 'etl');
  const logFile = () => path.join(paths().runs, 'run-1', 'events.jsonl');
  const line = (value: unknown) => `${JSON.stringify(value)}\n`;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('when the log does not exist yet', () => {
    it('reads nothing, then the events once the log appears', () => {
      const tail = new RunLogTail(paths(), 'run-1');
      assert.equal(tail.exists(), false);
      assert.deepEqual(tail.read(), { events: [], status: undefined });
      fs.mkdirSync(path.dirname(logFile()), { recursive: true });
      fs.writeFileSync(logFile(), line(logHeader('run-1')) + line({ kind: 'event', event: logEvent('run-1', 1, 'one') }));
      assert.deepEqual(tail.read(), { events: [logEvent('run-1', 1, 'one')], status: undefined });
    });
  });

  describe('when the writer appends between reads, a line at a time and half a line at a time', () => {
    it('gives each event once, in order, a line being written only once it is whole, and the status of the newest run record', () => {
      fs.mkdirSync(path.dirname(logFile()), { recursive: true });
      fs.writeFileSync(logFile(), line(logHeader('run-1')) + line({ kind: 'run', seq: 1, run: runRecord('run-1') }) + line({ kind: 'event', event: logEvent('run-1', 1, 'one') }));
      const tail = new RunLogTail(paths(), 'run-1');
      assert.deepEqual(tail.read(), { events: [logEvent('run-1', 1, 'one')], status: 'RUNNING' });
      assert.deepEqual(tail.read(), { events: [], status: 'RUNNING' });

      const second = line({ kind: 'event', event: logEvent('run-1', 2, 'two') });
      fs.appendFileSync(logFile(), second.slice(0, 20));
      assert.deepEqual(tail.read(), { events: [], status: 'RUNNING' });
      fs.appendFileSync(logFile(), second.slice(20) + line({ kind: 'run', seq: 2, run: { ...runRecord('run-1'), status: 'SUCCEEDED', endedAt: 1_700_000_001_000 } }));
      assert.deepEqual(tail.read(), { events: [logEvent('run-1', 2, 'two')], status: 'SUCCEEDED' });
    });
  });

  describe('when a whole line is not a run log record', () => {
    it('throws STATE_CORRUPT naming the file', () => {
      fs.mkdirSync(path.dirname(logFile()), { recursive: true });
      fs.writeFileSync(logFile(), line(logHeader('run-1')) + line({ kind: 'event', event: logEvent('run-1', 1, 'one') }));
      const tail = new RunLogTail(paths(), 'run-1');
      tail.read();
      fs.appendFileSync(logFile(), line({ kind: 'nonsense' }));
      assert.throws(() => tail.read(), (error: Error & { code?: string }) => error.code === 'STATE_CORRUPT' && error.message.startsWith(`${logFile()} (from line 3) record 1 is not a run log record`));
    });
  });
});

describe('writerActive', () => {
  let dir: string;
  const paths = () => statePaths(dir, 'etl');
  const lock = (pid: number, hostname = os.hostname()) => {
    fs.mkdirSync(paths().root, { recursive: true });
    fs.writeFileSync(paths().lock, JSON.stringify({ pid, hostname, startedAt: '2024-01-01T00:00:00.000Z', command: 'dagbook run' }));
  };
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('when no lock file exists', () => {
    it('says no writer is active', () => {
      assert.equal(writerActive(paths()), false);
    });
  });

  describe('when the lock is held', () => {
    it('says a writer is active while its holder lives on this host, or holds it from another host', () => {
      lock(4242);
      assert.equal(writerActive(paths(), undefined, (pid) => pid === 4242), true);
      assert.equal(writerActive(paths(), undefined, () => false), false);
      lock(4242, 'another-host.example');
      assert.equal(writerActive(paths(), undefined, () => false), true);
    });
  });
});
