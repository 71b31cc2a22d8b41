import type { PipelineEvent } from '../events/event';
import type { StorableOutputOptions } from '../output-check';
import type { BreakerSnapshot, CacheEntry, RunRecord, StageRecord } from '../records';

/**
 * The store interface the orchestrator writes through. `MemoryStore` keeps
 * everything in memory; the durable store keeps it under `state/<pipeline>/`.
 * The core never knows which one it has.
 */
/** Where runs, checkpoints, outputs, caches and breaker state go. */
export interface RunStore {
  /** Records a new run. */
  beginRun(run: RunRecord): Promise<void>;
  /** Updates a run (status, usage, end). */
  updateRun(runId: string, patch: Partial<Omit<RunRecord, 'runId' | 'pipeline'>>): Promise<void>;
  /** A run by id. */
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Every run, oldest first. */
  listRuns(): Promise<RunRecord[]>;
  /** Checkpoints a stage transition. */
  saveStage(runId: string, record: StageRecord): Promise<void>;
  /** A run's stage records by stage id. */
  getStages(runId: string): Promise<Record<string, StageRecord>>;
  /**
   * Stores an output (structured data, see `output-codec`); returns the sha256 of its stored form.
   * @throws OUTPUT_NOT_SERIALIZABLE naming the stage (when given) and the path of what cannot be stored
   */
  putOutput(value: unknown, options?: StorableOutputOptions): Promise<string>;
  /** Reads an output by hash. @throws OUTPUT_MISSING */
  getOutput(hash: string): Promise<unknown>;
  /** Whether an output exists. */
  hasOutput(hash: string): Promise<boolean>;
  /** The cache entry of a stage. */
  getCacheEntry(stageId: string): Promise<CacheEntry | undefined>;
  /** Replaces the cache entry of a stage. */
  putCacheEntry(entry: CacheEntry): Promise<void>;
  /** Removes cache entries of these stages. */
  deleteCacheEntries(stageIds: readonly string[]): Promise<void>;
  /** Every persisted breaker by key. */
  loadBreakers(): Promise<Record<string, BreakerSnapshot>>;
  /** Persists a breaker. */
  saveBreaker(key: string, snapshot: BreakerSnapshot): Promise<void>;
  /** Appends an event to the run's log. */
  appendEvent(event: PipelineEvent): void;
  /** A run's events, in order. */
  readEvents(runId: string): Promise<PipelineEvent[]>;
  /** Flushes and releases whatever the store holds. */
  close(): Promise<void>;
}
