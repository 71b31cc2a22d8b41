import type { PublicEvent } from '../events/public-event';

/**
 * One readable line per event, for `dagbook events` without `--json`: the
 * time, the level, the type, the stage (`-` for the run) and the message,
 * in columns:
 * `2024-12-02T10:30:45.123Z INFO    STEP_START        ingest_data  Stage \`ingest_data\` started (attempt 1)`.
 */
export function eventText(event: PublicEvent): string {
  return `${event.timestamp} ${event.level.padEnd(7)} ${event.event_type.padEnd(17)} ${(event.step_name ?? '-').padEnd(12)} ${event.message}`;
}
