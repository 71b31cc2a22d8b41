import * as fs from 'node:fs';
import { systemClock, type Clock } from '../clock';
import { DagbookError } from '../errors';
import type { PipelineEvent } from '../events/event';
import type { StorableOutputOptions } from '../output-check';
import { ArtifactStore } from './artifact-store';
import { DurableJsonFile } from './durable-json-file';
import { JsonlLog } from './event-log';
import { applyStateLine, logHeader, parseLog, type StateLine } from './log-record';
import { Low } from './lowdb';
import { planRetention, retireRunFolders, type RetentionOptions, type RetentionPlan } from './retention';
import { sortRuns, unknownRun } from './run-records';
import type { BreakerSnapshot, CacheEntry, RunRecord, StageRecord } from '../records';
import type { RunStore } from './run-store';
import { loadState, type RecoveryNote } from './state-loader';
import { acquireStateLock, type StateLock } from './state-lock';
import { assertSafeName, runLogPath, statePaths, type StatePaths } from './state-paths';
import { emptyStateDocument, type StateDocument } from './state-schema';

/** Options of {@link openDurableStore}. */
export interface OpenDurableStoreOptions {
  /** The state folder; the pipeline's state goes in `<stateDir>/<pipeline>/`. */
  readonly stateDir: string;
  /** Pipeline name (a safe path segment). */
  readonly pipeline: string;
  /** Time source (lock timestamps, names of moved-aside files). @default systemClock */
  readonly clock?: Clock;
  /**
   * Log records after which the snapshot is rewritten, at least; the threshold
   * grows with the snapshot so the rewrite cost per record stays flat. @default 1000
   */
  readonly compactMinRecords?: number;
  /** Command line recorded in the lock. @default process.argv joined by spaces */
  readonly command?: string;
}

/**
 * Opens a pipeline's durable state: takes the single-writer lock, loads
 * `db.json` (lowdb, durable adapter), validates it and replays the newer run
 * log records. An unusable `db.json` is moved aside and rebuilt from the run
 * logs when there are any; `store.recovered` then says so.
 * @throws DagbookError `STATE_LOCKED` when another live process holds the state;
 * `STATE_CORRUPT` naming the path and the problem when it cannot be rebuilt;
 * `INVALID_OPTION` for a bad pipeline name or option.
 */
