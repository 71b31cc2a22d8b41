import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock';
import type { RetryOptions, StageContext } from '../../src/definition/types';
import type { PipelineEvent } from '../../src/events/event';
import { compilePipeline } from '../../src/plan/compile';
import type { CompiledPipeline } from '../../src/plan/plan';
import { MemoryStore } from '../../src/store/memory-store';
import { outcomes, runToEnd, T0 } from './fixtures';

/**
 * The SMVM validation pipeline end to end (docs: smvm-pipeline-orchestration):
 * validate -> ingest -> personas and competitors in parallel -> simulate ->
 * analyze -> report, with the SMVM retry table, step timeouts, token budgets
 * (10000 for the run, critical ratio 0.8) and breakers. One run id, three
 * sittings, all under a manual clock and seed 7:
 *
 * 1. ingest is flaky (two transient failures, then success on attempt 3);
 *    competitors fails transiently on all 3 attempts, its third failure opens
 *    the `llm` breaker it shares with personas; the rest is blocked.
 * 2. Resumed a minute later: competitors' call fails fast with CIRCUIT_OPEN,
 *    naming the time the breaker half-opens.
 * 3. Resumed after that time: competitors' probe succeeds and closes the
 *    breaker; simulate takes the run to 8000 tokens (BUDGET_WARNING at 80%)
 *    and then to 10000, so analyze and report are not started.
 */

const SMVM_RETRY: Readonly<Record<string, RetryOptions>> = {
  validate_idea: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000, jitter: 0.1 },
  ingest_data: { maxAttempts: 5, baseDelayMs: 2000, maxDelayMs: 30_000, jitter: 0.2 },
  synthesize_personas: { maxAttempts: 3, baseDelayMs: 5000, maxDelayMs: 60_000, jitter: 0.1 },
  synthesize_competitors: { maxAttempts: 3, baseDelayMs: 5000, maxDelayMs: 60_000, jitter: 0.1 },
  run_simulation: { maxAttempts: 2, baseDelayMs: 10_000, maxDelayMs: 120_000, jitter: 0.1 },
  analyze_results: { maxAttempts: 3, baseDelayMs: 5000, maxDelayMs: 60_000, jitter: 0.1 },
  generate_report: { maxAttempts: 3, baseDelayMs: 2000, maxDelayMs: 30_000, jitter: 0.1 },
};

/** Step timeouts, ms. */
const SMVM_TIMEOUT_MS: Readonly<Record<string, number>> = {
  validate_idea: 60_000,
  ingest_data: 300_000,
  synthesize_personas: 600_000,
  synthesize_competitors: 600_000,
  run_simulation: 1_800_000,
  analyze_results: 900_000,
  generate_report: 300_000,
};

const SMVM_TOKENS: Readonly<Record<string, number>> = {
  validate_idea: 500,
  ingest_data: 2000,
  synthesize_personas: 3000,
  synthesize_competitors: 3000,
  run_simulation: 5000,
  analyze_results: 4000,
  generate_report: 2000,
};

const IDS = Object.keys(SMVM_TOKENS);

/** What the stages do; `llmDown` switches the competitor service's outage. */
interface World {
  llmDown: boolean;
}

function unavailable(): Error {
  return Object.assign(new Error('LLM service unavailable (503)'), { status: 503 });
}

function smvmPipeline(world: World): CompiledPipeline {
  const step = (ms: number, tokens: number, ctx: StageContext) => ctx.clock.sleep(ms, ctx.signal).then(() => ctx.usage('tokens', tokens));
  const stage = (id: string, deps: string[], run: (ctx: StageContext) => Promise<unknown>) => ({
    id,
    deps,
    run,
    retry: SMVM_RETRY[id],
    timeoutMs: SMVM_TIMEOUT_MS[id],
    budgets: { tokens: SMVM_TOKENS[id] },
  });
  const llm = { key: 'llm', failureThreshold: 3, recoveryTimeoutMs: 300_000 };
  return compilePipeline({
    name: 'smvm_e2e_pipeline',
    maxParallel: 4,
    failurePolicy: 'keep-going',
    budgets: { tokens: { limit: 10_000, criticalRatio: 0.8 } },
    stages: [
      stage('validate_idea', [], async (ctx) => (await step(1000, 300, ctx), { valid: true })),
      stage('ingest_data', ['validate_idea'], async (ctx) => {
        await step(3000, 500, ctx);
        if (ctx.attempt < 3) throw Object.assign(new Error('trends source timed out'), { code: 'ETIMEDOUT' });
        return { sources: ['trends', 'forums'] };
      }),
      { ...stage('synthesize_personas', ['ingest_data'], async (ctx) => (await step(1000, 2200, ctx), { personas: 3 })), breaker: llm },
      {
        ...stage('synthesize_competitors', ['ingest_data'], async (ctx) => {
          await step(2000, world.llmDown ? 200 : 1600, ctx);
          if (world.llmDown) throw unavailable();
          return { competitors: 5 };
        }),
        breaker: llm,
      },
      stage('run_simulation', ['synthesize_personas', 'synthesize_competitors'], async (ctx) => {
        await step(10_000, 1800, ctx);
        ctx.usage('tokens', 2000);
        return { wtp: 42 };
      }),
      { ...stage('analyze_results', ['run_simulation'], async () => ({ decision: 'go' })), breaker: { key: 'analysis', failureThreshold: 2, recoveryTimeoutMs: 600_000 } },
      stage('generate_report', ['analyze_results'], async () => '# report'),
    ],
  });
}

