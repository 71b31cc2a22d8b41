import * as path from 'node:path';
import { sha256 } from '../canonical-json';
import type { PipelineEvent } from '../events/event';
import { RotatingLog } from '../service/rotating-log';

/**
 * Per-item log files of a daemon: `state/<pipeline>/logs/items/<stage>/<item>.log`
 * gets a line for each `LOG` event an item's attempt emitted (`ctx.log`) and
 * for its `ITEM_FAILURE`, so one item's story is one file. Bounded: each file
 * is rotated by size (`<item>.log.1`, one rotated file kept), through the
 * service logs' {@link RotatingLog}; a file is opened for a write and closed
 * after it, so a pipeline of many items holds no descriptors between events.
 * An item is told by the event's correlation id (`<run>/<stage>/<item>`).
 */

/** Options of {@link itemLogWriter}. */
export interface ItemLogOptions {
  /** `state/<pipeline>/logs/items`. */
  readonly dir: string;
  /** Size past which a file is rotated, bytes. @default 1 MiB */
  readonly maxBytes?: number;
}

/** The default size of an item's log before it is rotated, bytes. */
export const ITEM_LOG_MAX_BYTES = 1024 * 1024;

const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;

/** An id as one file name: itself when it is a safe path segment, else its safe characters and a short hash of it. */
export function fileSegment(id: string): string {
  if (SAFE_SEGMENT.test(id)) return id;
  return `${id.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[.-]+/, '').slice(0, 60)}-${sha256(id).slice(0, 12)}`;
}

/** The log file of an item. */
export function itemLogPath(dir: string, stageId: string, itemId: string): string {
  return path.join(dir, fileSegment(stageId), `${fileSegment(itemId)}.log`);
}

/** The item an event concerns, from its correlation id; undefined for a stage or run event. */
function itemOf(event: PipelineEvent): string | undefined {
  if (event.type === 'ITEM_FAILURE') return event.metadata.itemId;
  if (event.stageId === undefined) return undefined;
  const prefix = `${event.runId}/${event.stageId}/`;
  return event.correlationId.startsWith(prefix) ? event.correlationId.slice(prefix.length) : undefined;
}

/** A run listener that writes the log lines of items; `onError` hears a write that failed (the run goes on). */
export function itemLogWriter(options: ItemLogOptions, onError: (error: unknown) => void): (event: PipelineEvent) => void {
  const maxBytes = options.maxBytes ?? ITEM_LOG_MAX_BYTES;
  return (event) => {
    if (event.type !== 'LOG' && event.type !== 'ITEM_FAILURE') return;
    const item = itemOf(event);
    if (item === undefined || event.stageId === undefined) return;
    const details = event.type === 'LOG' ? (Object.keys(event.metadata).length === 0 ? '' : ` ${JSON.stringify(event.metadata)}`) : ` ${JSON.stringify({ code: event.metadata.code, attempts: event.metadata.attempts })}`;
    const line = `${event.timestamp} ${event.level} [${event.runId}] ${event.message}${details}\n`;
    try {
      const log = new RotatingLog(itemLogPath(options.dir, event.stageId, item), { maxBytes, keep: 1 });
      try {
        log.write(line);
      } finally {
        log.close();
      }
    } catch (error) {
      onError(error);
    }
  };
}
