import type { DryRunItems } from '../query/item-preview';
import { formatNumber } from './format';
import { nonZeroCounts } from './item-counts';
import { collapsedHtml, escapeHtml } from './html';
import { FONT_MONO, MUTED } from './palette';

/**
 * What the dry run says of a per-item stage's items: how many are new,
 * changed, deleted, unchanged and failed last time and how many would run,
 * and (in HTML) the ids of each kind, folded away.
 */

/** Ids listed per kind at most; the rest are counted. */
export const MAX_LISTED_IDS = 50;

/** `12 new · 3 changed · 1 deleted · 230 unchanged · 2 failed last time — 17 will run` (kinds with no item left out). */
export function dryRunItemsText(items: DryRunItems): string {
  const counts = nonZeroCounts([
    [items.new, 'new'],
    [items.changed, 'changed'],
    [items.deleted, 'deleted'],
    [items.unchanged, 'unchanged'],
    [items.failedLastTime, 'failed last time'],
  ]);
  return `${counts.length === 0 ? 'no items' : counts.join(' · ')} — ${formatNumber(items.toRun)} will run`;
}

const KIND_TITLES: readonly (readonly [keyof DryRunItems['ids'], string])[] = [
  ['new', 'new'],
  ['changed', 'changed'],
  ['deleted', 'deleted'],
  ['failedLastTime', 'failed last time'],
];

/**
 * The ids of a stage's items by kind, folded under `items of <stage>: ...`:
 * a line per kind that has ids, at most {@link MAX_LISTED_IDS} of them and
 * `and N more`; empty when no kind has ids.
 */
export function dryRunItemIdsHtml(stageId: string, items: DryRunItems): string {
  const ids = items.ids;
  const lines = KIND_TITLES.filter(([kind]) => ids[kind].length > 0).map(([kind, title]) => {
    const list = ids[kind];
    const shown = list.slice(0, MAX_LISTED_IDS).map((id) => `<span style="font-family:${FONT_MONO};font-size:12px">${escapeHtml(id)}</span>`);
    const more = list.length > MAX_LISTED_IDS ? ` <span style="color:${MUTED}">and ${formatNumber(list.length - MAX_LISTED_IDS)} more</span>` : '';
    return `<div style="margin:3px 0 0 12px"><b>${escapeHtml(title)}</b> <span style="color:${MUTED}">(${formatNumber(list.length)})</span>: ${shown.join(', ')}${more}</div>`;
  });
  if (lines.length === 0) return '';
  return collapsedHtml(`items of ${stageId}: ${dryRunItemsText(items)}`, lines.join(''));
}
