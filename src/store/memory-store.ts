import { randomBytes } from 'node:crypto';
import { DagbookError } from '../errors';
import { MemoryItemJournal, type ItemJournal } from './item-journal';
import type { PipelineEvent } from '../events/event';
import { sha256 } from '../canonical-json';
import { decodeOutput, encodeOutput } from '../output-codec';
import type { StorableOutputOptions } from '../output-check';
import type { BreakerSnapshot, CacheEntry, ItemRecord, OutputCheck, RunRecord, RunSummary, StageRecord, StageStatus } from '../records';
import { addCacheEntry, findCacheEntry, latestCacheEntry, touchCacheEntry, type CacheIndex } from './cache-history';
import { pruneCacheHistory, resolveCachePolicy, type CacheOptions, type CachePolicy } from './cache-policy';
import type { LatestStageRecord, RunStore } from './run-store';
import { summarizeRun } from './run-index';
import { json, sortRuns, unknownRun } from './run-records';
import { keyedDigest, SECRET_KEY_BYTES } from './secret-key';

/**
 * A {@link RunStore} kept entirely in memory: for tests and the in-memory
 * benchmark baseline. Every record goes in and comes out through JSON, and
 * every output through the output codec, exactly as through the durable store,
 * so both behave the same (the cache keeps the same history under the same policy).
 */
export class MemoryStore implements RunStore {
  private readonly journals = new Map<string, ItemJournal>();
  private readonly runs = new Map<string, RunRecord>();
  private readonly stages = new Map<string, Map<string, StageRecord>>();
  private readonly latest = new Map<string, LatestStageRecord>();
  /** Each run's summary as last computed, dropped when the run or one of its stages changes (so `listRuns` does not recount every run's stages). */
  private readonly summaries = new Map<string, RunSummary>();
  private readonly outputs = new Map<string, string>();
  private readonly cache: CacheIndex = {};
  private readonly cachePolicy: CachePolicy;
  private readonly breakers = new Map<string, BreakerSnapshot>();
  private readonly events = new Map<string, PipelineEvent[]>();
  private readonly secretKey: Uint8Array;
  /** None: nothing is kept on disk. */
  readonly location: string | undefined = undefined;

  /**
   * @param options.cache Cache history limits. @param options.secretKey Key of {@link secretDigest}; @default random bytes, new for each store
   * @throws DagbookError `INVALID_OPTION` for bad cache options.
   */
  constructor(options: { readonly cache?: CacheOptions; readonly secretKey?: Uint8Array } = {}) {
    this.cachePolicy = resolveCachePolicy(options.cache);
    this.secretKey = options.secretKey ?? randomBytes(SECRET_KEY_BYTES);
  }

  /** Keyed hash of a secret value under this store's key. */
  secretDigest(value: string): string {
    return keyedDigest(this.secretKey, value);
  }

  /** Records a new run (replacing a run with the same id; its stages are kept). */
  async beginRun(run: RunRecord): Promise<void> {
    this.runs.set(run.runId, json(run));
    this.summaries.delete(run.runId);
  }

  /** Updates a run. @throws DagbookError `INVALID_OPTION` for an unknown run. */
  async updateRun(runId: string, patch: Partial<Omit<RunRecord, 'runId' | 'pipeline'>>): Promise<void> {
    const run = this.requireRun(runId);
    this.runs.set(runId, json({ ...run, ...patch, runId: run.runId, pipeline: run.pipeline }));
    this.summaries.delete(runId);
  }

  /** A run by id. */
  async getRun(runId: string): Promise<RunRecord | undefined> {
    return this.runs.get(runId);
  }

  /** The run index, oldest first (by start, then insertion). */
  async listRuns(): Promise<RunSummary[]> {
    return sortRuns([...this.runs.values()]).map((run) => {
      const known = this.summaries.get(run.runId);
      if (known !== undefined) return known;
      const states: Record<string, StageStatus> = {};
      for (const [id, record] of this.stages.get(run.runId) ?? []) states[id] = record.status;
      const summary = summarizeRun(run, states);
      this.summaries.set(run.runId, summary);
      return summary;
    });
  }

  /** The latest record of every stage, by stage id. */
  async latestStages(): Promise<Record<string, LatestStageRecord>> {
    return Object.fromEntries(this.latest);
  }

