import { cacheKey, cacheKeyParts, describeChanges, sameParts, type CacheKeyParts } from './cache-key';
import type { PlanStage } from './plan';
import type { CacheEntry, OutputCheck, StageStatus } from '../records';

/**
 * Whether a stage runs or is restored from its cache, and why, in words.
 * Pure: the run loop and the dry run gather the facts (the same way, see
 * `query/stage-decision.ts`) and both call this. The cache keeps several
 * entries per stage: a key the stage had before (a param switched back) is a
 * hit as much as its latest; a stored output that is missing or damaged is
 * never restored; a change is explained against the stage's latest entry.
 */

/** A stage's cache key now, with its named parts. */
export interface StageKey {
  /** The key: the hash of `parts`. */
  readonly cacheKey: string;
  /** Its named parts. */
  readonly parts: CacheKeyParts;
}

/**
 * The cache key a stage has, given its upstream output hashes, its input
 * files' hashes and the keyed hash for secret params (the store's
 * `secretDigest`). `known` is a key made before (the stage's latest cache
 * entry's): the key is a function of the parts alone, so parts the same as
 * its parts have its key, without being hashed again (a stage that is up to
 * date, the common case of a re-run).
 */
export function stageKey(
  stage: PlanStage,
  upstreamHashes: Readonly<Record<string, string>>,
  fileHashes: Readonly<Record<string, string>>,
  secretDigest: (value: string) => string,
  known?: { readonly cacheKey: string; readonly parts?: CacheKeyParts },
): StageKey {
  const parts = cacheKeyParts(stage, upstreamHashes, fileHashes, secretDigest);
  return { cacheKey: known?.parts !== undefined && sameParts(parts, known.parts) ? known.cacheKey : cacheKey(parts), parts };
}

/** What is known about a stage when deciding. */
export interface DecisionFacts {
  /** Its cache key now. */
  readonly key: StageKey;
  /** Its cache entry under that key, when it has one. */
  readonly hit?: CacheEntry;
  /** Its latest cache entry, when it ever succeeded. */
  readonly latest?: CacheEntry;
  /** What checking the hit's stored output found (`ok` when there is no hit). */
  readonly output: OutputCheck;
  /** Its state in the most recent run that had it. */
  readonly lastStatus?: StageStatus;
  /** Re-run regardless of the cache. */
  readonly force: boolean;
}

/** The decision. */
export interface StageDecision {
  /** `run` or `skip` (restore the cached output). */
  readonly action: 'run' | 'skip';
  /** Why, in words: "up to date", "restored from an earlier run (<run id>)", "never ran", "param `x` changed", ... */
  readonly reason: string;
  /** The stage's cache key now. */
  readonly cacheKey: string;
  /** Its named parts. */
  readonly parts: CacheKeyParts;
  /** The entry restored, when skipped. */
  readonly entry?: CacheEntry;
}

/** Decides whether `stage` runs, given the facts. */
export function decideStage(stage: PlanStage, facts: DecisionFacts): StageDecision {
  const { cacheKey: key, parts } = facts.key;
  const run = (reason: string): StageDecision => ({ action: 'run', reason, cacheKey: key, parts });
  if (facts.force) return run('forced');
  const hit = facts.hit;
  if (hit) {
    if (facts.output !== 'ok') return run(`stored output ${facts.output}`);
    const reason = facts.latest?.cacheKey === key ? 'up to date' : `restored from an earlier run (${hit.runId})`;
    return { action: 'skip', reason, cacheKey: key, parts, entry: hit };
  }
  const failed =
    facts.lastStatus === 'FAILED'
      ? 'last attempt failed'
      : facts.lastStatus === 'CANCELLED'
        ? 'last attempt was cancelled'
        : facts.lastStatus === 'PARTIAL'
          ? 'some of its items failed last time'
          : undefined;
  const latest = facts.latest;
  if (!latest) return run(failed ?? 'never ran');
  const changes = describeChanges(latest.parts ?? {}, parts);
  const what = changes.length > 0 ? changes.join(', ') : 'cache key changed';
  return run(failed === undefined ? what : `${failed}; ${what}`);
}

/** Whether `force` names the stage: all stages, its id, or (for a stage expanded per period) its id as written. */
export function isForced(force: boolean | readonly string[] | undefined, stage: Pick<PlanStage, 'id' | 'template'>): boolean {
  if (force === true) return true;
  if (!Array.isArray(force)) return false;
  return force.includes(stage.id) || (stage.template !== undefined && force.includes(stage.template));
}
