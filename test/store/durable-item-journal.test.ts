import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDagbookError } from '../../src/errors';
import { DurableItemJournal } from '../../src/store/durable-item-journal';
import { nodeFileSystem, type StateFileSystem } from '../../src/store/state-file-system';
import { itemRecord, tempDir } from './fixtures';

/** The end of the current event-loop turn (held lines are written then). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The lines of a journal's file, parsed. */
function fileLines(file: string): unknown[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as unknown);
}

/** The real file system, counting writes and data syncs, whose syncs wait until released when `gated`. */
class GatedFileSystem {
  writes = 0;
  syncs = 0;
  gated = false;
  failSyncs = false;
  private readonly pending: (() => void)[] = [];
  readonly fs: StateFileSystem = {
    ...nodeFileSystem,
    writeSync: (fd, data) => {
      this.writes++;
      return nodeFileSystem.writeSync(fd, data);
    },
    fdatasync: async (fd) => {
      this.syncs++;
      if (this.failSyncs) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      if (this.gated) await new Promise<void>((resolve) => this.pending.push(resolve));
      await nodeFileSystem.fdatasync(fd);
    },
  };

  /** Resolves once `count` syncs have started. */
  async started(count: number): Promise<void> {
    while (this.syncs < count) await new Promise((resolve) => setTimeout(resolve, 1));
  }

  /** Lets the syncs started so far end. */
  release(): void {
    for (const resolve of this.pending.splice(0)) resolve();
  }
}

