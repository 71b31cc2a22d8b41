import { compilePipeline } from '../../src/plan/compile';
import type { DryRunResult } from '../../src/query/dry-run';
import type { Plan } from '../../src/plan/plan';
import type { StageStanding } from '../../src/query/status';
import type { RunResult } from '../../src/run/run-pipeline';
import { runMetrics } from '../../src/run/run-metrics';
import type { StageRecord, StageStatus } from '../../src/records';
import type { PipelineEvent } from '../../src/events/event';

/**
 * Literal data shaped like the 13-phase profiling pipeline, for the browser
 * test: a plan compiled from no-op stages, and a dry run, standings, a run
 * result, an event sequence and a failed stage's record over it.
 */

/** Stage ids and deps of the profiling-shaped pipeline. */
export const PROFILING_STAGES: readonly (readonly [string, readonly string[]])[] = [
  ['import', []],
  ['schema_snapshot', ['import']],
  ['typing', ['import']],
  ['null_stats', ['typing']],
  ['distinct_counts', ['typing']],
  ['numeric_statistics', ['typing']],
  ['string_profiles', ['typing']],
  ['temporal_coverage_and_gaps', ['typing']],
  ['correlations', ['numeric_statistics']],
  ['outliers', ['numeric_statistics', 'distinct_counts']],
  ['semantic_types', ['string_profiles']],
  ['quality_score', ['null_stats', 'outliers', 'semantic_types', 'temporal_coverage_and_gaps']],
  ['report', ['quality_score', 'correlations', 'schema_snapshot']],
];

/**
 * Stage ids and deps of the 14-stage profiling plan as `pipelines/profiling.yaml`
 * defines it: `report` needs every other stage, `entropy` four of them.
 */
export const PROFILING_PLAN_STAGES: readonly (readonly [string, readonly string[]])[] = [
  ['import', []],
  ['typing', ['import']],
  ['statistics', ['typing']],
  ['relationships', ['typing']],
  ['temporal', ['typing']],
  ['statistical_quality', ['statistics']],
  ['correlations', ['statistics']],
  ['semantic', ['statistics']],
  ['slicing', ['temporal']],
  ['business_cycles', ['temporal']],
  ['topology', ['relationships', 'correlations']],
  ['validation', ['semantic']],
  ['entropy', ['statistics', 'semantic', 'relationships', 'correlations']],
  [
    'report',
    ['import', 'typing', 'statistics', 'statistical_quality', 'relationships', 'correlations', 'semantic', 'temporal', 'slicing', 'business_cycles', 'topology', 'validation', 'entropy'],
  ],
];

/** Start of the literal run, ms since epoch (2024-05-01T12:00:00Z). */
export const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

/** The compiled plan (no-op stages). */
export function profilingPlan(): Plan {
  return compilePipeline({
    name: 'profiling',
    budgets: { tokens: 5000 },
    stages: PROFILING_STAGES.map(([id, deps]) => ({
      id,
      deps,
      run: () => null,
      ...(id === 'semantic_types'
        ? { budgets: { tokens: 500 }, breaker: { key: 'llm-api', recoveryTimeoutMs: 300_000 }, retry: { maxAttempts: 3 } }
        : {}),
      ...(id === 'temporal_coverage_and_gaps' ? { timeoutMs: 20_000 } : {}),
    })),
  }).plan;
}

/** A dry run: five stages would run. */
export function profilingDryRun(): DryRunResult {
  const run: Record<string, string> = {
    numeric_statistics: 'param `bins` changed',
    correlations: 'upstream `numeric_statistics` will run',
    outliers: 'upstream `numeric_statistics` will run',
    quality_score: 'upstream `outliers` will run',
    report: 'upstream `quality_score`, `correlations` will run',
  };
  const ms: Record<string, number> = {
    import: 820, schema_snapshot: 35, typing: 1430, null_stats: 210, distinct_counts: 380, numeric_statistics: 2650,
    string_profiles: 510, temporal_coverage_and_gaps: 740, correlations: 4100, outliers: 960, semantic_types: 12_400, quality_score: 95,
  };
  const rows = PROFILING_STAGES.map(([stageId, deps]) => ({
    stageId,
    deps,
    action: stageId === 'schema_snapshot' ? ('disabled' as const) : run[stageId] ? ('run' as const) : ('skip' as const),
    reason: stageId === 'schema_snapshot' ? 'disabled in config' : run[stageId] ?? 'up to date',
    ...(ms[stageId] === undefined ? {} : { estimatedMs: ms[stageId] }),
  }));
  const toRun = rows.filter((r) => r.action === 'run');
  return { pipeline: 'profiling', rows, toRun: toRun.length, estimatedMs: toRun.reduce((s, r) => s + (r.estimatedMs ?? 0), 0) };
}

