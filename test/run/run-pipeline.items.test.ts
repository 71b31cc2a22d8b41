import assert from 'node:assert/strict';
import type { ItemSet, PipelineDefinition, StageContext, StageDefinition, StageInputs } from '../../src/definition/types';
import { DagbookError } from '../../src/errors';
import type { PipelineEvent } from '../../src/events/event';
import { compilePipeline } from '../../src/plan/compile';
import { dryRun } from '../../src/query/dry-run';
import type { ItemRunOptions } from '../../src/run/item-options';
import { runPipeline, startRun, type RunResult } from '../../src/run/run-pipeline';
import { MemoryStore } from '../../src/store/memory-store';

/** Documents by id; a document whose text is `bad` fails to parse (not retried). */
type Docs = Record<string, string>;

function docsPipeline(docs: () => Docs, calls: string[], extra: Partial<StageDefinition> = {}): PipelineDefinition {
  return {
    name: 'docs',
    stages: [
      { id: 'discover', discovery: true, run: () => Object.entries(docs()).map(([id, text]) => ({ id, hash: `h:${text}`, payload: { text } })) },
      {
        id: 'parse',
        forEach: 'discover',
        retry: { maxAttempts: 1 },
        run: (ctx: StageContext) => {
          calls.push(`parse ${ctx.item?.id}`);
          const { text } = ctx.item?.payload as { text: string };
          if (text === 'bad') throw new DagbookError('STAGE_FAILED', `cannot parse ${ctx.item?.id}`, { errorClass: 'persistent' });
          return text.toUpperCase();
        },
        ...extra,
      },
      {
        id: 'chunk',
        forEach: 'discover',
        deps: ['parse'],
        run: (ctx: StageContext, inputs: StageInputs) => {
          calls.push(`chunk ${ctx.item?.id}`);
          return [`${ctx.item?.id}:${inputs.parse as string}`];
        },
      },
      {
        id: 'index',
        deps: ['chunk'],
        run: (_ctx: StageContext, inputs: StageInputs) => {
          const set = inputs.chunk as ItemSet<string[]>;
          calls.push(`index changed=${set.changed.join(',')} deleted=${set.deleted.join(',')} failed=${Object.keys(set.failed).join(',')}`);
          return Object.values(set.outputs).flat();
        },
      },
    ],
  };
}

function statusOf(result: RunResult): Record<string, string> {
  return Object.fromEntries(Object.entries(result.stages).map(([id, r]) => [id, r.status]));
}