describe('DurableItemJournal', () => {
  let dir: string;
  let file: string;
  let recorder: GatedFileSystem;
  let journal: DurableItemJournal;
  const open = (options: { compactMinLines?: number } = {}) => new DurableItemJournal(file, { fileSystem: recorder.fs, ...options });
  beforeEach(() => {
    dir = tempDir();
    file = path.join(dir, 'items', 'embed.jsonl');
    recorder = new GatedFileSystem();
    journal = open();
  });
  afterEach(async () => {
    recorder.gated = false;
    recorder.release();
    await journal.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('when records are appended in one event-loop turn', () => {
    it('loads them at once, and writes them in one write at the end of the turn', async () => {
      journal.append([itemRecord('doc-1')]);
      journal.append([itemRecord('doc-2'), itemRecord('doc-3')]);
      assert.deepEqual([...(await journal.load()).keys()], ['doc-1', 'doc-2', 'doc-3']);
      assert.equal(fs.existsSync(file), false);
      await nextTurn();
      assert.deepEqual(fileLines(file), [itemRecord('doc-1'), itemRecord('doc-2'), itemRecord('doc-3')]);
      assert.equal(recorder.writes, 1);
    });
  });

  describe('when it is opened again on the same file', () => {
    it('replays the latest record of every item, without the removed ones', async () => {
      const { outputHash: _none, ...failed } = itemRecord('doc-2', 2, { status: 'FAILED', error: { code: 'EMBED_FAILED', errorClass: 'transient', message: 'timeout' } });
      journal.append([itemRecord('doc-1'), itemRecord('doc-2'), itemRecord('doc-3')]);
      await nextTurn();
      journal.append([failed]);
      journal.remove(['doc-3']);
      await journal.close();
      const again = open();
      assert.deepEqual(await again.load(), new Map([['doc-1', itemRecord('doc-1')], ['doc-2', failed]]));
      assert.deepEqual(fileLines(file).at(-1), { removed: ['doc-3'] });
      await again.close();
    });
  });

  describe('when many turns append while a sync runs (group commit)', () => {
    it('syncs the first turn at once and every later turn in one next sync', async () => {
      recorder.gated = true;
      journal.append([itemRecord('doc-0')]);
      await nextTurn();
      assert.equal(recorder.syncs, 1);
      for (let turn = 1; turn < 50; turn++) {
        journal.append([itemRecord(`doc-${turn}`)]);
        await nextTurn();
      }
      const flushed = journal.flush();
      assert.equal(recorder.syncs, 1);
      assert.equal(fileLines(file).length, 50);
      recorder.release();
      await recorder.started(2);
      recorder.release();
      await flushed;
      assert.deepEqual({ syncs: recorder.syncs, stats: journal.stats }, { syncs: 2, stats: { syncs: 2, compactions: 0 } });
    });

    it('resolves a flush only once the sync that covers its records has ended', async () => {
      recorder.gated = true;
      journal.append([itemRecord('doc-1')]);
      let done = false;
      const flushed = journal.flush().then(() => {
        done = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(done, false);
      recorder.release();
      await flushed;
      assert.equal(done, true);
    });
  });

  describe('when a sync fails', () => {
    it('rejects the flush waiting for it, every later flush, and later appends, with STATE_IO naming the file', async () => {
      recorder.failSyncs = true;
      journal.append([itemRecord('doc-1')]);
      const isEio = (error: unknown) => isDagbookError(error) && error.code === 'STATE_IO' && error.data.path === file && error.data.errno === 'EIO';
      await assert.rejects(journal.flush(), isEio);
      recorder.failSyncs = false;
      await assert.rejects(journal.flush(), isEio);
      assert.throws(() => journal.append([itemRecord('doc-2')]), isEio);
    });
  });

  describe('when superseded lines outnumber the live records', () => {
    it('rewrites the file with one line per live record, which a reopened journal replays', async () => {
      journal = open({ compactMinLines: 10 });
      const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
      journal.append(ids.map((id) => itemRecord(id, 1)));
      await nextTurn();
      journal.append(ids.map((id) => itemRecord(id, 2)));
      await journal.flush();
      assert.equal(fileLines(file).length, 12);
      journal.remove(['e', 'f']);
      await journal.flush();
      // 13 lines for 4 live records: rewritten as 4.
      assert.deepEqual(fileLines(file), ['a', 'b', 'c', 'd'].map((id) => itemRecord(id, 2)));
      assert.equal(journal.stats.compactions, 1);
      journal.append([itemRecord('g', 3)]);
      await journal.close();
      const again = open({ compactMinLines: 10 });
      assert.deepEqual(await again.load(), new Map(['a', 'b', 'c', 'd', 'g'].map((id) => [id, itemRecord(id, id === 'g' ? 3 : 2)])));
      assert.deepEqual(fs.readdirSync(path.dirname(file)), ['embed.jsonl']);
      await again.close();
    });

    it('keeps the records appended while the new file is written', async () => {
      journal = open({ compactMinLines: 4 });
      journal.append(['a', 'b'].map((id) => itemRecord(id, 1)));
      // No sync running: the compaction takes its picture at the end of the next turn.
      await journal.flush();
      journal.append(['a', 'b'].map((id) => itemRecord(id, 2)));
      journal.append(['a'].map((id) => itemRecord(id, 3)));
      recorder.gated = true;
      await nextTurn();
      // The compaction's new file waits for its sync; these are held back meanwhile.
      journal.append([itemRecord('c', 4)]);
      journal.remove(['b']);
      await nextTurn();
      recorder.gated = false;
      recorder.release();
      await journal.flush();
      assert.equal(journal.stats.compactions, 1);
      assert.deepEqual(fileLines(file), [itemRecord('a', 3), itemRecord('b', 2), itemRecord('c', 4), { removed: ['b'] }]);
      await journal.close();
      assert.deepEqual(await open().load(), new Map([['a', itemRecord('a', 3)], ['c', itemRecord('c', 4)]]));
    });
  });

  describe('when the file ends with a torn line (a crash in the middle of a write)', () => {
    it('ignores it on load and cuts it off before the next append', async () => {
      fs.mkdirSync(path.dirname(file));
      fs.writeFileSync(file, `${JSON.stringify(itemRecord('doc-1'))}\n${JSON.stringify(itemRecord('doc-2')).slice(0, 40)}`);
      assert.deepEqual(await journal.load(), new Map([['doc-1', itemRecord('doc-1')]]));
      journal.append([itemRecord('doc-3')]);
      await journal.close();
      assert.deepEqual(fileLines(file), [itemRecord('doc-1'), itemRecord('doc-3')]);
    });
  });

  describe('when a line other than the last is damaged', () => {
    it('fails to load with STATE_CORRUPT naming the file and the line', async () => {
      fs.mkdirSync(path.dirname(file));
      fs.writeFileSync(file, `${JSON.stringify(itemRecord('doc-1'))}\n{"itemId":"doc-2",\n${JSON.stringify(itemRecord('doc-3'))}\n`);
      await assert.rejects(journal.load(), (error: unknown) => {
        assert.ok(isDagbookError(error) && error.code === 'STATE_CORRUPT');
        assert.deepEqual(error.data, { path: file, line: 2 });
        assert.match(error.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} line 2 is not JSON`));
        return true;
      });
    });

    it('fails to load with STATE_CORRUPT naming the line of a record missing a field', async () => {
      fs.mkdirSync(path.dirname(file));
      const { cacheKey: _dropped, ...broken } = itemRecord('doc-2');
      fs.writeFileSync(file, `${JSON.stringify(itemRecord('doc-1'))}\n${JSON.stringify(broken)}\n`);
      await assert.rejects(journal.load(), (error: unknown) => {
        assert.ok(isDagbookError(error) && error.code === 'STATE_CORRUPT');
        assert.deepEqual(error.data, { path: file, line: 2 });
        assert.match(error.message, / line 2 is not an item record \(Required at `cacheKey`\)/);
        return true;
      });
    });
  });

  describe('when it is cleared', () => {
    it('removes the file and starts empty, and flushes waiting for dropped lines resolve', async () => {
      journal.append([itemRecord('doc-1')]);
      await journal.flush();
      journal.append([itemRecord('doc-2')]);
      const flushed = journal.flush();
      await journal.clear();
      await flushed;
      assert.equal(fs.existsSync(file), false);
      assert.deepEqual(await journal.load(), new Map());
      journal.append([itemRecord('doc-3')]);
      await journal.close();
      assert.deepEqual(fileLines(file), [itemRecord('doc-3')]);
    });
  });
});
