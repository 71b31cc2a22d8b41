import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { hasErrorCode } from '../../src/errors';
import { openDurableStore } from '../../src/store/durable-store';
import { MemoryStore } from '../../src/store/memory-store';
import type { RunStore } from '../../src/store/run-store';
import { cacheEntry, logEvent, runRecord, stageRecord, tempDir } from './fixtures';

/** The RunStore contract: the same assertions against every implementation. */
const implementations: { name: string; open: () => Promise<{ store: RunStore; cleanup: () => void }> }[] = [
  { name: 'MemoryStore', open: async () => ({ store: new MemoryStore(), cleanup: () => {} }) },
  {
    name: 'DurableStore',
    open: async () => {
      const dir = tempDir();
      const store = await openDurableStore({ stateDir: dir, pipeline: 'etl' });
      return { store, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
    },
  },
];

for (const impl of implementations) {
  describe(`RunStore contract: ${impl.name}`, () => {
    let store: RunStore;
    let cleanup: () => void;
    beforeEach(async () => {
      ({ store, cleanup } = await impl.open());
    });
    afterEach(async () => {
      await store.close();
      cleanup();
    });

    describe('when runs are begun and updated', () => {
      it('returns them by id and lists them oldest first', async () => {
        await store.beginRun(runRecord('run-b', 2000));
        await store.beginRun(runRecord('run-a', 1000));
        await store.updateRun('run-b', { status: 'SUCCEEDED', endedAt: 3000, usage: { tokens: 5 } });
        assert.deepEqual(await store.getRun('run-b'), {
          runId: 'run-b',
          pipeline: 'etl',
          status: 'SUCCEEDED',
          stages: ['extract', 'load'],
          startedAt: 2000,
          endedAt: 3000,
          usage: { tokens: 5 },
        });
        assert.deepEqual((await store.listRuns()).map((r) => r.runId), ['run-a', 'run-b']);
        assert.equal(await store.getRun('run-x'), undefined);
      });

      it('rejects an update of an unknown run with INVALID_OPTION naming it', async () => {
        await assert.rejects(store.updateRun('run-x', { status: 'FAILED' }), (e: unknown) => hasErrorCode(e, 'INVALID_OPTION') && /run-x/.test(e.message));
      });
    });

    describe('when stages are checkpointed', () => {
      it('keeps the last record of each stage, as JSON', async () => {
        await store.beginRun(runRecord('run-1'));
        await store.saveStage('run-1', stageRecord('extract', 'RUNNING'));
        await store.saveStage('run-1', stageRecord('extract', 'SUCCEEDED', { outputHash: 'h1', reason: undefined }));
        await store.saveStage('run-1', stageRecord('load', 'FAILED'));
        assert.deepEqual(await store.getStages('run-1'), {
          extract: stageRecord('extract', 'SUCCEEDED', { outputHash: 'h1' }),
          load: stageRecord('load', 'FAILED'),
        });
        assert.deepEqual(await store.getStages('run-2'), {});
      });

      it('rejects a checkpoint of an unknown run', async () => {
        await assert.rejects(store.saveStage('run-x', stageRecord('a', 'RUNNING')), (e: unknown) => hasErrorCode(e, 'INVALID_OPTION'));
      });
    });

    describe('when outputs are stored', () => {
      it('addresses them by the sha256 of their stored form, keys sorted', async () => {
        const hash = await store.putOutput({ b: 1, a: [1, 2] });
        // sha256('dagbook-output devalue/1\n[{"a":1,"b":2},[2,3],1,2]')
        assert.equal(hash, '8d51ed36b7796cfd4d19dda79428e898bf8f20c3290775dbdb57da07cbca025e');
        assert.equal(await store.putOutput({ a: [1, 2], b: 1 }), hash);
        assert.deepEqual(await store.getOutput(hash), { a: [1, 2], b: 1 });
        assert.equal(await store.hasOutput(hash), true);
      });

      it('throws OUTPUT_MISSING naming the hash for an unknown one', async () => {
        const hash = 'f'.repeat(64);
        assert.equal(await store.hasOutput(hash), false);
        await assert.rejects(store.getOutput(hash), (e: unknown) => hasErrorCode(e, 'OUTPUT_MISSING') && e.message.includes(hash));
      });
    });

    describe('when cache entries are put and deleted', () => {
      it('replaces and removes them by stage id', async () => {
        await store.beginRun(runRecord('run-1'));
        await store.putCacheEntry(cacheEntry('extract', 'run-1', 'h1'));
        await store.putCacheEntry(cacheEntry('extract', 'run-1', 'h2'));
        await store.putCacheEntry(cacheEntry('load', 'run-1', 'h3'));
        assert.deepEqual(await store.getCacheEntry('extract'), cacheEntry('extract', 'run-1', 'h2'));
        await store.deleteCacheEntries(['extract', 'nothing']);
        assert.equal(await store.getCacheEntry('extract'), undefined);
        assert.deepEqual(await store.getCacheEntry('load'), cacheEntry('load', 'run-1', 'h3'));
      });
    });

    describe('when breakers are saved', () => {
      it('loads the last snapshot of each key', async () => {
        await store.saveBreaker('api', { state: 'OPEN', failures: 3, openedAt: 5000 });
        await store.saveBreaker('api', { state: 'HALF_OPEN', failures: 3, openedAt: 5000 });
        await store.saveBreaker('db', { state: 'CLOSED', failures: 0, openedAt: null });
        assert.deepEqual(await store.loadBreakers(), {
          api: { state: 'HALF_OPEN', failures: 3, openedAt: 5000 },
          db: { state: 'CLOSED', failures: 0, openedAt: null },
        });
      });
    });

    describe('when events are appended', () => {
      it('reads back each run its own events in order', async () => {
        await store.beginRun(runRecord('run-1'));
        store.appendEvent(logEvent('run-1', 1, 'first'));
        store.appendEvent(logEvent('run-2', 1, 'other run'));
        store.appendEvent(logEvent('run-1', 2, 'second'));
        assert.deepEqual(await store.readEvents('run-1'), [logEvent('run-1', 1, 'first'), logEvent('run-1', 2, 'second')]);
        assert.deepEqual(await store.readEvents('run-3'), []);
      });
    });
  });
}