/** One line per event: time from T0, type, stage, and the metadata that matters. */
function line(e: PipelineEvent): string {
  const at = `+${Date.parse(e.timestamp) - T0}`;
  const head = [at, e.type, ...(e.stageId === undefined ? [] : [e.stageId])].join(' ');
  switch (e.type) {
    case 'RUN_START':
      return `${head} ${e.metadata.resumedFrom === undefined ? 'new' : 'resumed'}`;
    case 'STEP_START':
    case 'STEP_SUCCESS':
      return `${head} attempt ${e.metadata.attempt}`;
    case 'STEP_FAILURE':
      return `${head} attempt ${e.metadata.attempt} ${e.metadata.code} ${e.metadata.errorClass}${e.metadata.final ? ' final' : ''}`;
    case 'STEP_RETRY':
      return `${head} next ${e.metadata.nextAttempt} in ${e.metadata.delayMs}`;
    case 'RESOURCE_USAGE':
      return `${head} ${e.metadata.amount}: stage ${e.metadata.stageUsed}/${e.metadata.stageLimit} run ${e.metadata.globalUsed}/${e.metadata.globalLimit}`;
    case 'BUDGET_WARNING':
      return `${head} ${e.metadata.scope} ${e.metadata.used}/${e.metadata.limit}`;
    case 'CIRCUIT_BREAKER':
      return `${head} ${e.metadata.key} ${e.metadata.from}->${e.metadata.to} failures ${e.metadata.failures}`;
    case 'STEP_SKIPPED':
      return `${head} ${e.metadata.status}: ${e.metadata.reason}`;
    case 'PIPELINE_COMPLETE':
      return `${head} ${e.metadata.status}`;
    case 'ALERT':
      return `${head} ${e.metadata.level} ${e.metadata.metric}${e.metadata.scope === undefined ? '' : ` ${e.metadata.scope}`} ${e.metadata.value} >= ${e.metadata.threshold}`;
    default:
      return head;
  }
}

