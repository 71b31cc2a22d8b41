import * as path from 'node:path';
import { DagbookError } from '../errors';
import type { ItemRecord } from '../records';
import { fsyncDirSync, writeFileAtomicInBackground } from './atomic-file';
import { JsonlLog } from './event-log';
import type { ItemJournal } from './item-journal';
import { readItemJournal, removalLine } from './item-journal-file';
import { stateIo } from './state-io';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/** Options of a {@link DurableItemJournal}. */
export interface DurableItemJournalOptions {
  /** The file system the journal is on. @default nodeFileSystem */
  readonly fileSystem?: StateFileSystem;
  /** Lines the file holds at least before it is rewritten without its superseded lines. @default 1000 */
  readonly compactMinLines?: number;
}

/** Lines an item journal holds at least before it is compacted. */
export const ITEM_JOURNAL_COMPACT_MIN_LINES = 1000;

/**
 * The {@link ItemJournal} of one per-item stage in its own append-only file
 * (`items/<stage-id>.jsonl`, format in `item-journal-file.ts`), written the
 * way the write-ahead log writes run logs (`write-ahead-log.ts`), and for the
 * same reason: a stage of 100,000 items ends one item every few
 * microseconds, so an append must cost no more than serialising its line.
 *
 * - **Writes**: the lines of `append` and `remove` are held back and written
 *   at the end of the event-loop turn, all of them in one `write(2)` (a
 *   killed process loses at most the items that ended in the turn it was
 *   killed in: they run again).
 * - **Group commit**: right after that write, one fdatasync starts on
 *   libuv's thread pool for every line written since the last; lines written
 *   while it runs wait for the next, which starts as soon as it ends.
 *   `flush()` resolves once every line appended before it is durable; a
 *   failed write or sync fails every later append and flush (the file's
 *   state is then unknown).
 * - **Memory**: the file is replayed once (on the first `load`, `append` or
 *   `remove`) and the latest record per item kept and updated as lines are
 *   appended, so `load()` costs a copy of the map, not a read.
 * - **Compaction**: once the file holds more than twice as many lines as
 *   live items (and at least `compactMinLines`), it is rewritten with one
 *   line per live item: a new file made durable on the thread pool, renamed
 *   over the old one, the folder synced (`atomic-file.ts`). Lines appended
 *   meanwhile are held back and written to the new file after the rename, so
 *   a crash leaves the old file or the new one, each whole.
 *
 * The writer holds the pipeline's lock; readers replay the file without it
 * (`readItemJournal`), skipping a torn last line.
 */
export class DurableItemJournal implements ItemJournal {
  private readonly fs: StateFileSystem;
  private readonly compactMinLines: number;
  /** The file's replayed state, once read. */
  private records: Map<string, ItemRecord> | undefined;
  /** Lines in the file, written or held back. */
  private lines = 0;
  private log: JsonlLog | undefined;
  private held: string[] = [];
  private writeScheduled = false;
  /** Lines appended so far, and how many of them a completed sync (or compaction) covers. */
  private appended = 0;
  private durable = 0;
  /** Lines written to the file so far (the rest are held back). */
  private written = 0;
  private syncing: Promise<void> | undefined;
  private compacting: Promise<void> | undefined;
  private failure: { readonly error: unknown } | undefined;
  private readonly waiters: { readonly upTo: number; readonly resolve: () => void; readonly reject: (error: unknown) => void }[] = [];
  private syncCount = 0;
  private compactions = 0;

  constructor(
    /** The journal's file. */
    readonly file: string,
    options: DurableItemJournalOptions = {},
  ) {
    this.fs = options.fileSystem ?? nodeFileSystem;
    this.compactMinLines = options.compactMinLines ?? ITEM_JOURNAL_COMPACT_MIN_LINES;
    if (!Number.isInteger(this.compactMinLines) || this.compactMinLines < 1) {
      throw new DagbookError('INVALID_OPTION', `Expected \`compactMinLines\` to be an integer >= 1, got \`${String(options.compactMinLines)}\``, {
        data: { field: 'compactMinLines', value: options.compactMinLines },
      });
    }
  }

  /** Group commits (fdatasyncs) and compactions completed so far. */
  get stats(): { readonly syncs: number; readonly compactions: number } {
    return { syncs: this.syncCount, compactions: this.compactions };
  }

  /**
   * The latest record of every item (a copy).
   * @throws DagbookError `STATE_CORRUPT` naming the file and the line; `STATE_IO` when it cannot be read.
   */
  async load(): Promise<Map<string, ItemRecord>> {
    return new Map(this.state());
  }

  /**
   * Appends records: written at the end of this event-loop turn (see the
   * class comment), durable once the group commit that starts then covers them.
   * @throws DagbookError `STATE_IO` when an earlier write or sync failed; `STATE_CORRUPT` when the file cannot be replayed.
   */
  append(records: readonly ItemRecord[]): void {
    if (records.length === 0) return;
    const state = this.writable();
    for (const record of records) {
      this.held.push(JSON.stringify(record));
      state.set(record.itemId, storedCopy(record));
    }
    this.added(records.length);
  }

  /**
   * Forgets items (one removal line), with the durability of {@link append}.
   * @throws DagbookError `STATE_IO` when an earlier write or sync failed; `STATE_CORRUPT` when the file cannot be replayed.
   */
  remove(itemIds: readonly string[]): void {
    if (itemIds.length === 0) return;
    const state = this.writable();
    for (const id of itemIds) state.delete(id);
    this.held.push(removalLine(itemIds));
    this.added(1);
  }

