import type { PipelineEvent } from '../events/event';
import type { BreakerSnapshot, CacheEntry, ItemRecord, OutputCheck, RunRecord, RunSummary, StageRecord } from '../records';
import { readItemJournal } from './item-journal-file';
import { ArtifactStore } from './artifact-store';
import { checkInlineOutput, inlineOutput, readInlineOutput } from './inline-outputs';
import { findCacheEntry, latestCacheEntry } from './cache-history';
import { sortRuns } from './run-records';
import type { LatestStageRecord, RunStoreReader } from './run-store';
import { readRunDetails } from './run-details';
import { runFromSummary } from './run-index';
import { isJournalStageId, itemJournalPath, type StatePaths } from './state-paths';
import type { StateDocument } from './state-schema';
import { readRunEvents } from './write-ahead-log';
import { keyedDigest } from './secret-key';
import type { StateFileSystem } from './state-file-system';

/** Inline outputs remembered as checked (each at most `INLINE_OUTPUT_MAX_BYTES`, and usually still in the document). */
const VERIFIED_INLINE_MAX = 20_000;

/**
 * The reads of a pipeline's durable state, answered alike by the durable
 * store (which writes and holds the lock) and the state reader (which never
 * does): runs, stage records, the cache index and breakers from the state
 * document, outputs kept inline in the document or else from the artifacts
 * (`inline-outputs.ts`), events from the run logs, and keyed
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
  /** Inline outputs found whole, by hash, with the text that was checked. */
  private readonly verifiedInline = new Map<string, string>();

  protected abstract document(): StateDocument;

  /** Notes an inline output whose text this process hashed itself (as it stored it): its check needs no second hash. */
  protected noteWholeInline(hash: string, stored: string): void {
    if (this.verifiedInline.size >= VERIFIED_INLINE_MAX) this.verifiedInline.clear();
    this.verifiedInline.set(hash, stored);
  }

  /** Called before a run's log is read (a writer writes what it holds back). */
  protected beforeLogRead(): void {}

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

  /**
   * A run's whole record: a running run's from the document, another's from
   * its log (a run whose log retention removed reads back from its summary,
   * with an empty stage list). @throws DagbookError `STATE_CORRUPT` for a damaged log
   */
  async getRun(runId: string): Promise<RunRecord | undefined> {
    const doc = this.document();
    const summary = doc.runs[runId];
    if (!summary) return undefined;
    const active = doc.active[runId];
    if (active) return active.run;
    this.beforeLogRead();
    return readRunDetails(this.paths, runId, this.fs).run ?? runFromSummary(summary);
  }

  /** The run index, oldest first. */
  async listRuns(): Promise<RunSummary[]> {
    return sortRuns(Object.values(this.document().runs));
  }

  /** A run's stage records by stage id, read from its log (none for a run not in the index). @throws DagbookError `STATE_CORRUPT` for a damaged log */
  async getStages(runId: string): Promise<Record<string, StageRecord>> {
    if (!this.document().runs[runId]) return {};
    this.beforeLogRead();
    return readRunDetails(this.paths, runId, this.fs).stages;
  }

  /** The latest record of every stage, by stage id. */
  async latestStages(): Promise<Record<string, LatestStageRecord>> {
    return { ...this.document().latest };
  }

  /** The stored form of an output kept inline, when it is. */
  protected inlineOutput(hash: string): string | undefined {
    return inlineOutput(this.document(), hash);
  }

  /** Reads an output. @throws DagbookError `OUTPUT_MISSING` naming hash and path; `STATE_CORRUPT` when damaged. */
  async getOutput(hash: string): Promise<unknown> {
    const stored = this.inlineOutput(hash);
    return stored === undefined ? this.artifacts.get(hash) : readInlineOutput(hash, stored, this.paths.db);
  }

  /** Whether an output exists. */
  async hasOutput(hash: string): Promise<boolean> {
    return this.inlineOutput(hash) !== undefined || this.artifacts.has(hash);
  }

  /** Whether an output is stored whole (a file's verdict memoized while it keeps its size and mtime). */
  async verifyOutput(hash: string): Promise<OutputCheck> {
    const stored = this.inlineOutput(hash);
    if (stored === undefined) return this.artifacts.verify(hash);
    // An inline output is text in memory: once it hashed to its name, the same text always will (a cached re-run asks for every stage).
    if (this.verifiedInline.get(hash) === stored) return 'ok';
    const check = checkInlineOutput(hash, stored);
    if (check === 'ok') {
      // Outputs dropped from the state would otherwise stay referenced here: start over past a bound.
      if (this.verifiedInline.size >= VERIFIED_INLINE_MAX) this.verifiedInline.clear();
      this.verifiedInline.set(hash, stored);
    }
    return check;
  }

  /** A stage's cache entry under a cache key. */
  async getCacheEntry(stageId: string, cacheKey: string): Promise<CacheEntry | undefined> {
    return findCacheEntry(this.document().cache, stageId, cacheKey);
  }

  /** A stage's latest cache entry. */
  async latestCacheEntry(stageId: string): Promise<CacheEntry | undefined> {
    return latestCacheEntry(this.document().cache, stageId);
  }

  /** Every cache entry of a stage, oldest use first. */
  async cacheEntries(stageId: string): Promise<CacheEntry[]> {
    return [...(this.document().cache[stageId] ?? [])];
  }

  /** Every persisted breaker by key. */
  async loadBreakers(): Promise<Record<string, BreakerSnapshot>> {
    return { ...this.document().breakers };
  }

  /**
   * The latest record of every item of a per-item stage, as its journal
   * (`items/<stage-id>.jsonl`) holds it now: read without the lock, a torn
   * last line (a writer appending it) skipped.
   * @throws DagbookError `STATE_CORRUPT` naming the file and the line; `STATE_IO` when it cannot be read.
   */
  async readItemRecords(stageId: string): Promise<Map<string, ItemRecord>> {
    if (!isJournalStageId(stageId)) return new Map();
    return readItemJournal(itemJournalPath(this.paths, stageId), this.fs).records;
  }

  /** A run's events, in order, as its log holds them now (a torn last line skipped). */
  async readEvents(runId: string): Promise<PipelineEvent[]> {
    this.beforeLogRead();
    return readRunEvents(this.paths, runId, this.fs);
  }
}
