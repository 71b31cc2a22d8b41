import { systemClock, type Clock } from '../clock';
import { DagbookError } from '../errors';
import type { PipelineEvent } from '../events/event';
import type { BreakerSnapshot, CacheEntry, RunRecord, StageRecord } from '../records';
import type { StorableOutputOptions } from '../output-check';
import { pruneCacheHistory, resolveCachePolicy, type CacheOptions, type CachePolicy } from './cache-policy';
import { collectGarbage, type GarbageReport } from './garbage-collection';
import { applyStateLine, type StateLine } from './log-record';
import { planRetention, retireRunFolders, type RetentionOptions, type RetentionPlan } from './retention';
import { unknownRun } from './run-records';
import type { RunStore } from './run-store';
import { Snapshot } from './snapshot';
import type { StateDocument } from './state-schema';
import { StateView } from './state-view';
import { loadState, type RecoveryNote } from './state-loader';
import { acquireStateLock, type StateLock } from './state-lock';
import { assertSafeName, statePaths, type StatePaths } from './state-paths';
import { stateIo, stateIoError } from './state-io';
import { WriteAheadLog } from './write-ahead-log';
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
  const cachePolicy = resolveCachePolicy(options.cache);
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
    const loaded = await loadState(paths, options.pipeline, () => snapshot.read(), clock, { fileSystem: fs });
    snapshot.load(loaded.document);
    const wal = new WriteAheadLog(paths, loaded.nextSeq, fs);
    const secretKey = stateIo('open', paths.secretKey, () => loadOrCreateSecretKey(paths.secretKey, undefined, fs));
    const store = new DurableStore(paths, snapshot, wal, lock, cachePolicy, clock, loaded.recovered, loaded.truncatedLogs, secretKey, fs);
    if (loaded.replayed > 0 || loaded.recovered || loaded.migratedFrom !== undefined) await store.compact();
    else snapshot.markWritten();
    return store;
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** What a retention pass did: the runs and logs retired, and the cache entries past the cache policy dropped. */
export interface RetentionResult extends RetentionPlan {
  /** Cache entries dropped by the cache policy (count and age). */
  readonly cacheEntriesDropped: number;
}

/** What `gc` did. */
export interface GcResult extends GarbageReport {
  /** Cache entries dropped by the cache policy before collecting. */
  readonly cacheEntriesDropped: number;
}

/**
 * A {@link RunStore} under `state/<pipeline>/`: the facade over the
 * write-ahead log (`write-ahead-log.ts`: each change is a numbered record in
 * its run's JSONL log, fdatasynced, changes of one tick sharing one sync), the
 * snapshot (`snapshot.ts`: `db.json`, rewritten when due), the artifacts
 * (`artifact-store.ts`), retention (`retention.ts`), the cache policy
 * (`cache-policy.ts`) and garbage collection (`garbage-collection.ts`); its
 * reads are the state reader's (`state-view.ts`). It
 * holds the single-writer lock until `close()`. Use {@link openDurableStore}.
 */
export class DurableStore extends StateView implements RunStore {
  private pendingCommit: Promise<void> | undefined;
  private closed = false;

