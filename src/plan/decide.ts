import { cacheKey, cacheKeyParts, describeChanges, type CacheKeyParts } from './cache-key';
import type { PlanStage } from './plan';
import type { CacheEntry, StageStatus } from '../store/run-store';

/**
 * Whether a stage runs or is restored from its cache, and why, in words.
 * Pure: the run loop and the dry run gather the facts and both call this.
 */

/** What is known about a stage when deciding. */
export interface DecisionFacts {
  /** Output hashes of its deps (those that have one). */
  readonly upstreamHashes: Readonly<Record<string, string>>;
  /** Content hashes of its declared input files. */
  readonly fileHashes: Readonly<Record<string, string>>;
  /** Its cache entry, when it ever succeeded. */
  readonly entry?: CacheEntry;
  /** Whether the entry's output is still stored. */
  readonly outputStored: boolean;
  /** Its state in the most recent run that had it. */
  readonly lastStatus?: StageStatus;
  /** Re-run regardless of the cache. */
  readonly force: boolean;
  /** Keyed hash for secret params' parts of the key: the store's `secretDigest`. */
  readonly secretDigest: (value: string) => string;
}

/** The decision. */
export interface StageDecision {
  /** `run` or `skip` (restore the cached output). */
  readonly action: 'run' | 'skip';
  /** Why, in words: "up to date", "never ran", "param `x` changed", ... */
  readonly reason: string;
  /** The stage's cache key now. */
  readonly cacheKey: string;
  /** Its named parts. */
  readonly parts: CacheKeyParts;
}

/** Decides whether `stage` runs, given the facts. */
export function decideStage(stage: PlanStage, facts: DecisionFacts): StageDecision {
  const parts = cacheKeyParts(stage, facts.upstreamHashes, facts.fileHashes, facts.secretDigest);
  const key = cacheKey(parts);
  const run = (reason: string): StageDecision => ({ action: 'run', reason, cacheKey: key, parts });
  if (facts.force) return run('forced');
  const failed =
    facts.lastStatus === 'FAILED' ? 'last attempt failed' : facts.lastStatus === 'CANCELLED' ? 'last attempt was cancelled' : undefined;
  const entry = facts.entry;
  if (!entry) return run(failed ?? 'never ran');
  if (entry.cacheKey === key) {
    return facts.outputStored ? { action: 'skip', reason: 'up to date', cacheKey: key, parts } : run('its stored output is missing');
  }
  const changes = describeChanges(entry.parts ?? {}, parts);
  const what = changes.length > 0 ? changes.join(', ') : 'cache key changed';
  return run(failed === undefined ? what : `${failed}; ${what}`);
}
