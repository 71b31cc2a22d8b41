/**
 * Calendar periods for the temporal phases: granularity detection and
 * period indexes (months and years by the calendar, shorter units by fixed
 * length), all in UTC. Plain TypeScript.
 */

/** Granularities, finest first. */
export type Granularity = 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';

const DAY_MS = 86_400_000;
const FIXED_MS: Readonly<Record<string, number>> = { second: 1000, minute: 60_000, hour: 3_600_000, day: DAY_MS, week: 7 * DAY_MS };

/** Approximate length of one period, in days. */
export function periodDays(g: Granularity): number {
  return g === 'month' ? 30.4375 : g === 'quarter' ? 91.3125 : g === 'year' ? 365.25 : FIXED_MS[g] / DAY_MS;
}

/**
 * The granularity of sorted distinct timestamps (epoch ms): from the most
 * common step between neighbours — 28-31 days is a month, 89-92 a quarter,
 * 365-366 a year; otherwise the largest fixed unit the step is a multiple of.
 * Undefined for fewer than two timestamps.
 */
export function detectGranularity(sortedDistinct: readonly number[]): Granularity | undefined {
  if (sortedDistinct.length < 2) return undefined;
  const counts = new Map<number, number>();
  for (let i = 1; i < sortedDistinct.length; i++) {
    const d = sortedDistinct[i] - sortedDistinct[i - 1];
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  const step = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
  const days = step / DAY_MS;
  if (days >= 28 && days <= 31) return 'month';
  if (days >= 89 && days <= 92) return 'quarter';
  if (days >= 365 && days <= 366) return 'year';
  for (const g of ['week', 'day', 'hour', 'minute'] as const) if (step % FIXED_MS[g] === 0) return g;
  return 'second';
}

/** Index of the period holding `t`: consecutive periods have consecutive indexes. */
export function periodIndex(t: number, g: Granularity): number {
  const d = new Date(t);
  if (g === 'month') return d.getUTCFullYear() * 12 + d.getUTCMonth();
  if (g === 'quarter') return d.getUTCFullYear() * 4 + Math.floor(d.getUTCMonth() / 3);
  if (g === 'year') return d.getUTCFullYear();
  return Math.floor(t / FIXED_MS[g]);
}

/** Start of period `index` (epoch ms). */
export function periodStart(index: number, g: Granularity): number {
  if (g === 'month') return Date.UTC(Math.floor(index / 12), index % 12, 1);
  if (g === 'quarter') return Date.UTC(Math.floor(index / 4), (index % 4) * 3, 1);
  if (g === 'year') return Date.UTC(index, 0, 1);
  return index * FIXED_MS[g];
}

/** A label of the period holding `t`: `2014`, `2014-03`, `2014-Q1`, or the ISO start of a shorter period. */
export function periodLabel(t: number, g: Granularity): string {
  const d = new Date(t);
  const y = String(d.getUTCFullYear());
  if (g === 'year') return y;
  if (g === 'month') return `${y}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  if (g === 'quarter') return `${y}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
  const s = new Date(periodStart(periodIndex(t, g), g)).toISOString();
  return g === 'day' || g === 'week' ? s.slice(0, 10) : s.slice(0, 16) + 'Z';
}
