import type { StageContext, StageInputs } from '../../../src/definition/types';
import { isNumericKind } from '../infer-type';
import { inputOf, numberParam } from '../phase-io';
import { frameOf, rowsOf } from '../data-frame';
import { autocorrelation, round } from '../stats-math';
import { periodDays, periodIndex, type Granularity } from '../time-periods';
import { loadTypedTable, yieldToOthers } from '../typed-table';
import type { TemporalOutput } from './temporal';

/**
 * Phase `business_cycles`: seasonality of each measure of each table with a
 * time column, by autocorrelation. The measure is averaged per period (day
 * for finer data), missing periods are filled by linear interpolation, and
 * the cycle is the highest autocorrelation peak after the first zero
 * crossing (the yearly cycle of Seattle temperatures shows at ~365 days).
 * The means per period are a danfojs group-by (data-frame.ts); the
 * autocorrelation is plain TypeScript.
 */

/** A cycle found in a series. */
export interface Cycle {
  /** Length in periods of the series' granularity. */
  readonly period: number;
  /** Length in days (approximate for months). */
  readonly periodDays: number;
  /** Autocorrelation at that lag, 4 decimals. */
  readonly strength: number;
}

/** Seasonality analysis of one measure. */
export interface SeriesCycles {
  readonly table: string;
  readonly timeColumn: string;
  readonly measure: string;
  /** Period the series is aggregated by. */
  readonly granularity: Granularity;
  /** Points in the regular series. */
  readonly points: number;
  /** The dominant cycle, or null when none is strong enough. */
  readonly cycle: Cycle | null;
  /** Autocorrelation at lags 0..maxLag, 3 decimals. */
  readonly acf: readonly number[];
}

/** Output of `business_cycles`. */
export interface BusinessCyclesOutput {
  readonly series: readonly SeriesCycles[];
}

/** The dominant cycle in an autocorrelation function: the highest local peak after the first drop below zero, if >= `minStrength`. */
export function dominantCycle(acf: readonly number[], minStrength: number): { lag: number; strength: number } | null {
  let i = 1;
  while (i < acf.length && acf[i] >= 0) i++;
  let best: { lag: number; strength: number } | null = null;
  for (let lag = i + 1; lag < acf.length - 1; lag++) {
    if (acf[lag] >= acf[lag - 1] && acf[lag] >= acf[lag + 1] && (best === null || acf[lag] > best.strength)) best = { lag, strength: acf[lag] };
  }
  return best !== null && best.strength >= minStrength ? best : null;
}

/** A regular series: the mean per period (a danfojs group-by) from the first to the last, gaps filled by linear interpolation. */
export function regularSeries(times: readonly (number | null)[], values: readonly (number | null)[], g: Granularity): number[] {
  const periods: number[] = [];
  const present: number[] = [];
  for (let r = 0; r < times.length; r++) {
    const t = times[r];
    const v = values[r];
    if (t === null || v === null) continue;
    periods.push(periodIndex(t, g));
    present.push(v);
  }
  if (periods.length === 0) return [];
  const means = rowsOf(frameOf({ period: periods, value: present }).groupby(['period']).agg({ value: 'mean' })).map((row) => [Number(row.period), row.value_mean as number] as const);
  const keys = means.map(([k]) => k).sort((a, b) => a - b);
  const first = keys[0];
  const out = new Array<number>(keys[keys.length - 1] - first + 1).fill(NaN);
  for (const [k, mean] of means) out[k - first] = mean;
  let prev = 0;
  for (let i = 1; i < out.length; i++) {
    if (Number.isNaN(out[i])) continue;
    for (let j = prev + 1; j < i; j++) out[j] = out[prev] + ((out[i] - out[prev]) * (j - prev)) / (i - prev);
    prev = i;
  }
  return out;
}

const SERIES_GRANULARITY: Readonly<Record<Granularity, Granularity>> = {
  second: 'day',
  minute: 'day',
  hour: 'day',
  day: 'day',
  week: 'week',
  month: 'month',
  quarter: 'quarter',
  year: 'year',
};

/** Params: `maxLag` (longest lag tried, default 400), `minStrength` (least peak autocorrelation, default 0.2). */
export async function run(ctx: StageContext, inputs: StageInputs): Promise<BusinessCyclesOutput> {
  const temporal = inputOf<TemporalOutput>(inputs, 'temporal');
  const maxLag = numberParam(ctx.params, 'maxLag', 400, 2);
  const minStrength = numberParam(ctx.params, 'minStrength', 0.2, 0, 1);
  const series: SeriesCycles[] = [];
  const columns = temporal.columns.filter((c) => c.granularity !== undefined);
  for (const [i, time] of columns.entries()) {
    const source = temporal.sources.find((s) => s.name === time.table)!;
    const table = await loadTypedTable(source);
    const times = table.columns.find((c) => c.name === time.column)!.values as (number | null)[];
    const g = SERIES_GRANULARITY[time.granularity as Granularity];
    for (const m of table.columns.filter((c) => isNumericKind(c.type))) {
      const points = regularSeries(times, m.values as (number | null)[], g);
      const acf = autocorrelation(points, Math.min(maxLag, Math.floor(points.length / 2)));
      const peak = dominantCycle(acf, minStrength);
      series.push({
        table: time.table,
        timeColumn: time.column,
        measure: m.name,
        granularity: g,
        points: points.length,
        cycle: peak === null ? null : { period: peak.lag, periodDays: round(peak.lag * periodDays(g), 1), strength: round(peak.strength) },
        acf: acf.map((x) => round(x, 3)),
      });
    }
    ctx.progress(i + 1, columns.length, `${time.table}.${time.column}`);
    await yieldToOthers();
  }
  return { series };
}
