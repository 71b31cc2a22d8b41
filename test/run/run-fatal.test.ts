import { strict as assert } from 'node:assert';
import { compilePipeline } from '../../src/plan/compile';
import { runPipeline } from '../../src/run/run-pipeline';
import { MemoryStore } from '../../src/store/memory-store';
import { DagbookError, hasErrorCode } from '../../src/errors';
import type { StageRecord } from '../../src/records';

/** A store that cannot write a success record, as on a full disk. */
class FailingSuccessStore extends MemoryStore {
  async saveStage(runId: string, record: StageRecord): Promise<void> {
    if (record.status === 'SUCCEEDED') throw new DagbookError('STATE_CORRUPT', 'no space left on device (events.jsonl)');
    return super.saveStage(runId, record);
  }
}

/** A store that cannot take an output, as on a full artifacts disk. */
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
      const store = new FailingSuccessStore();
      const successes: string[] = [];
      await assert.rejects(
        runPipeline(compiled, { store, runId: 'run-f', listeners: [(e) => { if (e.type === 'STEP_SUCCESS') successes.push(e.stageId as string); }] }),
        (e: unknown) => hasErrorCode(e, 'STATE_CORRUPT'),
      );
      assert.equal(slowEnd.ended, true, 'the running stage was waited for, not left behind');
      assert.deepEqual(ended.sort(), ['quick', 'slow']);
      assert.deepEqual(successes, [], 'no success is announced that was not recorded');
      const run = await store.getRun('run-f');
      assert.equal(run?.status, 'FAILED');
      assert.equal(run?.reason, 'no space left on device (events.jsonl)');
      const stages: Record<string, StageRecord> = await store.getStages('run-f');
      assert.equal(stages.after, undefined, 'no stage started after the failure');
    });
  });

  describe('when the store cannot take a stage\'s output', () => {
    it('fails that stage with the store\'s error and blocks its dependents; the run ends FAILED without rejecting', async () => {
      const compiled = compilePipeline({
        name: 'unstorable',
        failurePolicy: 'keep-going',
        stages: [
          { id: 'make', run: () => ({ rows: 1 }) },
          { id: 'use', deps: ['make'], run: () => 2 },
        ],
      });
      const store = new FailingOutputStore();
      const result = await runPipeline(compiled, { store, runId: 'run-o' });
      assert.equal(result.status, 'FAILED');
      const stages = await store.getStages('run-o');
      assert.deepEqual(
        { status: stages.make.status, attempts: stages.make.attempts, code: stages.make.error?.code, message: stages.make.error?.message },
        { status: 'FAILED', attempts: 1, code: 'STATE_CORRUPT', message: 'no space left on device (artifacts/)' },
      );
      assert.deepEqual([stages.use.status, stages.use.reason], ['BLOCKED', 'upstream `make` failed']);
    });
  });
});
