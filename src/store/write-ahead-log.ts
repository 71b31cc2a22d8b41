import type { PipelineEvent } from '../events/event';
import { JsonlLog } from './event-log';
import { json } from './run-records';
import { logHeader, parseLog, type InlineOutputs, type StateLine } from './log-record';
import { runLogPath, type StatePaths } from './state-paths';
import { readStateText } from './state-io';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/** Where a write-ahead log's group commit stands (counts since the store was opened). */
export interface Durability {
  /** State records appended. */
  readonly appended: number;
  /** Of those, the records a completed sync covers. */
  readonly durable: number;
  /** Group commits completed (each one fdatasync per log it covered). */
  readonly commits: number;
}

/**
 * The write-ahead log of a pipeline's state: one JSONL log per run
 * (`runs/<run-id>/events.jsonl`, see `log-record.ts`), holding both the run's
 * events and its state records. Each state record gets the next sequence
 * number; it is durable once a sync covers it. A record that must reach the
 * file at once (`straight`: a run's begin and end, a cache entry, a breaker)
 * is written before `append` returns, in one `write(2)` with every line held
 * back before it. The others are held back: a stage's start, success or
 * failure is in its file when the promise of `written()` resolves (its
 * caller waits for it: one `write(2)` for every line held back by the
 * callers of one microtask batch — the starts of a fan-out's ready stages,
 * the successes of stages that end together); the rest (a stage restored,
 * skipped, blocked or cancelled, and events) are written with the next write
 * or at the end of the event-loop turn, whichever comes first (a killed
 * process loses at most those of the turn it was killed in: records that are
 * cheap to redo, and their events). So a chain writes twice per stage, a
 * fan-out about twice per batch of stages that start or end together, and an
 * all-cached re-run a few times in all, not once per line.
 *
 * Syncs are a group commit: `commitSoon()` starts one fdatasync (on libuv's
 * thread pool, so the run goes on meanwhile) for every log that got records
 * since the last; records appended while it runs wait for the next one, which
 * starts as soon as it ends and covers them all. `flush()` resolves when every
 * record appended before the call is durable. Events alone make no log dirty:
 * they are durable with the next state record. A sync that fails fails every
 * later `flush()` too: the file's state after a failed fdatasync is unknown.
 */
export class WriteAheadLog {
  private readonly logs = new Map<string, JsonlLog>();
  private readonly dirty = new Set<JsonlLog>();
  /** Lines held back, by log, in order. */
  private readonly held = new Map<JsonlLog, string[]>();
  private writeScheduled = false;
  /** The write of the lines held back so far, at the end of this microtask batch (see `written`). */
  private batchWrite: Promise<void> | undefined;
  /** State records appended so far, and how many of them a completed sync covers. */
  private appended = 0;
  private durable = 0;
  private commitCount = 0;
  private syncing: Promise<void> | undefined;
  private failure: { readonly error: unknown } | undefined;
  private readonly waiters: { readonly upTo: number; readonly resolve: () => void; readonly reject: (error: unknown) => void }[] = [];

  constructor(
    private readonly paths: StatePaths,
    /** The next sequence number to hand out. */
    private nextSeq: number,
    private readonly fs: StateFileSystem = nodeFileSystem,
  ) {}

  /**
   * Numbers a state record and appends it to `runId`'s log (not durable until
   * a sync covers it); with no run it is only numbered (the snapshot must then
   * carry it). A `straight` record is in the file when this returns (with
   * the lines held back before it); another is held back (see the class
   * comment). Returns the record exactly as it reads back.
   * @throws DagbookError `STATE_IO` when the log cannot be written (or a held-back write failed).
   */
  append(runId: string | undefined, draft: StateLine, straight = true): StateLine {
    // Inline outputs are strings already: they are written as they are, not copied like the record.
    const { outputs, ...record } = draft as StateLine & { readonly outputs?: InlineOutputs };
    const numbered = { ...record, seq: this.nextSeq++ };
    const base = JSON.stringify(numbered);
    const text = outputs === undefined ? base : `${base.slice(0, -1)},"outputs":${JSON.stringify(outputs)}}`;
    if (runId !== undefined) {
      const log = this.logFor(runId);
      this.hold(log, text);
      this.dirty.add(log);
      this.appended++;
      if (straight) this.writeHeld();
    }
    // What the state keeps is what a replay reads back: fields set to undefined dropped, and no object shared with the caller.
    const line = json(numbered) as StateLine;
    return outputs === undefined ? line : ({ ...line, outputs } as StateLine);
  }

