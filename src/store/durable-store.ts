import * as fs from 'node:fs';
import { systemClock, type Clock } from '../clock';
import { DagbookError } from '../errors';
import type { PipelineEvent } from '../events/event';
import type { BreakerSnapshot, CacheEntry, RunRecord, StageRecord, StageStatus } from '../records';
import type { StorableOutputOptions } from '../output-check';
import { pruneCacheHistory, resolveCachePolicy, type CacheOptions, type CachePolicy } from './cache-policy';
import { collectGarbage, collectGarbageInBackground, type BackgroundCollection, type GarbageReport } from './garbage-collection';
import type { StateLine } from './log-record';
import { applyStateLine } from './state-fold';
import { readRunDetails, writeRunDetails } from './run-details';
import { DEFAULT_RETENTION, planRetention, resolveRetention, retireRunFolders, type RetentionOptions, type RetentionPlan, type RetentionPolicy } from './retention';
import { unknownRun } from './run-records';
import type { RunStore } from './run-store';
import { Snapshot } from './snapshot';
import type { LegacyRunDetails, StateDocument } from './state-schema';
import { StateView } from './state-view';
import { loadState, type RecoveryNote } from './state-loader';
import { acquireStateLock, type StateLock } from './state-lock';
import { assertSafeName, runDir, runLogPath, statePaths, type StatePaths } from './state-paths';
import { stateIo, stateIoError } from './state-io';
import { WriteAheadLog } from './write-ahead-log';
import { loadOrCreateSecretKey } from './secret-key';

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
   * The retention policy applied when a run begins (runs past it deleted with
   * their folders, then the outputs nothing refers to any more); `false`
   * keeps every run until `applyRetention` (`dagbook clean`).
   * @default { maxRuns: 100, failedRunDays: 7, successRunDays: 90, logDays: 30 } (see `retention.ts`)
   */
  readonly retention?: Omit<RetentionOptions, 'now' | 'mode'> | false;
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
  const retention = options.retention === false ? undefined : resolveRetention(options.retention ?? DEFAULT_RETENTION);
  const paths = statePaths(options.stateDir, options.pipeline);
  stateIo('create folder', paths.root, () => fs.mkdirSync(paths.root, { recursive: true }));
  let lock: StateLock;
  try {
    lock = acquireStateLock({ lockPath: paths.lock, command: options.command, now: () => clock.now() });
  } catch (error) {
    throw stateIoError('open', paths.lock, error);
  }
  try {
    const snapshot = new Snapshot(paths.db, options.pipeline, compactMinRecords);
    const loaded = await loadState(paths, options.pipeline, () => snapshot.read(), clock);
    snapshot.load(loaded.document);
    const wal = new WriteAheadLog(paths, loaded.nextSeq);
    const secretKey = stateIo('open', paths.secretKey, () => loadOrCreateSecretKey(paths.secretKey));
    const store = new DurableStore(paths, snapshot, wal, lock, cachePolicy, retention, clock, loaded.recovered, loaded.truncatedLogs, secretKey);
    // Details a converted snapshot held of runs whose logs are gone are kept beside them before the snapshot drops them.
    if (loaded.legacy) keepLegacyDetails(paths, loaded.legacy);
    if (loaded.replayed > 0 || loaded.recovered || loaded.migratedFrom !== undefined) await store.compact();
    else snapshot.markWritten();
    return store;
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** Writes `runs/<run-id>/record.json` for each run of an older snapshot that has no log. */
function keepLegacyDetails(paths: StatePaths, legacy: LegacyRunDetails): void {
  for (const [runId, details] of Object.entries(legacy)) {
    if (!fs.existsSync(runDir(paths, runId))) continue;
    if (!fs.existsSync(runLogPath(paths, runId))) writeRunDetails(paths, runId, details);
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
  /** The outputs a new run's retention pass is removing in the background. */
  private collecting: BackgroundCollection | undefined;
  private closed = false;

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
  ) {
    super(paths, secretKey);
  }

  private get doc(): StateDocument {
    return this.snapshot.doc;
  }

  protected document(): StateDocument {
    return this.doc;
  }

  /**
   * Records a new run (replacing a run with the same id; its stages are
   * kept). A new run first applies the retention policy to the runs before
   * it; the snapshot written for the new run carries that, and the outputs
   * nothing refers to any more are removed once it is durable.
   */
  async beginRun(run: RunRecord): Promise<void> {
    this.assertOpen();
    assertSafeName('runId', run.runId);
    const resumed = this.doc.runs[run.runId] !== undefined;
    if (resumed && !this.doc.active[run.runId]) this.doc.active[run.runId] = { run, stages: stageStates(readRunDetails(this.paths, run.runId).stages) };
    const retired = !resumed && this.retention ? this.retire({ ...this.retention, now: this.clock.now(), mode: 'delete' }) : undefined;
    this.write(run.runId, { kind: 'run', seq: 0, run });
    this.snapshot.require();
    await this.commit();
    // After the snapshot that no longer points to them is durable. Not for a resumed run:
    // it may still need outputs of its own earlier stages that only its log names.
    if (retired && retired.runs.length + retired.logs.length + retired.cacheEntriesDropped > 0) {
      await this.collecting?.done;
      this.collecting = collectGarbageInBackground(this.doc, this.artifacts);
    }
  }

  /** Updates a run; a status change rewrites the snapshot. @throws DagbookError `INVALID_OPTION` for an unknown run. */
  async updateRun(runId: string, patch: Partial<Omit<RunRecord, 'runId' | 'pipeline'>>): Promise<void> {
    this.assertOpen();
    const run = this.requireRun(runId);
    this.write(runId, { kind: 'run', seq: 0, run: { ...run, ...patch, runId: run.runId, pipeline: run.pipeline } });
    if (patch.status !== undefined && patch.status !== run.status) this.snapshot.require();
    await this.commit();
    if (!this.doc.active[runId]) this.wal.close(runId);
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
    const hash = this.artifacts.put(value, options);
    if (!this.collecting?.hashes.has(hash)) return hash;
    // The same output as one being removed: put it again once the removal is done.
    await this.collecting.done;
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
    const result = this.retire(options);
    if (result.runs.length + result.logs.length + result.cacheEntriesDropped === 0) return { ...result, outputsRemoved: 0 };
    await this.compact();
    // Outputs go only once the snapshot that no longer points to them is durable.
    return { ...result, outputsRemoved: collectGarbage(this.doc, this.artifacts).removed.length };
  }

  /** Applies a retention plan to the document (in memory) and the run folders. */
  private retire(options: RetentionOptions): RetentionResult {
    const plan = planRetention(Object.values(this.doc.runs), options, (runId) => fs.existsSync(runDir(this.paths, runId)));
    for (const runId of [...plan.runs, ...plan.logs]) this.wal.close(runId);
    retireRunFolders(this.paths, plan, (runId) => this.doc.runs[runId]);
    for (const runId of plan.runs) delete this.doc.runs[runId];
    const dropped = pruneCacheHistory(this.doc.cache, this.cachePolicy, options.now);
    if (plan.runs.length + plan.logs.length + dropped.length > 0) this.snapshot.require();
    return { ...plan, cacheEntriesDropped: dropped.length };
  }

  /** Syncs the logs, rewrites the snapshot when it has changed, and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.pendingCommit) await this.pendingCommit.catch(() => undefined);
      await this.collecting?.done;
      if (this.snapshot.changed) await this.compact();
      else this.wal.sync();
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
    const run = readRunDetails(this.paths, runId).run;
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

/** The state of each stage of a set of records. */
function stageStates(records: Readonly<Record<string, StageRecord>>): Record<string, StageStatus> {
  const states: Record<string, StageStatus> = {};
  for (const [id, record] of Object.entries(records)) states[id] = record.status;
  return states;
}
