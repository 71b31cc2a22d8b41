import type { StageInputs } from '../definition/types';
import { isForced, type StageDecision } from '../plan/decide';
import { refreshStageCode } from '../plan/fingerprint';
import { FileStats } from '../plan/code-identity/file-state';
import { hashInputFiles } from '../plan/input-files';
import type { Plan, PlanStage } from '../plan/plan';
import { isItemManifest, itemSet } from './item-outputs';
import { assertOutputsAvailable } from '../plan/select';
import type { CacheEntry, StageStatus } from '../records';
import { decideFromStore } from '../query/stage-decision';
import type { RunStore } from '../store/run-store';

/**
 * What the stages of a run start from: the outputs of upstream stages (by
 * hash, and their values once loaded), the stored cache entries, and the
 * decision whether a stage is up to date (restored from cache) or runs. One
 * stage's own inputs (its dependencies' outputs by stage id, the public
 * `StageInputs` type) are what {@link RunInputs.inputsOf} returns.
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
export class RunInputs {
  /** Output hash of every stage whose output this run can use (ran, restored, kept or required). */
  readonly outputHashes: Record<string, string> = {};
  private readonly outputs = new Map<string, unknown>();
  /** Latest cache entry of each stage loaded. */
  private readonly entries: Record<string, CacheEntry | undefined> = {};
  /** The entry each stage decided to restore (its latest or an earlier one). */
  private readonly restored: Record<string, CacheEntry> = {};
  private readonly fileHashMemo = new Map<string, string>();
  /** The code files as this run first saw them: each is looked at once per run, not once per stage. */
  readonly codeFiles = new FileStats();
  /**
   * For each stage, how many stages of the plan have not yet taken its output
   * as an input: at 0 its value is let go (a later reader loads it from the
   * store again), so a long run does not hold every output it made — values
   * the garbage collector would otherwise copy and promote over and over.
   */
  private readonly readersLeft = new Map<string, number>();

  constructor(
    private readonly store: RunStore,
    private readonly options: DecisionOptions,
    private readonly plan?: Plan,
  ) {
    for (const stage of Object.values(plan?.stages ?? {})) {
      for (const dep of stage.deps) this.readersLeft.set(dep, (this.readersLeft.get(dep) ?? 0) + 1);
    }
  }

  /** Loads the latest cache entries of these stages, in order. */
  async loadEntries(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.entries[id] = await this.store.latestCacheEntry(id);
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
   * Checks that every stage in `required` has a cache entry whose output is stored whole.
   * @throws SELECTION_MISSING_OUTPUTS naming the missing ones
   */
  async checkRequiredOutputs(required: readonly string[], stages: readonly string[]): Promise<void> {
    const missing: string[] = [];
    for (const dep of required) {
      const entry = this.entries[dep];
      if (!entry || (await this.store.verifyOutput(entry.outputHash)) !== 'ok') missing.push(dep);
    }
    if (missing.length > 0) assertOutputsAvailable(missing, stages);
  }

  /** Uses the stored output of a stage restored by {@link decide}, or whose cache entry was checked by {@link checkRequiredOutputs}. */
  useCachedOutput(id: string): string {
    const outputHash = (this.restored[id] ?? (this.entries[id] as CacheEntry)).outputHash;
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
    const force = isForced(this.options.force, stage);
    // Code identity is read again now: a module may have changed since the plan was compiled.
    // Its latest entry as read at the run's start, unchanged since: only its own end adds one.
    const latest = Object.prototype.hasOwnProperty.call(this.entries, stage.id) ? { entry: this.entries[stage.id] } : undefined;
    const decision = await decideFromStore(this.store, refreshStageCode(stage, this.codeFiles), { upstreamHashes, fileHashes, lastStatus, force, ...(latest ? { latest } : {}) });
    if (decision.action === 'skip' && this.options.cache === false) {
      return { action: 'run', reason: 'caching is off', cacheKey: decision.cacheKey, parts: decision.parts };
    }
    // A discovery stage reads its source: it runs every time (what follows is restored when its items are unchanged).
    if (decision.action === 'skip' && stage.discovery === true) {
      return { action: 'run', reason: 'a discovery stage reads its source on every run', cacheKey: decision.cacheKey, parts: decision.parts };
    }
    if (decision.entry) this.restored[stage.id] = decision.entry;
    return decision;
  }

  /**
   * A stage's inputs: each upstream stage's output by stage id, or where the
   * stage's `inputKeys` put it (per period), loaded from the store once.
   */
  async inputsOf(stage: PlanStage): Promise<StageInputs> {
    const inputs: Record<string, unknown> = {};
    for (const dep of stage.deps) {
      const place = stage.inputKeys?.[dep];
      if (place?.key === null || (!this.outputs.has(dep) && this.outputHashes[dep] === undefined)) continue;
      const value = await this.inputValue(stage, dep);
      if (place === undefined) inputs[dep] = value;
      else if (place.period === undefined) inputs[place.key] = value;
      else {
        const byPeriod = (inputs[place.key] ??= {}) as Record<string, unknown>;
        byPeriod[place.period] = value;
      }
    }
    for (const dep of stage.deps) this.readBy(dep);
    return inputs;
  }

  /** One reader of `dep`'s output took it: the last one lets its value go (with no plan, the readers are unknown: kept). */
  private readBy(dep: string): void {
    const left = this.readersLeft.get(dep);
    if (left === undefined) return;
    if (left > 1) {
      this.readersLeft.set(dep, left - 1);
      return;
    }
    this.readersLeft.delete(dep);
    this.outputs.delete(dep);
  }

  /**
   * What a stage gets for `dep`: its output, or for a per-item dep of a
   * stage that is not per-item, the item set (every item's output, and what
   * changed since the stage's last success).
   */
  private async inputValue(stage: PlanStage, dep: string): Promise<unknown> {
    const value = await this.output(dep);
    if (this.plan?.stages[dep]?.forEach === undefined || stage.forEach !== undefined || !isItemManifest(value)) return value;
    const seen = this.entries[stage.id]?.parts?.[`upstream:${dep}`];
    const previous = seen === undefined ? undefined : await this.store.getOutput(seen).catch(() => undefined);
    return itemSet(this.store, dep, value, isItemManifest(previous) ? previous : undefined);
  }

  /** A stage's output this run uses (ran, restored, kept or required), loaded from the store once. */
  async output(id: string): Promise<unknown> {
    if (this.outputs.has(id)) return this.outputs.get(id);
    const value = await this.store.getOutput(this.outputHashes[id]);
    this.outputs.set(id, value);
    return value;
  }
}