describe('the SMVM validation pipeline (integration)', () => {
  it('retries the flaky ingest, opens the shared breaker, fails fast while it is open, and stops when the token budget runs out', async () => {
    const world: World = { llmDown: true };
    const compiled = smvmPipeline(world);
    const clock = new ManualClock(T0);
    const store = new MemoryStore();
    const all: PipelineEvent[] = [];

    const sit = (resume?: string) =>
      runToEnd(compiled, { clock, store, ...(resume === undefined ? {} : { resume }), listeners: [(e) => all.push(e)] });

    // 1. Ingest retried with seed-7 jitter: 2000 +/- 20% -> 1609, 4000 +/- 20% -> 3299;
    //    competitors: 5000 +/- 10% -> 5477, 10000 +/- 10% -> 10398, then the breaker opens.
    const first = await sit();
    assert.deepEqual(first.events.map(line), [
      '+0 RUN_START new',
      '+0 STEP_START validate_idea attempt 1',
      '+1000 RESOURCE_USAGE validate_idea 300: stage 300/500 run 300/10000',
      '+1000 STEP_SUCCESS validate_idea attempt 1',
      '+1000 STEP_START ingest_data attempt 1',
      '+4000 RESOURCE_USAGE ingest_data 500: stage 500/2000 run 800/10000',
      '+4000 STEP_FAILURE ingest_data attempt 1 STAGE_FAILED transient',
      '+4000 STEP_RETRY ingest_data next 2 in 1609',
      '+5609 STEP_START ingest_data attempt 2',
      '+8609 RESOURCE_USAGE ingest_data 500: stage 1000/2000 run 1300/10000',
      '+8609 STEP_FAILURE ingest_data attempt 2 STAGE_FAILED transient',
      '+8609 STEP_RETRY ingest_data next 3 in 3299',
      '+11908 STEP_START ingest_data attempt 3',
      '+14908 RESOURCE_USAGE ingest_data 500: stage 1500/2000 run 1800/10000',
      '+14908 STEP_SUCCESS ingest_data attempt 3',
      '+14908 STEP_START synthesize_personas attempt 1',
      '+14908 STEP_START synthesize_competitors attempt 1',
      '+15908 RESOURCE_USAGE synthesize_personas 2200: stage 2200/3000 run 4000/10000',
      '+15908 STEP_SUCCESS synthesize_personas attempt 1',
      '+16908 RESOURCE_USAGE synthesize_competitors 200: stage 200/3000 run 4200/10000',
      '+16908 STEP_FAILURE synthesize_competitors attempt 1 STAGE_FAILED transient',
      '+16908 STEP_RETRY synthesize_competitors next 2 in 5477',
      '+22385 STEP_START synthesize_competitors attempt 2',
      '+24385 RESOURCE_USAGE synthesize_competitors 200: stage 400/3000 run 4400/10000',
      '+24385 STEP_FAILURE synthesize_competitors attempt 2 STAGE_FAILED transient',
      '+24385 STEP_RETRY synthesize_competitors next 3 in 10398',
      '+34783 STEP_START synthesize_competitors attempt 3',
      '+36783 RESOURCE_USAGE synthesize_competitors 200: stage 600/3000 run 4600/10000',
      '+36783 CIRCUIT_BREAKER synthesize_competitors llm CLOSED->OPEN failures 3',
      '+36783 STEP_FAILURE synthesize_competitors attempt 3 STAGE_FAILED transient final',
      '+36783 STEP_SKIPPED run_simulation BLOCKED: upstream `synthesize_competitors` failed',
      '+36783 STEP_SKIPPED analyze_results BLOCKED: upstream `synthesize_competitors` failed',
      '+36783 STEP_SKIPPED generate_report BLOCKED: upstream `synthesize_competitors` failed',
      '+36783 PIPELINE_COMPLETE FAILED',
    ]);
    assert.equal(first.result.reason, 'stage `synthesize_competitors` failed');
    assert.deepEqual(first.result.metrics.stages.ingest_data.retryDelaysMs, [1609, 3299]);
    assert.deepEqual(
      first.result.stages.ingest_data.attemptLog.map((a) => [a.attempt, a.startedAt - T0, a.outcome, a.code ?? '', a.delayMs ?? 0]),
      [
        [1, 1000, 'failed', 'STAGE_FAILED', 1609],
        [2, 5609, 'failed', 'STAGE_FAILED', 3299],
        [3, 11908, 'succeeded', '', 0],
      ],
    );
    const opened = first.events.find((e) => e.type === 'CIRCUIT_BREAKER');
    assert.equal(opened?.level, 'WARN');
    assert.equal(opened?.message, 'Circuit breaker `llm` CLOSED -> OPEN (half-opens at 2024-12-02T10:36:21.783Z)');
    assert.deepEqual(await store.loadBreakers(), { llm: { state: 'OPEN', failures: 3, openedAt: T0 + 36_783 } });
    assert.equal(first.result.stages.synthesize_competitors.error?.message, 'LLM service unavailable (503)');

    // 2. A minute later the breaker is still open: the call fails fast and names the half-open time.
    await clock.advance(60_000);
    const second = await sit('run-1');
    assert.deepEqual(second.events.map(line), [
      '+96783 RUN_START resumed',
      '+96783 STEP_FAILURE synthesize_competitors attempt 1 CIRCUIT_OPEN resource final',
      '+96783 STEP_SKIPPED run_simulation BLOCKED: upstream `synthesize_competitors` failed',
      '+96783 STEP_SKIPPED analyze_results BLOCKED: upstream `synthesize_competitors` failed',
      '+96783 STEP_SKIPPED generate_report BLOCKED: upstream `synthesize_competitors` failed',
      '+96783 PIPELINE_COMPLETE FAILED',
    ]);
    assert.equal(
      second.events[1].message,
      'Stage `synthesize_competitors` was not started: circuit breaker `llm` is open; it half-opens at 2024-12-02T10:36:21.783Z',
    );
    assert.deepEqual(second.result.stages.synthesize_competitors.error, {
      code: 'CIRCUIT_OPEN',
      errorClass: 'resource',
      message: 'Circuit breaker `llm` is open; it half-opens at 2024-12-02T10:36:21.783Z',
      stack: second.result.stages.synthesize_competitors.error?.stack,
      data: { key: 'llm', halfOpenAt: '2024-12-02T10:36:21.783Z', halfOpenAtMs: T0 + 336_783 },
    });
    assert.equal(second.result.stages.synthesize_competitors.reason, 'last attempt failed');

    // 3. Past the half-open time the probe succeeds; simulate spends the rest of the budget.
    await clock.advance(400_000 - (clock.now() - T0));
    world.llmDown = false;
    const third = await sit('run-1');
    assert.deepEqual(third.events.map(line), [
      '+400000 RUN_START resumed',
      '+400000 CIRCUIT_BREAKER synthesize_competitors llm OPEN->HALF_OPEN failures 3',
      '+400000 STEP_START synthesize_competitors attempt 1',
      '+402000 RESOURCE_USAGE synthesize_competitors 1600: stage 2200/3000 run 6200/10000',
      '+402000 CIRCUIT_BREAKER synthesize_competitors llm HALF_OPEN->CLOSED failures 0',
      '+402000 STEP_SUCCESS synthesize_competitors attempt 1',
      '+402000 STEP_START run_simulation attempt 1',
      '+412000 BUDGET_WARNING run_simulation global 8000/10000',
      '+412000 RESOURCE_USAGE run_simulation 1800: stage 1800/5000 run 8000/10000',
      '+412000 ALERT run_simulation WARNING tokenUse global 0.8 >= 0.8',
      '+412000 RESOURCE_USAGE run_simulation 2000: stage 3800/5000 run 10000/10000',
      '+412000 ALERT run_simulation CRITICAL tokenUse global 1 >= 0.95',
      '+412000 STEP_SUCCESS run_simulation attempt 1',
      "+412000 STEP_SKIPPED analyze_results BLOCKED: the run's global `tokens` budget is used up",
      "+412000 STEP_SKIPPED generate_report BLOCKED: the run's global `tokens` budget is used up",
      '+412000 PIPELINE_COMPLETE FAILED',
    ]);
    const warning = third.events[7];
    assert.equal(warning.level, 'WARN');
    assert.equal(warning.message, 'Run has used 80% of its `tokens` budget (8000 of 10000)');
    assert.deepEqual(warning.metadata, { resource: 'tokens', used: 8000, limit: 10_000, ratio: 0.8, scope: 'global' });
    assert.deepEqual(outcomes(third.result, IDS), [
      ['validate_idea', 'SUCCEEDED', 'never ran'],
      ['ingest_data', 'SUCCEEDED', 'never ran'],
      ['synthesize_personas', 'SUCCEEDED', 'never ran'],
      ['synthesize_competitors', 'SUCCEEDED', 'last attempt failed'],
      ['run_simulation', 'SUCCEEDED', 'never ran'],
      ['analyze_results', 'BLOCKED', "the run's global `tokens` budget is used up"],
      ['generate_report', 'BLOCKED', "the run's global `tokens` budget is used up"],
    ]);
    assert.equal(third.result.status, 'FAILED');
    assert.equal(third.result.reason, 'the global `tokens` budget is used up');
    assert.deepEqual(third.result.metrics.usage, { tokens: 10_000 });
    assert.deepEqual(
      Object.fromEntries(IDS.map((id) => [id, third.result.metrics.stages[id].usage])),
      {
        validate_idea: { tokens: 300 },
        ingest_data: { tokens: 1500 },
        synthesize_personas: { tokens: 2200 },
        synthesize_competitors: { tokens: 2200 },
        run_simulation: { tokens: 3800 },
        analyze_results: {},
        generate_report: {},
      },
    );
    assert.deepEqual(await store.loadBreakers(), { llm: { state: 'CLOSED', failures: 0, openedAt: null } });
    const run = await store.getRun('run-1');
    assert.deepEqual([run?.status, run?.reason, run?.usage, (run?.endedAt ?? 0) - T0], ['FAILED', 'the global `tokens` budget is used up', { tokens: 10_000 }, 412_000]);

    // The run's one event log holds the three sittings in order, numbered without a gap.
    const log = await store.readEvents('run-1');
    assert.equal(log.length, 34 + 6 + 16);
    assert.deepEqual(
      log.map((e) => e.seq),
      log.map((_e, i) => i + 1),
    );
    assert.deepEqual(log, JSON.parse(JSON.stringify(all)));
    // Every attempt of competitors, in every sitting, carried the one idempotency key.
    const keys = all.filter((e) => e.type === 'STEP_START' && e.stageId === 'synthesize_competitors').map((e) => (e.type === 'STEP_START' ? e.metadata.idempotencyKey : ''));
    assert.equal(keys.length, 4);
    assert.equal(new Set(keys).size, 1);
    assert.ok(all.filter((e) => e.stageId !== undefined).every((e) => e.correlationId === `run-1/${e.stageId}`));
  });
});
