import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseLog } from '../../src/store/log-record';
import { statePaths } from '../../src/store/state-paths';
import { WriteAheadLog } from '../../src/store/write-ahead-log';
import { nodeFileSystem } from '../../src/store/state-file-system';
import { hasErrorCode } from '../../src/errors';
import { logEvent, runRecord, stageRecord, tempDir } from './fixtures';

describe('WriteAheadLog', () => {
  let dir: string;
  let wal: WriteAheadLog;
  const paths = () => statePaths(dir, 'etl');
  const logText = (runId: string) => fs.readFileSync(path.join(paths().runs, runId, 'events.jsonl'), 'utf8');
  beforeEach(() => {
    dir = tempDir();
    wal = new WriteAheadLog(paths(), 1);
  });
  afterEach(async () => {
    await wal.closeAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('when a record is appended', () => {
    it('is in the file at once, before any sync', () => {
      wal.append('run-1', { kind: 'run', seq: 0, run: runRecord('run-1') });
      assert.deepEqual(parseLog(logText('run-1'), 'log').lines, [{ kind: 'run', seq: 1, run: runRecord('run-1') }]);
      assert.deepEqual(wal.durability, { appended: 1, durable: 0, commits: 0 });
    });

    it('writes its inline outputs in the same line and reads back with them', () => {
      const outputs = { ['a'.repeat(64)]: '{"rows":1}' };
      const line = wal.append('run-1', { kind: 'checkpoint', seq: 0, runId: 'run-1', record: stageRecord('a', 'SUCCEEDED'), outputs });
      assert.deepEqual(line, { kind: 'checkpoint', seq: 1, runId: 'run-1', record: stageRecord('a', 'SUCCEEDED'), outputs });
      assert.deepEqual(parseLog(logText('run-1'), 'log').lines, [line]);
    });
  });

  describe('when a record or an event need not be written at once', () => {
    it('holds them back until the end of the event-loop turn, then writes them in order', async () => {
      wal.append('run-1', { kind: 'run', seq: 0, run: runRecord('run-1') });
      wal.append('run-1', { kind: 'checkpoint', seq: 0, runId: 'run-1', record: stageRecord('a', 'CACHED') }, false);
      wal.appendEvent(logEvent('run-1', 1, 'a restored'));
      assert.deepEqual(parseLog(logText('run-1'), 'log').lines, [{ kind: 'run', seq: 1, run: runRecord('run-1') }]);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(parseLog(logText('run-1'), 'log').lines, [
        { kind: 'run', seq: 1, run: runRecord('run-1') },
        { kind: 'checkpoint', seq: 2, runId: 'run-1', record: stageRecord('a', 'CACHED') },
        { kind: 'event', event: logEvent('run-1', 1, 'a restored') },
      ]);
    });

    it('writes them before the next record that goes to the file at once, in the same turn', () => {
      wal.appendEvent(logEvent('run-1', 1, 'b started'));
      wal.append('run-1', { kind: 'checkpoint', seq: 0, runId: 'run-1', record: stageRecord('a', 'CACHED') }, false);
      wal.append('run-1', { kind: 'checkpoint', seq: 0, runId: 'run-1', record: stageRecord('b', 'SUCCEEDED') });
      assert.deepEqual(parseLog(logText('run-1'), 'log').lines, [
        { kind: 'event', event: logEvent('run-1', 1, 'b started') },
        { kind: 'checkpoint', seq: 1, runId: 'run-1', record: stageRecord('a', 'CACHED') },
        { kind: 'checkpoint', seq: 2, runId: 'run-1', record: stageRecord('b', 'SUCCEEDED') },
      ]);
    });

    it('writes them before a flush syncs', async () => {
      wal.append('run-1', { kind: 'checkpoint', seq: 0, runId: 'run-1', record: stageRecord('a', 'CACHED') }, false);
      await wal.flush();
      assert.deepEqual(parseLog(logText('run-1'), 'log').lines, [{ kind: 'checkpoint', seq: 1, runId: 'run-1', record: stageRecord('a', 'CACHED') }]);
      assert.deepEqual(wal.durability, { appended: 1, durable: 1, commits: 1 });
    });
  });

  describe('when held-back records are waited for with `written()`', () => {
    it('writes every line its callers of the same microtask batch hold back in one write, before any of them goes on', async () => {
      const writes: string[] = [];
      const counting = { ...nodeFileSystem, writeSync: (fd: number, data: string | Uint8Array) => (writes.push(String(data)), nodeFileSystem.writeSync(fd, data)) };
      const batched = new WriteAheadLog(paths(), 1, counting);
      try {
        const saved: string[] = [];
        const save = async (id: string) => {
          batched.append('run-1', { kind: 'checkpoint', seq: 0, runId: 'run-1', record: stageRecord(id, 'RUNNING') }, false);
          await batched.written();
          // Every line of the batch is in the file by then, the others' too.
          saved.push(`${id}: ${parseLog(logText('run-1'), 'log').lines.length} lines`);
        };
        await Promise.all(['a', 'b', 'c'].map((id) => Promise.resolve().then(() => save(id))));
        assert.deepEqual(saved, ['a: 3 lines', 'b: 3 lines', 'c: 3 lines']);
        // The log's header line, then the three records in one write.
        assert.equal(writes.length, 2);
        assert.equal(writes[1].split('\n').filter((line) => line !== '').length, 3);
        assert.deepEqual(batched.durability, { appended: 3, durable: 0, commits: 0 });
      } finally {
        await batched.closeAll();
      }
    });

    it('resolves at once when nothing is held back', async () => {
      wal.append('run-1', { kind: 'run', seq: 0, run: runRecord('run-1') });
      await wal.written();
      assert.equal(parseLog(logText('run-1'), 'log').lines.length, 1);
    });

    it('rejects with STATE_IO when the log cannot be written', async () => {
      const failing = { ...nodeFileSystem, writeSync: (fd: number, data: string | Uint8Array) => (String(data).includes('RUNNING') ? failWrite() : nodeFileSystem.writeSync(fd, data)) };
      const broken = new WriteAheadLog(paths(), 1, failing);
      try {
        broken.append('run-1', { kind: 'checkpoint', seq: 0, runId: 'run-1', record: stageRecord('a', 'RUNNING') }, false);
        await assert.rejects(broken.written(), (error: unknown) => hasErrorCode(error, 'STATE_IO'));
        // The failure sticks: the file's state is unknown.
        await assert.rejects(broken.written(), (error: unknown) => hasErrorCode(error, 'STATE_IO'));
      } finally {
        await broken.closeAll().catch(() => undefined);
      }
    });
  });

  describe('when records are appended while a sync runs', () => {
    it('covers them all with the next sync: one group commit each, not one per record', async () => {
      wal.append('run-1', { kind: 'run', seq: 0, run: runRecord('run-1') });
      wal.commitSoon();
      for (const id of ['a', 'b', 'c']) wal.append('run-1', { kind: 'checkpoint', seq: 0, runId: 'run-1', record: stageRecord(id, 'SUCCEEDED') });
      wal.commitSoon(); // A sync is running: this one waits for it.
      await wal.flush();
      assert.deepEqual(wal.durability, { appended: 4, durable: 4, commits: 2 });
    });

    it('makes a flush wait for the sync that covers every record appended before it', async () => {
      wal.append('run-1', { kind: 'run', seq: 0, run: runRecord('run-1') });
      const first = wal.flush();
      wal.append('run-2', { kind: 'run', seq: 0, run: runRecord('run-2') });
      const second = wal.flush();
      await first;
      assert.deepEqual(wal.durability, { appended: 2, durable: 1, commits: 1 }); // run-2 came after that sync started.
      await second;
      assert.deepEqual(wal.durability, { appended: 2, durable: 2, commits: 2 });
    });
  });

  describe('when nothing is pending', () => {
    it('flushes without a sync', async () => {
      await wal.flush();
      wal.appendEvent({ timestamp: '2024-01-01T00:00:00.000Z', runId: 'run-1', type: 'LOG', level: 'INFO', message: 'm', metadata: {}, correlationId: 'run-1', seq: 1 });
      await wal.flush();
      assert.deepEqual(wal.durability, { appended: 0, durable: 0, commits: 0 });
    });
  });

  describe('when a log is closed while a sync runs', () => {
    it('waits for the sync, then closes the file with every record in it', async () => {
      wal.append('run-1', { kind: 'run', seq: 0, run: runRecord('run-1') });
      wal.commitSoon();
      await wal.close('run-1');
      assert.deepEqual(wal.durability, { appended: 1, durable: 1, commits: 1 });
      assert.equal(parseLog(logText('run-1'), 'log').lines.length, 1);
    });
  });
});

/** A write that fails as a full disk does. */
function failWrite(): never {
  throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}