export async function openDurableStore(options: OpenDurableStoreOptions): Promise<DurableStore> {
  const clock = options.clock ?? systemClock;
  const compactMinRecords = options.compactMinRecords ?? 1000;
  if (!Number.isInteger(compactMinRecords) || compactMinRecords < 1) {
    throw new DagbookError('INVALID_OPTION', `Expected \`compactMinRecords\` to be an integer >= 1, got \`${String(options.compactMinRecords)}\``);
  }
  const paths = statePaths(options.stateDir, options.pipeline);
  fs.mkdirSync(paths.root, { recursive: true });
  const lock = acquireStateLock({ lockPath: paths.lock, command: options.command, now: () => clock.now() });
  try {
    const db = new Low<StateDocument>(new DurableJsonFile<StateDocument>(paths.db), emptyStateDocument(options.pipeline));
    const loaded = await loadState(paths, options.pipeline, () => db.adapter.read(), clock);
    db.data = loaded.document;
    const store = new DurableStore(paths, db, lock, loaded.nextSeq, compactMinRecords, loaded.recovered, loaded.truncatedLogs);
    if (loaded.replayed > 0 || loaded.recovered) await store.compact();
    else store.markSnapshot();
    return store;
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** What a retention pass did. */
export type RetentionResult = RetentionPlan;

/**
 * A {@link RunStore} under `state/<pipeline>/`. The run's JSONL log is the
 * write-ahead log: `saveStage` appends a checkpoint line and fdatasyncs it
 * (O(1), durable), and the lowdb snapshot `db.json` is rewritten only at run
 * begin and end, on status changes, on `close()`, and when the records since
 * the last snapshot reach `max(compactMinRecords, records in the snapshot)`
 * (so the rewrite cost per record stays flat). Opening replays the log records
 * newer than the snapshot's `appliedSeq`. Fsyncs of changes made in the same
 * tick are shared (group commit). Use {@link openDurableStore} to create one.
 */
export class DurableStore implements RunStore {
  private readonly artifacts: ArtifactStore;
  private readonly logs = new Map<string, JsonlLog>();
  private readonly dirty = new Set<JsonlLog>();
  /** Runs RUNNING in the snapshot on disk: only their logs are replayed on open. */
  private snapshotRunning = new Set<string>();
  private recordsSinceSnapshot = 0;
  private snapshotRecords = 0;
  private snapshotDue = false;
  private pendingCommit: Promise<void> | undefined;
  private closed = false;

  /** @internal Use {@link openDurableStore}. */
  constructor(
    /** Paths of this pipeline's state. */
    readonly paths: StatePaths,
    private readonly db: Low<StateDocument>,
    private readonly lock: StateLock,
    private nextSeq: number,
    private readonly compactMinRecords: number,
    /** Set when `db.json` was unusable and the state was rebuilt from the run logs. */
    readonly recovered: RecoveryNote | undefined,
    /** Run logs whose torn last line was skipped on open. */
    readonly truncatedLogs: readonly { readonly path: string; readonly line: number }[],
  ) {
    this.artifacts = new ArtifactStore(paths.artifacts);
  }

  private get doc(): StateDocument {
    return this.db.data;
  }

  /** Records a new run (replacing a run with the same id; its stages are kept). */
  async beginRun(run: RunRecord): Promise<void> {
    this.assertOpen();
    assertSafeName('runId', run.runId);
    this.write(run.runId, { kind: 'run', seq: 0, run });
    this.snapshotDue = true;
    await this.commit();
  }

  /** Updates a run; a status change rewrites the snapshot. @throws DagbookError `INVALID_OPTION` for an unknown run. */
  async updateRun(runId: string, patch: Partial<Omit<RunRecord, 'runId' | 'pipeline'>>): Promise<void> {
    this.assertOpen();
    const run = this.requireRun(runId);
    this.write(runId, { kind: 'run', seq: 0, run: { ...run, ...patch, runId: run.runId, pipeline: run.pipeline } });
    if (patch.status !== undefined && patch.status !== run.status) this.snapshotDue = true;
    await this.commit();
    if (this.doc.runs[runId]?.status !== 'RUNNING') this.closeLog(runId);
  }

  /** A run by id. */
  async getRun(runId: string): Promise<RunRecord | undefined> {
    return this.doc.runs[runId];
  }

  /** Every run, oldest first. */
  async listRuns(): Promise<RunRecord[]> {
    return sortRuns(Object.values(this.doc.runs));
  }

  /** Checkpoints a stage transition: durable when the promise resolves. @throws DagbookError `INVALID_OPTION` for an unknown run. */
  async saveStage(runId: string, record: StageRecord): Promise<void> {
    this.assertOpen();
    this.requireRun(runId);
    this.write(runId, { kind: 'checkpoint', seq: 0, runId, record });
    await this.commit();
  }

  /** A run's stage records by stage id. */
  async getStages(runId: string): Promise<Record<string, StageRecord>> {
    return { ...(this.doc.stages[runId] ?? {}) };
  }

  /** Stores an output under `artifacts/<sha256>`; returns the hash. @throws DagbookError `OUTPUT_NOT_SERIALIZABLE` naming the stage (when given) and the path of what cannot be stored. */
  async putOutput(value: unknown, options: StorableOutputOptions = {}): Promise<string> {
    this.assertOpen();
    return this.artifacts.put(value, options);
  }

  /** Reads an output. @throws DagbookError `OUTPUT_MISSING` naming hash and path; `STATE_CORRUPT` when damaged. */
  async getOutput(hash: string): Promise<unknown> {
    return this.artifacts.get(hash);
  }

  /** Whether an output exists. */
  async hasOutput(hash: string): Promise<boolean> {
    return this.artifacts.has(hash);
  }

  /** The cache entry of a stage. */
  async getCacheEntry(stageId: string): Promise<CacheEntry | undefined> {
    return this.doc.cache[stageId];
  }

  /** Replaces the cache entry of a stage (logged in its run's log while that run is running). */
  async putCacheEntry(entry: CacheEntry): Promise<void> {
    this.assertOpen();
    this.write(this.doc.runs[entry.runId] ? entry.runId : undefined, { kind: 'cache', seq: 0, entry });
    await this.commit();
  }

  /** Removes the cache entries of these stages (rewrites the snapshot). */
  async deleteCacheEntries(stageIds: readonly string[]): Promise<void> {
    this.assertOpen();
    const present = stageIds.filter((id) => this.doc.cache[id] !== undefined);
    if (present.length === 0) return;
    for (const id of present) delete this.doc.cache[id];
    await this.compact();
  }

  /** Removes the cache entries of these stages, so they run again. */
  async resetStages(stageIds: readonly string[]): Promise<void> {
    await this.deleteCacheEntries(stageIds);
  }

  /** Every persisted breaker by key. */
  async loadBreakers(): Promise<Record<string, BreakerSnapshot>> {
    return { ...this.doc.breakers };
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
    this.logFor(event.runId).appendLine(JSON.stringify({ kind: 'event', event }));
  }

  /** A run's events, in order (a torn last line is skipped). */
  async readEvents(runId: string): Promise<PipelineEvent[]> {
    const file = runLogPath(this.paths, runId);
    if (!fs.existsSync(file)) return [];
    const events: PipelineEvent[] = [];
    for (const line of parseLog(fs.readFileSync(file, 'utf8'), file).lines) if (line.kind === 'event') events.push(line.event);
    return events;
  }

  /** Removes artifacts that no stage record or cache entry points to. */
  async gcArtifacts(): Promise<{ removed: string[] }> {
    this.assertOpen();
    const used = new Set<string>();
    for (const records of Object.values(this.doc.stages)) {
      for (const record of Object.values(records)) if (record.outputHash) used.add(record.outputHash);
    }
    for (const entry of Object.values(this.doc.cache)) used.add(entry.outputHash);
    const removed = this.artifacts.list().filter((hash) => !used.has(hash));
    for (const hash of removed) this.artifacts.remove(hash);
    return { removed };
  }

  /**
   * Retires old runs (records and folders) and old event logs. In `archive`
   * mode a run's folder moves to `archive/<run-id>/` with its records in
   * `record.json`; in `delete` mode it is removed.
   * @throws DagbookError `INVALID_OPTION` for a bad age or mode.
   */
  async applyRetention(options: RetentionOptions): Promise<RetentionResult> {
    this.assertOpen();
    const plan = planRetention(Object.values(this.doc.runs), options);
    for (const runId of [...plan.runs, ...plan.logs]) this.closeLog(runId);
    retireRunFolders(this.paths, plan, (runId) => ({ run: this.doc.runs[runId], stages: this.doc.stages[runId] ?? {} }));
    for (const runId of plan.runs) {
      delete this.doc.runs[runId];
      delete this.doc.stages[runId];
    }
    if (plan.runs.length + plan.logs.length > 0) await this.compact();
    return plan;
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
        for (const runId of [...this.logs.keys()]) this.closeLog(runId);
      } finally {
        this.lock.release();
      }
    }
  }

  /** Rewrites the snapshot now, then syncs every log. */
  async compact(): Promise<void> {
    // The durable adapter writes synchronously inside this call, so the markers
    // below describe exactly the document that reached the disk.
    const written = this.db.write();
    this.markSnapshot();
    this.syncLogs();
    await written;
  }

  /** @internal Notes that the in-memory document equals the snapshot on disk. */
  markSnapshot(): void {
    this.snapshotRunning = new Set(Object.values(this.doc.runs).filter((r) => r.status === 'RUNNING').map((r) => r.runId));
    let records = Object.keys(this.doc.runs).length + Object.keys(this.doc.cache).length + Object.keys(this.doc.breakers).length;
    for (const stages of Object.values(this.doc.stages)) records += Object.keys(stages).length;
    this.snapshotRecords = records;
    this.recordsSinceSnapshot = 0;
    this.snapshotDue = false;
  }

  /**
   * Applies a state record in memory and appends it to the run's log. A log
   * only gets replayed on open while its run is RUNNING in the snapshot; any
   * other change makes the snapshot due, written before the commit resolves.
   */
  private write(runId: string | undefined, draft: StateLine): void {
    const text = JSON.stringify({ ...draft, seq: this.nextSeq++ });
    const line = JSON.parse(text) as StateLine; // Stored exactly as it will read back.
    applyStateLine(this.doc, line);
    this.recordsSinceSnapshot++;
    if (runId !== undefined) {
      const log = this.logFor(runId);
      log.appendLine(text);
      this.dirty.add(log);
    }
    if (runId === undefined || !this.snapshotRunning.has(runId)) this.snapshotDue = true;
    if (this.recordsSinceSnapshot >= Math.max(this.compactMinRecords, this.snapshotRecords)) this.snapshotDue = true;
  }

  /** Makes every pending change durable; changes made in the same tick share one fdatasync. */
  private commit(): Promise<void> {
    if (!this.pendingCommit) {
      this.pendingCommit = Promise.resolve().then(async () => {
        this.pendingCommit = undefined;
        if (this.snapshotDue) {
          await this.compact();
          return;
        }
        this.syncLogs();
      });
    }
    return this.pendingCommit;
  }

  /** Fdatasyncs the logs that got state records since their last sync. */
  private syncLogs(): void {
    for (const log of this.dirty) log.sync();
    this.dirty.clear();
  }

  private logFor(runId: string): JsonlLog {
    let log = this.logs.get(runId);
    if (!log) {
      log = JsonlLog.open(runLogPath(this.paths, runId));
      if (log.empty) log.appendLine(JSON.stringify(logHeader(runId)));
      this.logs.set(runId, log);
    }
    return log;
  }

  private closeLog(runId: string): void {
    const log = this.logs.get(runId);
    if (!log) return;
    this.logs.delete(runId);
    this.dirty.delete(log);
    log.close();
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
