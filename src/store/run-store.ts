import type { PipelineEvent } from '../events/event';
import type { StorableOutputOptions } from '../output-check';
import type { BreakerSnapshot, CacheEntry, ItemRecord, OutputCheck, RunRecord, RunSummary, StageRecord } from '../records';
import type { ItemJournal } from './item-journal';

/**
 * The store interfaces. The orchestrator writes through a {@link RunStore};
 * views (status, the dry run, errors, outputs) read through its read half, a
 * {@link RunStoreReader}, which a read-only state reader implements without
 * taking the writer's lock. `MemoryStore` keeps everything in memory; the
 * durable store keeps it under `state/<pipeline>/`. The core never knows
 * which one it has.
 *
 * The cache keeps history: several entries per stage, by cache key, so
 * returning to an earlier param value finds its output again. A stage's
 * *latest* entry is the one put or restored (a `CACHED` stage record naming
 * its key) most recently: what a change is explained against.
 */

/** A stage's latest record and the run that wrote it. */
export interface LatestStageRecord {
  /** The run that wrote it. */
  readonly runId: string;
  /** The record. */
  readonly record: StageRecord;
}

/** The read half of a {@link RunStore}: what views need. */
export interface RunStoreReader {
  /**
   * The folder the pipeline's state is kept in (`<stateDir>/<pipeline>`,
   * absolute), or undefined for a store that keeps nothing on disk.
   */
  readonly location?: string;
  /** A run's whole record by id (a durable store reads it from the run's log). */
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** The run index: a summary of every run kept, oldest first. */
  listRuns(): Promise<RunSummary[]>;
  /** A run's stage records by stage id (a durable store reads them from the run's log). */
  getStages(runId: string): Promise<Record<string, StageRecord>>;
  /** The latest record of every stage that has one (the last written, whatever its run), by stage id. */
  latestStages(): Promise<Record<string, LatestStageRecord>>;
  /** Reads an output by hash. @throws OUTPUT_MISSING; STATE_CORRUPT when damaged */
  getOutput(hash: string): Promise<unknown>;
  /** Whether an output exists (not checked for damage: see `verifyOutput`). */
  hasOutput(hash: string): Promise<boolean>;
  /** Whether an output is stored whole: present and hashing to its name. */
  verifyOutput(hash: string): Promise<OutputCheck>;
  /** A stage's cache entry under a cache key, when it has one. */
  getCacheEntry(stageId: string, cacheKey: string): Promise<CacheEntry | undefined>;
  /** A stage's latest cache entry (put or restored most recently). */
  latestCacheEntry(stageId: string): Promise<CacheEntry | undefined>;
  /** Every cache entry a stage keeps (each a success, with its duration), oldest use first. */
  cacheEntries(stageId: string): Promise<CacheEntry[]>;
  /** Every persisted breaker by key. */
  loadBreakers(): Promise<Record<string, BreakerSnapshot>>;
  /** A run's events, in order. */
  readEvents(runId: string): Promise<PipelineEvent[]>;
  /** The latest record of every item of a per-item stage, by item id (empty when it has none). */
  readItemRecords(stageId: string): Promise<Map<string, ItemRecord>>;
  /**
   * Keyed hash (hex HMAC-SHA256) of a secret value under the state folder's
   * own random key: what a cache key keeps for a secret param, so that the
   * stored parts cannot be checked against guesses without the key.
   */
  secretDigest(value: string): string;
  /** Releases whatever the reader holds. */
  close(): Promise<void>;
}

/** Where runs, checkpoints, outputs, caches and breaker state go. */
export interface RunStore extends RunStoreReader {
  /** Records a new run. */
  beginRun(run: RunRecord): Promise<void>;
  /** Updates a run (status, usage, end). */
  updateRun(runId: string, patch: Partial<Omit<RunRecord, 'runId' | 'pipeline'>>): Promise<void>;
  /**
   * Checkpoints a stage transition; a `CACHED` record with a `cacheKey` makes that entry its stage's latest.
   * A success passes its cache `entry` too: record and entry become durable together, in one write, or not at all.
   * A durable store need not make the record durable before this resolves (it must survive the process being
   * killed): a group commit, or at the latest `flush()`, does. So may `beginRun`; `updateRun` is durable when it resolves.
   */
  saveStage(runId: string, record: StageRecord, entry?: CacheEntry): Promise<void>;
  /**
   * Stores an output (structured data, see `output-codec`); returns the sha256 of its stored form.
   * @throws OUTPUT_NOT_SERIALIZABLE naming the stage (when given) and the path of what cannot be stored
   */
  putOutput(value: unknown, options?: StorableOutputOptions): Promise<string>;
  /** Adds a cache entry to its stage's history (replacing one under the same key); it becomes the latest. */
  putCacheEntry(entry: CacheEntry): Promise<void>;
  /** Removes every cache entry of these stages, so they run again. */
  deleteCacheEntries(stageIds: readonly string[]): Promise<void>;
  /** Persists a breaker. */
  saveBreaker(key: string, snapshot: BreakerSnapshot): Promise<void>;
  /** Appends an event to the run's log. */
  appendEvent(event: PipelineEvent): void;
  /** The item journal of a per-item stage (one per stage id for the store's life). */
  itemJournal(stageId: string): ItemJournal;
  /**
   * The reason of a request from another process to cancel `runId`, removed as it is read; undefined when there is
   * none. Only a store whose state other processes see has it (the durable store: `run-cancel-request.ts`).
   */
  takeCancelRequest?(runId: string): string | undefined;
  /** Resolves when every change made so far is durable. */
  flush(): Promise<void>;
  /** Flushes and releases whatever the store holds. */
  close(): Promise<void>;
}
