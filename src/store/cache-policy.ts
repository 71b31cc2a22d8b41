import { DagbookError } from '../errors';
import type { CacheEntry } from '../records';
import type { CacheIndex } from './cache-history';

/**
 * How much cache history a store keeps. A stage's latest entry is always
 * kept (it is the stage's current output, whatever its age); older entries go
 * past `maxEntriesPerStage` (the least recently used first) or when recorded
 * more than `maxAgeDays` ago. Putting an entry applies the count; `gc` and
 * `clean` apply both, and `gc` then removes the outputs nothing refers to.
 */

/** Options of the cache history. */
export interface CacheOptions {
  /** Entries kept per stage, the latest included (an integer >= 1). @default 10 */
  readonly maxEntriesPerStage?: number;
  /** Age in days past which an entry that is not its stage's latest goes (a number >= 0). @default 90 */
  readonly maxAgeDays?: number;
}

/** {@link CacheOptions}, resolved. */
export interface CachePolicy {
  readonly maxEntriesPerStage: number;
  readonly maxAgeDays: number;
}

/** The defaults: 10 entries per stage, 90 days. */
export const DEFAULT_CACHE_POLICY: CachePolicy = { maxEntriesPerStage: 10, maxAgeDays: 90 };

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Validates and fills in cache options.
 * @throws DagbookError `INVALID_OPTION` naming the field (`cache.maxEntriesPerStage`, `cache.maxAgeDays`) and the value.
 */
export function resolveCachePolicy(options: CacheOptions = {}): CachePolicy {
  const max = options.maxEntriesPerStage ?? DEFAULT_CACHE_POLICY.maxEntriesPerStage;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
    throw invalid('cache.maxEntriesPerStage', 'an integer >= 1', options.maxEntriesPerStage);
  }
  const days = options.maxAgeDays ?? DEFAULT_CACHE_POLICY.maxAgeDays;
  if (typeof days !== 'number' || !Number.isFinite(days) || days < 0) {
    throw invalid('cache.maxAgeDays', 'a number of days >= 0', options.maxAgeDays);
  }
  return { maxEntriesPerStage: max, maxAgeDays: days };
}

/**
 * Drops (in place) the entries the policy does not keep; `now` (ms since the
 * epoch) enables the age limit, without it only the count applies. Only the
 * stages named in `stageIds` are looked at when given. Returns what went.
 */
export function pruneCacheHistory(index: CacheIndex, policy: CachePolicy, now?: number, stageIds?: readonly string[]): CacheEntry[] {
  const dropped: CacheEntry[] = [];
  for (const stageId of stageIds ?? Object.keys(index)) {
    const entries = index[stageId];
    if (entries === undefined || entries.length === 0) continue;
    const latest = entries[entries.length - 1];
    const older = entries.slice(0, -1);
    const young = now === undefined ? older : older.filter((e) => now - e.recordedAt <= policy.maxAgeDays * DAY_MS);
    const kept = young.slice(Math.max(0, young.length - (policy.maxEntriesPerStage - 1)));
    if (kept.length === older.length) continue;
    const keep = new Set(kept);
    dropped.push(...older.filter((e) => !keep.has(e)));
    index[stageId] = [...kept, latest];
  }
  return dropped;
}

function invalid(field: string, expected: string, value: unknown): DagbookError {
  return new DagbookError('INVALID_OPTION', `Expected \`${field}\` to be ${expected}, got \`${String(value)}\``, { data: { field, value } });
}
