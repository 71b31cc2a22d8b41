import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PipelineEvent } from '../../src/events/event';
import { compilePipeline } from '../../src/plan/compile';
import type { CacheEntry, StageRecord } from '../../src/records';
import { runPipeline } from '../../src/run/run-pipeline';
import { MemoryStore } from '../../src/store/memory-store';
import { openDurableStore } from '../../src/store/durable-store';

/** A store that notes, in order, each stage record, cache entry and event it is given. */
class OrderStore extends MemoryStore {
  readonly order: string[] = [];
  async saveStage(runId: string, record: StageRecord, entry?: CacheEntry): Promise<void> {
    this.order.push(`record ${record.stageId} ${record.status}${record.outputHash ? ' +output' : ''}${entry ? ` +cache ${entry.stageId}` : ''}`);
    return super.saveStage(runId, record, entry);
  }
  async putCacheEntry(entry: CacheEntry): Promise<void> {
    this.order.push(`cache ${entry.stageId}`);
    return super.putCacheEntry(entry);
  }
  appendEvent(event: PipelineEvent): void {
    if (event.type.startsWith('STEP_')) this.order.push(`event ${event.type} ${event.stageId}`);
    super.appendEvent(event);
  }
}

describe('runStage', () => {
  describe('when a stage succeeds', () => {
    it('saves its success record (with the output reference) and cache entry in one write, before STEP_SUCCESS', async () => {
      const store = new OrderStore();
      const compiled = compilePipeline({ name: 'order', stages: [{ id: 'a', run: () => 1 }, { id: 'b', deps: ['a'], run: () => 2 }] });
      const result = await runPipeline(compiled, { store, runId: 'run-1' });
      assert.equal(result.status, 'SUCCEEDED');
      assert.deepEqual(store.order, [
        'record a RUNNING',
        'event STEP_START a',
        'record a SUCCEEDED +output +cache a',
        'event STEP_SUCCESS a',
        'record b RUNNING',
        'event STEP_START b',
        'record b SUCCEEDED +output +cache b',
        'event STEP_SUCCESS b',
      ]);
      const events = await store.readEvents('run-1');
      const success = events.find((e) => e.type === 'STEP_SUCCESS' && e.stageId === 'a');
      assert.equal(success?.type === 'STEP_SUCCESS' ? success.metadata.outputHash : undefined, result.outputHashes.a);
    });
  });

  describe('when the run keeps its state on disk', () => {
    it("tells the stage its pipeline's state folder as `ctx.stateDir`", async () => {
      const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-stage-run-'));
      const store = await openDurableStore({ stateDir, pipeline: 'folders' });
      try {
        const compiled = compilePipeline({ name: 'folders', stages: [{ id: 'a', run: (ctx) => ({ stateDir: ctx.stateDir ?? null }) }] });
        const result = await runPipeline(compiled, { store, runId: 'run-1' });
        assert.deepEqual(await store.getOutput(result.outputHashes.a), { stateDir: path.join(stateDir, 'folders') });
      } finally {
        await store.close();
      }
    });
  });

  describe('when the run keeps its state in memory', () => {
    it('leaves `ctx.stateDir` out', async () => {
      const store = new MemoryStore();
      const compiled = compilePipeline({ name: 'folders', stages: [{ id: 'a', run: (ctx) => ({ has: 'stateDir' in ctx }) }] });
      const result = await runPipeline(compiled, { store, runId: 'run-1' });
      assert.deepEqual(await store.getOutput(result.outputHashes.a), { has: false });
    });
  });
});
