import type { PipelineEvent } from '../events/event';
import { JsonlLog } from './event-log';
import { logHeader, parseLog, type StateLine } from './log-record';
import { runLogPath, type StatePaths } from './state-paths';
import { readStateText } from './state-io';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/**
 * The write-ahead log of a pipeline's state: one JSONL log per run
 * (`runs/<run-id>/events.jsonl`, see `log-record.ts`), holding both the run's
 * events and its state records. Each state record gets the next sequence
 * number; `sync()` fdatasyncs the logs that got state records since the last
 * sync, so the records of one tick share one fdatasync (group commit). Events
 * alone make no log dirty: they are durable with the next state record.
 */
export class WriteAheadLog {
  private readonly logs = new Map<string, JsonlLog>();
  private readonly dirty = new Set<JsonlLog>();

  constructor(
    private readonly paths: StatePaths,
    /** The next sequence number to hand out. */
    private nextSeq: number,
    private readonly fs: StateFileSystem = nodeFileSystem,
  ) {}

  /**
   * Numbers a state record and appends it to `runId`'s log (not durable until
   * `sync`); with no run it is only numbered (the snapshot must then carry it).
   * Returns the record exactly as it reads back.
   * @throws DagbookError `STATE_IO` when the log cannot be written.
   */
  append(runId: string | undefined, draft: StateLine): StateLine {
    const text = JSON.stringify({ ...draft, seq: this.nextSeq++ });
    if (runId !== undefined) {
      const log = this.logFor(runId);
      log.appendLine(text);
      this.dirty.add(log);
    }
    return JSON.parse(text) as StateLine;
  }

  /** Appends an event to its run's log. @throws DagbookError `STATE_IO` */
  appendEvent(event: PipelineEvent): void {
    this.logFor(event.runId).appendLine(JSON.stringify({ kind: 'event', event }));
  }

  /** Fdatasyncs the logs that got state records since their last sync. @throws DagbookError `STATE_IO` */
  sync(): void {
    for (const log of this.dirty) log.sync();
    this.dirty.clear();
  }

  /** Syncs and closes a run's log (it reopens on the next append). */
  close(runId: string): void {
    const log = this.logs.get(runId);
    if (!log) return;
    this.logs.delete(runId);
    this.dirty.delete(log);
    log.close();
  }

  /** Syncs and closes every open log. */
  closeAll(): void {
    for (const runId of [...this.logs.keys()]) this.close(runId);
  }

  private logFor(runId: string): JsonlLog {
    let log = this.logs.get(runId);
    if (!log) {
      log = JsonlLog.open(runLogPath(this.paths, runId), this.fs);
      if (log.empty) log.appendLine(JSON.stringify(logHeader(runId)));
      this.logs.set(runId, log);
    }
    return log;
  }
}

/**
 * A run's events, in order, read from its log without changing it (a torn
 * last line is skipped, not cut).
 * @throws DagbookError `STATE_CORRUPT` for a damaged line; `STATE_IO` when the log cannot be read.
 */
export function readRunEvents(paths: StatePaths, runId: string, fs: StateFileSystem = nodeFileSystem): PipelineEvent[] {
  const file = runLogPath(paths, runId);
  const text = readStateText(file, fs);
  if (text === undefined) return [];
  const events: PipelineEvent[] = [];
  for (const line of parseLog(text, file).lines) if (line.kind === 'event') events.push(line.event);
  return events;
}