describe('runPipeline with per-item stages', () => {
  let docs: Docs;
  let calls: string[];
  let store: MemoryStore;
  const run = (options: { items?: ItemRunOptions; extra?: Partial<StageDefinition> } = {}) =>
    runPipeline(compilePipeline(docsPipeline(() => docs, calls, options.extra)), { store, ...(options.items ? { items: options.items } : {}) });

  beforeEach(() => {
    docs = { a: 'alpha', b: 'beta', c: 'gamma' };
    calls = [];
    store = new MemoryStore();
  });

  describe('when it runs first', () => {
    it('runs every item of every per-item stage, item by item, and gives the reduce every output as changed', async () => {
      const result = await run();
      assert.equal(result.status, 'SUCCEEDED');
      assert.deepEqual(calls.filter((c) => c.startsWith('parse')), ['parse a', 'parse b', 'parse c']);
      assert.deepEqual(calls.filter((c) => c.startsWith('chunk')), ['chunk a', 'chunk b', 'chunk c']);
      assert.deepEqual(calls.at(-1), 'index changed=a,b,c deleted= failed=');
      assert.deepEqual(await store.getOutput(result.outputHashes.index), ['a:ALPHA', 'b:BETA', 'c:GAMMA']);
      assert.deepEqual(result.stages.parse.items, { total: 3, succeeded: 3, failed: 0, cached: 0, blocked: 0, skipped: 0, deleted: 0 });
    });
  });

  describe('when nothing changed', () => {
    it('runs the discovery stage only and restores the rest', async () => {
      await run();
      calls.length = 0;
      const again = await run();
      assert.deepEqual(statusOf(again), { discover: 'SUCCEEDED', parse: 'CACHED', chunk: 'CACHED', index: 'CACHED' });
      assert.deepEqual(calls, []);
    });
  });

  describe('when items change, appear and disappear', () => {
    it('runs only the new and changed items, drops the gone one, and tells the reduce which ids changed and which to delete', async () => {
      await run();
      calls.length = 0;
      docs = { a: 'alpha', b: 'BETA 2', d: 'delta' };
      const result = await run();
      assert.deepEqual(calls, ['parse b', 'parse d', 'chunk b', 'chunk d', 'index changed=b,d deleted=c failed=']);
      assert.deepEqual(result.stages.chunk.items, { total: 3, succeeded: 2, failed: 0, cached: 1, blocked: 0, skipped: 0, deleted: 1 });
      assert.deepEqual([...(await store.readItemRecords('parse')).keys()].sort(), ['a', 'b', 'd']);
      assert.deepEqual(await store.getOutput(result.outputHashes.index), ['a:ALPHA', 'b:BETA 2', 'd:DELTA']);
    });

    it('says so in the dry run, per per-item stage, before anything runs', async () => {
      await run();
      docs = { a: 'alpha', b: 'BETA 2', d: 'delta', e: 'epsilon' };
      const dry = await dryRun(compilePipeline(docsPipeline(() => docs, calls)), { store });
      assert.deepEqual(
        dry.rows.map((r) => `${r.stageId}: ${r.action} (${r.reason})`),
        [
          'discover: run (a discovery stage reads its source on every run: 4 item(s))',
          'parse: run (2 new, 1 changed, 1 deleted, 1 unchanged, 0 failed last time — 3 will run)',
          'chunk: run (2 new, 1 changed, 1 deleted, 1 unchanged, 0 failed last time — 3 will run)',
          'index: run (upstream `chunk` will run)',
        ],
      );
      assert.deepEqual(dry.rows[1].items?.ids, { new: ['d', 'e'], changed: ['b'], deleted: ['c'], failedLastTime: [] });
      assert.deepEqual(calls.filter((c) => !c.startsWith('index')).length, 6);
    });
  });

  describe('when an item fails within maxFailureRate', () => {
    it('ends the stage PARTIAL, blocks that item downstream, runs the rest, and retries only it next time', async () => {
      docs = { a: 'alpha', b: 'bad', c: 'gamma', d: 'delta' };
      const events: PipelineEvent[] = [];
      const compiled = compilePipeline(docsPipeline(() => docs, calls, { maxFailureRate: 0.25 }));
      const result = await startRun(compiled, { store, listeners: [(e) => events.push(e)] }).result;
      assert.equal(result.status, 'PARTIAL');
      assert.deepEqual(statusOf(result), { discover: 'SUCCEEDED', parse: 'PARTIAL', chunk: 'SUCCEEDED', index: 'SUCCEEDED' });
      assert.deepEqual(result.stages.chunk.items, { total: 4, succeeded: 3, failed: 0, cached: 0, blocked: 1, skipped: 0, deleted: 0 });
      assert.equal(calls.at(-1), 'index changed=a,c,d deleted= failed=b');
      const failure = events.find((e) => e.type === 'ITEM_FAILURE');
      assert.deepEqual(failure?.metadata, { itemId: 'b', code: 'STAGE_FAILED', errorClass: 'persistent', attempts: 1 });
      assert.equal((await store.readItemRecords('parse')).get('b')?.error?.message, 'cannot parse b');

      calls.length = 0;
      docs = { a: 'alpha', b: 'beta', c: 'gamma', d: 'delta' };
      const retried = await runPipeline(compiled, { store });
      assert.equal(retried.status, 'SUCCEEDED');
      assert.deepEqual(calls, ['parse b', 'chunk b', 'index changed=b deleted= failed=']);
    });
  });

  describe('when more items fail than maxFailureRate allows', () => {
    it('fails the stage with ITEMS_FAILED naming the counts and codes, and blocks what follows', async () => {
      docs = { a: 'bad', b: 'bad', c: 'gamma' };
      const result = await runPipeline(compilePipeline(docsPipeline(() => docs, calls, { maxFailureRate: 0.5 })), { store });
      assert.equal(result.status, 'FAILED');
      assert.equal(result.stages.parse.error?.code, 'ITEMS_FAILED');
      assert.equal(result.stages.parse.error?.message, '2 of 3 items of `parse` failed (66.67%, above its maxFailureRate of 50%): 2 STAGE_FAILED');
      assert.deepEqual([result.stages.chunk.status, result.stages.index.status], ['BLOCKED', 'BLOCKED']);
    });
  });

  describe('when a transient failure is retried per item', () => {
    it('retries that item only, with the same idempotency key on each attempt', async () => {
      const keys: string[] = [];
      let failedOnce = false;
      const result = await run({
        extra: {
          retry: { maxAttempts: 2, baseDelayMs: 1, minDelayMs: 1, jitter: 0 },
          run: (ctx: StageContext) => {
            keys.push(`${ctx.item?.id} ${ctx.attempt} ${ctx.idempotencyKey.slice(0, 8)}`);
            if (ctx.item?.id === 'b' && !failedOnce) {
              failedOnce = true;
              throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
            }
            return 'ok';
          },
        },
      });
      assert.equal(result.status, 'SUCCEEDED');
      const b = keys.filter((k) => k.startsWith('b '));
      assert.deepEqual(b.map((k) => k.split(' ')[1]), ['1', '2']);
      assert.equal(b[0].split(' ')[2], b[1].split(' ')[2]);
      assert.equal((await store.readItemRecords('parse')).get('b')?.attempts, 2);
    });
  });

  describe('when the run chooses its items', () => {
    beforeEach(async () => {
      docs = { a: 'alpha', b: 'bad', c: 'gamma', d: 'delta' };
      await run({ extra: { maxFailureRate: 0.5 } });
      calls.length = 0;
    });

    it('full runs every item again', async () => {
      docs.b = 'beta';
      await run({ items: { mode: 'full' } });
      assert.deepEqual(calls.filter((c) => c.startsWith('parse')), ['parse a', 'parse b', 'parse c', 'parse d']);
    });

    it('test runs a sample of the items, the same one each time', async () => {
      await run({ items: { mode: 'test', sample: 2 }, extra: { maxFailureRate: 0.5 } });
      const first = calls.filter((c) => c.startsWith('parse'));
      calls.length = 0;
      await run({ items: { mode: 'test', sample: 2 }, extra: { maxFailureRate: 0.5 } });
      assert.equal(first.length <= 2, true);
      assert.deepEqual(calls.filter((c) => c.startsWith('parse')), first.filter((c) => c === 'parse b'));
    });

    it('skip keeps a bad item out, and retryFailed runs only the failed ones', async () => {
      docs = { a: 'alpha2', b: 'bad', c: 'gamma', d: 'delta' };
      const skipped = await run({ items: { skip: ['b'] }, extra: { maxFailureRate: 0.5 } });
      assert.deepEqual(calls.filter((c) => c.startsWith('parse')), ['parse a']);
      assert.equal(skipped.stages.parse.items?.skipped, 1);
      calls.length = 0;
      docs.b = 'beta';
      docs.c = 'gamma2';
      await run({ items: { retryFailed: true }, extra: { maxFailureRate: 0.5 } });
      assert.deepEqual(calls.filter((c) => c.startsWith('parse')), ['parse b']);
    });
  });

  describe('when a discovery stage returns something other than items', () => {
    it('fails it with ITEMS_INVALID naming the items, and blocks its per-item stages', async () => {
      const compiled = compilePipeline({
        name: 'bad',
        stages: [
          { id: 'discover', discovery: true, run: () => [{ id: 'a', hash: 'x' }, { id: 'a', hash: 'y' }] },
          { id: 'work', forEach: 'discover', run: () => null },
        ],
      });
      const result = await runPipeline(compiled, { store });
      assert.equal(result.stages.work.status, 'BLOCKED');
      assert.equal(result.stages.discover.status, 'FAILED');
      assert.equal(result.stages.discover.attempts, 1);
      assert.equal(result.stages.discover.error?.code, 'ITEMS_INVALID');
      assert.equal(result.stages.discover.error?.message, 'Discovery stage `discover` must return an array of items `{ id, hash, payload? }`: items 0 and 1 have the same id `a`');
    });
  });

  describe('when the run is cancelled in the middle of the items', () => {
    it('keeps the items that finished, and the next run runs only the others', async () => {
      docs = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`d${String(i).padStart(2, '0')}`, `text ${i}`]));
      const controller = new AbortController();
      const slow = {
        concurrency: 2,
        run: async (ctx: StageContext) => {
          calls.push(`parse ${ctx.item?.id}`);
          if (calls.length === 6) controller.abort(new Error('stop'));
          await new Promise((resolve) => setTimeout(resolve, 5));
          return 'ok';
        },
      };
      const compiled = compilePipeline(docsPipeline(() => docs, calls, slow));
      const cancelled = await runPipeline(compiled, { store, signal: controller.signal });
      assert.equal(cancelled.status, 'CANCELLED');
      const finished = [...(await store.readItemRecords('parse')).keys()];
      assert.equal(finished.length >= 4 && finished.length < 20, true, `finished ${finished.length}`);
      calls.length = 0;
      const resumed = await runPipeline(compiled, { store });
      assert.equal(resumed.status, 'SUCCEEDED');
      const rerun = calls.filter((c) => c.startsWith('parse')).map((c) => c.slice(6));
      assert.deepEqual(rerun.filter((id) => finished.includes(id)), []);
      assert.equal(rerun.length, 20 - finished.length);
    });
  });

  describe('when the run is drained in the middle of the items', () => {
    it('starts no new item, lets the running ones finish and record, ends CANCELLED, and the next run runs only the rest', async () => {
      docs = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`d${i}`, `text ${i}`]));
      const drain = new AbortController();
      const ended: string[] = [];
      const slow = {
        concurrency: 2,
        run: async (ctx: StageContext) => {
          calls.push(`parse ${ctx.item?.id}`);
          // The third item (started when the first ended) drains the run while the second still runs: both go on to their end.
          if (ctx.item?.id === 'd2') drain.abort(new Error('the daemon is stopping'));
          await new Promise((resolve) => setTimeout(resolve, 20));
          ended.push(ctx.item?.id as string);
          return 'ok';
        },
      };
      const compiled = compilePipeline(docsPipeline(() => docs, calls, slow));
      const drained = await runPipeline(compiled, { store, drain: drain.signal });
      assert.equal(drained.status, 'CANCELLED');
      assert.equal(drained.reason, 'the daemon is stopping');
      assert.deepEqual(calls, ['parse d0', 'parse d1', 'parse d2']);
      assert.deepEqual(ended, ['d0', 'd1', 'd2']);
      assert.deepEqual([...(await store.readItemRecords('parse')).keys()].sort(), ['d0', 'd1', 'd2']);
      assert.equal(drained.stages.parse.status, 'CANCELLED');
      assert.equal(drained.stages.chunk.status, 'CANCELLED');
      calls.length = 0;
      const next = await runPipeline(compiled, { store });
      assert.equal(next.status, 'SUCCEEDED');
      assert.deepEqual(calls.filter((c) => c.startsWith('parse')), ['parse d3', 'parse d4', 'parse d5', 'parse d6', 'parse d7', 'parse d8', 'parse d9']);
    });
  });
});