/** Standings a few minutes after a run in which `semantic_types` failed. */
export function profilingStatus(): StageStanding[] {
  return PROFILING_STAGES.map(([stageId], i): StageStanding => {
    if (stageId === 'semantic_types') {
      return { stageId, status: 'FAILED', lastRunId: 'run-20240501-1200-a1b2', lastEndedAt: T0 + 40_000, lastDurationMs: 14_310, stale: true, reason: 'last run failed', errorCode: 'CIRCUIT_OPEN' };
    }
    if (stageId === 'quality_score' || stageId === 'report') return { stageId, status: 'BLOCKED', lastRunId: 'run-20240501-1200-a1b2', lastEndedAt: T0 + 40_000, stale: true, reason: 'upstream `semantic_types` failed' };
    if (stageId === 'schema_snapshot') return { stageId, status: 'NEVER_RUN', stale: false, reason: 'never ran' };
    const stale = stageId === 'numeric_statistics' || stageId === 'correlations' || stageId === 'outliers';
    return {
      stageId,
      status: i % 4 === 1 ? 'CACHED' : 'SUCCEEDED',
      lastRunId: 'run-20240501-1200-a1b2',
      lastEndedAt: T0 + 2000 * i,
      lastDurationMs: 300 + 410 * i,
      outputHash: `${(0x3fa2c9d1 + i * 7919).toString(16)}e0c4b8a6f1d2`,
      stale,
      reason: stageId === 'numeric_statistics' ? 'param `bins` changed' : stale ? 'upstream `numeric_statistics` changed' : 'up to date',
    };
  });
}

function record(stageId: string, status: StageStatus, extra: Partial<StageRecord> = {}): StageRecord {
  return { stageId, status, attempts: status === 'CACHED' || status === 'BLOCKED' || status === 'SKIPPED' ? 0 : 1, idempotencyKey: `k-${stageId}`, usage: {}, validation: [], attemptLog: [], ...extra };
}

/** The failed stage's record: three attempts against an open breaker. */
export function failedRecord(): StageRecord {
  return record('semantic_types', 'FAILED', {
    attempts: 3,
    startedAt: T0 + 25_690,
    endedAt: T0 + 40_000,
    durationMs: 14_310,
    usage: { tokens: 420 },
    attemptLog: [
      { attempt: 1, startedAt: T0 + 25_690, durationMs: 5012, outcome: 'failed', code: 'STAGE_FAILED', delayMs: 1000 },
      { attempt: 2, startedAt: T0 + 31_702, durationMs: 5008, outcome: 'failed', code: 'STAGE_FAILED', delayMs: 2100 },
      { attempt: 3, startedAt: T0 + 38_810, durationMs: 1190, outcome: 'failed', code: 'CIRCUIT_OPEN' },
    ],
    error: {
      code: 'CIRCUIT_OPEN',
      errorClass: 'resource',
      message: 'Circuit breaker `llm-api` is open after 3 consecutive failures; it half-opens at 2024-05-01T12:05:38.810Z',
      stack: [
        'DagbookError: Circuit breaker `llm-api` is open after 3 consecutive failures',
        ...Array.from({ length: 22 }, (_, i) => `    at frame${i} (/work/main/src/execute/stage-executor.ts:${120 + i}:${7 + i})`),
      ].join('\n'),
      data: { key: 'llm-api', halfOpenAt: '2024-05-01T12:05:38.810Z', halfOpenAtMs: T0 + 338_810 },
    },
  });
}

