import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/store/memory-store';
import { itemRecord, logEvent, runRecord, stageRecord } from './fixtures';

describe('MemoryStore', () => {
  describe('when asked where it keeps the state', () => {
    it('has no `location`: nothing is on disk', () => {
      assert.equal(new MemoryStore().location, undefined);
    });
  });

  describe('when a caller changes a record after saving it', () => {
    it('keeps the value as saved', async () => {
      const store = new MemoryStore();
      const run = { ...runRecord('run-1'), usage: { tokens: 1 } };
      await store.beginRun(run);
      const record = { ...stageRecord('a', 'RUNNING'), usage: { tokens: 1 } };
      await store.saveStage('run-1', record);
      run.usage.tokens = 99;
      record.usage.tokens = 99;
      assert.deepEqual((await store.getRun('run-1'))?.usage, { tokens: 1 });
      assert.deepEqual((await store.getStages('run-1')).a.usage, { tokens: 1 });
    });
  });

  describe('when runs are listed between changes', () => {
    it('gives each run`s summary as it stands: a stage saved or a run updated since the last listing counts', async () => {
      const store = new MemoryStore();
      await store.beginRun(runRecord('run-1'));
      await store.beginRun(runRecord('run-2'));
      await store.saveStage('run-1', stageRecord('a', 'RUNNING'));
      const counts = async () => (await store.listRuns()).map((run) => [run.runId, run.status, run.counts]);
      assert.deepEqual(await counts(), [
        ['run-1', 'RUNNING', { RUNNING: 1 }],
        ['run-2', 'RUNNING', {}],
      ]);
      await store.saveStage('run-1', stageRecord('a', 'SUCCEEDED'));
      await store.saveStage('run-1', stageRecord('b', 'CACHED'));
      await store.updateRun('run-2', { status: 'FAILED' });
      assert.deepEqual(await counts(), [
        ['run-1', 'RUNNING', { SUCCEEDED: 1, CACHED: 1 }],
        ['run-2', 'FAILED', {}],
      ]);
    });
  });

  describe('when an update patches a run', () => {
    it('never changes its id or pipeline', async () => {
      const store = new MemoryStore();
      await store.beginRun(runRecord('run-1'));
      await store.updateRun('run-1', { status: 'CANCELLED', reason: 'stopped', runId: 'x' } as never);
      assert.deepEqual(await store.getRun('run-1'), { ...runRecord('run-1'), status: 'CANCELLED', reason: 'stopped' });
    });
  });

  describe('when outputs hold undefined', () => {
    it('keeps the property, so the value differs from one without it', async () => {
      const store = new MemoryStore();
      const hash = await store.putOutput({ a: undefined, b: 1 });
      const back = (await store.getOutput(hash)) as Record<string, unknown>;
      assert.deepEqual(back, { a: undefined, b: 1 });
      assert.deepEqual(Object.keys(back), ['a', 'b']);
      assert.notEqual(await store.putOutput({ b: 1 }), hash);
    });
  });

  describe('when the cache entries of a stage are deleted (reset)', () => {
    it('forgets the items of its journal too, and keeps the same journal', async () => {
      const store = new MemoryStore();
      const journal = store.itemJournal('embed');
      journal.append([itemRecord('doc-1'), itemRecord('doc-2')]);
      store.itemJournal('parse').append([{ ...itemRecord('doc-1'), stageId: 'parse' }]);
      await store.deleteCacheEntries(['embed']);
      assert.equal(store.itemJournal('embed'), journal);
      assert.deepEqual(await store.readItemRecords('embed'), new Map());
      assert.equal((await store.readItemRecords('parse')).size, 1);
    });
  });

  describe('when events are read', () => {
    it('returns a copy the caller cannot use to change the log', async () => {
      const store = new MemoryStore();
      store.appendEvent(logEvent('run-1', 1, 'a'));
      (await store.readEvents('run-1')).pop();
      assert.equal((await store.readEvents('run-1')).length, 1);
    });
  });
});
