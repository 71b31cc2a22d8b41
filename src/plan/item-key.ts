import { canonicalJson, sha256 } from '../canonical-json';
import type { CacheKeyParts } from './cache-key';
import type { PlanStage } from './plan';

/**
 * An item's cache key in a per-item stage: its stage's key parts without the
 * manifests of its discovery and item deps (which change whenever any item
 * does), the item's content hash, and its upstream items' output hashes.
 * The run and the dry run compute it the same way.
 */

/** The stage's share of its items' keys, from the stage's cache key parts. */
export function itemKeyBase(stage: PlanStage, parts: CacheKeyParts): string {
  const skip = new Set([stage.forEach, ...(stage.itemDeps ?? [])].map((id) => `upstream:${id}`));
  return sha256(canonicalJson(Object.fromEntries(Object.entries(parts).filter(([name]) => !skip.has(name)))));
}

/** An item's key: the stage's base, the item's hash, its upstream items' output hashes in `itemDeps` order. */
export function itemKey(base: string, itemHash: string, upstreamHashes: readonly string[]): string {
  return sha256(`${base}\n${itemHash}\n${upstreamHashes.join('\n')}`);
}
