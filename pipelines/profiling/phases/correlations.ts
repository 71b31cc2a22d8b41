import type { StageContext, StageInputs } from '../../../src/definition/types';
import { isNumericKind } from '../infer-type';
import { inputOf, numberParam } from '../phase-io';
import { cramersV, pearson, round, spearman } from '../stats-math';
import { loadTypedTable, yieldToOthers, type TypedTable } from '../typed-table';
import type { StatisticsOutput } from './statistics';

/**
 * Phase `correlations`: Pearson and Spearman between the numeric columns of
 * each table, Cramer's V between its categorical (category and boolean)
 * columns, over the rows where both values are present. Plain TypeScript.
 */

/** A numeric pair. */
export interface NumericCorrelation {
  readonly a: string;
  readonly b: string;
  /** Pearson r, 4 decimals; null when undefined (a constant side). */
  readonly pearson: number | null;
  /** Spearman rho, 4 decimals; null when undefined. */
  readonly spearman: number | null;
  /** Rows with both values. */
  readonly n: number;
}

/** A categorical pair. */
export interface CategoricalAssociation {
  readonly a: string;
  readonly b: string;
  /** Cramer's V in [0, 1], 4 decimals; null when undefined. */
  readonly cramersV: number | null;
  /** Rows with both values. */
  readonly n: number;
}

/** Correlations within one table. */
export interface TableCorrelations {
  readonly name: string;
  readonly numeric: readonly NumericCorrelation[];
  readonly categorical: readonly CategoricalAssociation[];
}

/** Output of `correlations`. */
export interface CorrelationsOutput {
  readonly tables: readonly TableCorrelations[];
}

const orNull = (x: number): number | null => (Number.isNaN(x) ? null : round(x));

/** Correlations of one typed table; categorical columns with more than `maxLevels` levels are left out. */
export function tableCorrelations(table: TypedTable, maxLevels: number): TableCorrelations {
  const numeric = table.columns.filter((c) => isNumericKind(c.type));
  const categorical = table.columns.filter((c) => (c.type === 'category' || c.type === 'boolean') && new Set(c.values).size <= maxLevels);
  const pairs = <T>(cols: typeof table.columns, f: (a: (typeof cols)[number], b: (typeof cols)[number], rows: number[]) => T): T[] => {
    const out: T[] = [];
    for (let i = 0; i < cols.length; i++) {
      for (let j = i + 1; j < cols.length; j++) {
        const rows: number[] = [];
        for (let r = 0; r < table.rows; r++) if (cols[i].values[r] !== null && cols[j].values[r] !== null) rows.push(r);
        out.push(f(cols[i], cols[j], rows));
      }
    }
    return out;
  };
  return {
    name: table.name,
    numeric: pairs(numeric, (a, b, rows) => {
      const xs = rows.map((r) => a.values[r] as number);
      const ys = rows.map((r) => b.values[r] as number);
      return { a: a.name, b: b.name, pearson: orNull(pearson(xs, ys)), spearman: orNull(spearman(xs, ys)), n: rows.length };
    }),
    categorical: pairs(categorical, (a, b, rows) => ({
      a: a.name,
      b: b.name,
      cramersV: orNull(cramersV(rows.map((r) => String(a.values[r])), rows.map((r) => String(b.values[r])))),
      n: rows.length,
    })),
  };
}

/** Params: `maxLevels` (most levels of a categorical column, default 50). */
export async function run(ctx: StageContext, inputs: StageInputs): Promise<CorrelationsOutput> {
  const stats = inputOf<StatisticsOutput>(inputs, 'statistics');
  const maxLevels = numberParam(ctx.params, 'maxLevels', 50, 2);
  const tables: TableCorrelations[] = [];
  for (const [i, t] of stats.tables.entries()) {
    tables.push(tableCorrelations(await loadTypedTable(t.source), maxLevels));
    ctx.progress(i + 1, stats.tables.length, t.name);
    await yieldToOthers();
  }
  return { tables };
}
