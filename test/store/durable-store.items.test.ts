import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../src/clock';
import { hasErrorCode, isDagbookError } from '../../src/errors';
import { openStateReader } from '../../src/store/state-reader';
import { cacheEntry, itemRecord, runRecord, stageRecord, useStoreFolder } from './fixtures';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('DurableStore item journals', () => {
  const folder = useStoreFolder();
  const open = () => folder.open({ clock: new ManualClock(1_700_000_000_000) });
  const journalFile = (stageId: string) => path.join(folder.root, 'items', `${stageId}.jsonl`);

  describe('when items are appended and removed, and the store is closed and reopened', () => {
    it('gives back the latest record of every item left, per stage, from items/<stage-id>.jsonl', async () => {
      const s = await open();
      assert.equal(s.itemJournal('embed'), s.itemJournal('embed'));
      s.itemJournal('embed').append([itemRecord('doc-1'), itemRecord('doc-2'), itemRecord('doc-3')]);
      s.itemJournal('embed').remove(['doc-2']);
      s.itemJournal('parse').append([{ ...itemRecord('doc-1', 5), stageId: 'parse' }]);
      await s.close();
      const again = await open();
      assert.deepEqual(await again.readItemRecords('embed'), new Map([['doc-1', itemRecord('doc-1')], ['doc-3', itemRecord('doc-3')]]));
      assert.deepEqual(await again.itemJournal('parse').load(), new Map([['doc-1', { ...itemRecord('doc-1', 5), stageId: 'parse' }]]));
      assert.deepEqual(await again.readItemRecords('chunk'), new Map());
      assert.deepEqual(fs.readdirSync(path.join(folder.root, 'items')).sort(), ['embed.jsonl', 'parse.jsonl']);
    });

    it('makes them durable on flush()', async () => {
      const s = await open();
      s.itemJournal('embed').append([itemRecord('doc-1')]);
      await s.flush();
      assert.deepEqual(fs.readFileSync(journalFile('embed'), 'utf8'), `${JSON.stringify(itemRecord('doc-1'))}\n`);
    });
  });

  describe('when a stage id cannot name a file', () => {
    it('refuses its journal with INVALID_OPTION naming the stage id, and reads it as empty', async () => {
      const s = await open();
      assert.throws(() => s.itemJournal('..'), (error: unknown) => hasErrorCode(error, 'INVALID_OPTION') && /got `\.\.`/.test((error as Error).message));
      assert.throws(() => s.itemJournal('a/b'), (error: unknown) => hasErrorCode(error, 'INVALID_OPTION') && /got `a\/b`/.test((error as Error).message));
      assert.deepEqual(await s.readItemRecords('hires@2027'), new Map());
    });
  });

  describe('when the cache entries of stages are deleted (reset)', () => {
    it('clears their journals too, so their items run again, and leaves the others', async () => {
      const s = await open();
      await s.beginRun(runRecord('run-1'));
      await s.saveStage('run-1', stageRecord('embed', 'SUCCEEDED', { outputHash: 'h1' }), cacheEntry('embed', 'run-1', 'h1'));
      s.itemJournal('embed').append([itemRecord('doc-1')]);
      s.itemJournal('parse').append([{ ...itemRecord('doc-1'), stageId: 'parse' }]);
      await s.close();
      // A journal the reopened store has not opened yet goes as well.
      const again = await open();
      await again.deleteCacheEntries(['embed']);
      assert.deepEqual(await again.readItemRecords('embed'), new Map());
      assert.equal(fs.existsSync(journalFile('embed')), false);
      assert.equal(await again.latestCacheEntry('embed'), undefined);
      assert.equal((await again.readItemRecords('parse')).size, 1);
      await again.close();
      assert.deepEqual(await (await open()).readItemRecords('embed'), new Map());
    });
  });

  describe('when outputs are collected', () => {
    it('keeps the outputs that only an item record refers to', async () => {
      const s = await open();
      const kept = await s.putOutput({ text: 'x'.repeat(10_000) });
      const orphan = await s.putOutput({ text: 'y'.repeat(10_000) });
      s.itemJournal('embed').append([itemRecord('doc-1', 1, { outputHash: kept })]);
      await s.close();
      const again = await open();
      assert.deepEqual(await again.gcArtifacts(), { removed: [orphan], damaged: [], cacheEntriesDropped: 0 });
      assert.deepEqual(await again.getOutput(kept), { text: 'x'.repeat(10_000) });
    });
  });

  describe('when a reader opens while the writer appends', () => {
    it('reads the records written so far without the lock, skipping a torn last line', async () => {
      const s = await open();
      s.itemJournal('embed').append([itemRecord('doc-1'), itemRecord('doc-2')]);
      await nextTurn();
      const reader = await openStateReader({ stateDir: folder.dir, pipeline: 'etl' });
      assert.deepEqual([...(await reader.readItemRecords('embed')).keys()], ['doc-1', 'doc-2']);
      s.itemJournal('embed').append([itemRecord('doc-3')]);
      await nextTurn();
      assert.deepEqual([...(await reader.readItemRecords('embed')).keys()], ['doc-1', 'doc-2', 'doc-3']);
      fs.appendFileSync(journalFile('embed'), JSON.stringify(itemRecord('doc-4')).slice(0, 30));
      assert.deepEqual([...(await reader.readItemRecords('embed')).keys()], ['doc-1', 'doc-2', 'doc-3']);
      await reader.close();
    });

    it('fails on a damaged line with STATE_CORRUPT naming the file and the line', async () => {
      const s = await open();
      s.itemJournal('embed').append([itemRecord('doc-1')]);
      await s.close();
      fs.writeFileSync(journalFile('embed'), `{"removed":"doc-1"}\n${JSON.stringify(itemRecord('doc-2'))}\n`);
      const reader = await openStateReader({ stateDir: folder.dir, pipeline: 'etl' });
      await assert.rejects(reader.readItemRecords('embed'), (error: unknown) => isDagbookError(error) && error.code === 'STATE_CORRUPT' && error.data.path === journalFile('embed') && error.data.line === 1);
    });
  });
});
