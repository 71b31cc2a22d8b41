import type { AlertMetadata, EventOf } from '../events/event';

/**
 * What an alert sink receives: the ALERT event flattened into one JSON
 * object that names its pipeline, so a receiver shared by several pipelines
 * needs nothing else; and the same as `DAGBOOK_ALERT_*` environment
 * variables, for a command that would rather not parse JSON.
 */

/** An alert as a sink receives it. */
export interface AlertPayload extends AlertMetadata {
  /** Pipeline name. */
  readonly pipeline: string;
  /** Run id. */
  readonly runId: string;
  /** Stage that crossed the threshold. */
  readonly stageId?: string;
  /** One human sentence. */
  readonly message: string;
  /** ISO-8601 time the alert was raised. */
  readonly timestamp: string;
}

/** The payload of an ALERT event of `pipeline`. */
export function alertPayload(pipeline: string, event: EventOf<'ALERT'>): AlertPayload {
  return {
    pipeline,
    runId: event.runId,
    ...(event.stageId === undefined ? {} : { stageId: event.stageId }),
    ...event.metadata,
    message: event.message,
    timestamp: event.timestamp,
  };
}

/** The payload as environment variables: `DAGBOOK_ALERT_LEVEL`, `_METRIC`, `_VALUE`, `_THRESHOLD`, `_STAGE`, `_RUN_ID`, `_PIPELINE`, `_MESSAGE`, `_TIMESTAMP`. */
export function alertEnvironment(payload: AlertPayload): Record<string, string> {
  return {
    DAGBOOK_ALERT_LEVEL: payload.level,
    DAGBOOK_ALERT_METRIC: payload.metric,
    DAGBOOK_ALERT_VALUE: String(payload.value),
    DAGBOOK_ALERT_THRESHOLD: String(payload.threshold),
    DAGBOOK_ALERT_STAGE: payload.stageId ?? '',
    DAGBOOK_ALERT_RUN_ID: payload.runId,
    DAGBOOK_ALERT_PIPELINE: payload.pipeline,
    DAGBOOK_ALERT_MESSAGE: payload.message,
    DAGBOOK_ALERT_TIMESTAMP: payload.timestamp,
  };
}
