import { formatDuration, formatNumber } from './format';
import type { ItemsProgress } from './progress-state';

/**
 * What the progress views say about a per-item stage's items: how many have
 * ended, the share done, the rate and the time the rest still need. The
 * stage's ETA is the items left over its recent rate (the rate the engine
 * reports, over the last moments rather than since the start, so a stage
 * whose first items were restored from cache in a blink does not promise an
 * early end).
 */

/** Items that have ended, whatever the outcome: succeeded, failed or reused. */
export function itemsEnded(items: ItemsProgress): number {
  return items.done + items.failed + items.cached;
}

/** Share of the items that have ended, in [0, 1] (1 for a stage with no items). */
export function itemsFraction(items: ItemsProgress): number {
  return items.total <= 0 ? 1 : Math.min(1, itemsEnded(items) / items.total);
}

/** Time the items left need at the recent rate, ms; 0 when none is left; null while the rate is unknown (0). */
export function itemsEtaMs(items: ItemsProgress): number | null {
  const left = Math.max(0, items.total - itemsEnded(items));
  if (left === 0) return 0;
  return items.itemsPerSecond > 0 ? Math.round((left * 1000) / items.itemsPerSecond) : null;
}

/** `12.5 items/s` (one decimal below 10, whole above). */
export function rateText(itemsPerSecond: number): string {
  return `${itemsPerSecond < 10 ? itemsPerSecond.toFixed(1) : formatNumber(Math.round(itemsPerSecond))} items/s`;
}

/** The parts of a per-item stage's line: its counts, and while it runs its rate and ETA (empty once it ended). */
export interface ItemsLineParts {
  /** `130/250 items · 2 failed · 30 cached · 4 running` (counts that are 0 left out; `running` only while it runs). */
  readonly counts: string;
  /** `48 items/s`, or empty. */
  readonly rate: string;
  /** `ETA 2.5 s`, `ETA —`, or empty (nothing left, or ended). */
  readonly eta: string;
}

/**
 * The parts of a per-item stage's line (see {@link itemsProgressText}), for a display that orders them itself.
 * @param ended Whether the stage has ended (then neither rate nor ETA is given).
 */
export function itemsLineParts(items: ItemsProgress, ended: boolean): ItemsLineParts {
  const counts = [`${formatNumber(itemsEnded(items))}/${formatNumber(items.total)} items`];
  if (items.failed > 0) counts.push(`${formatNumber(items.failed)} failed`);
  if (items.cached > 0) counts.push(`${formatNumber(items.cached)} cached`);
  if (!ended && items.running > 0) counts.push(`${formatNumber(items.running)} running`);
  const eta = ended ? 0 : itemsEtaMs(items);
  return {
    counts: counts.join(' · '),
    rate: ended ? '' : rateText(items.itemsPerSecond),
    eta: eta === 0 ? '' : `ETA ${eta === null ? '—' : formatDuration(eta)}`,
  };
}

/**
 * A per-item stage's items in one line: `130/250 items · 2 failed · 30
 * cached · 4 running · 48 items/s · ETA 2.5 s`; counts that are 0 are left
 * out, and the rate and ETA once it ended.
 * @param ended Whether the stage has ended.
 */
export function itemsProgressText(items: ItemsProgress, ended: boolean): string {
  const { counts, rate, eta } = itemsLineParts(items, ended);
  return [counts, rate, eta].filter((part) => part !== '').join(' · ');
}
