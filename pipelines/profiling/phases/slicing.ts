import type { StageContext, StageInputs } from '../../../src/definition/types';
import { isNumericKind } from '../infer-type';
import { inputOf, numberParam } from '../phase-io';
import { frameOf, rowsOf } from '../data-frame';
import { round } from '../stats-math';
import { periodLabel, type Granularity } from '../time-periods';
import { loadTypedTable, yieldToOthers, type TypedTable } from '../typed-table';
import type { TemporalOutput } from './temporal';

/**
 * Phase `slicing`: slices each table that has a time column by period (year
 * when the data spans more than two years, month when more than two months,
 * else day) and by its low-cardinality dimensions, with row counts and
 * per-measure aggregates for every slice, grouped by danfojs (loaded
 * lazily, data-frame.ts).
 */

/** Aggregates of one measure within a slice (4 decimals). */
export interface MeasureAggregate {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly sum: number;
}

/** One slice. */
export interface Slice {
  /** Period label or dimension value. */
  readonly slice: string;
  /** Rows in the slice. */
  readonly rows: number;
  /** Aggregates by measure name (measures with no value in the slice are left out). */
  readonly measures: Readonly<Record<string, MeasureAggregate>>;
}

/** Slices of one table. */
export interface TableSlices {
  readonly name: string;
  /** Time column the periods come from. */
  readonly timeColumn: string;
  /** Period used. */
  readonly period: Granularity;
  /** Slices by period, in time order. */
  readonly byPeriod: readonly Slice[];
  /** Slices by each low-cardinality dimension, most rows first. */
  readonly byDimension: readonly { readonly column: string; readonly slices: readonly Slice[] }[];
}

/** Output of `slicing`. */
export interface SlicingOutput {
  readonly tables: readonly TableSlices[];
}

const YEAR_MS = 365.25 * 86_400_000;

/**
 * Slices of the rows of `table` grouped by `keyOf` (null keys are left out),
 * with aggregates of `measures`: danfojs group-bys, one for the row counts
 * and one per measure over the rows where it has a value (danfojs counts a
 * missing value as 0 in a group's mean and sum). Slices come in order of
 * first appearance.
 */
export function sliceBy(table: TypedTable, keyOf: (row: number) => string | null, measures: readonly string[]): Slice[] {
  const keys: string[] = [];
  const rowsKept: number[] = [];
  for (let r = 0; r < table.rows; r++) {
    const k = keyOf(r);
    if (k !== null) (keys.push(k), rowsKept.push(r));
  }
  if (keys.length === 0) return [];
  const slices = new Map<string, { rows: number; measures: Record<string, MeasureAggregate> }>();
  const counts = frameOf({ slice: keys, row: rowsKept }).groupby(['slice']).agg({ row: 'count' });
  for (const g of rowsOf(counts)) slices.set(String(g.slice), { rows: g.row_count as number, measures: {} });
  for (const name of measures) {
    const values = table.columns.find((c) => c.name === name)!.values;
    const present = rowsKept.map((r, i) => [keys[i], values[r]] as const).filter((p): p is readonly [string, number] => typeof p[1] === 'number');
    if (present.length === 0) continue;
    const agg = frameOf({ slice: present.map((p) => p[0]), value: present.map((p) => p[1]) }).groupby(['slice']).agg({ value: ['mean', 'min', 'max', 'sum'] });
    for (const g of rowsOf(agg)) {
      const a = { mean: round(g.value_mean as number), min: g.value_min as number, max: g.value_max as number, sum: round(g.value_sum as number) };
      slices.get(String(g.slice))!.measures[name] = a;
    }
  }
  return [...slices.entries()].map(([slice, s]) => ({ slice, rows: s.rows, measures: Object.fromEntries(measures.filter((m) => s.measures[m]).map((m) => [m, s.measures[m]])) }));
}

/** The slicing period for data spanning `spanMs`. */
export function slicePeriod(spanMs: number): Granularity {
  return spanMs > 2 * YEAR_MS ? 'year' : spanMs > YEAR_MS / 6 ? 'month' : 'day';
}

/** Params: `maxLevels` (most distinct values of a slicing dimension, default 12). */
export async function run(ctx: StageContext, inputs: StageInputs): Promise<SlicingOutput> {
  const temporal = inputOf<TemporalOutput>(inputs, 'temporal');
  const maxLevels = numberParam(ctx.params, 'maxLevels', 12, 1);
  const tables: TableSlices[] = [];
  for (const [i, source] of temporal.sources.entries()) {
    const time = temporal.columns.find((c) => c.table === source.name)!;
    const table = await loadTypedTable(source);
    const timeValues = table.columns.find((c) => c.name === time.column)!.values;
    const period = slicePeriod(Date.parse(time.max) - Date.parse(time.min));
    const measures = table.columns.filter((c) => isNumericKind(c.type)).map((c) => c.name);
    const byPeriod = sliceBy(table, (r) => (timeValues[r] === null ? null : periodLabel(timeValues[r] as number, period)), measures).sort((a, b) => (a.slice < b.slice ? -1 : 1));
    const dims = table.columns.filter((c) => (c.type === 'category' || c.type === 'boolean') && new Set(c.values.filter((v) => v !== null)).size <= maxLevels);
    const byDimension = dims.map((d) => ({
      column: d.name,
      slices: sliceBy(table, (r) => (d.values[r] === null ? null : String(d.values[r])), measures).sort((a, b) => b.rows - a.rows || (a.slice < b.slice ? -1 : 1)),
    }));
    tables.push({ name: source.name, timeColumn: time.column, period, byPeriod, byDimension });
    ctx.progress(i + 1, temporal.sources.length, `${source.name}: ${byPeriod.length} periods, ${byDimension.length} dimensions`);
    await yieldToOthers();
  }
  return { tables };
}
