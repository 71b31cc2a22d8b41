import { strict as assert } from 'node:assert';
import { compilePipeline } from '../../src/plan/compile';
import { runPipeline } from '../../src/run/run-pipeline';
import { MemoryStore } from '../../src/store/memory-store';
import { DagbookError, hasErrorCode } from '../../src/errors';
import type { StageRecord } from '../../src/records';

/** A store whose artifact writes fail, as on a full disk. */
class FailingOutputStore extends MemoryStore {
  async putOutput(): Promise<string> {
    throw new DagbookError('STATE_CORRUPT', 'no space left on device (artifacts/)');
  }
}

describe('runPipeline', () => {
  describe('when the store fails while a stage finishes', () => {
    it('stops starting stages, lets the running ones end, records the run FAILED and rejects with the store error', async () => {
      const ended: string[] = [];
      const slowEnd = { ended: false };
      const compiled = compilePipeline({
        name: 'fatal',
        maxParallel: 2,
        stages: [
          { id: 'quick', run: () => { ended.push('quick'); return 1; } },
          { id: 'slow', run: async () => { await new Promise((r) => setTimeout(r, 50)); slowEnd.ended = true; ended.push('slow'); return 2; } },
          { id: 'after', deps: ['quick'], run: () => { ended.push('after'); return 3; } },
        ],
      });
      const store = new FailingOutputStore();
      await assert.rejects(runPipeline(compiled, { store, runId: 'run-f' }), (e: unknown) => hasErrorCode(e, 'STATE_CORRUPT'));
      assert.equal(slowEnd.ended, true, 'the running stage was waited for, not left behind');
      assert.deepEqual(ended.sort(), ['quick', 'slow']);
      const run = await store.getRun('run-f');
      assert.equal(run?.status, 'FAILED');
      assert.equal(run?.reason, 'no space left on device (artifacts/)');
      const stages: Record<string, StageRecord> = await store.getStages('run-f');
      assert.equal(stages.after, undefined, 'no stage started after the failure');
    });
  });
});
