import type { PipelineEvent } from '../events/event';
import type { BreakerSnapshot, CacheEntry, OutputCheck, RunRecord, StageRecord } from '../records';
import { ArtifactStore } from './artifact-store';
import { findCacheEntry, latestCacheEntry } from './cache-history';
import { sortRuns } from './run-records';
import type { RunStoreReader } from './run-store';
import type { StatePaths } from './state-paths';
import type { StateDocument } from './state-schema';
import { readRunEvents } from './write-ahead-log';
import { keyedDigest } from './secret-key';
import type { StateFileSystem } from './state-file-system';

/**
 * The reads of a pipeline's durable state, answered alike by the durable
 * store (which writes and holds the lock) and the state reader (which never
 * does): runs, stage records, the cache index and breakers from the state
 * document, outputs from the artifacts, events from the run logs, and keyed
 * hashes under the state folder's key. Each subclass says where its document
 * is and how the state is closed.
 */
export abstract class StateView implements RunStoreReader {
  /** The content-addressed outputs under `artifacts/`. */
  protected readonly artifacts: ArtifactStore;

  constructor(
    /** Paths of the pipeline's state. */
    readonly paths: StatePaths,
    private readonly secretKey: Uint8Array,
    /** The file system the state is on. */
    protected readonly fs: StateFileSystem,
  ) {
    this.artifacts = new ArtifactStore(paths.artifacts, fs);
  }

  /** The state document as this view holds it now. */
  protected abstract document(): StateDocument;

  /** Releases what the view holds. */
  abstract close(): Promise<void>;

  /** The pipeline's state folder, `<stateDir>/<pipeline>`. */
  get location(): string {
    return this.paths.root;
  }

  /** Keyed hash of a secret value under the state folder's key (see `secret-key.ts`). */
  secretDigest(value: string): string {
    return keyedDigest(this.secretKey, value);
  }

  /** A run by id. */
  async getRun(runId: string): Promise<RunRecord | undefined> {
    return this.document().runs[runId];
  }

  /** Every run, oldest first. */
  async listRuns(): Promise<RunRecord[]> {
    return sortRuns(Object.values(this.document().runs));
  }

  /** A run's stage records by stage id. */
  async getStages(runId: string): Promise<Record<string, StageRecord>> {
    return { ...(this.document().stages[runId] ?? {}) };
  }

  /** Reads an output. @throws DagbookError `OUTPUT_MISSING` naming hash and path; `STATE_CORRUPT` when damaged. */
  async getOutput(hash: string): Promise<unknown> {
    return this.artifacts.get(hash);
  }

  /** Whether an output exists. */
  async hasOutput(hash: string): Promise<boolean> {
    return this.artifacts.has(hash);
  }

  /** Whether an output is stored whole (memoized while its file keeps its size and mtime). */
  async verifyOutput(hash: string): Promise<OutputCheck> {
    return this.artifacts.verify(hash);
  }

  /** A stage's cache entry under a cache key. */
  async getCacheEntry(stageId: string, cacheKey: string): Promise<CacheEntry | undefined> {
    return findCacheEntry(this.document().cache, stageId, cacheKey);
  }

  /** A stage's latest cache entry. */
  async latestCacheEntry(stageId: string): Promise<CacheEntry | undefined> {
    return latestCacheEntry(this.document().cache, stageId);
  }

  /** Every persisted breaker by key. */
  async loadBreakers(): Promise<Record<string, BreakerSnapshot>> {
    return { ...this.document().breakers };
  }

  /** A run's events, in order, as its log holds them now (a torn last line skipped). */
  async readEvents(runId: string): Promise<PipelineEvent[]> {
    return readRunEvents(this.paths, runId, this.fs);
  }
}
