import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock';
import type { StageContext, StageFn, ValidationRule } from '../../src/definition/types';
import { DagbookError, NonRetryableError, type ErrorClass } from '../../src/errors';
import type { Emit, EventType } from '../../src/events/event';
import { BudgetLedger } from '../../src/execute/budget';
import { BreakerRegistry, type BreakerStateChange } from '../../src/execute/circuit-breaker';
import { idempotencyKey } from '../../src/execute/idempotency';
import { createRedactor } from '../../src/execute/redact';
import { executeStage, type ExecuteStageOptions, type StageOutcome } from '../../src/execute/stage-executor';
import type { PlanStage } from '../../src/plan/plan';
import { seededRandom } from '../../src/random';
import { planStage } from './fixtures';

/** 2024-12-02T10:30:45.000Z */
const T0 = Date.UTC(2024, 11, 2, 10, 30, 45);
const SECRET = 'sk-live-0123456789';

interface Recorded {
  readonly type: EventType;
  readonly stageId?: string;
  readonly level?: string;
  readonly message: string;
  readonly metadata: Record<string, unknown>;
  readonly correlationId?: string;
}

interface Harness {
  readonly clock: ManualClock;
  readonly events: Recorded[];
  readonly controller: AbortController;
  readonly breakerChanges: BreakerStateChange[];
  readonly budget: BudgetLedger;
  readonly breakers: BreakerRegistry;
  /** Starts the execution without moving the clock. */
  start(): Promise<StageOutcome>;
  /** Starts the execution and drives the clock until it ends. */
  run(): Promise<StageOutcome>;
}

function harness(
  stage: PlanStage,
  run: StageFn,
  extra: Partial<ExecuteStageOptions> & { validate?: readonly ValidationRule[]; classify?: (e: unknown) => ErrorClass | undefined } = {},
): Harness {
  const clock = new ManualClock(T0);
  const events: Recorded[] = [];
  const breakerChanges: BreakerStateChange[] = [];
  const controller = new AbortController();
  const emit: Emit = (type, draft) => {
    events.push({ type, ...draft } as Recorded);
  };
  const budget = extra.budget ?? new BudgetLedger();
  const breakers = extra.breakers ?? new BreakerRegistry({ clock, onStateChange: (c) => breakerChanges.push(c) });
  const { validate, classify, ...rest } = extra;
  const start = (): Promise<StageOutcome> =>
    executeStage({
      runId: 'run-1',
      stage,
      entry: { run, validate: validate ?? [], classify },
      inputs: { upstream: 1 },
      clock,
      random: seededRandom(42),
      breakers,
      budget,
      emit,
      signal: controller.signal,
      secrets: { api_key: SECRET },
      redact: createRedactor([SECRET]),
      correlationId: 'corr-1',
      ...rest,
    });
  return { clock, events, controller, breakerChanges, budget, breakers, start, run: () => clock.runUntil(start()) };
}

/** A stage that fails (with a plain, transient Error) until attempt `okOn`. */
function flaky(okOn: number, calls: number[] = []): StageFn {
  return (ctx) => {
    calls.push(ctx.attempt);
    if (ctx.attempt < okOn) throw new Error(`upstream 503 on attempt ${ctx.attempt}`);
    return { rows: 42 };
  };
}

