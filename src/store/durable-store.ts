import { systemClock, type Clock } from '../clock';
import { DagbookError } from '../errors';
import type { PipelineEvent } from '../events/event';
import type { BreakerSnapshot, CacheEntry, ItemRecord, RunRecord, RunSummary, StageRecord, StageStatus } from '../records';
import type { StorableOutputOptions } from '../output-check';
import { pruneCacheHistory, resolveCachePolicy, type CacheOptions, type CachePolicy } from './cache-policy';
import { collectGarbage, collectGarbageInBackground, referencedOutputs, type BackgroundCollection, type GarbageReport } from './garbage-collection';
import { encodeOutput } from '../output-codec';
import { INLINE_OUTPUT_MAX_BYTES } from '../limits';
import { dropUnreferencedInline, isInlineSize, PendingOutputs } from './inline-outputs';
import type { StateLine } from './log-record';
import { applyStateLine } from './state-fold';
import { readRunDetails, writeRunDetails } from './run-details';
import { DEFAULT_RETENTION, planRetention, resolveRetention, retentionBatch, retireRunFolders, type RetentionOptions, type RetentionPlan, type RetentionPolicy } from './retention';
import { unknownRun } from './run-records';
import type { RunStore } from './run-store';
import { Snapshot } from './snapshot';
import type { LegacyRunDetails, StateDocument } from './state-schema';
import { StateView } from './state-view';
import { loadState, type RecoveryNote } from './state-loader';
import { acquireStateLock, type StateLock } from './state-lock';
import { takeRunCancelRequest } from './run-cancel-request';
import { assertSafeName, isJournalStageId, itemJournalPath, ITEM_JOURNAL_SUFFIX, runDir, runLogPath, statePaths, type StatePaths } from './state-paths';
import { DurableItemJournal } from './durable-item-journal';
import { errnoCode, stateIo, stateIoError } from './state-io';
import { sha256 } from '../canonical-json';
import { WriteAheadLog, type Durability } from './write-ahead-log';
import { mkdirDurableSync } from './atomic-file';
import { loadOrCreateSecretKey } from './secret-key';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/** Options of {@link openDurableStore}. */
export interface OpenDurableStoreOptions {
  /** The state folder; the pipeline's state goes in `<stateDir>/<pipeline>/`. */
  readonly stateDir: string;
  /** Pipeline name (a safe path segment). */
  readonly pipeline: string;
  /** Time source (lock timestamps, names of moved-aside files, cache ages). @default systemClock */
  readonly clock?: Clock;
  /**
   * Log records after which the snapshot is rewritten, at least; the threshold
   * grows with the snapshot so the rewrite cost per record stays flat. @default 1000
   */
  readonly compactMinRecords?: number;
  /** Command line recorded in the lock. @default process.argv joined by spaces */
  readonly command?: string;
  /** How much cache history to keep. @default { maxEntriesPerStage: 10, maxAgeDays: 90 } */
  readonly cache?: CacheOptions;
  /**
   * Largest output, in bytes of its stored form, kept inline in its record
   * rather than as a file under `artifacts/` (0: every output is a file).
   * @default INLINE_OUTPUT_MAX_BYTES (4 KiB)
   */
  readonly inlineOutputMaxBytes?: number;
  /**
   * The retention policy applied when a run begins (runs past it deleted with
   * their folders, then the outputs nothing refers to any more); `false`
   * keeps every run until `applyRetention` (`dagbook clean`).
   * @default { maxRuns: 100, failedRunDays: 7, successRunDays: 90, logDays: 30 } (see `retention.ts`)
   */
  readonly retention?: Omit<RetentionOptions, 'now' | 'mode'> | false;
  /** The file system the state is on (every read, write, sync and removal of the state goes through it). @default nodeFileSystem */
  readonly fileSystem?: StateFileSystem;
}