/** A finished run in which `semantic_types` failed and blocked two stages. */
export function profilingRunResult(): RunResult {
  const stages: Record<string, StageRecord> = {};
  let t = T0;
  for (const [id] of PROFILING_STAGES) {
    if (id === 'schema_snapshot') stages[id] = record(id, 'SKIPPED', { reason: 'disabled in config' });
    else if (id === 'semantic_types') stages[id] = failedRecord();
    else if (id === 'quality_score' || id === 'report') stages[id] = record(id, 'BLOCKED', { reason: 'upstream `semantic_types` failed' });
    else if (id === 'import' || id === 'null_stats') stages[id] = record(id, 'CACHED', { outputHash: 'ab12cd34ef56' });
    else {
      const durationMs = 400 + id.length * 90;
      stages[id] = record(id, 'SUCCEEDED', {
        startedAt: t,
        endedAt: t + durationMs,
        durationMs,
        outputHash: 'c0ffee001234',
        ...(id === 'numeric_statistics'
          ? {
              attempts: 2,
              attemptLog: [
                { attempt: 1, startedAt: t, durationMs: 800, outcome: 'failed' as const, code: 'STAGE_TIMEOUT', delayMs: 1040 },
                { attempt: 2, startedAt: t + 1840, durationMs: durationMs - 1840, outcome: 'succeeded' as const },
              ],
              progress: { done: 48, total: 48 },
            }
          : {}),
        ...(id === 'string_profiles' ? { validation: [{ rule: 'no-empty-columns', severity: 'warning' as const, passed: false, detail: '2 empty columns' }] } : {}),
        ...(id === 'typing' ? { progress: { done: 1200, total: 1200 } } : {}),
      });
      t += durationMs / 2;
    }
  }
  return {
    runId: 'run-20240501-1200-a1b2',
    status: 'FAILED',
    reason: 'stage `semantic_types` failed (CIRCUIT_OPEN)',
    stages,
    outputHashes: {},
    metrics: runMetrics(stages, 17_900, { tokens: 420 }),
  };
}

let seq = 0;
function ev<T extends PipelineEvent['type']>(type: T, atMs: number, stageId: string | undefined, metadata: Extract<PipelineEvent, { type: T }>['metadata'], message = ''): PipelineEvent {
  seq++;
  return { type, timestamp: new Date(T0 + atMs).toISOString(), runId: 'run-1', ...(stageId ? { stageId } : {}), level: 'INFO', message, metadata, correlationId: `c-${stageId ?? 'run'}`, seq } as PipelineEvent;
}

/** Events of a run caught mid-way, 9 s in. */
export function profilingEvents(): PipelineEvent[] {
  seq = 0;
  return [
    ev('STEP_SKIPPED', 0, 'import', { reason: 'up to date', status: 'CACHED' }, 'up to date'),
    ev('STEP_SKIPPED', 0, 'schema_snapshot', { reason: 'disabled in config', status: 'SKIPPED' }, 'disabled in config'),
    ev('STEP_START', 10, 'typing', { attempt: 1, idempotencyKey: 'k' }),
    ev('STEP_SUCCESS', 1440, 'typing', { attempt: 1, durationMs: 1430, usage: {} }),
    ev('STEP_START', 1450, 'null_stats', { attempt: 1, idempotencyKey: 'k' }),
    ev('STEP_START', 1450, 'numeric_statistics', { attempt: 1, idempotencyKey: 'k' }),
    ev('STEP_SUCCESS', 1660, 'null_stats', { attempt: 1, durationMs: 210, usage: {} }),
    ev('STEP_START', 1670, 'semantic_types', { attempt: 1, idempotencyKey: 'k' }),
    ev('STEP_FAILURE', 6680, 'semantic_types', { attempt: 1, durationMs: 5010, code: 'STAGE_FAILED', errorClass: 'transient', final: false }),
    ev('STEP_RETRY', 6680, 'semantic_types', { attempt: 1, nextAttempt: 2, delayMs: 1000, code: 'STAGE_FAILED' }),
    ev('STEP_PROGRESS', 7000, 'numeric_statistics', { done: 30, total: 48 }, 'column 30 of 48'),
    ev('STEP_START', 7680, 'semantic_types', { attempt: 2, idempotencyKey: 'k' }),
    ev('STEP_START', 7700, 'distinct_counts', { attempt: 1, idempotencyKey: 'k' }),
  ];
}
