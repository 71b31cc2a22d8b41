import assert from 'node:assert/strict';
import type { StageDefinition } from '../../src/definition/types';
import { DagbookError, hasErrorCode, NonRetryableError } from '../../src/errors';
import type { PipelineEvent } from '../../src/events/event';
import { compilePipeline } from '../../src/plan/compile';
import { runPipeline } from '../../src/run/run-pipeline';
import { begin, outcomes, runToEnd, T0, Timeline, trail } from './fixtures';

/** Stages without retries, so one failure is final. */
const once = { maxAttempts: 1 } as const;

describe('runPipeline', () => {
  describe('when independent branches are ready together', () => {
    it('runs them at once and ends when the slower one does', async () => {
      const t = new Timeline();
      const compiled = compilePipeline({
        name: 'branches',
        maxParallel: 4,
        stages: [
          { id: 'left', run: t.stage(100, 'L') },
          { id: 'right', run: t.stage(60, 'R') },
          { id: 'join', deps: ['left', 'right'], run: t.stage(10, 'J') },
        ],
      });
      const { result, events } = await runToEnd(compiled);
      assert.equal(result.status, 'SUCCEEDED');
      assert.deepEqual(t.marks, [
        [0, 'start', 'left'],
        [0, 'start', 'right'],
        [60, 'end', 'right'],
        [100, 'end', 'left'],
        [100, 'start', 'join'],
        [110, 'end', 'join'],
      ]);
      assert.equal(t.peak, 2);
      assert.equal(result.metrics.durationMs, 110);
      assert.equal(result.metrics.stageTimeMs, 170);
      assert.deepEqual(trail(events), [
        ['RUN_START'],
        ['STEP_START', 'left'],
        ['STEP_START', 'right'],
        ['STEP_SUCCESS', 'right'],
        ['STEP_SUCCESS', 'left'],
        ['STEP_START', 'join'],
        ['STEP_SUCCESS', 'join'],
        ['PIPELINE_COMPLETE'],
      ]);
      assert.deepEqual(
        events.map((e) => e.seq),
        [1, 2, 3, 4, 5, 6, 7, 8],
      );
    });
  });

  describe('when more stages are ready than maxParallel allows', () => {
    const fourWide = (t: Timeline, maxParallel?: number) =>
      compilePipeline({
        name: 'wide',
        ...(maxParallel === undefined ? {} : { maxParallel }),
        stages: ['a', 'b', 'c', 'd'].map((id): StageDefinition => ({ id, run: t.stage(100) })),
      });

    it('never runs more than the plan`s maxParallel at once', async () => {
      const t = new Timeline();
      const { result, events } = await runToEnd(fourWide(t, 2));
      assert.equal(t.peak, 2);
      assert.deepEqual(t.starts, ['a', 'b', 'c', 'd']);
      assert.deepEqual(
        t.marks.filter((m) => m[1] === 'start').map((m) => m[0]),
        [0, 0, 100, 100],
      );
      assert.equal(result.metrics.durationMs, 200);
      assert.deepEqual(events[0].metadata, { stages: ['a', 'b', 'c', 'd'], maxParallel: 2 });
    });

    it('takes the run option over the plan`s maxParallel', async () => {
      const t = new Timeline();
      const { result } = await runToEnd(fourWide(t, 2), { maxParallel: 1 });
      assert.equal(t.peak, 1);
      assert.equal(result.metrics.durationMs, 400);
    });
  });

  describe('when a run option is out of range', () => {
    it('rejects the run with INVALID_OPTION naming the field and the value, before anything runs', async () => {
      const t = new Timeline();
      const run = begin(compilePipeline({ name: 'wide', stages: [{ id: 'a', run: t.stage(100) }] }), { maxParallel: -1 });
      await assert.rejects(run.handle.result, (e: unknown) => hasErrorCode(e, 'INVALID_OPTION') && e.message === 'Expected `maxParallel` to be an integer >= 1, got `-1`');
      assert.deepEqual(run.events, []);
      assert.deepEqual(t.starts, []);
      assert.deepEqual(await run.store.listRuns(), []);
    });
  });

  describe('when stage durations are known from an earlier run', () => {
    it('starts the stage on the longest chain in ms first among ready stages', async () => {
      const t = new Timeline();
      // By stage count `head -> tail` (2) beats `big` (1); by known ms `big` (100) beats it (5 + 5).
      const compiled = compilePipeline({
        name: 'critical',
        maxParallel: 1,
        stages: [
          { id: 'head', run: t.stage(5) },
          { id: 'tail', deps: ['head'], run: t.stage(5) },
          { id: 'big', run: t.stage(100) },
        ],
      });
      const first = await runToEnd(compiled);
      assert.deepEqual(t.starts, ['head', 'tail', 'big']);
      t.marks.length = 0;
      await runToEnd(compiled, { store: first.store, clock: first.clock, runId: 'run-2', force: true });
      assert.deepEqual(t.starts, ['big', 'head', 'tail']);
    });
  });

  describe('when a stage fails and the policy is fail-fast', () => {
    it("starts no new stage, cancels the running ones, blocks the failed stage's dependents and cancels the rest", async () => {
      const t = new Timeline();
      const compiled = compilePipeline({
        name: 'ff',
        maxParallel: 2,
        stages: [
          {
            id: 'bad',
            retry: once,
            run: async (ctx) => {
              await ctx.clock.sleep(10, ctx.signal);
              throw new NonRetryableError('input is wrong');
            },
          },
          { id: 'slow', run: t.stage(100) },
          { id: 'afterBad', deps: ['bad'], run: t.stage(1) },
          { id: 'other', run: t.stage(1) },
          { id: 'afterSlow', deps: ['slow'], run: t.stage(1) },
        ],
      });
      const { result, events } = await runToEnd(compiled);
      assert.equal(result.status, 'FAILED');
      assert.equal(result.reason, 'stage `bad` failed');
      assert.deepEqual(t.marks, [
        [0, 'start', 'slow'],
        [10, 'end', 'slow'],
      ]);
      assert.deepEqual(outcomes(result, ['bad', 'slow', 'afterBad', 'other', 'afterSlow']), [
        ['bad', 'FAILED', 'never ran'],
        ['slow', 'CANCELLED', 'never ran'],
        ['afterBad', 'BLOCKED', 'upstream `bad` failed'],
        ['other', 'CANCELLED', 'not started: the run stopped after `bad` failed (fail-fast)'],
        ['afterSlow', 'CANCELLED', 'not started: upstream `slow` was cancelled'],
      ]);
      assert.equal(result.stages.bad.error?.code, 'NON_RETRYABLE');
      assert.equal(result.stages.slow.error?.code, 'STAGE_CANCELLED');
      assert.deepEqual(trail(events), [
        ['RUN_START'],
        ['STEP_START', 'bad'],
        ['STEP_START', 'slow'],
        ['STEP_FAILURE', 'bad'],
        ['STEP_SKIPPED', 'afterBad'],
        ['CANCELLED', 'slow'],
        ['CANCELLED', 'afterSlow'],
        ['CANCELLED', 'other'],
        ['PIPELINE_COMPLETE'],
      ]);
      assert.equal(events[5].message, 'Stage `slow` was cancelled: the run stopped after `bad` failed (fail-fast)');
      assert.deepEqual(events[8].metadata, { status: 'FAILED', durationMs: 10, counts: { FAILED: 1, BLOCKED: 1, CANCELLED: 3 } });
    });
  });

  describe('when a stage fails and the policy is keep-going', () => {
    it('finishes the independent branches and blocks the failed stage`s dependents, naming it', async () => {
      const t = new Timeline();
      const compiled = compilePipeline({
        name: 'kg',
        maxParallel: 2,
        failurePolicy: 'keep-going',
        stages: [
          {
            id: 'bad',
            retry: once,
            run: async (ctx) => {
              await ctx.clock.sleep(10, ctx.signal);
              throw new NonRetryableError('input is wrong');
            },
          },
          { id: 'slow', run: t.stage(100) },
          { id: 'afterBad', deps: ['bad'], run: t.stage(1) },
          { id: 'belowAfterBad', deps: ['afterBad', 'slow'], run: t.stage(1) },
          { id: 'other', run: t.stage(1) },
          { id: 'afterSlow', deps: ['slow'], run: t.stage(1) },
        ],
      });
      const { result, events } = await runToEnd(compiled);
      assert.equal(result.status, 'FAILED');
      assert.equal(result.reason, 'stage `bad` failed');
      assert.deepEqual(outcomes(result, ['bad', 'slow', 'afterBad', 'belowAfterBad', 'other', 'afterSlow']), [
        ['bad', 'FAILED', 'never ran'],
        ['slow', 'SUCCEEDED', 'never ran'],
        ['afterBad', 'BLOCKED', 'upstream `bad` failed'],
        ['belowAfterBad', 'BLOCKED', 'upstream `bad` failed'],
        ['other', 'SUCCEEDED', 'never ran'],
        ['afterSlow', 'SUCCEEDED', 'never ran'],
      ]);
      assert.deepEqual(t.starts, ['slow', 'other', 'afterSlow']);
      assert.deepEqual(trail(events), [
        ['RUN_START'],
        ['STEP_START', 'bad'],
        ['STEP_START', 'slow'],
        ['STEP_FAILURE', 'bad'],
        ['STEP_SKIPPED', 'afterBad'],
        ['STEP_SKIPPED', 'belowAfterBad'],
        ['STEP_START', 'other'],
        ['STEP_SUCCESS', 'other'],
        ['STEP_SUCCESS', 'slow'],
        ['STEP_START', 'afterSlow'],
        ['STEP_SUCCESS', 'afterSlow'],
        ['PIPELINE_COMPLETE'],
      ]);
      assert.deepEqual(events[4].metadata, { reason: 'upstream `bad` failed', status: 'BLOCKED' });
    });

    it('takes the run option over the plan`s policy', async () => {
      const compiled = compilePipeline({
        name: 'kg-option',
        maxParallel: 1,
        stages: [
          { id: 'bad', retry: once, run: () => Promise.reject(new NonRetryableError('no')) },
          { id: 'other', run: () => 1 },
        ],
      });
      const { result } = await runToEnd(compiled, { failurePolicy: 'keep-going' });
      assert.deepEqual(outcomes(result, ['bad', 'other']), [
        ['bad', 'FAILED', 'never ran'],
        ['other', 'SUCCEEDED', 'never ran'],
      ]);
    });
  });

  describe('when the run is cancelled through its handle', () => {
    it('aborts the running stages, starts no new one and ends CANCELLED with the reason', async () => {
      const t = new Timeline();
      const compiled = compilePipeline({
        name: 'cancel',
        maxParallel: 1,
        stages: [
          { id: 'first', run: t.stage(100) },
          { id: 'second', run: t.stage(100) },
          { id: 'third', deps: ['first'], run: t.stage(100) },
        ],
      });
      const run = begin(compiled);
      await run.clock.advance(40);
      run.handle.cancel('the analyst stopped it');
      const result = await run.finish();
      assert.equal(result.status, 'CANCELLED');
      assert.equal(result.reason, 'the analyst stopped it');
      assert.deepEqual(t.marks, [
        [0, 'start', 'first'],
        [40, 'end', 'first'],
      ]);
      assert.deepEqual(outcomes(result, ['first', 'second', 'third']), [
        ['first', 'CANCELLED', 'never ran'],
        ['second', 'CANCELLED', 'not started: the run was cancelled (the analyst stopped it)'],
        ['third', 'CANCELLED', 'not started: upstream `first` was cancelled'],
      ]);
      assert.deepEqual(trail(run.events), [
        ['RUN_START'],
        ['STEP_START', 'first'],
        ['CANCELLED', 'first'],
        ['CANCELLED', 'third'],
        ['CANCELLED', 'second'],
        ['PIPELINE_COMPLETE'],
      ]);
      assert.equal(run.events[2].message, 'Stage `first` was cancelled: the analyst stopped it');
      assert.equal(run.events[5].message, 'Run run-1 cancelled: the analyst stopped it');
      assert.equal(run.events[5].level, 'WARN');
      assert.equal((await run.store.getRun('run-1'))?.status, 'CANCELLED');
    });

    it('uses a default reason when none is given, and ignores a second cancel', async () => {
      const t = new Timeline();
      const compiled = compilePipeline({ name: 'cancel-default', stages: [{ id: 'only', run: t.stage(100) }] });
      const run = begin(compiled);
      await run.clock.advance(1);
      run.handle.cancel();
      run.handle.cancel('too late');
      const result = await run.finish();
      assert.equal(result.reason, 'cancelled by the user');
    });
  });

  describe('when an outside AbortSignal aborts', () => {
    it('cancels the run like the handle does, with the signal`s reason', async () => {
      const t = new Timeline();
      const compiled = compilePipeline({
        name: 'signal',
        maxParallel: 1,
        stages: [
          { id: 'first', run: t.stage(100) },
          { id: 'second', run: t.stage(100) },
        ],
      });
      const outside = new AbortController();
      const run = begin(compiled, { signal: outside.signal });
      await run.clock.advance(30);
      outside.abort('kernel interrupted');
      const result = await run.finish();
      assert.equal(result.status, 'CANCELLED');
      assert.equal(result.reason, 'kernel interrupted');
      assert.deepEqual(t.starts, ['first']);
      assert.deepEqual(outcomes(result, ['first', 'second']), [
        ['first', 'CANCELLED', 'never ran'],
        ['second', 'CANCELLED', 'not started: the run was cancelled (kernel interrupted)'],
      ]);
    });

    it('starts nothing when the signal is already aborted', async () => {
      const t = new Timeline();
      const compiled = compilePipeline({ name: 'pre-aborted', stages: [{ id: 'a', run: t.stage(1) }, { id: 'b', deps: ['a'], run: t.stage(1) }] });
      const { result, events } = await runToEnd(compiled, { signal: AbortSignal.abort('closed before start') });
      assert.deepEqual(t.marks, []);
      assert.equal(result.status, 'CANCELLED');
      assert.deepEqual(trail(events), [['RUN_START'], ['CANCELLED', 'a'], ['CANCELLED', 'b'], ['PIPELINE_COMPLETE']]);
      assert.equal(result.stages.b.reason, 'not started: the run was cancelled (closed before start)');
    });
  });

  describe('when the global budget is used up', () => {
    it('starts no new stage, blocks the rest naming the budget, warns at the critical ratio and fails the run', async () => {
      const compiled = compilePipeline({
        name: 'budget',
        maxParallel: 1,
        budgets: { tokens: { limit: 1000, criticalRatio: 0.8 } },
        stages: [
          {
            id: 'spend',
            run: (ctx) => {
              ctx.usage('tokens', 700);
              ctx.usage('tokens', 300);
              return 'spent';
            },
          },
          { id: 'next', deps: ['spend'], run: () => 'never' },
          { id: 'apart', run: () => 'never' },
        ],
      });
      const { result, events } = await runToEnd(compiled);
      assert.equal(result.status, 'FAILED');
      assert.equal(result.reason, 'the global `tokens` budget is used up');
      assert.deepEqual(outcomes(result, ['spend', 'next', 'apart']), [
        ['spend', 'SUCCEEDED', 'never ran'],
        ['next', 'BLOCKED', "the run's global `tokens` budget is used up"],
        ['apart', 'BLOCKED', "the run's global `tokens` budget is used up"],
      ]);
      assert.deepEqual(trail(events), [
        ['RUN_START'],
        ['STEP_START', 'spend'],
        ['RESOURCE_USAGE', 'spend'],
        ['BUDGET_WARNING', 'spend'],
        ['RESOURCE_USAGE', 'spend'],
        ['ALERT', 'spend'],
        ['STEP_SUCCESS', 'spend'],
        ['STEP_SKIPPED', 'next'],
        ['STEP_SKIPPED', 'apart'],
        ['PIPELINE_COMPLETE'],
      ]);
      assert.equal(events[3].message, 'Run has used 100% of its `tokens` budget (1000 of 1000)');
      // 700 of 1000 is below the alert's warning (80%); 1000 of 1000 is past its critical (95%): CRITICAL only.
      assert.equal(events[5].level, 'ERROR');
      assert.equal(events[5].message, 'The run has used 100% of its `tokens` budget (1000 of 1000, last by `spend`; CRITICAL at 95%)');
      assert.deepEqual(events[5].metadata, { level: 'CRITICAL', metric: 'tokenUse', value: 1, threshold: 0.95, resource: 'tokens', scope: 'global', used: 1000, limit: 1000 });
      assert.deepEqual(result.metrics.usage, { tokens: 1000 });
    });

    it('warns once when usage first reaches the critical ratio', async () => {
      const compiled = compilePipeline({
        name: 'budget-warn',
        budgets: { tokens: { limit: 1000, criticalRatio: 0.8 } },
        stages: [
          {
            id: 'spend',
            run: (ctx) => {
              ctx.usage('tokens', 799);
              ctx.usage('tokens', 1);
              ctx.usage('tokens', 100);
              return null;
            },
          },
        ],
      });
      const { events } = await runToEnd(compiled);
      const warnings = events.filter((e) => e.type === 'BUDGET_WARNING');
      assert.deepEqual(
        warnings.map((e) => [e.message, e.metadata]),
        [['Run has used 80% of its `tokens` budget (800 of 1000)', { resource: 'tokens', used: 800, limit: 1000, ratio: 0.8, scope: 'global' }]],
      );
    });

    it('still succeeds when the last stage uses the budget up exactly', async () => {
      const compiled = compilePipeline({
        name: 'budget-exact',
        budgets: { tokens: 100 },
        stages: [
          { id: 'a', run: (ctx) => (ctx.usage('tokens', 40), 'a') },
          { id: 'b', deps: ['a'], run: (ctx) => (ctx.usage('tokens', 60), 'b') },
        ],
      });
      const { result, events } = await runToEnd(compiled);
      assert.equal(result.status, 'SUCCEEDED');
      assert.equal(result.reason, undefined);
      assert.equal(events[events.length - 1].message, 'Run run-1 succeeded');
    });
  });

  describe('when a stage is disabled', () => {
    it('skips it and blocks its dependents with that reason', async () => {
      const compiled = compilePipeline({
        name: 'disabled',
        stages: [
          { id: 'off', enabled: false, run: () => 'off' },
          { id: 'below', deps: ['off'], run: () => 'below' },
          { id: 'further', deps: ['below'], run: () => 'further' },
          { id: 'apart', run: () => 'apart' },
        ],
      });
      const { result, events } = await runToEnd(compiled);
      assert.deepEqual(outcomes(result, ['off', 'below', 'further', 'apart']), [
        ['off', 'SKIPPED', 'disabled in config'],
        ['below', 'BLOCKED', 'upstream `off` is disabled'],
        ['further', 'BLOCKED', 'upstream `off` is disabled'],
        ['apart', 'SUCCEEDED', 'never ran'],
      ]);
      assert.equal(result.status, 'FAILED');
      assert.equal(result.reason, 'stages `below`, `further` blocked');
      assert.deepEqual(trail(events), [
        ['RUN_START'],
        ['STEP_SKIPPED', 'off'],
        ['STEP_SKIPPED', 'below'],
        ['STEP_SKIPPED', 'further'],
        ['STEP_START', 'apart'],
        ['STEP_SUCCESS', 'apart'],
        ['PIPELINE_COMPLETE'],
      ]);
      assert.deepEqual(events[0].metadata, { stages: ['apart'], maxParallel: 4 });
      assert.equal(events[1].message, 'Stage `off` skipped: disabled in config');
    });

    it('lets dependents run without its output when it has skipThrough', async () => {
      const seen: unknown[] = [];
      const compiled = compilePipeline({
        name: 'skip-through',
        stages: [
          { id: 'src', run: () => 'S' },
          { id: 'off', deps: ['src'], enabled: false, skipThrough: true, run: () => 'off' },
          { id: 'below', deps: ['src', 'off'], run: (_ctx, inputs) => (seen.push(inputs), 'below') },
        ],
      });
      const { result } = await runToEnd(compiled);
      assert.equal(result.status, 'SUCCEEDED');
      assert.deepEqual(outcomes(result, ['src', 'off', 'below']), [
        ['src', 'SUCCEEDED', 'never ran'],
        ['off', 'SKIPPED', 'disabled in config'],
        ['below', 'SUCCEEDED', 'never ran'],
      ]);
      assert.deepEqual(seen, [{ src: 'S' }]);
    });
  });

  describe('when `only` selects stages whose upstream outputs are not stored', () => {
    const chain = compilePipeline({
      name: 'only',
      stages: [
        { id: 'a', run: () => 'A' },
        { id: 'b', run: () => 'B' },
        { id: 'c', deps: ['a', 'b'], run: (_ctx, inputs) => `${String(inputs.a)}${String(inputs.b)}C` },
        { id: 'd', deps: ['c'], run: (_ctx, inputs) => `${String(inputs.c)}D` },
      ],
    });

    it('rejects with SELECTION_MISSING_OUTPUTS naming every missing one, before any event', async () => {
      const seen: PipelineEvent[] = [];
      await assert.rejects(
        runPipeline(chain, { selection: { only: ['c', 'd'] }, listeners: [(e) => seen.push(e)] }),
        (error: unknown) => {
          assert.ok(hasErrorCode(error, 'SELECTION_MISSING_OUTPUTS'));
          assert.equal(error.message, 'No stored outputs for `a`, `b`, needed by `c`, `d`: run them first or add them to the selection');
          assert.deepEqual(error.data, { missing: ['a', 'b'], neededBy: ['c', 'd'] });
          return true;
        },
      );
      assert.deepEqual(seen, []);
    });

    it('runs just those stages, reading upstream outputs from the store, once they are stored', async () => {
      const first = await runToEnd(chain);
      const second = await runToEnd(chain, { store: first.store, clock: first.clock, runId: 'run-2', selection: { only: 'd' }, force: true });
      assert.deepEqual(Object.keys(second.result.stages), ['d']);
      assert.equal(await second.store.getOutput(second.result.stages.d.outputHash as string), 'ABCD');
    });

    it('rejects an unknown stage with SELECTION_UNKNOWN_STAGE', async () => {
      await assert.rejects(runPipeline(chain, { selection: { only: 'dd' } }), (error: unknown) => hasErrorCode(error, 'SELECTION_UNKNOWN_STAGE'));
    });
  });

  describe('when the pipeline has secrets', () => {
    it('never lets a secret value into an event, a record, an output, a cache entry or the result', async () => {
      const KEY = 'sk-live-0123456789';
      const PASSWORD = 'hunter2-hunter2';
      const compiled = compilePipeline({
        name: 'secrets',
        secrets: { apiKey: KEY },
        failurePolicy: 'keep-going',
        stages: [
          {
            id: 'leaky',
            params: { password: PASSWORD, region: 'eu' },
            secretParams: ['password'],
            run: (ctx) => {
              const key = ctx.secret('apiKey');
              ctx.log(`calling with ${key}`, { key, password: ctx.params.password });
              ctx.progress(1, 2, `half done with ${key}`);
              return { key, password: ctx.params.password, note: `${key}/${String(ctx.params.password)}` };
            },
          },
          {
            id: 'throws',
            retry: { maxAttempts: 2, jitter: 0 },
            run: (ctx) => {
              throw new Error(`refused ${ctx.secret('apiKey')}`);
            },
          },
        ],
      });
      const { result, events, store } = await runToEnd(compiled);
      const stored = {
        events: await store.readEvents('run-1'),
        stages: await store.getStages('run-1'),
        run: await store.getRun('run-1'),
        output: await store.getOutput(result.stages.leaky.outputHash as string),
        cache: await store.latestCacheEntry('leaky'),
      };
      for (const text of [JSON.stringify(events), JSON.stringify(result), JSON.stringify(stored)]) {
        assert.equal(text.includes(KEY), false);
        assert.equal(text.includes(PASSWORD), false);
      }
      assert.equal(result.stages.throws.error?.message, 'refused ***');
      assert.deepEqual(stored.output, { key: '***', password: '***', note: '***/***' });
    });
  });

  describe('when a secret has no value (a pipeline loaded for reading)', () => {
    it('refuses to start with SECRET_MISSING naming the secret and its variable, before any stage runs or any event', async () => {
      const calls: string[] = [];
      const compiled = compilePipeline({
        name: 'trials',
        secrets: { DB: 'postgres://db' },
        unsetSecrets: { API_KEY: 'TRIALS_API_KEY' },
        stages: [{ id: 'fetch', run: () => calls.push('fetch') }],
      });
      assert.deepEqual(compiled.plan.secretNames, ['DB', 'API_KEY']);
      const events: PipelineEvent[] = [];
      await assert.rejects(runPipeline(compiled, { listeners: [(e) => events.push(e)] }), (error: unknown) => {
        assert.ok(hasErrorCode(error, 'SECRET_MISSING'));
        assert.equal(error.message, '`trials` needs a secret whose environment variable is not set: `API_KEY` (variable `TRIALS_API_KEY`); set it before running the pipeline');
        assert.deepEqual(error.data, { missing: [{ secret: 'API_KEY', variable: 'TRIALS_API_KEY' }] });
        return true;
      });
      assert.deepEqual([calls, events], [[], []]);
    });
  });

  describe('when a stage is retried and the run resumed', () => {
    it('keeps one idempotency key: the SMVM key of run id, stage id and params', async () => {
      const keys: string[] = [];
      let calls = 0;
      const compiled = compilePipeline({
        name: 'idem',
        stages: [
          {
            id: 'flaky',
            params: { b: 2, a: 1 },
            retry: { maxAttempts: 3, baseDelayMs: 100, jitter: 0 },
            run: (ctx) => {
              keys.push(ctx.idempotencyKey);
              calls++;
              if (calls === 1 || calls === 3) throw new Error('try again');
              if (calls === 2) throw new NonRetryableError('stop');
              return 'ok';
            },
          },
        ],
      });
      const first = await runToEnd(compiled);
      assert.equal(first.result.status, 'FAILED');
      const resumed = await runToEnd(compiled, { store: first.store, clock: first.clock, resume: 'run-1' });
      assert.equal(resumed.result.status, 'SUCCEEDED');
      assert.equal(resumed.result.runId, 'run-1');
      // sha256("run-1|flaky|{"a":1,"b":2}")
      const expected = 'db68059e5ef43489d895bd3e47406c0055f092b66aab68666507726a2329b2ae';
      assert.equal(keys.length, 4);
      assert.deepEqual(new Set(keys).size, 1);
      assert.equal(keys[0], expected);
      const starts = [...first.events, ...resumed.events].filter((e) => e.type === 'STEP_START');
      assert.deepEqual(
        starts.map((e) => e.metadata),
        [1, 2, 1, 2].map((attempt) => ({ attempt, idempotencyKey: expected })),
      );
      assert.equal(resumed.result.stages.flaky.idempotencyKey, expected);
    });
  });

  describe('when a run is resumed', () => {
    it('keeps the completed stages, re-runs the rest because they failed, and continues the event numbering', async () => {
      let fail = true;
      const compiled = compilePipeline({
        name: 'resume',
        stages: [
          { id: 'a', run: () => 'A' },
          { id: 'b', deps: ['a'], retry: once, run: () => (fail ? Promise.reject(new NonRetryableError('not yet')) : 'B') },
          { id: 'c', deps: ['b'], run: () => 'C' },
        ],
      });
      const first = await runToEnd(compiled);
      assert.deepEqual(outcomes(first.result, ['a', 'b', 'c']), [
        ['a', 'SUCCEEDED', 'never ran'],
        ['b', 'FAILED', 'never ran'],
        ['c', 'BLOCKED', 'upstream `b` failed'],
      ]);
      fail = false;
      const second = await runToEnd(compiled, { store: first.store, clock: first.clock, resume: 'run-1' });
      assert.equal(second.result.status, 'SUCCEEDED');
      assert.deepEqual(outcomes(second.result, ['a', 'b', 'c']), [
        ['a', 'SUCCEEDED', 'never ran'],
        ['b', 'SUCCEEDED', 'last attempt failed'],
        ['c', 'SUCCEEDED', 'never ran'],
      ]);
      assert.deepEqual(trail(second.events), [['RUN_START'], ['STEP_START', 'b'], ['STEP_SUCCESS', 'b'], ['STEP_START', 'c'], ['STEP_SUCCESS', 'c'], ['PIPELINE_COMPLETE']]);
      assert.equal(second.events[0].message, 'Resuming run run-1 of `resume`: 3 stage(s)');
      const log = await second.store.readEvents('run-1');
      assert.deepEqual(
        log.map((e) => e.seq),
        log.map((_e, i) => i + 1),
      );
      assert.equal(second.events[0].seq, first.events.length + 1);
    });

    it('rejects a resume of a run that was never stored', async () => {
      const compiled = compilePipeline({ name: 'no-run', stages: [{ id: 'a', run: () => 1 }] });
      await assert.rejects(runPipeline(compiled, { resume: 'run-404' }), (error: unknown) => {
        assert.ok(hasErrorCode(error, 'INVALID_OPTION'));
        assert.equal(error.message, 'Expected `resume` to name a stored run, got `run-404`');
        return true;
      });
    });
  });

  describe('when listeners subscribe and unsubscribe', () => {
    it('delivers events to each listener only while it is attached, and isolates a throwing one', async () => {
      const t = new Timeline();
      const compiled = compilePipeline({ name: 'listeners', stages: [{ id: 'a', run: t.stage(10) }, { id: 'b', deps: ['a'], run: t.stage(10) }] });
      const early: string[] = [];
      const late: string[] = [];
      const run = begin(compiled, {
        listeners: [
          () => {
            throw new DagbookError('INVALID_OPTION', 'a broken view');
          },
        ],
      });
      const detach = run.handle.events.subscribe((e) => early.push(`${e.seq}`));
      await run.clock.advance(10);
      detach();
      run.handle.events.subscribe((e) => late.push(`${e.seq}`));
      const result = await run.finish();
      assert.equal(result.status, 'SUCCEEDED');
      assert.deepEqual(early, ['1', '2', '3', '4']);
      assert.deepEqual(late, ['5', '6']);
      assert.equal(run.events.length, 6);
    });
  });

  describe('when a stage retries, reports progress and uses resources', () => {
    it('reports per-stage and per-run metrics', async () => {
      let calls = 0;
      const compiled = compilePipeline({
        name: 'metrics',
        stages: [
          {
            id: 'work',
            retry: { maxAttempts: 3, baseDelayMs: 1000, jitter: 0.1 },
            run: async (ctx) => {
              await ctx.clock.sleep(50, ctx.signal);
              ctx.usage('tokens', 120);
              ctx.progress(3, 4, 'three of four');
              if (++calls < 3) throw new Error('flaky');
              return 'done';
            },
          },
          { id: 'light', deps: ['work'], run: () => 'light' },
        ],
      });
      const { result, clock } = await runToEnd(compiled);
      assert.equal(result.status, 'SUCCEEDED');
      assert.deepEqual(clock.sleeps, [50, 902, 50, 1825, 50]);
      assert.deepEqual(result.metrics.stages.work, {
        status: 'SUCCEEDED',
        durationMs: 2877,
        attempts: 3,
        retries: 2,
        retryDelaysMs: [902, 1825],
        usage: { tokens: 360 },
        progress: { done: 3, total: 4, message: 'three of four' },
        validationFailures: 0,
        cacheHit: false,
      });
      assert.deepEqual(result.metrics.stages.light, {
        status: 'SUCCEEDED',
        durationMs: 0,
        attempts: 1,
        retries: 0,
        retryDelaysMs: [],
        usage: {},
        validationFailures: 0,
        cacheHit: false,
      });
      assert.deepEqual(
        { ...result.metrics, stages: undefined },
        { durationMs: 2877, stageTimeMs: 2877, counts: { SUCCEEDED: 2 }, attempts: 4, retries: 2, cacheHits: 0, usage: { tokens: 360 }, stages: undefined },
      );
      assert.equal(result.stages.work.startedAt, T0);
      assert.equal(result.stages.work.endedAt, T0 + 2877);
    });
  });
});
