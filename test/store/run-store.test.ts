import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { hasErrorCode } from '../../src/errors';
import { openDurableStore } from '../../src/store/durable-store';
import { MemoryStore } from '../../src/store/memory-store';
import type { RunStore } from '../../src/store/run-store';
import { danfo, type DataFrame, type Series } from '../danfo';
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
      it('addresses them by the sha256 of their canonical JSON', async () => {
        const hash = await store.putOutput({ b: 1, a: [1, 2] });
        assert.equal(hash, '94a786c3662bc7beeb598efa7d8cb58d7bea25d6c275ea9785a0230ff1f8c2ba');
        assert.equal(await store.putOutput({ a: [1, 2], b: 1 }), hash);
        assert.deepEqual(await store.getOutput(hash), { a: [1, 2], b: 1 });
        assert.equal(await store.hasOutput(hash), true);
        assert.equal(await store.verifyOutput(hash), 'ok');
      });

      it('throws OUTPUT_MISSING naming the hash for an unknown one', async () => {
        const hash = 'f'.repeat(64);
        assert.equal(await store.hasOutput(hash), false);
        assert.equal(await store.verifyOutput(hash), 'missing');
        await assert.rejects(store.getOutput(hash), (e: unknown) => hasErrorCode(e, 'OUTPUT_MISSING') && e.message.includes(hash));
      });
    });

    describe('when outputs hold structured data', () => {
      const cases: [string, () => unknown][] = [
        ['a Map with string, number and object keys', () => new Map<unknown, unknown>([['a', 1], [2, 'two'], [{ k: 1 }, [true]]])],
        ['a Set', () => new Set(['x', 1, null])],
        ['Dates', () => [new Date(86_400_000), new Date(-1)]],
        ['BigInts', () => [2n ** 100n, -7n, 0n]],
        ['a RegExp with flags', () => /a+b?/giu],
        [
          'typed arrays',
          () => [new Uint8Array([1, 255]), new Uint8ClampedArray([7]), new Int16Array([-2]), new Float32Array([0.5]), new Float64Array([-0, Number.NaN]), new BigInt64Array([-(2n ** 63n)])],
        ],
        ['an ArrayBuffer and a Buffer', () => ({ raw: new Uint8Array([9, 8]).buffer, buf: Buffer.from('héllo') })],
        ['undefined inside objects and arrays, and holes', () => ({ a: undefined, list: [undefined, 1, , 3] })], // eslint-disable-line no-sparse-arrays
        ['-0, NaN and the infinities', () => ({ z: -0, n: Number.NaN, p: Infinity, m: -Infinity })],
        [
          'nested combinations',
          () => ({ byDay: new Map([[new Date(0), new Set([{ tags: new Set(['t']), sizes: new Uint32Array([3]), total: 10n }])]]), plain: [{ deep: [new Map([['k', [-0]]])] }] }),
        ],
      ];
      for (const [what, make] of cases) {
        it(`reads back ${what} with the same types and values`, async () => {
          const hash = await store.putOutput(make());
          assert.deepStrictEqual(await store.getOutput(hash), make());
        });
      }

      it('reads back an invalid Date as an invalid Date', async () => {
        const back = await store.getOutput(await store.putOutput(new Date(Number.NaN)));
        assert.ok(back instanceof Date);
        assert.equal(back.getTime(), Number.NaN);
      });

      it('keeps repeated references and cycles', async () => {
        const shared = { n: 1 };
        const value: Record<string, unknown> = { first: shared, second: shared, list: new Map([['s', shared]]) };
        value.self = value;
        const back = (await store.getOutput(await store.putOutput(value))) as Record<string, unknown>;
        assert.equal(back.first, back.second);
        assert.equal((back.list as Map<string, unknown>).get('s'), back.first);
        assert.equal(back.self, back);
      });

      it('stores equal data under one hash whatever the order of plain-object keys, but not whatever the order of Map entries', async () => {
        const one = await store.putOutput({ a: 1, b: { c: [1, { d: 2, e: 3 }], f: new Map([['x', 1], ['y', 2]]) } });
        assert.equal(await store.putOutput({ b: { f: new Map([['x', 1], ['y', 2]]), c: [1, { e: 3, d: 2 }] }, a: 1 }), one);
        assert.notEqual(await store.putOutput({ a: 1, b: { c: [1, { d: 2, e: 3 }], f: new Map([['y', 2], ['x', 1]]) } }), one);
      });

      it('reads back a danfojs DataFrame and Series as such, with the same columns, dtypes, index and values', async function () {
        this.timeout(30_000); // the first load of danfojs
        const dfd = danfo();
        const frame = new dfd.DataFrame(
          { name: ['a', 'b', 'c'], n: [1, 2, 3], x: [1.5, Number.NaN, -2], ok: [true, false, true] },
          { index: ['r1', 'r2', 'r3'] },
        );
        const series = new dfd.Series([10, 20], { index: ['p', 'q'], columns: ['score'] });
        const back = (await store.getOutput(await store.putOutput({ frame, series }))) as { frame: DataFrame; series: Series };
        assert.ok(back.frame instanceof dfd.DataFrame);
        assert.deepStrictEqual(back.frame.columns, ['name', 'n', 'x', 'ok']);
        assert.deepStrictEqual(back.frame.dtypes, ['string', 'int32', 'float32', 'boolean']);
        assert.deepStrictEqual(back.frame.index, ['r1', 'r2', 'r3']);
        assert.deepStrictEqual(back.frame.values, [
          ['a', 1, 1.5, true],
          ['b', 2, Number.NaN, false],
          ['c', 3, -2, true],
        ]);
        assert.ok(back.series instanceof dfd.Series);
        assert.deepStrictEqual([back.series.columns, back.series.dtype, back.series.index, back.series.values], [['score'], 'int32', ['p', 'q'], [10, 20]]);
      });

      it('refuses a value that cannot be stored with OUTPUT_NOT_SERIALIZABLE naming the stage and the path', async () => {
        await assert.rejects(
          store.putOutput({ rows: [{ id: 0 }, { id: 1 }, { id: 2 }, { id: 3, callback: () => 3 }] }, { stageId: 'load' }),
          (e: unknown) =>
            hasErrorCode(e, 'OUTPUT_NOT_SERIALIZABLE') &&
            e.stageId === 'load' &&
            e.data.path === 'output.rows[3].callback' &&
            e.message.startsWith('The output of stage `load` cannot be stored: `output.rows[3].callback` is a function.'),
        );
      });
    });

    describe('when cache entries are put and deleted', () => {
      it('replaces an entry under the same key and removes every entry of a stage', async () => {
        await store.beginRun(runRecord('run-1'));
        await store.putCacheEntry(cacheEntry('extract', 'run-1', 'h1'));
        await store.putCacheEntry(cacheEntry('extract', 'run-1', 'h2'));
        await store.putCacheEntry(cacheEntry('load', 'run-1', 'h3'));
        assert.deepEqual(await store.getCacheEntry('extract', 'key-extract'), cacheEntry('extract', 'run-1', 'h2'));
        assert.deepEqual(await store.latestCacheEntry('extract'), cacheEntry('extract', 'run-1', 'h2'));
        await store.deleteCacheEntries(['extract', 'nothing']);
        assert.equal(await store.getCacheEntry('extract', 'key-extract'), undefined);
        assert.equal(await store.latestCacheEntry('extract'), undefined);
        assert.deepEqual(await store.getCacheEntry('load', 'key-load'), cacheEntry('load', 'run-1', 'h3'));
      });
    });

    describe('when a stage has entries under several keys', () => {
      const entry = (key: string, hash: string, recordedAt: number) => ({ ...cacheEntry('typing', 'run-1', hash), cacheKey: key, recordedAt });

      it('finds each by key; the latest is the one put or restored last', async () => {
        await store.beginRun(runRecord('run-1'));
        await store.putCacheEntry(entry('k1', 'h1', 1));
        await store.putCacheEntry(entry('k2', 'h2', 2));
        assert.deepEqual(await store.getCacheEntry('typing', 'k1'), entry('k1', 'h1', 1));
        assert.deepEqual(await store.getCacheEntry('typing', 'k2'), entry('k2', 'h2', 2));
        assert.equal(await store.getCacheEntry('typing', 'k3'), undefined);
        assert.deepEqual(await store.latestCacheEntry('typing'), entry('k2', 'h2', 2));
        await store.saveStage('run-1', stageRecord('typing', 'CACHED', { cacheKey: 'k1', outputHash: 'h1' }));
        assert.deepEqual(await store.latestCacheEntry('typing'), entry('k1', 'h1', 1));
      });
    });

    describe('when a stage gets more entries than the cache keeps', () => {
      it('drops the least recently used ones past maxEntriesPerStage (default 10)', async () => {
        await store.beginRun(runRecord('run-1'));
        for (let i = 1; i <= 12; i++) await store.putCacheEntry({ ...cacheEntry('typing', 'run-1', `h${i}`), cacheKey: `k${i}` });
        assert.equal(await store.getCacheEntry('typing', 'k1'), undefined);
        assert.equal(await store.getCacheEntry('typing', 'k2'), undefined);
        assert.deepEqual((await store.getCacheEntry('typing', 'k3'))?.outputHash, 'h3');
        assert.deepEqual((await store.latestCacheEntry('typing'))?.outputHash, 'h12');
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
