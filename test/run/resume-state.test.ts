import { strict as assert } from 'node:assert';
import { hasErrorCode } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';
import type { StageRecord } from '../../src/records';
import { interruptedAttempt, loadResumeState } from '../../src/run/resume-state';
import { runPipeline } from '../../src/run/run-pipeline';
import { MemoryStore } from '../../src/store/memory-store';

const RUNNING: StageRecord = {
  stageId: 'fetch',
  status: 'RUNNING',
  attempts: 1,
  idempotencyKey: 'k',
  usage: {},
  validation: [],
  attemptLog: [{ attempt: 1, startedAt: 1000, durationMs: 5, outcome: 'failed', code: 'STAGE_FAILED', delayMs: 1000 }],
};

describe('interruptedAttempt', () => {
  describe('when the stage was RUNNING after one failed attempt of three', () => {
    it('re-runs attempt 2 (the interrupted one), keeping the failed attempt in the log', () => {
      assert.deepEqual(interruptedAttempt(RUNNING, 3), {
        attempt: 2,
        reason: 'resumed after interruption of attempt 2',
        attemptLog: RUNNING.attemptLog,
      });
    });
  });

  describe('when the stage was RUNNING its first attempt', () => {
    it('re-runs attempt 1', () => {
      assert.equal(interruptedAttempt({ ...RUNNING, attempts: 0, attemptLog: [] }, 3)?.attempt, 1);
    });
  });

  describe('when its failed attempts had used up maxAttempts', () => {
    it('is not an interruption: the stage runs afresh, as a failed stage does', () => {
      assert.equal(interruptedAttempt({ ...RUNNING, attempts: 3 }, 3), undefined);
    });
  });

  describe('when the stage has no record or ended', () => {
    it('is not an interruption', () => {
      assert.equal(interruptedAttempt(undefined, 3), undefined);
      for (const status of ['SUCCEEDED', 'FAILED', 'CANCELLED', 'BLOCKED'] as const) assert.equal(interruptedAttempt({ ...RUNNING, status }, 3), undefined, status);
    });
  });
});

describe('loadResumeState', () => {
  const compiled = compilePipeline({
    name: 'rs',
    stages: [
      { id: 'a', run: (ctx) => { ctx.log('a ran'); return 1; } },
      { id: 'b', deps: ['a'], run: (_c, i) => (i.a as number) + 1 },
    ],
  });

  describe('when a run stopped with one stage done and one RUNNING', () => {
    it('keeps the done stage, hands back every record and numbers events on from the log', async () => {
      const store = new MemoryStore();
      const first = await runPipeline(compiled, { store, runId: 'run-1' });
      await store.updateRun('run-1', { status: 'RUNNING' });
      await store.saveStage('run-1', { ...first.stages.b, status: 'RUNNING', outputHash: undefined });
      const events = await store.readEvents('run-1');
      const state = await loadResumeState(store, 'run-1', ['a', 'b']);
      assert.deepEqual(Object.keys(state.kept), ['a']);
      assert.equal(state.records.b.status, 'RUNNING');
      assert.equal(state.run.runId, 'run-1');
      assert.equal(state.nextSeq, events.length + 1);
    });
  });

  describe('when the kept stage\'s output is gone', () => {
    it('keeps nothing', async () => {
      const store = new MemoryStore();
      const first = await runPipeline(compiled, { store, runId: 'run-1' });
      await store.saveStage('run-1', { ...first.stages.a, outputHash: 'f'.repeat(64) });
      assert.deepEqual(Object.keys((await loadResumeState(store, 'run-1', ['a'])).kept), []);
    });
  });

  describe('when the run is not stored', () => {
    it('rejects with INVALID_OPTION naming the run', async () => {
      await assert.rejects(loadResumeState(new MemoryStore(), 'run-x', ['a']), (e: unknown) =>
        hasErrorCode(e, 'INVALID_OPTION') && e.message === 'Expected `resume` to name a stored run, got `run-x`');
    });
  });
});

describe('runPipeline resuming a stage a crash interrupted', () => {
  describe('when its attempt 1 had failed and attempt 2 was running', () => {
    it('runs attempt 2 again (not 3), says so in STEP_START and the record, and counts 2 attempts', async () => {
      const attempts: number[] = [];
      const compiled = compilePipeline({
        name: 'resume-attempt',
        stages: [{ id: 'fetch', retry: { maxAttempts: 3, baseDelayMs: 0 }, run: (ctx) => { attempts.push(ctx.attempt); return ctx.attempt; } }],
      });
      const store = new MemoryStore();
      await store.beginRun({ runId: 'run-1', pipeline: 'resume-attempt', status: 'RUNNING', stages: ['fetch'], startedAt: 0, usage: {} });
      await store.saveStage('run-1', RUNNING);
      const messages: string[] = [];
      const result = await runPipeline(compiled, { store, resume: 'run-1', listeners: [(e) => { if (e.type === 'STEP_START') messages.push(e.message); }] });
      assert.equal(result.status, 'SUCCEEDED');
      assert.deepEqual(attempts, [2]);
      assert.deepEqual(messages, ['Stage `fetch` attempt 2 of 3 (resumed after interruption of attempt 2)']);
      const record = result.stages.fetch;
      assert.equal(record.attempts, 2);
      assert.equal(record.reason, 'resumed after interruption of attempt 2');
      assert.deepEqual(record.attemptLog.map((a) => [a.attempt, a.outcome]), [[1, 'failed'], [2, 'succeeded']]);
      assert.equal(await store.getOutput(record.outputHash as string), 2);
    });
  });
});
