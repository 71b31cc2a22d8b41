/**
 * Run events: the one stream every view subscribes to (the notebook
 * display, the terminal progress bar, the event log). Every event has the same envelope:
 * an ISO timestamp, the run id, the stage id when it concerns a stage, a type,
 * a level, one human sentence, metadata typed by its type, a correlation id
 * that ties together the events of one stage execution (or of the run, for
 * run events), and its position in the run's stream.
 */

/** Event levels. */
export type EventLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** How serious an alert is: a `WARNING` threshold or a `CRITICAL` one was crossed. */
export type AlertLevel = 'WARNING' | 'CRITICAL';

/**
 * What an alert watches: a stage's duration as a multiple of its expected
 * one, its retries, the share of a budget used, the share of a per-item
 * stage's items that failed.
 */
export type AlertMetric = 'stageDuration' | 'retries' | 'tokenUse' | 'itemFailureRate';

/**
 * What a service alert reports, raised while a run of its pipeline goes on
 * (no threshold to configure: each one is news): `serviceRestarts`, a
 * service of a service stage exited and is being restarted (WARNING);
 * `serviceFailed`, its restart policy gave up and it is FAILED (CRITICAL).
 */
export type ServiceAlertMetric = 'serviceRestarts' | 'serviceFailed';

/** The ALERT event metadata: which threshold a stage crossed, with what value. */
export interface AlertMetadata {
  /** The threshold crossed. */
  readonly level: AlertLevel;
  /** What was measured. */
  readonly metric: AlertMetric | ServiceAlertMetric;
  /** The measured value: ms for `stageDuration`, a count for `retries`, a ratio for `tokenUse` and `itemFailureRate`, the service's restarts within its window for the service metrics. */
  readonly value: number;
  /** The threshold in the value's unit (for `stageDuration`, ms: the factor times the expected duration; for the service metrics, its restart policy's `maxRestarts`). */
  readonly threshold: number;
  /** `stageDuration`: the stage's expected duration, ms. */
  readonly expectedMs?: number;
  /** `stageDuration`: the threshold as a multiple of the expected duration. */
  readonly factor?: number;
  /** `tokenUse`: the budgeted resource, and whether the stage's own budget or the run's. */
  readonly resource?: string;
  readonly scope?: 'stage' | 'global';
  /** `tokenUse`: used and limit; `itemFailureRate`: failed and total items. */
  readonly used?: number;
  readonly limit?: number;
  readonly failed?: number;
  readonly total?: number;
  /** Service metrics: the service's name, its item (a per-item service stage), how its process ended, and (`serviceFailed`) its last log lines. */
  readonly service?: string;
  readonly itemId?: string;
  readonly reason?: string;
  readonly lastLines?: readonly string[];
}

/** Metadata carried by each event type. */
export interface EventMetadataByType {
  RUN_START: { stages: string[]; maxParallel: number; resumedFrom?: string; environment?: string };
  STEP_START: { attempt: number; idempotencyKey: string };
  STEP_PROGRESS: { done: number; total: number };
  /** `durationMs`: the attempt's; `stageDurationMs`: the whole stage's, the figure its record keeps. */
  /** `worker`: the queue worker that ran the attempt (`bullmq` executor). */
  STEP_SUCCESS: { attempt: number; durationMs: number; stageDurationMs?: number; outputHash?: string; usage: Record<string, number>; worker?: string };
  /** `stageDurationMs` on a final failure: the whole stage's, the figure its record keeps. */
  STEP_FAILURE: { attempt: number; durationMs: number; stageDurationMs?: number; code: string; errorClass: string; final: boolean; worker?: string };
  STEP_RETRY: { attempt: number; nextAttempt: number; delayMs: number; code: string };
  STEP_SKIPPED: { reason: string; status: 'SKIPPED' | 'CACHED' | 'BLOCKED' };
  RESOURCE_USAGE: { resource: string; amount: number; stageUsed: number; stageLimit?: number; globalUsed: number; globalLimit?: number };
  VALIDATION_ERROR: { rule: string; severity: 'warning' | 'error'; passed: boolean; detail?: string };
  CIRCUIT_BREAKER: { key: string; from: string; to: string; failures: number; halfOpenAt?: string };
  BUDGET_WARNING: { resource: string; used: number; limit: number; ratio: number; scope: 'stage' | 'global' };
  CANCELLED: { reason: string };
  PIPELINE_COMPLETE: { status: string; durationMs: number; counts: Record<string, number> };
  LOG: Record<string, unknown>;
  /** A per-item stage's items so far (at most every 250 ms, and once when it ends); `workers`: items ended on each queue worker. */
  ITEMS_PROGRESS: { done: number; failed: number; cached: number; running: number; total: number; itemsPerSecond: number; workers?: Record<string, number> };
  /** An item of a per-item stage that failed after its last attempt. */
  ITEM_FAILURE: { itemId: string; code: string; errorClass: string; attempts: number };
  /** A stage crossed an alert threshold (once per stage, metric and level); delivered to the pipeline's alert sinks. */
  ALERT: AlertMetadata;
}

/** Event types. */
export type EventType = keyof EventMetadataByType;

/** One event of a given type. */
export interface EventOf<T extends EventType> {
  /** ISO-8601 time the event happened. */
  readonly timestamp: string;
  /** Run it belongs to. */
  readonly runId: string;
  /** Stage it concerns, when one does. */
  readonly stageId?: string;
  /** Discriminant. */
  readonly type: T;
  /** Severity. */
  readonly level: EventLevel;
  /** One human sentence. */
  readonly message: string;
  /** Typed details. */
  readonly metadata: EventMetadataByType[T];
  /** Ties together the events of one stage execution (or the run, for run events). */
  readonly correlationId: string;
  /** Position in the run's event stream, from 1. */
  readonly seq: number;
}

/** Any run event: a union discriminated by `type`. */
export type PipelineEvent = { [T in EventType]: EventOf<T> }[EventType];

/** A subscriber to run events. */
export type EventListener = (event: PipelineEvent) => void;

/** What a producer supplies; the run fills in timestamp, run id and seq. */
export interface EventDraft<T extends EventType> {
  /** Stage it concerns. */
  readonly stageId?: string;
  /** @default 'INFO' */
  readonly level?: EventLevel;
  /** One human sentence. */
  readonly message: string;
  /** Typed details. */
  readonly metadata: EventMetadataByType[T];
  /** @default the stage's correlation id, or the run's */
  readonly correlationId?: string;
}

/** Emits an event of a given type; handed to executors and policies. */
export type Emit = <T extends EventType>(type: T, draft: EventDraft<T>) => void;
