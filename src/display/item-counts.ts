import type { ItemCounts, StageRecord } from '../records';
import { formatNumber } from './format';

/**
 * How the items of a per-item stage ended, in words, the same in the
 * metrics card, the status view and a partial run's headline.
 */

/** The counts that are not 0, each with its word (`248 ok`), in the order given. */
export function nonZeroCounts(counts: readonly (readonly [number, string])[]): string[] {
  return counts.filter(([n]) => n > 0).map(([n, word]) => `${formatNumber(n)} ${word}`);
}

/** `248 ok · 2 failed · 230 cached` (and blocked, skipped, deleted): the counts that are not 0; `0 items` when all are. */
export function itemCountsText(c: ItemCounts): string {
  const shown = nonZeroCounts([
    [c.succeeded, 'ok'],
    [c.failed, 'failed'],
    [c.cached, 'cached'],
    [c.blocked, 'blocked'],
    [c.skipped, 'skipped'],
    [c.deleted, 'deleted'],
  ]);
  return shown.length === 0 ? '0 items' : shown.join(' · ');
}

/**
 * The headline of a partial run: `PARTIAL: 1 of 250 items failed in
 * \`embed\``, every partial stage named (`...; 3 of 250 items failed in
 * \`chunk\``), in the order given.
 */
export function partialHeadline(records: readonly StageRecord[]): string {
  const partial = records.filter((r) => r.status === 'PARTIAL' && r.items !== undefined);
  if (partial.length === 0) return 'PARTIAL';
  const parts = partial.map((r) => {
    const c = r.items as ItemCounts;
    return `${formatNumber(c.failed)} of ${formatNumber(c.total)} ${c.total === 1 ? 'item' : 'items'} failed in \`${r.stageId}\``;
  });
  return `PARTIAL: ${parts.join('; ')}`;
}
