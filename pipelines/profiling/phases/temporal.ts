import type { StageContext, StageInputs } from '../../../src/definition/types';
import { isTimeKind } from '../infer-type';
import { inputOf, isoTime, numberParam } from '../phase-io';
import { round } from '../stats-math';
import { detectGranularity, periodIndex, periodStart, type Granularity } from '../time-periods';
import { loadTypedTable, yieldToOthers, type TableSource } from '../typed-table';
import type { TypingOutput } from './typing';

/**
 * Phase `temporal`: per time column (date or datetime) the granularity, the
 * coverage of the periods between the first and last value, and the gaps.
 * The output holds only time-column results and the sources of the tables
 * that have them, so changing a table without time columns leaves it
 * unchanged (and `slicing` and `business_cycles` cached). Plain TypeScript.
 */

/** A run of missing periods. */
export interface TimeGap {
  /** First missing period's start (ISO). */
  readonly from: string;
  /** Last missing period's start (ISO). */
  readonly to: string;
  /** Missing periods in the run. */
  readonly periods: number;
}

/** Profile of one time column. */
export interface TemporalColumn {
  readonly table: string;
  readonly column: string;
  readonly type: 'date' | 'datetime';
  readonly format?: string;
  /** Non-null values. */
  readonly count: number;
  /** Distinct timestamps. */
  readonly distinct: number;
  /** First value (ISO). */
  readonly min: string;
  /** Last value (ISO). */
  readonly max: string;
  /** Detected granularity; undefined for fewer than two distinct values. */
  readonly granularity?: Granularity;
  /** Periods from the first to the last value. */
  readonly expectedPeriods: number;
  /** Periods holding at least one value. */
  readonly observedPeriods: number;
  /** observed / expected, 4 decimals. */
  readonly coverage: number;
  /** Runs of missing periods. */
  readonly gapCount: number;
  /** The longest runs, longest first (then earliest). */
  readonly largestGaps: readonly TimeGap[];
}

/** Output of `temporal`. */
export interface TemporalOutput {
  /** Time columns, by table then column order. */
  readonly columns: readonly TemporalColumn[];
  /** Sources of the tables that have time columns. */
  readonly sources: readonly TableSource[];
}

/** The profile of one time column's values (epoch ms or null). */
export function profileTimeColumn(table: string, column: string, type: 'date' | 'datetime', format: string | undefined, values: readonly (number | null)[], maxGaps = 5): TemporalColumn | undefined {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return undefined;
  const distinct = [...new Set(present)].sort((a, b) => a - b);
  const g = detectGranularity(distinct);
  const base = { table, column, type, ...(format ? { format } : {}), count: present.length, distinct: distinct.length, min: isoTime(distinct[0]), max: isoTime(distinct[distinct.length - 1]) };
  if (!g) return { ...base, expectedPeriods: 1, observedPeriods: 1, coverage: 1, gapCount: 0, largestGaps: [] };
  const periods = [...new Set(distinct.map((t) => periodIndex(t, g)))].sort((a, b) => a - b);
  const expected = periods[periods.length - 1] - periods[0] + 1;
  const gaps: { start: number; periods: number }[] = [];
  for (let i = 1; i < periods.length; i++) if (periods[i] - periods[i - 1] > 1) gaps.push({ start: periods[i - 1] + 1, periods: periods[i] - periods[i - 1] - 1 });
  const largest = gaps.slice().sort((a, b) => b.periods - a.periods || a.start - b.start).slice(0, maxGaps);
  return {
    ...base,
    granularity: g,
    expectedPeriods: expected,
    observedPeriods: periods.length,
    coverage: round(periods.length / expected),
    gapCount: gaps.length,
    largestGaps: largest.map((gap) => ({ from: isoTime(periodStart(gap.start, g)), to: isoTime(periodStart(gap.start + gap.periods - 1, g)), periods: gap.periods })),
  };
}

/** Params: `maxGaps` (longest gaps listed per column, default 5). */
export async function run(ctx: StageContext, inputs: StageInputs): Promise<TemporalOutput> {
  const typing = inputOf<TypingOutput>(inputs, 'typing');
  const maxGaps = numberParam(ctx.params, 'maxGaps', 5, 0);
  const withTime = typing.tables.filter((t) => t.columns.some((c) => isTimeKind(c.type)));
  const columns: TemporalColumn[] = [];
  for (const [i, source] of withTime.entries()) {
    const table = await loadTypedTable(source);
    for (const c of table.columns) {
      if (c.type !== 'date' && c.type !== 'datetime') continue;
      const profile = profileTimeColumn(source.name, c.name, c.type, c.format, c.values as (number | null)[], maxGaps);
      if (profile) columns.push(profile);
    }
    ctx.progress(i + 1, withTime.length, source.name);
    await yieldToOthers();
  }
  return { columns, sources: withTime };
}
