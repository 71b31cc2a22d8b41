import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { openDurableStore, type DurableStore } from '../../src/store/durable-store';
import { openStateReader } from '../../src/store/state-reader';
import type { StateView } from '../../src/store/state-view';
import { cacheEntry, logEvent, runRecord, stageRecord, tempDir } from './fixtures';

/** Every read of a view, for one run and its stages. */
async function reads(view: StateView, hash: string) {
  return {
    run: await view.getRun('run-1'),
    runs: await view.listRuns(),
    stages: await view.getStages('run-1'),
    entry: await view.getCacheEntry('extract', 'key-extract'),
    latest: await view.latestCacheEntry('extract'),
    breakers: await view.loadBreakers(),
    events: await view.readEvents('run-1'),
    output: await view.getOutput(hash),
    has: await view.hasOutput(hash),
    check: await view.verifyOutput(hash),
    missing: await view.hasOutput('0'.repeat(64)),
    digest: view.secretDigest('s3cret'),
  };
}

describe('StateView', () => {
  let dir: string;
  let writer: DurableStore | undefined;

  beforeEach(() => {
    dir = tempDir();
  });

  afterEach(async () => {
    await writer?.close();
    writer = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('when the durable store and a state reader look at one state', () => {
    it('answers every read alike, from the same document, artifacts, logs and key', async () => {
      writer = await openDurableStore({ stateDir: dir, pipeline: 'etl' });
      await writer.beginRun(runRecord('run-1'));
      const hash = await writer.putOutput({ rows: [1, 2] });
      await writer.saveStage('run-1', stageRecord('extract', 'SUCCEEDED', { outputHash: hash }));
      await writer.putCacheEntry(cacheEntry('extract', 'run-1', hash));
      await writer.saveBreaker('llm', { state: 'OPEN', failures: 3, openedAt: 1_700_000_000_000 });
      writer.appendEvent(logEvent('run-1', 1, 'extract done'));
      const reader = await openStateReader({ stateDir: dir, pipeline: 'etl' });
      const fromStore = await reads(writer, hash);
      assert.deepEqual(await reads(reader, hash), fromStore);
      assert.deepEqual(fromStore.breakers, { llm: { state: 'OPEN', failures: 3, openedAt: 1_700_000_000_000 } });
      assert.deepEqual(fromStore.output, { rows: [1, 2] });
      assert.deepEqual([fromStore.has, fromStore.check, fromStore.missing], [true, 'ok', false]);
      assert.deepEqual(fromStore.events.map((e) => e.message), ['extract done']);
      await reader.close();
    });
  });
});
