import type { StageContext, StageInputs } from '../../../src/definition/types';
import { isNumericKind } from '../infer-type';
import { inputOf, numberParam } from '../phase-io';
import { round } from '../stats-math';
import { loadTypedTable, yieldToOthers } from '../typed-table';
import type { StatisticsOutput } from './statistics';

/**
 * Phase `statistical_quality`: null rates, IQR outliers (Tukey fences from
 * the statistics' quartiles), duplicate rows, constant columns, and a
 * quality score per table. Plain TypeScript.
 */

/** Quality figures of one column. */
export interface ColumnQuality {
  /** Column name. */
  readonly name: string;
  /** Nulls / rows, 4 decimals. */
  readonly nullRate: number;
  /** Values outside [p25 - k*IQR, p75 + k*IQR] (numeric columns only). */
  readonly outliers?: number;
  /** Lower and upper fences used (numeric columns only). */
  readonly fences?: readonly [number, number];
  /** True when the column holds at most one distinct value. */
  readonly constant: boolean;
}

/** Quality of one table. */
export interface TableQuality {
  /** Table name. */
  readonly name: string;
  /** Data rows. */
  readonly rows: number;
  /** Rows equal to an earlier row. */
  readonly duplicateRows: number;
  /** Names of constant columns. */
  readonly constantColumns: readonly string[];
  /** Null cells / all cells, 4 decimals. */
  readonly nullRate: number;
  /** Outliers / numeric cells, 4 decimals. */
  readonly outlierRate: number;
  /** 0-100: 40% completeness, 30% row uniqueness, 20% non-outliers, 10% non-constant columns; 1 decimal. */
  readonly score: number;
  /** Per-column figures. */
  readonly columns: readonly ColumnQuality[];
}

/** Output of `statistical_quality`. */
export interface QualityOutput {
  /** Tables in statistics order. */
  readonly tables: readonly TableQuality[];
}

/** The quality score from its parts (each a rate in [0, 1]). */
export function qualityScore(nullRate: number, duplicateRate: number, outlierRate: number, constantRate: number): number {
  return round(100 * (0.4 * (1 - nullRate) + 0.3 * (1 - duplicateRate) + 0.2 * (1 - outlierRate) + 0.1 * (1 - constantRate)), 1);
}

/** Params: `iqrFactor` (Tukey's k, default 1.5). */
export async function run(ctx: StageContext, inputs: StageInputs): Promise<QualityOutput> {
  const stats = inputOf<StatisticsOutput>(inputs, 'statistics');
  const k = numberParam(ctx.params, 'iqrFactor', 1.5, 0);
  const tables: TableQuality[] = [];
  for (const [i, t] of stats.tables.entries()) {
    const table = await loadTypedTable(t.source);
    const seen = new Set<string>();
    let duplicateRows = 0;
    for (let r = 0; r < table.rows; r++) {
      const key = JSON.stringify(table.columns.map((c) => c.values[r]));
      if (seen.has(key)) duplicateRows++;
      else seen.add(key);
    }
    let outliers = 0;
    let numericCells = 0;
    const columns: ColumnQuality[] = t.columns.map((c, j) => {
      const base = { name: c.name, nullRate: t.rows === 0 ? 0 : round(c.nulls / t.rows), constant: c.distinct <= 1 };
      if (!isNumericKind(c.type) || !c.quantiles) return base;
      const iqr = c.quantiles.p75 - c.quantiles.p25;
      const fences: [number, number] = [round(c.quantiles.p25 - k * iqr), round(c.quantiles.p75 + k * iqr)];
      const n = table.columns[j].values.filter((v) => typeof v === 'number' && (v < fences[0] || v > fences[1])).length;
      outliers += n;
      numericCells += c.count;
      return { ...base, outliers: n, fences };
    });
    const cells = t.rows * t.columns.length;
    const nullRate = cells === 0 ? 0 : round(t.columns.reduce((a, c) => a + c.nulls, 0) / cells);
    const outlierRate = numericCells === 0 ? 0 : round(outliers / numericCells);
    const constantColumns = columns.filter((c) => c.constant).map((c) => c.name);
    const score = qualityScore(nullRate, t.rows === 0 ? 0 : duplicateRows / t.rows, outlierRate, t.columns.length === 0 ? 0 : constantColumns.length / t.columns.length);
    tables.push({ name: t.name, rows: t.rows, duplicateRows, constantColumns, nullRate, outlierRate, score, columns });
    ctx.progress(i + 1, stats.tables.length, `${t.name}: score ${score}`);
    await yieldToOthers();
  }
  return { tables };
}