  /** Checkpoints a stage transition. @throws DagbookError `INVALID_OPTION` for an unknown run. */
  async saveStage(runId: string, record: StageRecord, entry?: CacheEntry): Promise<void> {
    this.requireRun(runId);
    if (entry !== undefined) this.addEntry(entry);
    let records = this.stages.get(runId);
    if (!records) this.stages.set(runId, (records = new Map()));
    records.set(record.stageId, json(record));
    this.summaries.delete(runId);
    this.latest.set(record.stageId, { runId, record: json(record) });
    if (record.status === 'CACHED' && record.cacheKey !== undefined) touchCacheEntry(this.cache, record.stageId, record.cacheKey);
  }

  /** A run's stage records by stage id. */
  async getStages(runId: string): Promise<Record<string, StageRecord>> {
    return Object.fromEntries(this.stages.get(runId) ?? []);
  }

  /**
   * Stores an output; returns the sha256 of its stored form.
   * @throws DagbookError `OUTPUT_NOT_SERIALIZABLE` naming the stage (when given) and the path of a part that cannot be stored.
   */
  async putOutput(value: unknown, options: StorableOutputOptions = {}): Promise<string> {
    const text = encodeOutput(value, options);
    const hash = sha256(text);
    this.outputs.set(hash, text);
    return hash;
  }

  /** Reads an output. @throws DagbookError `OUTPUT_MISSING` naming the hash. */
  async getOutput(hash: string): Promise<unknown> {
    const text = this.outputs.get(hash);
    if (text === undefined) {
      throw new DagbookError('OUTPUT_MISSING', `No output with hash \`${hash}\` (in memory)`, { data: { hash } });
    }
    return decodeOutput(text, `the output \`${hash}\` (in memory)`);
  }

  /** Whether an output exists. */
  async hasOutput(hash: string): Promise<boolean> {
    return this.outputs.has(hash);
  }

  /** Whether an output is stored (kept in memory, it cannot be damaged). */
  async verifyOutput(hash: string): Promise<OutputCheck> {
    return this.outputs.has(hash) ? 'ok' : 'missing';
  }

  /** A stage's cache entry under a cache key. */
  async getCacheEntry(stageId: string, cacheKey: string): Promise<CacheEntry | undefined> {
    return findCacheEntry(this.cache, stageId, cacheKey);
  }

  /** A stage's latest cache entry. */
  async latestCacheEntry(stageId: string): Promise<CacheEntry | undefined> {
    return latestCacheEntry(this.cache, stageId);
  }

  async cacheEntries(stageId: string): Promise<CacheEntry[]> {
    return [...(this.cache[stageId] ?? [])];
  }

  /** Adds a cache entry as its stage's latest; the stage keeps at most `cache.maxEntriesPerStage`. */
  async putCacheEntry(entry: CacheEntry): Promise<void> {
    this.addEntry(entry);
  }

  private addEntry(entry: CacheEntry): void {
    addCacheEntry(this.cache, json(entry));
    pruneCacheHistory(this.cache, this.cachePolicy, undefined, [entry.stageId]);
  }

  /** Removes every cache entry of these stages. */
  async deleteCacheEntries(stageIds: readonly string[]): Promise<void> {
    for (const id of stageIds) {
      delete this.cache[id];
      // Their items run again too (the journal object stays the stage's).
      const journal = this.journals.get(id);
      if (journal !== undefined) journal.remove([...(await journal.load()).keys()]);
    }
  }

  /** Every persisted breaker by key. */
  async loadBreakers(): Promise<Record<string, BreakerSnapshot>> {
    return Object.fromEntries(this.breakers);
  }

  /** Persists a breaker. */
  async saveBreaker(key: string, snapshot: BreakerSnapshot): Promise<void> {
    this.breakers.set(key, json(snapshot));
  }

  /** Appends an event to its run's log. */
  appendEvent(event: PipelineEvent): void {
    let list = this.events.get(event.runId);
    if (!list) this.events.set(event.runId, (list = []));
    list.push(json(event));
  }

  /** Nothing to make durable: memory keeps nothing past the process. */
  async flush(): Promise<void> {}

  /** A run's events, in order. */
  itemJournal(stageId: string): ItemJournal {
    let journal = this.journals.get(stageId);
    if (!journal) {
      journal = new MemoryItemJournal();
      this.journals.set(stageId, journal);
    }
    return journal;
  }

  async readItemRecords(stageId: string): Promise<Map<string, ItemRecord>> {
    return this.itemJournal(stageId).load();
  }

  async readEvents(runId: string): Promise<PipelineEvent[]> {
    return [...(this.events.get(runId) ?? [])];
  }

  /** Nothing to flush. */
  async close(): Promise<void> {}

  private requireRun(runId: string): RunRecord {
    const run = this.runs.get(runId);
    if (!run) throw unknownRun(runId);
    return run;
  }
}