  /** @internal Use {@link openDurableStore}. */
  constructor(
    paths: StatePaths,
    private readonly snapshot: Snapshot,
    private readonly wal: WriteAheadLog,
    private readonly lock: StateLock,
    private readonly cachePolicy: CachePolicy,
    private readonly clock: Clock,
    /** Set when `db.json` was unusable and the state was rebuilt from the run logs. */
    readonly recovered: RecoveryNote | undefined,
    /** Run logs whose torn last line was skipped on open. */
    readonly truncatedLogs: readonly { readonly path: string; readonly line: number }[],
    secretKey: Uint8Array,
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

  /** Records a new run (replacing a run with the same id; its stages are kept). */
  async beginRun(run: RunRecord): Promise<void> {
    this.assertOpen();
    assertSafeName('runId', run.runId);
    this.write(run.runId, { kind: 'run', seq: 0, run });
    this.snapshot.require();
    await this.commit();
  }

  /** Updates a run; a status change rewrites the snapshot. @throws DagbookError `INVALID_OPTION` for an unknown run. */
  async updateRun(runId: string, patch: Partial<Omit<RunRecord, 'runId' | 'pipeline'>>): Promise<void> {
    this.assertOpen();
    const run = this.requireRun(runId);
    this.write(runId, { kind: 'run', seq: 0, run: { ...run, ...patch, runId: run.runId, pipeline: run.pipeline } });
    if (patch.status !== undefined && patch.status !== run.status) this.snapshot.require();
    await this.commit();
    if (this.doc.runs[runId]?.status !== 'RUNNING') this.wal.close(runId);
  }

  /** Checkpoints a stage transition: durable when the promise resolves. @throws DagbookError `INVALID_OPTION` for an unknown run. */
  async saveStage(runId: string, record: StageRecord, entry?: CacheEntry): Promise<void> {
    this.assertOpen();
    this.requireRun(runId);
    // One line: a success and its cache entry survive a crash together or not at all.
    this.write(runId, { kind: 'checkpoint', seq: 0, runId, record, ...(entry === undefined ? {} : { entry }) });
    if (entry !== undefined) pruneCacheHistory(this.doc.cache, this.cachePolicy, undefined, [entry.stageId]);
    await this.commit();
  }

  /** Stores an output under `artifacts/<sha256>`; returns the hash. @throws DagbookError `OUTPUT_NOT_SERIALIZABLE` naming the stage (when given) and the path of what cannot be stored. */
  async putOutput(value: unknown, options: StorableOutputOptions = {}): Promise<string> {
    this.assertOpen();
    return this.artifacts.put(value, options);
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

  /** Removes every cache entry of these stages, so they run again (rewrites the snapshot). */
  async deleteCacheEntries(stageIds: readonly string[]): Promise<void> {
    this.assertOpen();
    const present = stageIds.filter((id) => this.doc.cache[id] !== undefined);
    if (present.length === 0) return;
    for (const id of present) delete this.doc.cache[id];
    await this.compact();
  }

  /** Persists a breaker (in the log of the latest running run, else in the snapshot). */
  async saveBreaker(key: string, snapshot: BreakerSnapshot): Promise<void> {
    this.assertOpen();
    this.write(this.latestRunningRun(), { kind: 'breaker', seq: 0, key, snapshot });
    await this.commit();
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
    return { ...collectGarbage(this.doc, this.artifacts, options), cacheEntriesDropped: dropped.length };
  }

  /**
   * Retires old runs (records and folders) and old event logs, and drops the
   * cache entries past the cache policy. In `archive` mode a run's folder moves
   * to `archive/<run-id>/` with its records in `record.json`; in `delete` mode
   * it is removed.
   * @throws DagbookError `INVALID_OPTION` for a bad age or mode.
   */
  async applyRetention(options: RetentionOptions): Promise<RetentionResult> {
    this.assertOpen();
    const plan = planRetention(Object.values(this.doc.runs), options);
    for (const runId of [...plan.runs, ...plan.logs]) this.wal.close(runId);
    retireRunFolders(this.paths, plan, (runId) => ({ run: this.doc.runs[runId], stages: this.doc.stages[runId] ?? {} }), this.fs);
    for (const runId of plan.runs) {
      delete this.doc.runs[runId];
      delete this.doc.stages[runId];
    }
    const dropped = pruneCacheHistory(this.doc.cache, this.cachePolicy, options.now);
    if (plan.runs.length + plan.logs.length + dropped.length > 0) await this.compact();
    return { ...plan, cacheEntriesDropped: dropped.length };
  }

  /** Syncs the logs, rewrites the snapshot and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.pendingCommit) await this.pendingCommit.catch(() => undefined);
      await this.compact();
    } finally {
      this.closed = true;
      try {
        this.wal.closeAll();
      } finally {
        this.lock.release();
      }
    }
  }

  /** Rewrites the snapshot now, then syncs every log. */
  async compact(): Promise<void> {
    const written = this.snapshot.write();
    this.wal.sync();
    await written;
  }

  /** Numbers a state record, logs it in `runId`'s log and applies it to the document. */
  private write(runId: string | undefined, draft: StateLine): void {
    applyStateLine(this.doc, this.wal.append(runId, draft));
    this.snapshot.noteRecord(runId);
  }

  /** Makes every pending change durable; changes made in the same tick share one fdatasync. */
  private commit(): Promise<void> {
    if (!this.pendingCommit) {
      this.pendingCommit = Promise.resolve().then(async () => {
        this.pendingCommit = undefined;
        if (this.snapshot.due) {
          await this.compact();
          return;
        }
        this.wal.sync();
      });
    }
    return this.pendingCommit;
  }

  /** The running run started last (of equal starts, the one recorded last), as `sortRuns` orders them. */
  private latestRunningRun(): string | undefined {
    let latest: RunRecord | undefined;
    for (const run of Object.values(this.doc.runs)) {
      if (run.status === 'RUNNING' && (latest === undefined || run.startedAt >= latest.startedAt)) latest = run;
    }
    return latest?.runId;
  }

  private requireRun(runId: string): RunRecord {
    const run = this.doc.runs[runId];
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
