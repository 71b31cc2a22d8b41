import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StageContext, StageInputs } from 'dagbook';

/**
 * Stages of the starter pipeline (pipelines/starter.yaml). Each is a plain
 * function of the stage's context (params, progress, abort signal) and the
 * outputs of the stages it depends on; what it returns is stored and handed
 * to the stages downstream. Edit one and run again: dagbook re-runs that stage
 * and what depends on it, and restores the others from the cache.
 */

/** One reading: a city's mean temperature over one month, in °C. */
export interface Reading {
  readonly city: string;
  readonly month: string;
  readonly celsius: number;
}

/** One city's readings summarised. */
export interface CitySummary {
  readonly city: string;
  readonly months: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

/** One month's mean over the cities. */
export interface MonthSummary {
  readonly month: string;
  readonly cities: number;
  readonly mean: number;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    groups.set(k, [...(groups.get(k) ?? []), row]);
  }
  return groups;
}

/** Reads `data/readings.csv` (declared as the stage's input file, so editing it re-runs the stage). */
export function load(ctx: StageContext): Reading[] {
  const file = path.join(__dirname, '..', 'data', 'readings.csv');
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  if (header !== 'city,month,celsius') throw new Error(`${file}: expected the header city,month,celsius, got ${header}`);
  const readings = lines.map((line, i) => {
    const [city, month, celsius] = line.split(',');
    const value = Number(celsius);
    if (!city || !month || celsius === '' || !Number.isFinite(value)) throw new Error(`${file} line ${i + 2}: cannot read ${JSON.stringify(line)}`);
    return { city, month, celsius: value };
  });
  ctx.progress(readings.length, readings.length, `${readings.length} readings read`);
  return readings;
}

/** Coldest, warmest and mean month of each city, rounded to `decimals`. */
export function byCity(ctx: StageContext, inputs: StageInputs): CitySummary[] {
  const decimals = Number(ctx.params.decimals ?? 1);
  const groups = groupBy(inputs.load as Reading[], (r) => r.city);
  return [...groups].map(([city, rows]) => {
    const values = rows.map((r) => r.celsius);
    return { city, months: rows.length, min: Math.min(...values), max: Math.max(...values), mean: round(mean(values), decimals) };
  });
}

/** Each month's mean over the cities, rounded to `decimals`, in month order. */
export function byMonth(ctx: StageContext, inputs: StageInputs): MonthSummary[] {
  const decimals = Number(ctx.params.decimals ?? 1);
  const groups = groupBy(inputs.load as Reading[], (r) => r.month);
  return [...groups]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([month, rows]) => ({ month, cities: rows.length, mean: round(mean(rows.map((r) => r.celsius)), decimals) }));
}

/** The warmest city (highest mean), the city with the widest range, and the warmest month. */
export function report(_ctx: StageContext, inputs: StageInputs): { warmestCity: string; widestRange: { city: string; degrees: number }; warmestMonth: string } {
  const cities = inputs.by_city as CitySummary[];
  const months = inputs.by_month as MonthSummary[];
  const warmest = cities.reduce((a, b) => (b.mean > a.mean ? b : a));
  const widest = cities.reduce((a, b) => (b.max - b.min > a.max - a.min ? b : a));
  const warmestMonth = months.reduce((a, b) => (b.mean > a.mean ? b : a));
  return {
    warmestCity: warmest.city,
    widestRange: { city: widest.city, degrees: round(widest.max - widest.min, 1) },
    warmestMonth: warmestMonth.month,
  };
}
