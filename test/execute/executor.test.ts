import assert from 'node:assert/strict';
import { systemClock } from '../../src/clock';
import type { StageContext, StageInputs } from '../../src/definition/types';
import { attemptExecutorFor, localExecutor, threadExecutor, type AttemptRequest } from '../../src/execute/executor';
import type { PlanStage } from '../../src/plan/plan';
import { testStageContext } from '../stage-context';
import { planStage } from './fixtures';
import { THREAD_STAGES } from './fixtures/thread-stages';

function request(stage: PlanStage, run: AttemptRequest['run']): AttemptRequest {
  return {
    stage,
    run,
    ...(stage.fnPath === undefined ? {} : { fnPath: stage.fnPath }),
    context: testStageContext({ stageId: stage.id, params: { n: 2 }, secret: (name) => `secret ${name}` }),
    inputs: { upstream: [1, 2, 3] },
    secrets: { api_key: 'sk-1' },
    resources: [],
    graceMs: 100,
    clock: systemClock,
  };
}

describe('attemptExecutorFor', () => {
  describe('when the stage has no isolation', () => {
    it('runs its attempts locally', () => {
      assert.equal(attemptExecutorFor(planStage('a')).kind, 'local');
    });
  });

  describe('when the stage has `isolation: thread`', () => {
    it('runs its attempts in a worker thread', () => {
      assert.equal(attemptExecutorFor(planStage('a', { isolation: 'thread' })).kind, 'thread');
    });
  });
});

describe('localExecutor', () => {
  describe('when the stage returns', () => {
    it('calls the function with the attempt context and inputs and settles with its value', async () => {
      const seen: { ctx?: StageContext; inputs?: StageInputs } = {};
      const req = request(planStage('a'), (ctx, inputs) => {
        seen.ctx = ctx;
        seen.inputs = inputs;
        return { sum: 6 };
      });
      assert.deepEqual(await localExecutor.runAttempt(req), { sum: 6 });
      assert.equal(seen.ctx, req.context);
      assert.equal(seen.inputs, req.inputs);
    });
  });

  describe('when the stage throws synchronously', () => {
    it('rejects with its error', async () => {
      const req = request(planStage('a'), () => {
        throw new Error('broken 1');
      });
      await assert.rejects(localExecutor.runAttempt(req), { message: 'broken 1' });
    });
  });
});

describe('threadExecutor', () => {
  describe('when the stage has a module function', () => {
    it('runs it off the main thread with the attempt fields and inputs', async () => {
      const stage = planStage('echo', { isolation: 'thread', fnPath: `${THREAD_STAGES}#echo` });
      const output = await threadExecutor.runAttempt(request(stage, () => assert.fail('the main-thread function must not run')));
      assert.deepEqual(output, {
        runId: 'run-1',
        stageId: 'echo',
        attempt: 1,
        idempotencyKey: 'key',
        params: { n: 2 },
        inputs: { upstream: [1, 2, 3] },
        secret: 'sk-1',
        isMainThread: false,
      });
    });
  });
});
