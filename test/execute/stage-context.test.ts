import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock';
import { hasErrorCode } from '../../src/errors';
import type { Emit } from '../../src/events/event';
import { BudgetLedger } from '../../src/execute/budget';
import { createRedactor } from '../../src/execute/redact';
import { createStageContext, type StageContextOptions } from '../../src/execute/stage-context';

function context(overrides: Partial<StageContextOptions> = {}) {
  const events: { type: string; message: string; metadata: unknown; level?: string }[] = [];
  const emit: Emit = (type, draft) => {
    events.push({ type, message: draft.message, metadata: draft.metadata, ...(draft.level ? { level: draft.level } : {}) });
  };
  const budget = new BudgetLedger({ stageBudgets: { ingest_data: { tokens: 2000 } } });
  const ctx = createStageContext({
    runId: 'run-1',
    stageId: 'ingest_data',
    attempt: 2,
    idempotencyKey: 'key-1',
    params: { batch_size: 100 },
    signal: new AbortController().signal,
    clock: new ManualClock(),
    budget,
    secrets: { api_key: 'sk-abcdef' },
    redact: createRedactor(['sk-abcdef']),
    emit,
    isLive: () => true,
    ...overrides,
  });
  return { ctx, events, budget };
}

describe('createStageContext', () => {
  describe('when the stage reads its identity', () => {
    it('exposes run, stage, attempt, key and params', () => {
      const { ctx } = context();
      assert.deepEqual(
        [ctx.runId, ctx.stageId, ctx.attempt, ctx.idempotencyKey, ctx.params],
        ['run-1', 'ingest_data', 2, 'key-1', { batch_size: 100 }],
      );
    });
  });

  describe('when the run keeps its state on disk', () => {
    it("gives the pipeline's state folder as `stateDir`", () => {
      assert.equal(context({ stateDir: '/state/shop' }).ctx.stateDir, '/state/shop');
    });
  });

  describe('when the run keeps its state in memory', () => {
    it('has no `stateDir`', () => {
      assert.equal('stateDir' in context().ctx, false);
    });
  });

  describe('when the stage records usage', () => {
    it('records it in the ledger, emits RESOURCE_USAGE and updates remaining', () => {
      const { ctx, events, budget } = context();
      ctx.usage('tokens', 1500);
      assert.equal(ctx.remaining('tokens'), 500);
      assert.deepEqual(budget.stageUsage('ingest_data'), { tokens: 1500 });
      assert.deepEqual(events, [
        {
          type: 'RESOURCE_USAGE',
          message: 'Used 1500 tokens',
          metadata: { resource: 'tokens', amount: 1500, stageUsed: 1500, stageLimit: 2000, globalUsed: 1500 },
        },
      ]);
    });

    it('emits a WARN RESOURCE_USAGE and throws BUDGET_EXHAUSTED when over budget', () => {
      const { ctx, events } = context();
      assert.throws(() => ctx.usage('tokens', 2500), (e: unknown) => hasErrorCode(e, 'BUDGET_EXHAUSTED'));
      assert.equal(events[0].level, 'WARN');
    });
  });

  describe('when the stage reads a secret', () => {
    it('returns its value', () => {
      assert.equal(context().ctx.secret('api_key'), 'sk-abcdef');
    });

    it('does not mistake an Object.prototype member for a secret', () => {
      assert.throws(
        () => context().ctx.secret('toString'),
        (e: unknown) =>
          hasErrorCode(e, 'INVALID_OPTION') &&
          e.message === 'Stage `ingest_data` asked for unknown secret `toString`; known secrets: `api_key`',
      );
    });

    it('says there are none when no secret is defined', () => {
      assert.throws(
        () => context({ secrets: {} }).ctx.secret('x'),
        (e: unknown) => e instanceof Error && e.message === 'Stage `ingest_data` asked for unknown secret `x`; known secrets: (none)',
      );
    });
  });

  describe('when the attempt has ended', () => {
    it('drops progress and logs but still records usage', () => {
      const { ctx, events, budget } = context({ isLive: () => false });
      ctx.progress(1, 2);
      ctx.log('late');
      ctx.usage('tokens', 10);
      assert.deepEqual(events, []);
      assert.deepEqual(budget.stageUsage('ingest_data'), { tokens: 10 });
    });
  });

  describe('when the stage logs with a secret', () => {
    it('redacts message and metadata', () => {
      const { ctx, events } = context();
      ctx.log('key sk-abcdef', { nested: ['sk-abcdef'] });
      assert.deepEqual(events, [{ type: 'LOG', message: 'key ***', metadata: { nested: ['***'] } }]);
    });
  });
});
