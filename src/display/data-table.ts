import { dataFrameData, isDataFrame, isSeries, seriesData } from '../data-frame';
import { formatNumber } from './format';
import { renderTable, type Rendered } from './html';

/**
 * Data shown as a table: a danfojs DataFrame or Series, an array of records
 * or an array of arrays, cut to its first rows with a note of how many there
 * are. danfojs frames are recognised by their shape (`data-frame.ts`), never
 * by importing danfojs: it takes ~0.6 s and ~110 MB to load, and this module
 * sits on the library's import path.
 */

/** Rows cut to a limit, with their column titles and the full row count. */
export interface DataTable {
  readonly columns: readonly string[];
  /** At most the limit's first rows, cells as given. */
  readonly rows: readonly (readonly unknown[])[];
  /** Rows the data has in all. */
  readonly totalRows: number;
}

/**
 * The first `maxRows` rows of `value` as a table, or undefined when it is
 * not tabular. A DataFrame or Series gets its index as a first, untitled
 * column; records get a column per key of the first record; arrays get
 * `col0`, `col1`, ....
 */
export function dataTableOf(value: unknown, maxRows: number): DataTable | undefined {
  if (isSeries(value)) {
    const series = seriesData(value as object);
    return {
      columns: ['', String(series.name ?? '')],
      rows: series.values.slice(0, maxRows).map((cell, i) => [series.index[i], cell]),
      totalRows: series.values.length,
    };
  }
  if (isDataFrame(value)) {
    const frame = dataFrameData(value as object);
    return {
      columns: ['', ...frame.columns.map(String)],
      rows: frame.values.slice(0, maxRows).map((row, i) => [frame.index[i], ...row]),
      totalRows: frame.values.length,
    };
  }
  if (!Array.isArray(value) || value.length === 0) return undefined;
  if (value.every((row) => row !== null && typeof row === 'object' && !Array.isArray(row))) {
    const columns = Object.keys(value[0] as object);
    return { columns, rows: value.slice(0, maxRows).map((r: Record<string, unknown>) => columns.map((c) => r[c])), totalRows: value.length };
  }
  if (value.every((row) => Array.isArray(row))) {
    const width = (value as unknown[][]).reduce((w, row) => Math.max(w, row.length), 0);
    return { columns: Array.from({ length: width }, (_, i) => `col${i}`), rows: (value as unknown[][]).slice(0, maxRows), totalRows: value.length };
  }
  return undefined;
}

/** A cell's text: empty for null and undefined, numbers to 4 decimals, objects as JSON. */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Math.round(value * 1e4) / 1e4);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * A data table captioned `<label>: <M> rows`, with `showing N of M rows`
 * below it when rows were left out.
 */
export function renderDataTable(label: string, table: DataTable): Rendered {
  const total = table.totalRows;
  const shown = table.rows.length;
  return renderTable(
    table.columns,
    table.rows.map((row) => row.map(formatCell)),
    {
      caption: `${label}: ${formatNumber(total)} row${total === 1 ? '' : 's'}`,
      ...(shown < total ? { footnote: `showing ${formatNumber(shown)} of ${formatNumber(total)} rows` } : {}),
    },
  );
}