  /**
   * Resolves when every line appended or removed before the call is durable.
   * @throws DagbookError `STATE_IO` (as a rejection) when a write, sync or compaction failed.
   */
  flush(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure.error);
    const upTo = this.appended;
    if (this.durable >= upTo) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ upTo, resolve, reject });
      this.writeHeld();
    });
  }

  /**
   * Forgets every item: the file is removed (durably) and the journal starts
   * empty. Lines appended before are dropped, and flushes waiting for them resolve.
   * @throws DagbookError `STATE_IO` when the file cannot be removed.
   */
  async clear(): Promise<void> {
    await this.idle();
    this.held = [];
    this.closeLog();
    stateIo('remove', this.file, () => this.fs.rmSync(this.file, { force: true }));
    fsyncDirSync(path.dirname(this.file), this.fs);
    this.records = new Map();
    this.lines = 0;
    this.written = this.appended;
    this.synced(this.appended);
  }

  /** Writes and syncs what is pending, then closes the file (it reopens on the next append). @throws DagbookError `STATE_IO` */
  async close(): Promise<void> {
    await this.flush();
    await this.idle();
    this.closeLog();
  }

  /** The replayed state, read on first use. */
  private state(): Map<string, ItemRecord> {
    if (this.records === undefined) {
      const content = readItemJournal(this.file, this.fs);
      this.records = content.records;
      this.lines = content.lines;
    }
    return this.records;
  }

  /** The state, for a change. @throws the failure of an earlier write or sync */
  private writable(): Map<string, ItemRecord> {
    if (this.failure !== undefined) throw this.failure.error;
    return this.state();
  }

  /** Counts lines just held back and schedules their write at the end of the turn. */
  private added(lines: number): void {
    this.lines += lines;
    this.appended += lines;
    if (this.writeScheduled) return;
    this.writeScheduled = true;
    setImmediate(() => {
      this.writeScheduled = false;
      this.writeHeld();
    });
  }

  /**
   * Writes the held lines in one `write(2)` (not while the file is being
   * replaced), then compacts when due or else starts a group commit.
   * A failure is kept: the next append or flush reports it.
   */
  private writeHeld(): void {
    if (this.failure !== undefined || this.compacting !== undefined) return;
    if (this.held.length > 0) {
      const lines = this.held;
      this.held = [];
      try {
        this.log ??= JsonlLog.open(this.file, this.fs);
        this.log.appendLines(lines);
      } catch (error) {
        this.fail(error);
        return;
      }
      this.written += lines.length;
    }
    if (this.compactionDue()) this.compactSoon();
    else this.commitSoon();
  }

  /** Starts a sync of the lines written so far, unless one is running (the next one then covers them). */
  private commitSoon(): void {
    if (this.syncing !== undefined || this.failure !== undefined || this.durable >= this.written || this.log === undefined) return;
    const upTo = this.written;
    this.syncing = this.log.syncInBackground().then(
      () => {
        this.syncing = undefined;
        this.syncCount++;
        this.synced(upTo);
        this.writeHeld();
      },
      (error: unknown) => {
        this.syncing = undefined;
        this.fail(error);
      },
    );
  }

  private compactionDue(): boolean {
    return this.records !== undefined && this.lines >= this.compactMinLines && this.lines > 2 * this.records.size;
  }

  /**
   * Rewrites the file with one line per live item, once no sync runs. The
   * live items reflect every line appended so far, held back or not, so the
   * held lines are dropped; lines appended while the new file is written are
   * held back and written to it once it is in place.
   */
  private compactSoon(): void {
    if (this.compacting !== undefined || this.records === undefined) return;
    const records = this.records;
    this.compacting = (async () => {
      while (this.syncing !== undefined) await this.syncing;
      const upTo = this.appended;
      const linesBefore = this.lines;
      this.held = [];
      const live = [...records.values()];
      const text = live.length === 0 ? '' : `${live.map((record) => JSON.stringify(record)).join('\n')}\n`;
      await writeFileAtomicInBackground(this.file, text, this.fs);
      // The old file (now unlinked) is closed: its unsynced lines, if any, are in the new one.
      this.closeLog();
      this.lines = live.length + (this.lines - linesBefore);
      this.written = upTo;
      this.compactions++;
      this.synced(upTo);
    })().then(
      () => {
        this.compacting = undefined;
        this.writeHeld();
      },
      (error: unknown) => {
        this.compacting = undefined;
        this.fail(error);
      },
    );
  }

  /** Lines up to `upTo` are durable: the flushes waiting for them resolve. */
  private synced(upTo: number): void {
    this.durable = Math.max(this.durable, upTo);
    let kept = 0;
    for (const waiter of this.waiters) {
      if (waiter.upTo <= this.durable) waiter.resolve();
      else this.waiters[kept++] = waiter;
    }
    this.waiters.length = kept;
  }

  /** A write, sync or compaction failed: the file's state is unknown, so every later append and flush fails. */
  private fail(error: unknown): void {
    this.failure ??= { error };
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  /** Settles when no sync or compaction runs (the file must not be closed or replaced under one). */
  private async idle(): Promise<void> {
    while (this.syncing !== undefined || this.compacting !== undefined) {
      await (this.syncing ?? this.compacting);
    }
  }

  private closeLog(): void {
    const log = this.log;
    this.log = undefined;
    log?.close();
  }
}

/** A record as a replay reads it back: fields set to undefined dropped, nothing shared with the caller. */
function storedCopy(record: ItemRecord): ItemRecord {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const value = (record as unknown as Record<string, unknown>)[key];
    if (value === undefined) continue;
    copy[key] = typeof value === 'object' && value !== null ? JSON.parse(JSON.stringify(value)) : value;
  }
  return copy as unknown as ItemRecord;
}
