import type { StageContext, StageInputs } from '../../../src/definition/types';
import { isNumericKind, isTimeKind, type ColumnKind, type Value } from '../infer-type';
import { inputOf, isoTime, numberParam } from '../phase-io';
import { describeNumbers } from '../data-frame';
import { quantileSorted, round, valueCounts } from '../stats-math';
import { loadTypedTable, yieldToOthers, type TableSource, type TypedColumn } from '../typed-table';
import type { TypingOutput } from './typing';

/**
 * Phase `statistics`: per column count, nulls, distinct, min, max, mean,
 * std, quantiles and top values. The numeric summary is danfojs's
 * `describe` (loaded lazily, data-frame.ts); quantiles other than the median
 * and the value counts are plain TypeScript.
 */

/** Quantiles of a numeric column. */
export interface Quantiles {
  readonly p05: number;
  readonly p25: number;
  readonly p50: number;
  readonly p75: number;
  readonly p95: number;
}

/** Statistics of one column. */
export interface ColumnStats {
  /** Column name. */
  readonly name: string;
  /** Type from `typing`. */
  readonly type: ColumnKind;
  /** Type confidence from `typing`. */
  readonly confidence: number;
  /** Non-null values. */
  readonly count: number;
  /** Null values (null-like cells and cells that did not parse). */
  readonly nulls: number;
  /** Distinct non-null values. */
  readonly distinct: number;
  /** Smallest value: a number, or an ISO date for time columns; absent for strings. */
  readonly min?: number | string;
  /** Largest value, as `min`. */
  readonly max?: number | string;
  /** Mean of numeric columns, 4 decimals. */
  readonly mean?: number;
  /** Sample standard deviation of numeric columns, 4 decimals. */
  readonly std?: number;
  /** Quantiles of numeric columns. */
  readonly quantiles?: Quantiles;
  /** Most frequent values with their counts, most frequent first. */
  readonly top: readonly { readonly value: string; readonly count: number }[];
}

/** Statistics of one table. */
export interface TableStats {
  /** Table name. */
  readonly name: string;
  /** Data rows. */
  readonly rows: number;
  /** Where the values come from (for phases that need them). */
  readonly source: TableSource;
  /** Per-column statistics. */
  readonly columns: readonly ColumnStats[];
}

/** Output of `statistics`. */
export interface StatisticsOutput {
  /** Tables in typing order. */
  readonly tables: readonly TableStats[];
}

/** Statistics of one typed column; `topN` most frequent values are kept. */
export function columnStats(col: TypedColumn, confidence: number, topN = 5): ColumnStats {
  const present = col.values.filter((v): v is Exclude<Value, null> => v !== null);
  const counts = valueCounts(isTimeKind(col.type) ? present.map((v) => isoTime(v as number)) : present);
  const base = {
    name: col.name,
    type: col.type,
    confidence,
    count: present.length,
    nulls: col.values.length - present.length,
    distinct: counts.length,
    top: counts.slice(0, topN).map(([value, count]) => ({ value, count })),
  };
  if (isTimeKind(col.type) && present.length > 0) {
    const sorted = (present as number[]).slice().sort((a, b) => a - b);
    return { ...base, min: isoTime(sorted[0]), max: isoTime(sorted[sorted.length - 1]) };
  }
  if (isNumericKind(col.type) && present.length > 0) {
    const xs = present as number[];
    const summary = describeNumbers(xs);
    // danfojs gives the median but no other quantile: those come from one sort.
    const sorted = xs.slice().sort((a, b) => a - b);
    const q = (p: number) => round(quantileSorted(sorted, p));
    return {
      ...base,
      min: summary.min,
      max: summary.max,
      mean: round(summary.mean),
      // danfojs reports 0 for a single value; a sample std needs two.
      ...(xs.length < 2 ? {} : { std: round(summary.std) }),
      quantiles: { p05: q(0.05), p25: q(0.25), p50: q(0.5), p75: q(0.75), p95: q(0.95) },
    };
  }
  return base;
}

/** Params: `topN` (top values kept per column, default 5). */
export async function run(ctx: StageContext, inputs: StageInputs): Promise<StatisticsOutput> {
  const typing = inputOf<TypingOutput>(inputs, 'typing');
  const topN = numberParam(ctx.params, 'topN', 5, 0, 100);
  const tables: TableStats[] = [];
  for (const [i, source] of typing.tables.entries()) {
    const table = await loadTypedTable(source);
    const columns = table.columns.map((c, j) => columnStats(c, source.columns[j].confidence, topN));
    tables.push({ name: source.name, rows: table.rows, source, columns });
    ctx.progress(i + 1, typing.tables.length, source.name);
    await yieldToOthers();
  }
  return { tables };
}
