import { decideStage, type StageDecision } from '../plan/decide';
import { hashInputFiles } from '../plan/input-files';
import type { PlanStage } from '../plan/plan';
import { assertOutputsAvailable } from '../plan/select';
import type { CacheEntry, RunStore, StageStatus } from '../store/run-store';

/**
 * What a stage of a run starts from: the outputs of its upstream stages (by
 * hash, and their values once loaded), the stored cache entries, and the
 * decision whether the stage is up to date (restored from cache) or runs.
 */

/** The run options the cache decision depends on (a subset of `RunOptions`). */
export interface DecisionOptions {
  /** Re-run regardless of cache: `true` for every stage, or these stage ids. @default false */
  readonly force?: boolean | readonly string[];
  /** Restore up-to-date stages from cache. @default true */
  readonly cache?: boolean;
  /** Folder that declared input files are relative to. @default process.cwd() */
  readonly baseDir?: string;
}

/** One run's view of stage outputs and cache entries; lives only as long as the run. */
export class StageInputs {
  /** Output hash of every stage whose output this run can use (ran, restored, kept or required). */
  readonly outputHashes: Record<string, string> = {};
  private readonly outputs = new Map<string, unknown>();
  private readonly entries: Record<string, CacheEntry | undefined> = {};
  private readonly fileHashMemo = new Map<string, string>();

  constructor(
    private readonly store: RunStore,
    private readonly options: DecisionOptions,
  ) {}

  /** Loads the stored cache entries of these stages, in order. */
  async loadEntries(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.entries[id] = await this.store.getCacheEntry(id);
  }

  /** How long each of these stages took when its cache entry was recorded, ms (stages without an entry left out). */
  cachedDurations(ids: readonly string[]): Record<string, number> {
    const durations: Record<string, number> = {};
    for (const id of ids) {
      const entry = this.entries[id];
      if (entry) durations[id] = entry.durationMs;
    }
    return durations;
  }

  /**
   * Checks that every stage in `required` has a cache entry whose output is stored.
   * @throws SELECTION_MISSING_OUTPUTS naming the missing ones
   */
  async checkRequiredOutputs(required: readonly string[], stages: readonly string[]): Promise<void> {
    const missing: string[] = [];
    for (const dep of required) {
      const entry = this.entries[dep];
      if (!entry || !(await this.store.hasOutput(entry.outputHash))) missing.push(dep);
    }
    if (missing.length > 0) assertOutputsAvailable(missing, stages);
  }

  /** Uses the stored output of a stage whose cache entry was checked by {@link checkRequiredOutputs}. */
  useCachedOutput(id: string): string {
    const outputHash = (this.entries[id] as CacheEntry).outputHash;
    this.outputHashes[id] = outputHash;
    return outputHash;
  }

  /** Uses a stage's output by its hash (the value is loaded when a downstream stage needs it). */
  useOutputHash(id: string, outputHash: string): void {
    this.outputHashes[id] = outputHash;
  }

  /** Uses the output a stage just produced, already stored under `outputHash`. */
  useOutput(id: string, outputHash: string, value: unknown): void {
    this.outputHashes[id] = outputHash;
    this.outputs.set(id, value);
  }

  /**
   * Decides whether a stage runs or is restored from cache, from its
   * upstream output hashes, its input files' hashes and its cache entry.
   * `lastStatus` is the stage's state in the run judged as its last try.
   */
  async decide(stage: PlanStage, lastStatus: StageStatus | undefined): Promise<StageDecision> {
    const upstreamHashes: Record<string, string> = {};
    for (const dep of stage.deps) if (this.outputHashes[dep] !== undefined) upstreamHashes[dep] = this.outputHashes[dep];
    const fileHashes = stage.inputs.length > 0 ? await hashInputFiles(stage.inputs, this.options.baseDir ?? process.cwd(), this.fileHashMemo) : {};
    const entry = this.entries[stage.id];
    const force = this.options.force === true || (Array.isArray(this.options.force) && this.options.force.includes(stage.id));
    const decision = decideStage(stage, {
      upstreamHashes,
      fileHashes,
      entry,
      outputStored: entry ? await this.store.hasOutput(entry.outputHash) : false,
      lastStatus,
      force,
      secretDigest: (value) => this.store.secretDigest(value),
    });
    if (decision.action === 'skip' && this.options.cache === false) return { ...decision, action: 'run', reason: 'caching is off' };
    return decision;
  }

  /** A stage's inputs: each upstream stage's output by stage id, loaded from the store once. */
  async inputsOf(stage: PlanStage): Promise<Record<string, unknown>> {
    const inputs: Record<string, unknown> = {};
    for (const dep of stage.deps) {
      if (this.outputs.has(dep)) inputs[dep] = this.outputs.get(dep);
      else if (this.outputHashes[dep] !== undefined) {
        const value = await this.store.getOutput(this.outputHashes[dep]);
        this.outputs.set(dep, value);
        inputs[dep] = value;
      }
    }
    return inputs;
  }
}
