import type { CacheEntry } from '../records';

/**
 * The cache index with history, as kept in the state document: for each
 * stage, its entries in order of use, the latest last. An entry is keyed by
 * its cache key within its stage (like Turborepo, Nx or DVC keep outputs by
 * input hash), so a param switched back to a value computed before finds its
 * output again. Pure functions over the index; the stores own persistence.
 */

/** Cache entries by stage id, oldest use first: the last is the stage's latest. */
export type CacheIndex = Record<string, CacheEntry[]>;

/** A stage's entry under a cache key. */
export function findCacheEntry(index: Readonly<CacheIndex>, stageId: string, cacheKey: string): CacheEntry | undefined {
  return index[stageId]?.find((entry) => entry.cacheKey === cacheKey);
}

/** A stage's latest entry (put or restored most recently). */
export function latestCacheEntry(index: Readonly<CacheIndex>, stageId: string): CacheEntry | undefined {
  const entries = index[stageId];
  return entries === undefined ? undefined : entries[entries.length - 1];
}

/** Adds an entry (in place) as its stage's latest, replacing one under the same key. */
export function addCacheEntry(index: CacheIndex, entry: CacheEntry): void {
  const others = (index[entry.stageId] ?? []).filter((e) => e.cacheKey !== entry.cacheKey);
  index[entry.stageId] = [...others, entry];
}

/** Makes a stage's entry under `cacheKey` its latest (in place), when there is one. */
export function touchCacheEntry(index: CacheIndex, stageId: string, cacheKey: string): void {
  const entries = index[stageId];
  const at = entries?.findIndex((e) => e.cacheKey === cacheKey) ?? -1;
  if (at < 0 || at === entries.length - 1) return;
  index[stageId] = [...entries.slice(0, at), ...entries.slice(at + 1), entries[at]];
}

/** Every entry of the index. */
export function allCacheEntries(index: Readonly<CacheIndex>): CacheEntry[] {
  return Object.values(index).flat();
}

/** Number of entries in the index. */
export function countCacheEntries(index: Readonly<CacheIndex>): number {
  let n = 0;
  for (const entries of Object.values(index)) n += entries.length;
  return n;
}