/**
 * Opens a pipeline's durable state: takes the single-writer lock, loads
 * `db.json` (lowdb, durable adapter), validates it (converting an older
 * version) and replays the newer run log records. An unusable `db.json` is
 * moved aside and rebuilt from the run logs when there are any;
 * `store.recovered` then says so.
 * @throws DagbookError `STATE_LOCKED` when another live process holds the state;
 * `STATE_CORRUPT` naming the path and the problem when it cannot be rebuilt;
 * `STATE_IO` naming the path and the operation when the file system refuses;
 * `INVALID_OPTION` for a bad pipeline name or option.
 */
export async function openDurableStore(options: OpenDurableStoreOptions): Promise<DurableStore> {
  const clock = options.clock ?? systemClock;
  const compactMinRecords = options.compactMinRecords ?? 1000;
  if (!Number.isInteger(compactMinRecords) || compactMinRecords < 1) {
    throw new DagbookError('INVALID_OPTION', `Expected \`compactMinRecords\` to be an integer >= 1, got \`${String(options.compactMinRecords)}\``);
  }
  const inlineOutputMaxBytes = options.inlineOutputMaxBytes ?? INLINE_OUTPUT_MAX_BYTES;
  if (!Number.isInteger(inlineOutputMaxBytes) || inlineOutputMaxBytes < 0) {
    throw new DagbookError('INVALID_OPTION', `Expected \`inlineOutputMaxBytes\` to be an integer >= 0, got \`${String(options.inlineOutputMaxBytes)}\``);
  }
  const cachePolicy = resolveCachePolicy(options.cache);
  const retention = options.retention === false ? undefined : resolveRetention(options.retention ?? DEFAULT_RETENTION);
  const fs = options.fileSystem ?? nodeFileSystem;
  const paths = statePaths(options.stateDir, options.pipeline);
  mkdirDurableSync(paths.root, fs);
  let lock: StateLock;
  try {
    lock = acquireStateLock({ lockPath: paths.lock, command: options.command, now: () => clock.now(), fileSystem: fs });
  } catch (error) {
    throw stateIoError('open', paths.lock, error);
  }
  try {
    const snapshot = new Snapshot(paths.db, options.pipeline, compactMinRecords, fs);
    let fresh = false;
    const loaded = await loadState(
      paths,
      options.pipeline,
      async () => {
        const raw = await snapshot.read();
        fresh = raw === null;
        return raw;
      },
      clock,
      { fileSystem: fs },
    );
    snapshot.load(loaded.document);
    const wal = new WriteAheadLog(paths, loaded.nextSeq, fs);
    const secretKey = stateIo('open', paths.secretKey, () => loadOrCreateSecretKey(paths.secretKey, undefined, fs));
    const store = new DurableStore(paths, snapshot, wal, lock, cachePolicy, retention, clock, loaded.recovered, loaded.truncatedLogs, secretKey, inlineOutputMaxBytes, fs);
    // Details a converted snapshot held of runs whose logs are gone are kept beside them before the snapshot drops them.
    if (loaded.legacy) keepLegacyDetails(paths, loaded.legacy, fs);
    // A fresh state gets its (empty) snapshot now: runs then live in their logs until the next compaction.
    if (fresh || loaded.replayed > 0 || loaded.recovered || loaded.migratedFrom !== undefined) await store.compact();
    else snapshot.markWritten();
    return store;
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** Writes `runs/<run-id>/record.json` for each run of an older snapshot that has no log. */
function keepLegacyDetails(paths: StatePaths, legacy: LegacyRunDetails, fs: StateFileSystem): void {
  for (const [runId, details] of Object.entries(legacy)) {
    if (!fs.existsSync(runDir(paths, runId))) continue;
    if (!fs.existsSync(runLogPath(paths, runId))) writeRunDetails(paths, runId, details, fs);
  }
}

/** What a retention pass did: the runs and logs retired, and the cache entries past the cache policy dropped. */
export interface RetentionResult extends RetentionPlan {
  /** Cache entries dropped by the cache policy (count and age). */
  readonly cacheEntriesDropped: number;
}

/** A retention pass applied to the document: what it retired, with the retired runs' summaries (for their archives). */
type RetiredRuns = RetentionResult & { readonly summaries: Readonly<Record<string, RunSummary | undefined>> };

/** What `gc` did. */
export interface GcResult extends GarbageReport {
  /** Cache entries dropped by the cache policy before collecting. */
  readonly cacheEntriesDropped: number;
}

/**
 * A {@link RunStore} under `state/<pipeline>/`: the facade over the
 * write-ahead log (`write-ahead-log.ts`: each change is a numbered record in
 * its run's JSONL log, written at once and made durable by group commit), the
 * snapshot (`snapshot.ts`: `db.json`, rewritten when due), the outputs (small
 * ones inline in their record, `inline-outputs.ts`; larger ones files,
 * `artifact-store.ts`), retention (`retention.ts`), the cache policy
 * (`cache-policy.ts`) and garbage collection (`garbage-collection.ts`); its
 * reads are the state reader's (`state-view.ts`). It holds the single-writer
 * lock until `close()`. Use {@link openDurableStore}.
 *
 * When a change is durable: every update of a run (its end included), a
 * cache entry put on its own, a cache deletion, and everything before
 * `flush()` or `close()`, when the call resolves. A run's begin and a stage's
 * start, success or failure are written to the run's log before the call
 * resolves (a killed process loses none; the stages that start or end
 * together share one write); CACHED, SKIPPED, BLOCKED and
 * CANCELLED records and events are written with the next of those or at the
 * end of the event-loop turn (see `write-ahead-log.ts`). All are made durable by the group commit: a success or failure (work
 * done) starts one at once, while RUNNING, CACHED, SKIPPED, BLOCKED and
 * CANCELLED records (cheap to redo) wait for the next one, at the latest the
 * run's end. A power cut before that sync only makes the stage run (or be
 * restored) again. A large output's file is durable before the record that
 * refers to it is written.
 */
export class DurableStore extends StateView implements RunStore {
  private readonly pendingOutputs = new PendingOutputs();
  /** The outputs a new run's retention pass is removing in the background. */
  private collecting: BackgroundCollection | undefined;
  /** A snapshot being written in the background (its data sync), and a failure of the last one, reported by the next commit. */
  private compacting: Promise<void> | undefined;
  private compactionFailure: { readonly error: unknown } | undefined;
  private closed = false;
  /** The item journals opened so far, by stage id (one per stage for the store's life). */
  private readonly journals = new Map<string, DurableItemJournal>();

  /** @internal Use {@link openDurableStore}. */
  constructor(
    paths: StatePaths,
    private readonly snapshot: Snapshot,
    private readonly wal: WriteAheadLog,
    private readonly lock: StateLock,
    private readonly cachePolicy: CachePolicy,
    /** Applied when a run begins; undefined: only on `applyRetention`. */
    private readonly retention: RetentionPolicy | undefined,
    private readonly clock: Clock,
    /** Set when `db.json` was unusable and the state was rebuilt from the run logs. */
    readonly recovered: RecoveryNote | undefined,
    /** Run logs whose torn last line was skipped on open. */
    readonly truncatedLogs: readonly { readonly path: string; readonly line: number }[],
    secretKey: Uint8Array,
    private readonly inlineOutputMaxBytes: number,
    fs: StateFileSystem,
  ) {
    super(paths, secretKey, fs);
  }

  private get doc(): StateDocument {
    return this.snapshot.doc;
  }

  protected document(): StateDocument {
    return this.doc;
  }

  /** A request from another process to cancel `runId` (`run-cancel-request.ts`), removed as it is read. */
  takeCancelRequest(runId: string): string | undefined {
    const request = takeRunCancelRequest(this.paths, runId, this.fs);
    return request === undefined ? undefined : request.reason;
  }

  /** A run's log is read whole: the lines held back go to it first. */
  protected beforeLogRead(): void {
    this.wal.writeHeld();
  }

  protected inlineOutput(hash: string): string | undefined {
    return super.inlineOutput(hash) ?? this.pendingOutputs.get(hash);
  }

  /**
   * Records a new run (replacing a run with the same id; its stages are
   * kept); durable with the next group commit. A new run first applies the
   * retention policy to the runs before it: when that retires anything, the
   * snapshot without them is written first, then their folders go, and the
   * outputs nothing refers to any more are removed in the background.
   */
  async beginRun(run: RunRecord): Promise<void> {
    this.assertOpen();
    assertSafeName('runId', run.runId);
    const resumed = this.doc.runs[run.runId] !== undefined;
    if (resumed) this.wal.writeHeld();
    if (resumed && !this.doc.active[run.runId]) this.doc.active[run.runId] = { run, stages: stageStates(readRunDetails(this.paths, run.runId, this.fs).stages) };
    const retired = !resumed && this.retention ? this.retire({ ...this.retention, now: this.clock.now(), mode: 'delete', countBatch: retentionBatch(this.retention) }) : undefined;
    this.write(run.runId, { kind: 'run', seq: 0, run });
    if (retired === undefined || retired.runs.length + retired.logs.length + retired.cacheEntriesDropped === 0) {
      // Its records go to the same log, after it: a sync that covers them covers the begin too.
      await this.commitLater(false);
      return;
    }
    await this.compact();
    await this.removeRetired(retired);
    // Not for a resumed run: it may still need outputs of its own earlier stages that only its log names.
    await this.collecting?.done;
    this.collecting = collectGarbageInBackground(this.doc, this.artifacts, this.fs, await this.itemOutputs());
  }

  /** Updates a run; durable when it resolves. @throws DagbookError `INVALID_OPTION` for an unknown run. */
  async updateRun(runId: string, patch: Partial<Omit<RunRecord, 'runId' | 'pipeline'>>): Promise<void> {
    this.assertOpen();
    const run = this.requireRun(runId);
    this.write(runId, { kind: 'run', seq: 0, run: { ...run, ...patch, runId: run.runId, pipeline: run.pipeline } });
    await this.commit();
    if (!this.doc.active[runId]) await this.wal.close(runId);
  }

  /**
   * Checkpoints a stage transition: written when the promise resolves, durable
   * with the next group commit (see the class comment).
   * @throws DagbookError `INVALID_OPTION` for an unknown run.
   */
  async saveStage(runId: string, record: StageRecord, entry?: CacheEntry): Promise<void> {
    this.assertOpen();
    this.requireRun(runId);
    // One line: a success, its cache entry and its small output survive a crash together or not at all.
    this.write(runId, { kind: 'checkpoint', seq: 0, runId, record, ...(entry === undefined ? {} : { entry }) }, false);
    if (entry !== undefined) pruneCacheHistory(this.doc.cache, this.cachePolicy, undefined, [entry.stageId]);
    // In the file before the stage's code runs (a start) or anything goes on from its end, with those of the same batch.
    if (mustWriteAtOnce(record.status)) await this.wal.written();
    await this.commitLater(record.status === 'SUCCEEDED' || record.status === 'FAILED');
  }

  /** Where the group commit of the write-ahead log stands (see `Durability`). */
  get durability(): Durability {
    return this.wal.durability;
  }

  /**
   * Resolves when every change made so far is durable (one group commit) and
   * no snapshot is being written in the background. @throws DagbookError `STATE_IO`
   */
  async flush(): Promise<void> {
    this.assertOpen();
    await Promise.all([this.commit(), ...[...this.journals.values()].map((journal) => journal.flush())]);
    await this.compactedInBackground();
  }

  /**
   * The item journal of a per-item stage, `items/<stage-id>.jsonl` (see
   * `durable-item-journal.ts`): the same one for the store's life; `flush()`
   * and `close()` make it durable too.
   * @throws DagbookError `INVALID_OPTION` when the stage id cannot name a file.
   */
  itemJournal(stageId: string): DurableItemJournal {
    this.assertOpen();
    let journal = this.journals.get(stageId);
    if (journal === undefined) {
      journal = new DurableItemJournal(itemJournalPath(this.paths, stageId), { fileSystem: this.fs });
      this.journals.set(stageId, journal);
    }
    return journal;
  }

  /** The latest record of every item of a per-item stage, as its journal holds it (appends not yet written included). */
  async readItemRecords(stageId: string): Promise<Map<string, ItemRecord>> {
    if (!isJournalStageId(stageId)) return new Map();
    return this.itemJournal(stageId).load();
  }

  /**
   * Stores an output; returns the sha256 of its stored form. A small one is
   * kept until the record that refers to it carries it; a larger one is a
   * file under `artifacts/<sha256>`, durable when this resolves.
   * @throws DagbookError `OUTPUT_NOT_SERIALIZABLE` naming the stage (when given) and the path of what cannot be stored.
   */
  async putOutput(value: unknown, options: StorableOutputOptions = {}): Promise<string> {
    this.assertOpen();
    const stored = encodeOutput(value, options);
    if (isInlineSize(stored, this.inlineOutputMaxBytes)) {
      const hash = sha256(stored);
      this.pendingOutputs.add(hash, stored);
      // Hashed just now: a cached re-run's check of it need not hash it again.
      this.noteWholeInline(hash, stored);
      return hash;
    }
    const hash = this.artifacts.putStored(stored);
    if (!this.collecting?.hashes.has(hash)) return hash;
    // The same output as one being removed: put it again once the removal is done.
    await this.collecting.done;
    return this.artifacts.putStored(stored);
  }

  /**
   * Adds a cache entry as its stage's latest (logged in its run's log while
   * that run is running); the stage keeps at most `cache.maxEntriesPerStage`.
   */
  async putCacheEntry(entry: CacheEntry): Promise<void> {
    this.assertOpen();
    this.write(this.doc.runs[entry.runId] ? entry.runId : undefined, { kind: 'cache', seq: 0, entry });
    // Dropped in memory only: a replay may bring one back until the next snapshot, which is harmless.
    pruneCacheHistory(this.doc.cache, this.cachePolicy, undefined, [entry.stageId]);
    await this.commit();
  }

  /**
   * Removes every cache entry of these stages, so they run again (rewrites
   * the snapshot), and the item journals of those that have one, so their
   * items run again too.
   */
  async deleteCacheEntries(stageIds: readonly string[]): Promise<void> {
    this.assertOpen();
    for (const id of stageIds) {
      if (isJournalStageId(id) && (this.journals.has(id) || this.fs.existsSync(itemJournalPath(this.paths, id)))) await this.itemJournal(id).clear();
    }
    const present = stageIds.filter((id) => this.doc.cache[id] !== undefined);
    if (present.length === 0) return;
    for (const id of present) delete this.doc.cache[id];
    await this.compact();
  }

  /** Persists a breaker (in the log of the latest running run, else in the snapshot). */
  async saveBreaker(key: string, snapshot: BreakerSnapshot): Promise<void> {
    this.assertOpen();
    this.write(this.latestRunningRun(), { kind: 'breaker', seq: 0, key, snapshot });
    await this.commitLater(true);
  }

  /** Appends an event to its run's log (durable at the next checkpoint or close). */
  appendEvent(event: PipelineEvent): void {
    this.assertOpen();
    this.wal.appendEvent(event);
  }

  /**
   * Drops the cache entries past the cache policy, then removes the outputs
   * that no kept cache entry or stage record points to; with `verify`, also
   * checks every output still stored and removes the damaged ones.
   */
  async gcArtifacts(options: { readonly verify?: boolean } = {}): Promise<GcResult> {
    this.assertOpen();
    const dropped = pruneCacheHistory(this.doc.cache, this.cachePolicy, this.clock.now());
    // The snapshot stops pointing to an output before the output goes.
    if (dropped.length > 0) await this.compact();
    const inlineBefore = Object.keys(this.doc.outputs).length;
    const report = collectGarbage(this.doc, this.artifacts, { ...options, itemOutputs: await this.itemOutputs() });
    // Inline outputs go with the snapshot that no longer holds them.
    if (Object.keys(this.doc.outputs).length !== inlineBefore) await this.compact();
    return { ...report, cacheEntriesDropped: dropped.length };
  }

  /**
   * Retires old runs (their summaries and folders) and old event logs, drops
   * the cache entries past the cache policy, and then removes the outputs
   * nothing refers to any more. In `archive` mode a run's folder moves to
   * `archive/<run-id>/` with its summary in `record.json` (archives stay until
   * removed by hand); in `delete` mode (the default) it is removed. Reports
   * only what it did: a second pass right after finds nothing to do.
   * @throws DagbookError `INVALID_OPTION` for a bad age, count or mode.
   */
  async applyRetention(options: RetentionOptions): Promise<RetentionResult & { readonly outputsRemoved: number }> {
    this.assertOpen();
    const retired = this.retire(options);
    const { summaries: _summaries, ...result } = retired;
    if (result.runs.length + result.logs.length + result.cacheEntriesDropped === 0) return { ...result, outputsRemoved: 0 };
    // The snapshot that no longer points to them is durable before any folder or output goes.
    await this.compact();
    await this.removeRetired(retired);
    return { ...result, outputsRemoved: collectGarbage(this.doc, this.artifacts, { itemOutputs: await this.itemOutputs() }).removed.length };
  }

  /**
   * Applies a retention plan to the document, in memory: the retired runs'
   * summaries are kept in the result for their folders' removal (which waits
   * for the snapshot: a run's log may be the only durable copy of a small
   * output a kept cache entry refers to).
   */
  private retire(options: RetentionOptions): RetiredRuns {
    const plan = planRetention(Object.values(this.doc.runs), options, (runId) => this.fs.existsSync(runDir(this.paths, runId)));
    const summaries: Record<string, RunSummary | undefined> = {};
    for (const runId of [...plan.runs, ...plan.logs]) summaries[runId] = this.doc.runs[runId];
    for (const runId of plan.runs) delete this.doc.runs[runId];
    const dropped = pruneCacheHistory(this.doc.cache, this.cachePolicy, options.now);
    if (plan.runs.length + plan.logs.length + dropped.length > 0) this.snapshot.require();
    return { ...plan, cacheEntriesDropped: dropped.length, summaries };
  }

  /** Removes (or archives) the folders and logs a retention pass retired, once the snapshot without them is durable. */
  private async removeRetired(retired: RetiredRuns): Promise<void> {
    for (const runId of [...retired.runs, ...retired.logs]) await this.wal.close(runId);
    retireRunFolders(this.paths, retired, (runId) => retired.summaries[runId], this.fs);
  }

  /** Syncs the logs, rewrites the snapshot when it has changed, and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.collecting?.done;
      await this.compacting;
      if (this.snapshot.changed) await this.compact();
      else await this.wal.flush();
    } finally {
      this.closed = true;
      try {
        await this.wal.closeAll();
      } finally {
        try {
          await this.closeJournals();
        } finally {
          this.lock.release();
        }
      }
    }
  }

  /** Syncs and closes every item journal. @throws the first failure, once every journal was tried */
  private async closeJournals(): Promise<void> {
    const journals = [...this.journals.values()];
    this.journals.clear();
    const results = await Promise.allSettled(journals.map((journal) => journal.close()));
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  }

  /**
   * The outputs the items' latest records refer to, of every journal under
   * `items/`: garbage collection keeps them.
   * @throws DagbookError `STATE_CORRUPT` for a damaged journal; `STATE_IO` when one cannot be read.
   */
  private async itemOutputs(): Promise<Set<string>> {
    const hashes = new Set<string>();
    let names: string[];
    try {
      names = this.fs.readdirSync(this.paths.items);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') names = [];
      else throw stateIoError('list', this.paths.items, error);
    }
    const stageIds = new Set(this.journals.keys());
    for (const name of names) {
      const stageId = name.slice(0, -ITEM_JOURNAL_SUFFIX.length);
      if (name.endsWith(ITEM_JOURNAL_SUFFIX) && isJournalStageId(stageId)) stageIds.add(stageId);
    }
    for (const stageId of stageIds) {
      for (const record of (await this.itemJournal(stageId).load()).values()) {
        if (record.outputHash !== undefined && record.inlineOutput === undefined) hashes.add(record.outputHash);
      }
    }
    return hashes;
  }

  /** Rewrites the snapshot now (without the inline outputs nothing refers to any more), then syncs every log. */
  async compact(): Promise<void> {
    await this.compactedInBackground();
    dropUnreferencedInline(this.doc, referencedOutputs(this.doc));
    const written = this.snapshot.write();
    await this.wal.flush();
    await written;
  }

  /**
   * Numbers a state record (with the small outputs it is the first to refer
   * to), logs it in `runId`'s log and applies it to the document.
   */
  private write(runId: string | undefined, draft: StateLine, straight = true): void {
    applyStateLine(this.doc, this.wal.append(runId, this.pendingOutputs.attach(draft, this.doc), straight));
    this.snapshot.noteRecord(runId);
  }

  /** Makes every change so far durable: the snapshot rewritten when due, else one group commit of the logs. */
  private async commit(): Promise<void> {
    if (this.snapshot.due) await this.compact();
    else {
      this.compactSoon();
      await this.wal.flush();
      // The logs hold every change: a snapshot still being written is not waited for, only a failed one reported.
      this.reportCompactionFailure();
    }
  }

  /**
   * Lets the changes so far become durable with a later group commit
   * (`soon`: start one now); a snapshot rewrite that is due is done now, as a
   * record the logs cannot replay must not wait.
   */
  private async commitLater(soon: boolean): Promise<void> {
    if (this.snapshot.due) await this.compact();
    else {
      this.compactSoon();
      if (soon) this.wal.commitSoon();
    }
  }

  /**
   * Starts writing the snapshot in the background when enough records were
   * logged since the last one (they are all in the logs, so nothing waits
   * for it: it only keeps the logs to replay on open short).
   */
  private compactSoon(): void {
    if (!this.snapshot.compactionDue || this.compacting !== undefined) return;
    dropUnreferencedInline(this.doc, referencedOutputs(this.doc));
    this.compacting = this.snapshot.writeInBackground(this.fs).then(
      () => {
        this.compacting = undefined;
      },
      (error: unknown) => {
        this.compacting = undefined;
        this.compactionFailure = { error };
      },
    );
  }

  /** Settles when no snapshot is being written in the background. @throws DagbookError `STATE_IO` when the last one failed */
  private async compactedInBackground(): Promise<void> {
    await this.compacting;
    this.reportCompactionFailure();
  }

  /** @throws DagbookError `STATE_IO` when the last snapshot written in the background failed (once). */
  private reportCompactionFailure(): void {
    const failure = this.compactionFailure;
    this.compactionFailure = undefined;
    if (failure !== undefined) throw failure.error;
  }

  /** The running run started last (of equal starts, the one recorded last), as `sortRuns` orders them. */
  private latestRunningRun(): string | undefined {
    let latest: RunRecord | undefined;
    for (const { run } of Object.values(this.doc.active)) {
      if (latest === undefined || run.startedAt >= latest.startedAt) latest = run;
    }
    return latest?.runId;
  }

  /** A run's whole record: a running run's from the document, another's from its log. */
  private requireRun(runId: string): RunRecord {
    const active = this.doc.active[runId];
    if (active) return active.run;
    if (!this.doc.runs[runId]) throw unknownRun(runId);
    this.wal.writeHeld();
    const run = readRunDetails(this.paths, runId, this.fs).run;
    if (!run) throw unknownRun(runId);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new DagbookError('INVALID_OPTION', `The store of ${this.paths.root} is closed; open it again`, {
        data: { path: this.paths.root },
      });
    }
  }
}

/**
 * Whether a stage record is in the log when its save resolves (with the
 * others of its microtask batch, in one write): a start (a process killed
 * inside the stage finds it, and re-runs the interrupted attempt under its
 * number), a success (before any dependent starts) or a failure. The others
 * record stages that did no work: losing them to a kill only restores or
 * skips the stage again.
 */
function mustWriteAtOnce(status: StageStatus): boolean {
  return status === 'RUNNING' || status === 'SUCCEEDED' || status === 'FAILED' || status === 'PARTIAL';
}

/** The state of each stage of a set of records. */
function stageStates(records: Readonly<Record<string, StageRecord>>): Record<string, StageStatus> {
  const states: Record<string, StageStatus> = {};
  for (const [id, record] of Object.entries(records)) states[id] = record.status;
  return states;
}
