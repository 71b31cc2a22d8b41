import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { systemClock } from '../clock';
import type { PipelineEvent } from '../events/event';
import type { BreakerSnapshot, CacheEntry, OutputCheck, RunRecord, StageRecord } from '../records';
import { ArtifactStore } from './artifact-store';
import { findCacheEntry, latestCacheEntry } from './cache-history';
import { DurableJsonFile } from './durable-json-file';
import { sortRuns } from './run-records';
import type { RunStoreReader } from './run-store';
import { loadState, type RecoveryNote } from './state-loader';
import { statePaths, type StatePaths } from './state-paths';
import type { StateDocument } from './state-schema';
import { errnoCode, stateIo, stateIoError } from './state-io';
import { readRunEvents } from './write-ahead-log';
import { keyedDigest, readSecretKey, SECRET_KEY_BYTES } from './secret-key';

/**
 * A read-only view of a pipeline's durable state, for whoever watches while
 * another process (or kernel) writes: status, the dry run, errors, outputs.
 * It never takes the writer's lock and never writes: it reads the snapshot
 * `db.json` and replays the run log records newer than it, as opening the
 * store does, but skips a torn last line without cutting it (the writer may
 * be appending it right now) and leaves an unusable `db.json` where it is.
 * So it shows a running run's progress so far. The writer replaces the
 * snapshot by rename and only appends whole lines to the logs, so the
 * snapshot plus the logs read after it are always a state the writer was in
 * (or a later one); when the snapshot is replaced while being read, the read
 * is done once more to show the newer state. A reader is a picture taken when
 * opened: open another to see later changes.
 */

/** Options of {@link openStateReader}. */
export interface OpenStateReaderOptions {
  /** The state folder; the pipeline's state is in `<stateDir>/<pipeline>/`. */
  readonly stateDir: string;
  /** Pipeline name. */
  readonly pipeline: string;
}

/**
 * Reads a pipeline's state without the lock (a missing state reads as empty).
 * @throws DagbookError `STATE_CORRUPT` when `db.json` is unusable and there are no
 * run logs to rebuild it from, or a log is damaged; `STATE_IO` when a file cannot be read;
 * `INVALID_OPTION` for a bad pipeline name.
 */
export async function openStateReader(options: OpenStateReaderOptions): Promise<StateReader> {
  const paths = statePaths(options.stateDir, options.pipeline);
  const file = new DurableJsonFile<unknown>(paths.db);
  for (let attempt = 1; ; attempt++) {
    const before = snapshotIdentity(paths.db);
    const loaded = await loadState(paths, options.pipeline, () => file.read(), systemClock, { readOnly: true });
    if (attempt === 2 || snapshotIdentity(paths.db) === before) {
      return new StateReader(paths, loaded.document, loaded.recovered, loaded.truncatedLogs);
    }
  }
}

/** See {@link openStateReader}. */
export class StateReader implements RunStoreReader {
  private readonly artifacts: ArtifactStore;
  private readonly secretKey: Uint8Array;

  /** @internal Use {@link openStateReader}. */
  constructor(
    /** Paths of the pipeline's state. */
    readonly paths: StatePaths,
    private readonly doc: StateDocument,
    /** Set when `db.json` was unusable and the state shown was rebuilt (in memory) from the run logs. */
    readonly recovered: RecoveryNote | undefined,
    /** Run logs whose torn last line was skipped. */
    readonly truncatedLogs: readonly { readonly path: string; readonly line: number }[],
  ) {
    this.artifacts = new ArtifactStore(paths.artifacts);
    // No key yet means nothing was ever hashed under one: a throwaway key then makes every secret part read as changed, as it is.
    this.secretKey = stateIo('read', paths.secretKey, () => readSecretKey(paths.secretKey)) ?? randomBytes(SECRET_KEY_BYTES);
  }

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
    return this.doc.runs[runId];
  }

  /** Every run, oldest first. */
  async listRuns(): Promise<RunRecord[]> {
    return sortRuns(Object.values(this.doc.runs));
  }

  /** A run's stage records by stage id. */
  async getStages(runId: string): Promise<Record<string, StageRecord>> {
    return { ...(this.doc.stages[runId] ?? {}) };
  }

  /** Reads an output. @throws DagbookError `OUTPUT_MISSING`; `STATE_CORRUPT` when damaged. */
  async getOutput(hash: string): Promise<unknown> {
    return this.artifacts.get(hash);
  }

  /** Whether an output exists. */
  async hasOutput(hash: string): Promise<boolean> {
    return this.artifacts.has(hash);
  }

  /** Whether an output is stored whole. */
  async verifyOutput(hash: string): Promise<OutputCheck> {
    return this.artifacts.verify(hash);
  }

  /** A stage's cache entry under a cache key. */
  async getCacheEntry(stageId: string, cacheKey: string): Promise<CacheEntry | undefined> {
    return findCacheEntry(this.doc.cache, stageId, cacheKey);
  }

  /** A stage's latest cache entry. */
  async latestCacheEntry(stageId: string): Promise<CacheEntry | undefined> {
    return latestCacheEntry(this.doc.cache, stageId);
  }

  /** Every persisted breaker by key. */
  async loadBreakers(): Promise<Record<string, BreakerSnapshot>> {
    return { ...this.doc.breakers };
  }

  /** A run's events, in order, as its log holds them now (a torn last line skipped). */
  async readEvents(runId: string): Promise<PipelineEvent[]> {
    return readRunEvents(this.paths, runId);
  }

  /** Nothing to release. */
  async close(): Promise<void> {}
}

/** What identifies one version of `db.json` (it is replaced by rename, so a new version is a new inode). */
function snapshotIdentity(file: string): string {
  try {
    const stat = fs.statSync(file);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 'none';
    throw stateIoError('inspect', file, error);
  }
}