  /** Where the group commit stands: records appended, how many a sync covers, and how many syncs (group commits) have completed. */
  get durability(): Durability {
    return { appended: this.appended, durable: this.durable, commits: this.commitCount };
  }

  /** Appends an event to its run's log. @throws DagbookError `STATE_IO` */
  appendEvent(event: PipelineEvent): void {
    this.hold(this.logFor(event.runId), JSON.stringify({ kind: 'event', event }));
  }

  /**
   * Writes every line held back, one `write(2)` per log.
   * @throws DagbookError `STATE_IO` when a log cannot be written (then every later write and flush fails too).
   */
  writeHeld(): void {
    if (this.failure !== undefined) throw this.failure.error;
    if (this.held.size === 0) return;
    const held = [...this.held];
    this.held.clear();
    try {
      for (const [log, lines] of held) log.appendLines(lines);
    } catch (error) {
      this.fail(error);
      throw error;
    }
  }

  /**
   * Resolves when every line held back so far is in its file (not yet
   * durable): written by a microtask queued at the first call since the last
   * write, so that the lines its callers hold back meanwhile (every stage of
   * the batch that started or ended at once) go in the same `write(2)`.
   * @throws DagbookError `STATE_IO` (as a rejection) when a log cannot be written.
   */
  written(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure.error);
    if (this.held.size === 0) return Promise.resolve();
    this.batchWrite ??= new Promise<void>((resolve, reject) => {
      queueMicrotask(() => {
        this.batchWrite = undefined;
        try {
          this.writeHeld();
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    });
    return this.batchWrite;
  }

  /** Starts a group commit of the records appended so far, unless one is running (the next one then covers them). */
  commitSoon(): void {
    if (this.syncing !== undefined || this.failure !== undefined || this.durable >= this.appended) return;
    // Records are in their files before the sync that is to cover them starts.
    try {
      this.writeHeld();
    } catch {
      return;
    }
    const upTo = this.appended;
    const logs = [...this.dirty];
    this.dirty.clear();
    this.syncing = Promise.all(logs.map((log) => log.syncInBackground())).then(
      () => this.synced(upTo),
      (error: unknown) => this.failed(error),
    );
  }

  /**
   * Resolves when every state record appended so far is durable (one
   * fdatasync for them all, shared with whatever else is pending).
   * @throws DagbookError `STATE_IO` (as a rejection) when a sync failed.
   */
  flush(): Promise<void> {
    try {
      this.writeHeld();
    } catch (error) {
      return Promise.reject(error);
    }
    const upTo = this.appended;
    if (this.durable >= upTo) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ upTo, resolve, reject });
      this.commitSoon();
    });
  }

  /** Syncs and closes a run's log (it reopens on the next append), once no sync is running. */
  async close(runId: string): Promise<void> {
    this.writeHeld();
    await this.idle();
    const log = this.logs.get(runId);
    if (!log) return;
    this.logs.delete(runId);
    this.dirty.delete(log);
    log.close();
  }

  /** Syncs and closes every open log, once no sync is running. */
  async closeAll(): Promise<void> {
    // A failed log is closed all the same: its lines cannot be written.
    if (this.failure === undefined) this.writeHeld();
    await this.idle();
    for (const [runId, log] of this.logs) {
      this.logs.delete(runId);
      this.dirty.delete(log);
      log.close();
    }
  }

  /** Settles when no background sync is running (a log's file must not close under one). */
  private async idle(): Promise<void> {
    while (this.syncing !== undefined) await this.syncing;
  }

  private synced(upTo: number): void {
    this.syncing = undefined;
    this.durable = upTo;
    this.commitCount++;
    let kept = 0;
    for (const waiter of this.waiters) {
      if (waiter.upTo <= upTo) waiter.resolve();
      else this.waiters[kept++] = waiter;
    }
    this.waiters.length = kept;
    // Records appended during that sync: the next group.
    this.commitSoon();
  }

  /** Holds a line back, to be written with the next straight record or at the end of this event-loop turn. */
  private hold(log: JsonlLog, line: string): void {
    const lines = this.held.get(log);
    if (lines === undefined) this.held.set(log, [line]);
    else lines.push(line);
    if (this.writeScheduled) return;
    this.writeScheduled = true;
    setImmediate(() => {
      this.writeScheduled = false;
      try {
        this.writeHeld();
      } catch {
        // Kept in `failure`: the next write, flush or close reports it.
      }
    });
  }

  /** A sync failed. */
  private failed(error: unknown): void {
    this.syncing = undefined;
    this.fail(error);
  }

  /** A write or a sync failed: the files' state is unknown, so every later write and flush fails. */
  private fail(error: unknown): void {
    this.failure ??= { error };
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
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