describe('executeStage', () => {
  describe('when a flaky stage succeeds on attempt 3', () => {
    it('retries after 1000 and 2000 ms and emits start, failure, retry ... success in order', async () => {
      const h = harness(planStage('validate_idea'), flaky(3));
      const outcome = await h.run();
      assert.equal(outcome.status, 'SUCCEEDED');
      assert.deepEqual(outcome.output, { rows: 42 });
      assert.equal(outcome.attempts, 3);
      assert.deepEqual(h.clock.sleeps, [1000, 2000]);
      assert.deepEqual(outcome.retryDelaysMs, [1000, 2000]);
      assert.deepEqual(
        h.events.map((e) => e.type),
        ['STEP_START', 'STEP_FAILURE', 'STEP_RETRY', 'STEP_START', 'STEP_FAILURE', 'STEP_RETRY', 'STEP_START', 'STEP_SUCCESS'],
      );
      assert.deepEqual(
        h.events.filter((e) => e.type === 'STEP_FAILURE').map((e) => e.metadata),
        [
          { attempt: 1, durationMs: 0, code: 'STAGE_FAILED', errorClass: 'transient', final: false },
          { attempt: 2, durationMs: 0, code: 'STAGE_FAILED', errorClass: 'transient', final: false },
        ],
      );
      assert.deepEqual(
        h.events.filter((e) => e.type === 'STEP_RETRY').map((e) => e.metadata),
        [
          { attempt: 1, nextAttempt: 2, delayMs: 1000, code: 'STAGE_FAILED' },
          { attempt: 2, nextAttempt: 3, delayMs: 2000, code: 'STAGE_FAILED' },
        ],
      );
      // The stage's whole duration (its record's figure) includes the two backoff waits.
      assert.deepEqual(h.events.at(-1)?.metadata, { attempt: 3, durationMs: 0, stageDurationMs: 3000, usage: {} });
      assert.deepEqual(outcome.attemptLog, [
        { attempt: 1, startedAt: T0, durationMs: 0, outcome: 'failed', code: 'STAGE_FAILED', delayMs: 1000 },
        { attempt: 2, startedAt: T0 + 1000, durationMs: 0, outcome: 'failed', code: 'STAGE_FAILED', delayMs: 2000 },
        { attempt: 3, startedAt: T0 + 3000, durationMs: 0, outcome: 'succeeded' },
      ]);
      assert.equal(outcome.startedAt, T0);
      assert.equal(outcome.endedAt, T0 + 3000);
      assert.equal(outcome.durationMs, 3000);
    });

    it('tags every event with the stage id and the correlation id', async () => {
      const h = harness(planStage('validate_idea'), flaky(2));
      await h.run();
      assert.deepEqual(
        [...new Set(h.events.map((e) => `${e.stageId}/${e.correlationId}`))],
        ['validate_idea/corr-1'],
      );
    });

    it('hands every attempt the same idempotency key, also in STEP_START', async () => {
      const keys: string[] = [];
      const stage = planStage('ingest_data', { params: { sources: ['trends'], batch_size: 100 } });
      const h = harness(stage, (ctx) => {
        keys.push(ctx.idempotencyKey);
        if (ctx.attempt < 2) throw new Error('flaky');
        return null;
      });
      const outcome = await h.run();
      const expected = idempotencyKey('run-1', stage);
      assert.deepEqual(keys, [expected, expected]);
      assert.equal(outcome.idempotencyKey, expected);
      assert.deepEqual(
        h.events.filter((e) => e.type === 'STEP_START').map((e) => e.metadata),
        [
          { attempt: 1, idempotencyKey: expected },
          { attempt: 2, idempotencyKey: expected },
        ],
      );
    });
  });

  describe('when the retry policy has jitter (SMVM validate row) and random is seededRandom(42)', () => {
    it('waits the exact jittered delays', async () => {
      const stage = planStage('validate_idea', {
        retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000, jitter: 0.1, minDelayMs: 100, retryOn: ['transient'] },
      });
      const outcome = await harness(stage, flaky(3)).run();
      assert.deepEqual(outcome.retryDelaysMs, [1020, 1979]);
    });
  });

  describe('when every attempt fails with a transient error', () => {
    it('stops after maxAttempts with a final STEP_FAILURE and the last error stored', async () => {
      const calls: number[] = [];
      const h = harness(planStage('validate_idea'), flaky(99, calls));
      const outcome = await h.run();
      assert.deepEqual(calls, [1, 2, 3]);
      assert.equal(outcome.status, 'FAILED');
      assert.equal(outcome.attempts, 3);
      assert.deepEqual(h.clock.sleeps, [1000, 2000]);
      assert.deepEqual(
        h.events.filter((e) => e.type === 'STEP_FAILURE').map((e) => [e.metadata.final, e.level]),
        [
          [false, 'WARN'],
          [false, 'WARN'],
          [true, 'ERROR'],
        ],
      );
      assert.equal(outcome.error?.code, 'STAGE_FAILED');
      assert.equal(outcome.error?.errorClass, 'transient');
      assert.equal(outcome.error?.message, 'upstream 503 on attempt 3');
    });
  });

  describe('when the stage throws NonRetryableError', () => {
    it('runs once and fails with NON_RETRYABLE, even if its class is in retryOn', async () => {
      const calls: number[] = [];
      const stage = planStage('validate_idea', {
        retry: { ...planStage('x').retry, retryOn: ['transient', 'persistent'] },
      });
      const h = harness(stage, (ctx) => {
        calls.push(ctx.attempt);
        throw new NonRetryableError('idea text is empty');
      });
      const outcome = await h.run();
      assert.deepEqual(calls, [1]);
      assert.deepEqual(h.clock.sleeps, []);
      assert.equal(outcome.status, 'FAILED');
      assert.equal(outcome.attempts, 1);
      assert.deepEqual(
        { code: outcome.error?.code, errorClass: outcome.error?.errorClass, message: outcome.error?.message },
        { code: 'NON_RETRYABLE', errorClass: 'persistent', message: 'idea text is empty' },
      );
      assert.deepEqual(
        h.events.map((e) => [e.type, e.metadata.final]),
        [
          ['STEP_START', undefined],
          ['STEP_FAILURE', true],
        ],
      );
    });
  });

  describe('when the stage has a bug (TypeError)', () => {
    it('classes it as logic and does not retry it under the default retryOn', async () => {
      const outcome = await harness(planStage('analyze_results'), () => {
        throw new TypeError('cannot read properties of undefined');
      }).run();
      assert.equal(outcome.attempts, 1);
      assert.equal(outcome.error?.errorClass, 'logic');
    });

    it('uses the stage\'s own classifier first', async () => {
      const outcome = await harness(
        planStage('analyze_results'),
        flaky(2),
        { classify: () => 'persistent' },
      ).run();
      assert.equal(outcome.status, 'FAILED');
      assert.equal(outcome.attempts, 1);
      assert.equal(outcome.error?.errorClass, 'persistent');
    });
  });

  describe('when an attempt ignores its abort signal past its timeout', () => {
    it('fails it with STAGE_TIMEOUT after timeoutMs + graceMs, and retries it', async () => {
      const stage = planStage('ingest_data', {
        timeoutMs: 5000,
        graceMs: 1000,
        retry: { ...planStage('x').retry, maxAttempts: 2 },
      });
      const h = harness(stage, () => new Promise(() => {}));
      const outcome = await h.run();
      assert.equal(outcome.status, 'FAILED');
      assert.deepEqual(h.clock.sleeps, [5000, 1000, 1000, 5000, 1000]);
      assert.deepEqual(outcome.attemptLog, [
        { attempt: 1, startedAt: T0, durationMs: 6000, outcome: 'failed', code: 'STAGE_TIMEOUT', delayMs: 1000 },
        { attempt: 2, startedAt: T0 + 7000, durationMs: 6000, outcome: 'failed', code: 'STAGE_TIMEOUT' },
      ]);
      assert.equal(outcome.endedAt, T0 + 13_000);
      assert.deepEqual(
        { code: outcome.error?.code, errorClass: outcome.error?.errorClass, message: outcome.error?.message },
        {
          code: 'STAGE_TIMEOUT',
          errorClass: 'transient',
          message:
            'Stage `ingest_data` timed out after 5000 ms (timeoutMs); it ignored its abort signal and was abandoned after a further 1000 ms grace',
        },
      );
    });

    it('drops progress and logs the abandoned attempt sends after it ended', async () => {
      let late: StageContext | undefined;
      const stage = planStage('ingest_data', { timeoutMs: 100, graceMs: 0, retry: { ...planStage('x').retry, maxAttempts: 1 } });
      const h = harness(stage, (ctx) => {
        late = ctx;
        return new Promise(() => {});
      });
      await h.run();
      const count = h.events.length;
      late?.progress(1, 2);
      late?.log('still here');
      assert.equal(h.events.length, count);
    });
  });

  describe('when the global budget is already used up', () => {
    it('fails with BUDGET_EXHAUSTED without running the stage', async () => {
      const budget = new BudgetLedger({ budgets: { tokens: { limit: 10_000, criticalRatio: 0.8 } } });
      budget.record('run_simulation', 'tokens', 10_000);
      let ran = false;
      const h = harness(planStage('generate_report'), () => {
        ran = true;
      }, { budget });
      const outcome = await h.run();
      assert.equal(ran, false);
      assert.equal(outcome.status, 'FAILED');
      assert.equal(outcome.attempts, 0);
      assert.deepEqual(outcome.error?.code, 'BUDGET_EXHAUSTED');
      assert.equal(
        outcome.error?.message,
        "Stage `generate_report` was not started: the run's global `tokens` budget is used up (used 10000 of 10000)",
      );
      assert.deepEqual(
        h.events.map((e) => [e.type, e.metadata]),
        [['STEP_FAILURE', { attempt: 1, durationMs: 0, stageDurationMs: 0, code: 'BUDGET_EXHAUSTED', errorClass: 'resource', final: true }]],
      );
    });
  });

  describe('when the stage uses more than its budget through ctx.usage', () => {
    it('emits RESOURCE_USAGE, fails with BUDGET_EXHAUSTED and does not retry, even with resource in retryOn', async () => {
      const stage = planStage('validate_idea', {
        budgets: { tokens: 500 },
        retry: { ...planStage('x').retry, retryOn: ['transient', 'resource'] },
      });
      const budget = BudgetLedger.fromPlan({
        name: 'p',
        stages: { validate_idea: stage },
        order: ['validate_idea'],
        roots: ['validate_idea'],
        maxParallel: 1,
        failurePolicy: 'fail-fast',
        budgets: { tokens: { limit: 10_000, criticalRatio: 0.8 } },
        secretNames: [],
      });
      const remaining: number[] = [];
      const h = harness(stage, (ctx) => {
        remaining.push(ctx.remaining('tokens'));
        ctx.usage('tokens', 300);
        remaining.push(ctx.remaining('tokens'));
        ctx.usage('tokens', 300);
        return 'unreachable';
      }, { budget });
      const outcome = await h.run();
      assert.deepEqual(remaining, [500, 200]);
      assert.equal(outcome.status, 'FAILED');
      assert.equal(outcome.attempts, 1);
      assert.deepEqual(outcome.usage, { tokens: 600 });
      assert.equal(outcome.error?.message, 'Stage `validate_idea` exhausted its `tokens` budget: used 600 of 500');
      assert.deepEqual(
        h.events.filter((e) => e.type === 'RESOURCE_USAGE').map((e) => e.metadata),
        [
          { resource: 'tokens', amount: 300, stageUsed: 300, stageLimit: 500, globalUsed: 300, globalLimit: 10_000 },
          { resource: 'tokens', amount: 300, stageUsed: 600, stageLimit: 500, globalUsed: 600, globalLimit: 10_000 },
        ],
      );
    });
  });

  describe('when the stage\'s circuit breaker is open', () => {
    it('fails fast with CIRCUIT_OPEN and the half-open time, without running the stage', async () => {
      const clock0 = new ManualClock(T0);
      const breakers = new BreakerRegistry({
        clock: clock0,
        snapshots: { llm: { state: 'OPEN', failures: 3, openedAt: T0 - 60_000 } },
      });
      let ran = false;
      const stage = planStage('synthesize_personas', { breaker: { key: 'llm', failureThreshold: 3, recoveryTimeoutMs: 300_000 } });
      const outcome = await harness(stage, () => {
        ran = true;
      }, { breakers }).run();
      assert.equal(ran, false);
      assert.equal(outcome.status, 'FAILED');
      assert.equal(outcome.halfOpenAt, T0 + 240_000);
      assert.equal(outcome.error?.code, 'CIRCUIT_OPEN');
      assert.equal(outcome.error?.message, 'Circuit breaker `llm` is open; it half-opens at 2024-12-02T10:34:45.000Z');
      assert.deepEqual(outcome.error?.data, { key: 'llm', halfOpenAt: '2024-12-02T10:34:45.000Z', halfOpenAtMs: T0 + 240_000 });
    });

    it('opens mid-retry when failures reach the threshold, and the next attempt fails fast', async () => {
      const calls: number[] = [];
      const stage = planStage('analyze_results', { breaker: { key: 'analyze', failureThreshold: 2, recoveryTimeoutMs: 600_000 } });
      const h = harness(stage, flaky(99, calls));
      const outcome = await h.run();
      assert.deepEqual(calls, [1, 2]);
      assert.equal(outcome.attempts, 2);
      assert.equal(outcome.error?.code, 'CIRCUIT_OPEN');
      assert.equal(outcome.halfOpenAt, T0 + 1000 + 600_000);
      assert.deepEqual(
        h.breakerChanges.map((c) => [c.from, c.to, c.failures, c.stageId]),
        [['CLOSED', 'OPEN', 2, 'analyze_results']],
      );
    });
  });

  describe('when the output fails validation rules', () => {
    const rules: ValidationRule[] = [
      { name: 'has_rows', check: (o) => (o as { rows: number }).rows > 0 },
      { name: 'few_nulls', severity: 'warning', check: () => 'null ratio 0.3 > 0.1' },
      { name: 'schema', check: () => { throw new Error('schema file missing'); } },
      { name: 'bool_false', severity: 'warning', check: () => false },
    ];

    it('emits VALIDATION_ERROR per failed rule (WARN for warning, ERROR for error) and still succeeds', async () => {
      const h = harness(planStage('analyze_results'), () => ({ rows: 3 }), { validate: rules });
      const outcome = await h.run();
      assert.equal(outcome.status, 'SUCCEEDED');
      assert.deepEqual(outcome.validation, [
        { rule: 'has_rows', severity: 'error', passed: true },
        { rule: 'few_nulls', severity: 'warning', passed: false, detail: 'null ratio 0.3 > 0.1' },
        { rule: 'schema', severity: 'error', passed: false, detail: 'check threw: schema file missing' },
        { rule: 'bool_false', severity: 'warning', passed: false },
      ]);
      assert.deepEqual(
        h.events.filter((e) => e.type === 'VALIDATION_ERROR').map((e) => [e.level, e.metadata.rule]),
        [
          ['WARN', 'few_nulls'],
          ['ERROR', 'schema'],
          ['WARN', 'bool_false'],
        ],
      );
    });

    it('fails with STAGE_VALIDATION_FAILED, not retried, when failOnValidationError is set', async () => {
      const calls: number[] = [];
      const h = harness(
        planStage('analyze_results', { failOnValidationError: true }),
        (ctx) => {
          calls.push(ctx.attempt);
          return { rows: 0 };
        },
        { validate: rules },
      );
      const outcome = await h.run();
      assert.deepEqual(calls, [1]);
      assert.equal(outcome.status, 'FAILED');
      assert.equal(outcome.output, undefined);
      assert.deepEqual(
        { code: outcome.error?.code, errorClass: outcome.error?.errorClass, message: outcome.error?.message },
        {
          code: 'STAGE_VALIDATION_FAILED',
          errorClass: 'persistent',
          message: 'Stage `analyze_results` output failed validation: `has_rows`, `schema` (check threw: schema file missing)',
        },
      );
      assert.equal(h.events.at(-1)?.type, 'STEP_FAILURE');
    });

    it('does not fail on warning-severity failures alone', async () => {
      const outcome = await harness(planStage('analyze_results', { failOnValidationError: true }), () => ({ rows: 1 }), {
        validate: [rules[1]],
      }).run();
      assert.equal(outcome.status, 'SUCCEEDED');
    });
  });

  describe('when the stage handles secrets', () => {
    it('never lets a secret value reach an event, the stored error or the output', async () => {
      const stage = planStage('ingest_data', {
        params: { token: 'param-secret-value', batch: 1 },
        secretParams: ['token'],
      });
      const h = harness(stage, (ctx) => {
        const key = ctx.secret('api_key');
        ctx.log(`calling with ${key}`, { header: `Bearer ${key}`, token: ctx.params.token });
        ctx.progress(1, 2, `using ${key}`);
        if (ctx.attempt === 1) throw new Error(`401 for key ${key} and ${String(ctx.params.token)}`);
        return { echoed: key };
      });
      const outcome = await h.run();
      assert.equal(outcome.status, 'SUCCEEDED');
      assert.deepEqual(outcome.output, { echoed: '***' });
      const text = JSON.stringify(h.events);
      assert.ok(!text.includes(SECRET), text);
      assert.ok(!text.includes('param-secret-value'), text);
      assert.ok(text.includes('calling with ***'));
      assert.equal(h.events.find((e) => e.type === 'STEP_FAILURE')?.message, 'Stage `ingest_data` attempt 1 of 3 failed (transient): 401 for key *** and ***');
    });

    it('redacts the stored error message and stack', async () => {
      const outcome = await harness(planStage('ingest_data'), (ctx) => {
        throw new NonRetryableError(`rejected ${ctx.secret('api_key')}`);
      }).run();
      assert.equal(outcome.error?.message, 'rejected ***');
      assert.ok(outcome.error?.stack?.includes('rejected ***'));
      assert.ok(!JSON.stringify(outcome).includes(SECRET));
    });

    it('fails naming an unknown secret and the known ones', async () => {
      const outcome = await harness(planStage('ingest_data'), (ctx) => ctx.secret('db_password')).run();
      assert.equal(outcome.attempts, 1);
      assert.deepEqual(
        { code: outcome.error?.code, errorClass: outcome.error?.errorClass, message: outcome.error?.message },
        {
          code: 'INVALID_OPTION',
          errorClass: 'persistent',
          message: 'Stage `ingest_data` asked for unknown secret `db_password`; known secrets: `api_key`',
        },
      );
    });
  });

  describe('when the stage reports progress and logs', () => {
    it('emits STEP_PROGRESS and LOG and tells onProgress', async () => {
      const progress: unknown[] = [];
      const h = harness(
        planStage('run_simulation'),
        (ctx) => {
          ctx.progress(3, 10, 'year 2026');
          ctx.progress(10, 10);
          ctx.log('done simulating', { years: 10 });
          return 1;
        },
        { onProgress: (p) => progress.push(p) },
      );
      await h.run();
      assert.deepEqual(
        h.events.filter((e) => e.type === 'STEP_PROGRESS' || e.type === 'LOG').map((e) => [e.type, e.message, e.metadata]),
        [
          ['STEP_PROGRESS', 'year 2026', { done: 3, total: 10 }],
          ['STEP_PROGRESS', '10/10', { done: 10, total: 10 }],
          ['LOG', 'done simulating', { years: 10 }],
        ],
      );
      assert.deepEqual(progress, [{ done: 3, total: 10, message: 'year 2026' }, { done: 10, total: 10 }]);
    });
  });

  describe('when the run is cancelled', () => {
    it('during a backoff wait: ends CANCELLED without another attempt', async () => {
      const calls: number[] = [];
      const h = harness(planStage('validate_idea'), flaky(99, calls));
      const done = h.start();
      await h.clock.advance(500);
      h.controller.abort(new Error('user pressed stop'));
      const outcome = await h.clock.runUntil(done);
      assert.deepEqual(calls, [1]);
      assert.equal(outcome.status, 'CANCELLED');
      assert.equal(outcome.attempts, 1);
      assert.equal(outcome.error?.code, 'STAGE_CANCELLED');
      assert.deepEqual(h.events.at(-1), {
        type: 'CANCELLED',
        stageId: 'validate_idea',
        correlationId: 'corr-1',
        level: 'WARN',
        message: 'Stage `validate_idea` was cancelled: user pressed stop',
        metadata: { reason: 'user pressed stop' },
      });
    });

    it('during an attempt: aborts its signal and ends CANCELLED, releasing the breaker probe', async () => {
      const stage = planStage('synthesize_personas', { breaker: { key: 'llm', failureThreshold: 1, recoveryTimeoutMs: 1000 } });
      const h = harness(stage, (ctx) => ctx.clock.sleep(60_000, ctx.signal));
      const done = h.start();
      await h.clock.advance(2000);
      h.controller.abort();
      const outcome = await h.clock.runUntil(done);
      assert.equal(outcome.status, 'CANCELLED');
      assert.deepEqual(outcome.attemptLog, [{ attempt: 1, startedAt: T0, durationMs: 2000, outcome: 'failed', code: 'STAGE_CANCELLED' }]);
      assert.deepEqual(h.breakers.snapshots(), { llm: { state: 'CLOSED', failures: 0, openedAt: null } });
    });
  });

  describe('when resumed with firstAttempt', () => {
    it('numbers attempts from there and gives up at maxAttempts', async () => {
      const calls: number[] = [];
      const outcome = await harness(planStage('validate_idea'), flaky(99, calls), { firstAttempt: 2 }).run();
      assert.deepEqual(calls, [2, 3]);
      assert.equal(outcome.attempts, 3);
      assert.deepEqual(outcome.retryDelaysMs, [2000]);
    });

    it('still makes one attempt when firstAttempt is past maxAttempts', async () => {
      const calls: number[] = [];
      const outcome = await harness(planStage('validate_idea'), flaky(99, calls), { firstAttempt: 5 }).run();
      assert.deepEqual(calls, [5]);
      assert.equal(outcome.status, 'FAILED');
    });

    it('rejects a firstAttempt that is not an integer >= 1', async () => {
      await assert.rejects(
        harness(planStage('validate_idea'), flaky(1), { firstAttempt: 0 }).run(),
        (e: unknown) => e instanceof DagbookError && e.message === 'Expected `firstAttempt` to be an integer >= 1, got `0`',
      );
    });
  });

  describe('when the success is stored and committed', () => {
    it('stores the redacted output, commits the outcome with its hash, and only then emits STEP_SUCCESS', async () => {
      const order: string[] = [];
      const h = harness(planStage('ingest_data'), (ctx) => ({ key: ctx.secret('api_key') }), {
        storeOutput: async (output) => {
          order.push(`store ${JSON.stringify(output)}`);
          return 'hash-1';
        },
        commitSuccess: async (outcome) => {
          order.push(`commit ${outcome.status} ${outcome.outputHash} events ${h.events.map((e) => e.type).join(',')}`);
        },
      });
      const outcome = await h.run();
      assert.deepEqual(order, ['store {"key":"***"}', 'commit SUCCEEDED hash-1 events STEP_START']);
      assert.equal(outcome.outputHash, 'hash-1');
      assert.deepEqual(h.events.map((e) => [e.type, e.metadata]), [
        ['STEP_START', { attempt: 1, idempotencyKey: outcome.idempotencyKey }],
        ['STEP_SUCCESS', { attempt: 1, durationMs: 0, stageDurationMs: 0, outputHash: 'hash-1', usage: {} }],
      ]);
    });

    it('rejects, with no STEP_SUCCESS, when the commit fails (the run cannot record its state)', async () => {
      const h = harness(planStage('ingest_data'), () => 1, {
        storeOutput: async () => 'hash-1',
        commitSuccess: async () => {
          throw new DagbookError('STATE_CORRUPT', 'no space left on device');
        },
      });
      await assert.rejects(h.start(), /no space left on device/);
      assert.deepEqual(h.events.map((e) => e.type), ['STEP_START']);
    });
  });

  describe('when the output cannot be stored', () => {
    it('fails the stage with the store\'s error, once, without retrying or committing', async () => {
      const calls: number[] = [];
      let committed = false;
      const h = harness(planStage('ingest_data'), (ctx) => (calls.push(ctx.attempt), { at: new Map() }), {
        storeOutput: async () => {
          throw new DagbookError('INVALID_OPTION', 'Output at `at` cannot be stored', { errorClass: 'persistent' });
        },
        commitSuccess: async () => {
          committed = true;
        },
      });
      const outcome = await h.run();
      assert.deepEqual(calls, [1]);
      assert.equal(committed, false);
      assert.equal(outcome.status, 'FAILED');
      assert.equal(outcome.attempts, 1);
      assert.deepEqual(
        { code: outcome.error?.code, errorClass: outcome.error?.errorClass, message: outcome.error?.message },
        { code: 'INVALID_OPTION', errorClass: 'persistent', message: 'Output at `at` cannot be stored' },
      );
      assert.deepEqual(h.events.map((e) => [e.type, e.level, e.message, e.metadata]).at(-1), [
        'STEP_FAILURE',
        'ERROR',
        'Stage `ingest_data` output could not be stored: Output at `at` cannot be stored',
        { attempt: 1, durationMs: 0, stageDurationMs: 0, code: 'INVALID_OPTION', errorClass: 'persistent', final: true },
      ]);
    });
  });

  describe('when resuming an attempt a crash interrupted', () => {
    it('makes that attempt again and says so in its STEP_START only', async () => {
      const h = harness(planStage('validate_idea'), flaky(3), { firstAttempt: 2, resumedAfterInterruption: true });
      const outcome = await h.run();
      assert.equal(outcome.attempts, 3);
      assert.deepEqual(h.events.filter((e) => e.type === 'STEP_START').map((e) => e.message), [
        'Stage `validate_idea` attempt 2 of 3 (resumed after interruption of attempt 2)',
        'Stage `validate_idea` attempt 3 of 3',
      ]);
    });
  });
});
