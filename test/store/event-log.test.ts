import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrorCode } from '../../src/errors';
import { JsonlLog, parseJsonl, readJsonlFile } from '../../src/store/event-log';
import { nodeFileSystem, type StateFileSystem } from '../../src/store/state-file-system';
import { tempDir } from './fixtures';

describe('JsonlLog', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = tempDir();
    file = path.join(dir, 'runs', 'run-1', 'events.jsonl');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('when values are appended', () => {
    it('writes one line each, readable before and after sync', () => {
      const log = JsonlLog.open(file);
      log.append({ a: 1 });
      assert.equal(log.dirty, true);
      assert.equal(fs.readFileSync(file, 'utf8'), '{"a":1}\n');
      log.append({ b: [2] });
      log.sync();
      assert.equal(log.dirty, false);
      log.close();
      assert.deepEqual(readJsonlFile(file), { values: [{ a: 1 }, { b: [2] }] });
    });
  });

  describe('when it is opened in folders it makes', () => {
    /** A file system that records which paths were synced, in order. */
    const recording = () => {
      const opened = new Map<number, string>();
      const synced: string[] = [];
      const fsys: StateFileSystem = {
        ...nodeFileSystem,
        openSync: (p, flags, mode) => {
          const fd = nodeFileSystem.openSync(p, flags, mode);
          opened.set(fd, path.relative(dir, p));
          return fd;
        },
        fsyncSync: (fd) => (synced.push(opened.get(fd) as string), nodeFileSystem.fsyncSync(fd)),
        fdatasyncSync: (fd) => (synced.push(opened.get(fd) as string), nodeFileSystem.fdatasyncSync(fd)),
        fsync: (fd) => (synced.push(opened.get(fd) as string), nodeFileSystem.fsync(fd)),
        fdatasync: (fd) => (synced.push(opened.get(fd) as string), nodeFileSystem.fdatasync(fd)),
      };
      return { fsys, synced };
    };

    it('syncs no folder then; its first sync, in the background, syncs the file and every folder it made, the next one the file alone', async () => {
      const { fsys, synced } = recording();
      const log = JsonlLog.open(file, fsys);
      log.append({ a: 1 });
      assert.deepEqual(synced, []);
      await log.syncInBackground();
      assert.deepEqual([...synced].sort(), ['', 'runs', path.join('runs', 'run-1'), path.join('runs', 'run-1', 'events.jsonl')].sort());
      synced.length = 0;
      log.append({ b: 2 });
      await log.syncInBackground();
      assert.deepEqual(synced, [path.join('runs', 'run-1', 'events.jsonl')]);
      log.close();
    });

    it('syncs them with a blocking sync, and on close', () => {
      const first = recording();
      const synced = JsonlLog.open(file, first.fsys);
      synced.sync();
      assert.deepEqual(first.synced, ['', 'runs', path.join('runs', 'run-1')]);
      synced.close();
      const second = recording();
      const closed = JsonlLog.open(path.join(dir, 'other', 'events.jsonl'), second.fsys);
      closed.append({ a: 1 });
      closed.close();
      assert.deepEqual(second.synced, ['', 'other', path.join('other', 'events.jsonl')]);
    });
  });

  describe('when the file ends in a torn line', () => {
    it('is skipped and reported on read, and cut off when reopened for append', () => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, '{"a":1}\n{"b":');
      assert.deepEqual(readJsonlFile(file), { values: [{ a: 1 }], truncated: { line: 2, reason: 'not JSON (Unexpected end of JSON input): {"b":' } });
      const log = JsonlLog.open(file);
      log.append({ c: 3 });
      log.close();
      assert.equal(fs.readFileSync(file, 'utf8'), '{"a":1}\n{"c":3}\n');
    });
  });

  describe('when the file ends in a whole line without its newline', () => {
    it('keeps it and adds the newline when reopened', () => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, '{"a":1}');
      const log = JsonlLog.open(file);
      log.append({ c: 3 });
      log.close();
      assert.equal(fs.readFileSync(file, 'utf8'), '{"a":1}\n{"c":3}\n');
    });
  });

  describe('when it is closed', () => {
    it('rejects appends', () => {
      const log = JsonlLog.open(file);
      log.close();
      assert.throws(() => log.append({}), (e: unknown) => hasErrorCode(e, 'INVALID_OPTION'));
    });
  });
});

describe('parseJsonl', () => {
  describe('when a line other than the last is bad', () => {
    it('throws STATE_CORRUPT naming the source and line', () => {
      assert.throws(
        () => parseJsonl('{"a":1}\nnope\n{"b":2}\n', 'runs/x/events.jsonl'),
        (e: unknown) => hasErrorCode(e, 'STATE_CORRUPT') && e.message.startsWith('runs/x/events.jsonl line 2 is not JSON'),
      );
    });
  });

  describe('when the file is missing', () => {
    it('reads as empty', () => {
      assert.deepEqual(readJsonlFile('/nonexistent/dagbook/events.jsonl'), { values: [] });
    });
  });
});
