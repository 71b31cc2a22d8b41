import { strict as assert } from 'node:assert';
import { compilePipeline } from '../../src/plan/compile';
import { cacheKey } from '../../src/plan/cache-key';
import { verifyKeptCheckpoints } from '../../src/run/checkpoint-check';
import { runPipeline } from '../../src/run/run-pipeline';
import { MemoryStore } from '../../src/store/memory-store';
import type { StageRecord } from '../../src/records';
import { hasErrorCode } from '../../src/errors';

const compiled = compilePipeline({
  name: 'chk',
  stages: [
    { id: 'a', run: () => 1 },
    { id: 'b', deps: ['a'], run: (_c, i) => (i.a as number) + 1 },
    { id: 'c', deps: ['b'], run: (_c, i) => (i.b as number) + 1 },
  ],
});

async function interruptedRun(): Promise<{ store: MemoryStore; runId: string; records: Record<string, StageRecord> }> {
  const store = new MemoryStore();
  const result = await runPipeline(compiled, { store, runId: 'run-1' });
  assert.equal(result.status, 'SUCCEEDED');
  // As if the process died while `c` ran: the run is still RUNNING and `c` too.
  await store.updateRun('run-1', { status: 'RUNNING' });
  await store.saveStage('run-1', { ...result.stages.c, status: 'RUNNING', outputHash: undefined });
  return { store, runId: 'run-1', records: await store.getStages('run-1') };
}

describe('verifyKeptCheckpoints', () => {
  describe('when the kept checkpoints agree', () => {
    it('resumes, keeping the completed stages and deciding again only for the interrupted one', async () => {
      const { store } = await interruptedRun();
      const resumed = await runPipeline(compiled, { store, resume: 'run-1' });
      assert.equal(resumed.status, 'SUCCEEDED');
      assert.deepEqual(
        Object.values(resumed.stages).map((r) => [r.stageId, r.status]),
        [
          ['a', 'SUCCEEDED'],
          ['b', 'SUCCEEDED'],
          ['c', 'CACHED'],
        ],
      );
      assert.equal(resumed.stages.c.reason, 'up to date');
      assert.equal(await store.getOutput(resumed.outputHashes.c), 3);
    });
  });

  describe('when a checkpoint saw an upstream output the run no longer holds', () => {
    it('refuses to resume with CHECKPOINT_CORRUPT naming the stage and the upstream', async () => {
      const { store, records } = await interruptedRun();
      const parts = { ...(records.b.keyParts as Record<string, string>), 'upstream:a': 'f'.repeat(64) };
      await store.saveStage('run-1', { ...records.b, keyParts: parts, cacheKey: cacheKey(parts) });
      await assert.rejects(runPipeline(compiled, { store, resume: 'run-1' }), (e: unknown) => {
        assert.ok(hasErrorCode(e, 'CHECKPOINT_CORRUPT'));
        assert.equal(e.stageId, 'b');
        assert.match(e.message, /checkpoint of stage `b` in run run-1 .*saw upstream `a` output ffffffffffff, but the run's checkpoint of `a` holds output [0-9a-f]{12}/);
        return true;
      });
    });
  });

  describe('when a checkpoint key is not the hash of its recorded state', () => {
    it('throws CHECKPOINT_CORRUPT naming the stage', () => {
      const b: StageRecord = {
        stageId: 'b',
        status: 'SUCCEEDED',
        attempts: 1,
        idempotencyKey: 'k',
        cacheKey: 'not-the-hash',
        keyParts: { code: 'code:x' },
        outputHash: 'h',
        usage: {},
        validation: [],
        attemptLog: [],
      };
      assert.throws(() => verifyKeptCheckpoints(compiled.plan, 'run-9', { b }, {}), /checkpoint of stage `b` in run run-9 .*recorded key not-the-hash is not the hash of its recorded state/);
    });
  });
});
