import type { PipelineEvent } from '../../src/events/event';

/**
 * Literal events of a four-stage run for the progress tests: `a` is cached,
 * `b` reports items, `c` fails once and retries (3 attempts allowed), `d`
 * never starts. Times are ms since the run started at 0.
 */

/** The run's stages, in plan order. */
export const STAGES = ['a', 'b', 'c', 'd'] as const;

let seq = 0;
/** One event at `at` ms. */
export function ev<T extends PipelineEvent['type']>(type: T, at: number, stageId: string | undefined, metadata: Extract<PipelineEvent, { type: T }>['metadata'], message = ''): PipelineEvent {
  seq++;
  return { type, timestamp: new Date(at).toISOString(), runId: 'r1', ...(stageId ? { stageId } : {}), level: 'INFO', message, metadata, correlationId: 'c', seq } as PipelineEvent;
}

/** Up to 1.1 s: a cached, b at 1 of 4 items, c waiting to retry. */
export function firstEvents(): PipelineEvent[] {
  return [
    ev('STEP_SKIPPED', 0, 'a', { reason: 'up to date', status: 'CACHED' }),
    ev('STEP_START', 100, 'b', { attempt: 1, idempotencyKey: 'kb' }),
    ev('STEP_START', 100, 'c', { attempt: 1, idempotencyKey: 'kc' }),
    ev('STEP_PROGRESS', 600, 'b', { done: 1, total: 4 }, '1/4'),
    ev('STEP_FAILURE', 1100, 'c', { attempt: 1, durationMs: 1000, code: 'STAGE_FAILED', errorClass: 'transient', final: false }),
    ev('STEP_RETRY', 1100, 'c', { attempt: 1, nextAttempt: 2, delayMs: 500, code: 'STAGE_FAILED' }),
  ];
}

/** Up to 2.1 s: c's second attempt runs, b succeeds. */
export function laterEvents(): PipelineEvent[] {
  return [ev('STEP_START', 1600, 'c', { attempt: 2, idempotencyKey: 'kc' }), ev('STEP_SUCCESS', 2100, 'b', { attempt: 1, durationMs: 2000, usage: {} })];
}

/** At 4.6 s: c fails for good and the run ends FAILED. */
export function endEvents(): PipelineEvent[] {
  return [
    ev('STEP_FAILURE', 4600, 'c', { attempt: 2, durationMs: 3000, code: 'STAGE_TIMEOUT', errorClass: 'transient', final: true }),
    ev('PIPELINE_COMPLETE', 4600, undefined, { status: 'FAILED', durationMs: 4600, counts: {} }),
  ];
}
