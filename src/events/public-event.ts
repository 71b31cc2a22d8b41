import { z } from 'zod';
import type * as ZodToJsonSchema from 'zod-to-json-schema';
import type { EventLevel, EventType, PipelineEvent } from './event';

/**
 * A run event in the shape the teams' event logs use (one JSON object per
 * line: `timestamp`, `run_id`, `step_name`, `event_type`, `level`,
 * `message`, `metadata`, `context.correlation_id`), made from a dagbook event
 * by a pure mapping. This is what `dagbook events --json` prints and what an
 * exported run folder's `events.jsonl` holds; the run log itself keeps
 * dagbook's own records (`store/log-record.ts`).
 *
 * Event types. The nine team types, and what each is made from:
 *
 * | team `event_type` | dagbook event |
 * |---|---|
 * | STEP_START | STEP_START |
 * | STEP_PROGRESS | STEP_PROGRESS, and ITEMS_PROGRESS (a per-item stage's items so far) |
 * | STEP_SUCCESS | STEP_SUCCESS |
 * | STEP_FAILURE | STEP_FAILURE (every failed attempt: `metadata.final` says whether it was the last) |
 * | STEP_RETRY | STEP_RETRY |
 * | RESOURCE_USAGE | RESOURCE_USAGE, and BUDGET_WARNING (usage near a budget, level WARNING) |
 * | VALIDATION_ERROR | VALIDATION_ERROR |
 * | CIRCUIT_BREAKER | CIRCUIT_BREAKER |
 * | PIPELINE_COMPLETE | PIPELINE_COMPLETE |
 *
 * A dagbook event folded into another team type keeps its own type name in
 * `metadata.dagbook_type`. The events the teams have no type for — RUN_START,
 * STEP_SKIPPED (cached, skipped or blocked), CANCELLED, ITEM_FAILURE, LOG and
 * ALERT (a crossed threshold, at the alert's level: WARNING or CRITICAL) —
 * are written, not dropped, under their dagbook type name as `event_type`:
 * the file is then the whole stream, and a reader that knows only the nine
 * team types skips the lines it does not know (ITEM_FAILURE stays apart from
 * STEP_FAILURE because one failed item is not a failed step: the step may end
 * PARTIAL and its downstream run).
 *
 * Fields. `step_name` is the stage id, `null` for an event of the whole run;
 * `level` is DEBUG, INFO, WARNING or ERROR (dagbook's WARN written WARNING;
 * CRITICAL is allowed for alerts); the top-level metadata keys are written in
 * snake_case (`durationMs` → `duration_ms`) while the values, and the keys
 * inside them (a usage's resources, counts by state) stay as they are, and
 * a LOG event's metadata, which a stage author wrote, is kept whole;
 * `context.seq` is the event's position in the run's stream, from 1.
 */

/** Levels of a public event line. */
export type PublicEventLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

/** The nine event types the teams' schema names. */
export const TEAM_EVENT_TYPES = [
  'STEP_START',
  'STEP_PROGRESS',
  'STEP_SUCCESS',
  'STEP_FAILURE',
  'STEP_RETRY',
  'RESOURCE_USAGE',
  'VALIDATION_ERROR',
  'CIRCUIT_BREAKER',
  'PIPELINE_COMPLETE',
] as const;

/** The event types written under their dagbook name, having no team equivalent. */
export const DAGBOOK_ONLY_EVENT_TYPES = ['RUN_START', 'STEP_SKIPPED', 'CANCELLED', 'ITEM_FAILURE', 'LOG', 'ALERT'] as const;

/** A public event line's `event_type`. */
export type PublicEventType = (typeof TEAM_EVENT_TYPES)[number] | (typeof DAGBOOK_ONLY_EVENT_TYPES)[number];

/** One event as a public JSON line. */
export interface PublicEvent {
  /** ISO-8601 time the event happened. */
  readonly timestamp: string;
  /** Run it belongs to. */
  readonly run_id: string;
  /** Stage it concerns; null for an event of the whole run. */
  readonly step_name: string | null;
  /** See the module comment. */
  readonly event_type: PublicEventType;
  /** Severity. */
  readonly level: PublicEventLevel;
  /** One human sentence. */
  readonly message: string;
  /** Details of its type, top-level keys in snake_case. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Where it belongs. */
  readonly context: {
    /** Ties together the events of one stage execution (`<run-id>/<stage-id>`), or the run's (`<run-id>`). */
    readonly correlation_id: string;
    /** Position in the run's event stream, from 1. */
    readonly seq: number;
  };
}

