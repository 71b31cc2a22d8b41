import { strict as assert } from 'node:assert';
import type { PipelineEvent } from '../../src/events/event';
import { compilePipeline } from '../../src/plan/compile';
import type { CacheEntry, StageRecord } from '../../src/records';
import { runPipeline } from '../../src/run/run-pipeline';
import { MemoryStore } from '../../src/store/memory-store';

/** A store that notes, in order, each stage record, cache entry and event it is given. */
class OrderStore extends MemoryStore {
  readonly order: string[] = [];
  async saveStage(runId: string, record: StageRecord): Promise<void> {
    this.order.push(`record ${record.stageId} ${record.status}${record.outputHash ? ' +output' : ''}`);
    return super.saveStage(runId, record);
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
    it('saves its success record (with the output reference) and cache entry before STEP_SUCCESS', async () => {
      const store = new OrderStore();
      const compiled = compilePipeline({ name: 'order', stages: [{ id: 'a', run: () => 1 }, { id: 'b', deps: ['a'], run: () => 2 }] });
      const result = await runPipeline(compiled, { store, runId: 'run-1' });
      assert.equal(result.status, 'SUCCEEDED');
      assert.deepEqual(store.order, [
        'record a RUNNING',
        'event STEP_START a',
        'cache a',
        'record a SUCCEEDED +output',
        'event STEP_SUCCESS a',
        'record b RUNNING',
        'event STEP_START b',
        'cache b',
        'record b SUCCEEDED +output',
        'event STEP_SUCCESS b',
      ]);
      const events = await store.readEvents('run-1');
      const success = events.find((e) => e.type === 'STEP_SUCCESS' && e.stageId === 'a');
      assert.equal(success?.type === 'STEP_SUCCESS' ? success.metadata.outputHash : undefined, result.outputHashes.a);
    });
  });
});
