import { DagbookError } from '../errors';
import { sha256 } from '../canonical-json';
import type { Item } from '../definition/types';

/**
 * Which items of the per-item stages a run processes, beyond "the new, the
 * changed and the failed" of an incremental run: every item (`full`), a
 * sample (`test`), items by id, or only the items that failed last time.
 */

/** How a run treats the items of its per-item stages. */
export interface ItemRunOptions {
  /** `incremental` (default): new, changed and failed items; `full`: every item; `test`: a sample of `sample` items. */
  readonly mode?: 'incremental' | 'full' | 'test';
  /** Items in a `test` run. @default 10 */
  readonly sample?: number;
  /** Only these item ids run (the others keep what they had). */
  readonly only?: readonly string[];
  /** These item ids do not run (they keep what they had). */
  readonly skip?: readonly string[];
  /** Only the items that failed last time run (the others keep what they had). */
  readonly retryFailed?: boolean;
}

/** Items in a `test` run when `sample` is not given. */
export const DEFAULT_ITEM_SAMPLE = 10;

/**
 * Checks the item options.
 * @throws DagbookError `INVALID_OPTION` naming the option and the value
 */
export function checkItemOptions(options: ItemRunOptions | undefined): ItemRunOptions {
  if (options === undefined) return {};
  const { mode, sample, only, skip } = options;
  if (mode !== undefined && !['incremental', 'full', 'test'].includes(mode)) {
    throw new DagbookError('INVALID_OPTION', `Expected \`items.mode\` to be \`incremental\`, \`full\` or \`test\`, got \`${String(mode)}\``);
  }
  if (sample !== undefined && (!Number.isInteger(sample) || sample < 1)) {
    throw new DagbookError('INVALID_OPTION', `Expected \`items.sample\` to be an integer >= 1, got \`${String(sample)}\``);
  }
  for (const [field, list] of [['only', only], ['skip', skip]] as const) {
    if (list !== undefined && (!Array.isArray(list) || list.some((id) => typeof id !== 'string'))) {
      throw new DagbookError('INVALID_OPTION', `Expected \`items.${field}\` to be an array of item ids, got \`${JSON.stringify(list)}\``);
    }
  }
  return options;
}

/**
 * The ids of the items a `test` run takes: `size` of them, the same ones on
 * every run while the items are the same (those whose id hashes lowest), in
 * discovery order.
 */
export function sampleItems(items: readonly Item[], size: number): Set<string> {
  if (size >= items.length) return new Set(items.map((i) => i.id));
  const ranked = items.map((item) => ({ id: item.id, rank: sha256(item.id) })).sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
  return new Set(ranked.slice(0, size).map((r) => r.id));
}