/** The team type each dagbook type is written as. */
const EVENT_TYPE: Readonly<Record<EventType, PublicEventType>> = {
  RUN_START: 'RUN_START',
  STEP_START: 'STEP_START',
  STEP_PROGRESS: 'STEP_PROGRESS',
  ITEMS_PROGRESS: 'STEP_PROGRESS',
  STEP_SUCCESS: 'STEP_SUCCESS',
  STEP_FAILURE: 'STEP_FAILURE',
  STEP_RETRY: 'STEP_RETRY',
  STEP_SKIPPED: 'STEP_SKIPPED',
  RESOURCE_USAGE: 'RESOURCE_USAGE',
  BUDGET_WARNING: 'RESOURCE_USAGE',
  VALIDATION_ERROR: 'VALIDATION_ERROR',
  CIRCUIT_BREAKER: 'CIRCUIT_BREAKER',
  CANCELLED: 'CANCELLED',
  PIPELINE_COMPLETE: 'PIPELINE_COMPLETE',
  ITEM_FAILURE: 'ITEM_FAILURE',
  LOG: 'LOG',
  ALERT: 'ALERT',
};

const LEVEL: Readonly<Record<EventLevel, PublicEventLevel>> = { DEBUG: 'DEBUG', INFO: 'INFO', WARN: 'WARNING', ERROR: 'ERROR' };

/** `durationMs` → `duration_ms`. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A dagbook event as a public event line (see the module comment). */
export function toPublicEvent(event: PipelineEvent): PublicEvent {
  const eventType = EVENT_TYPE[event.type];
  const metadata: Record<string, unknown> =
    event.type === 'LOG' ? { ...event.metadata } : Object.fromEntries(Object.entries(event.metadata).map(([key, value]) => [snakeCase(key), value]));
  if (eventType !== event.type) metadata.dagbook_type = event.type;
  return {
    timestamp: event.timestamp,
    run_id: event.runId,
    step_name: event.stageId ?? null,
    event_type: eventType,
    level: event.type === 'BUDGET_WARNING' ? 'WARNING' : event.type === 'ALERT' ? event.metadata.level : LEVEL[event.level],
    message: event.message,
    metadata,
    context: { correlation_id: event.correlationId, seq: event.seq },
  };
}

/** The zod schema of a public event line (other `context` fields, as the teams' `user_id` and `session_id`, are allowed). */
export const publicEventSchema = z
  .object({
    timestamp: z.string().datetime({ offset: true }).describe('ISO-8601 time the event happened'),
    run_id: z.string().min(1).describe('Run it belongs to'),
    step_name: z.string().min(1).nullable().describe('Stage it concerns; null for an event of the whole run'),
    event_type: z.enum([...TEAM_EVENT_TYPES, ...DAGBOOK_ONLY_EVENT_TYPES]).describe('The teams\u2019 nine types, or a dagbook type they have no equivalent for'),
    level: z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']),
    message: z.string(),
    metadata: z.record(z.unknown()).describe('Details of its type, top-level keys in snake_case'),
    context: z
      .object({
        correlation_id: z.string().min(1).describe('Ties together the events of one stage execution, or of the run'),
        seq: z.number().int().positive().describe('Position in the run\u2019s event stream, from 1'),
      })
      .passthrough(),
  })
  .strict();

/** The JSON Schema of a public event line, generated from {@link publicEventSchema}. */
export function publicEventJsonSchema(): Record<string, unknown> {
  // Loaded on use, not on the library's import path (as the pipeline file's schema).
  const { zodToJsonSchema } = require('zod-to-json-schema') as typeof ZodToJsonSchema;
  return zodToJsonSchema(publicEventSchema, { name: 'DagbookEventLine', $refStrategy: 'none', errorMessages: false }) as Record<string, unknown>;
}
