import { formatNumber } from './format';
import { renderTable, type Rendered } from './html';

/**
 * Data shown as a table: a danfojs DataFrame or Series, an array of records
 * or an array of arrays, cut to its first rows with a note of how many there
 * are. danfojs frames are recognised by their shape (`columns`, `values`,
 * `$data`), never by importing danfojs: it takes ~0.6 s and ~110 MB to load,
 * and this module sits on the library's import path.
 */

/** A danfojs DataFrame, as far as drawing it needs. */
export interface DataFrameLike {
  readonly columns: readonly string[];
  /** Rows, each with a value per column. */
  readonly values: readonly (readonly unknown[])[];
  readonly index: readonly unknown[];
  readonly $data: unknown;
}

/** A danfojs Series, as far as drawing it needs. */
export interface SeriesLike {
  /** One entry: the series' name. */
  readonly columns: readonly string[];
  readonly values: readonly unknown[];
  readonly index: readonly unknown[];
  readonly $data: unknown;
  readonly $isSeries: true;
}

/** Rows cut to a limit, with their column titles and the full row count. */
export interface DataTable {
  readonly columns: readonly string[];
  /** At most the limit's first rows, cells as given. */
  readonly rows: readonly (readonly unknown[])[];
  /** Rows the data has in all. */
  readonly totalRows: number;
}

function frameShaped(value: unknown): value is { columns: unknown; values: unknown; index: unknown; $data: unknown; $isSeries?: unknown } {
  if (value === null || typeof value !== 'object' || !('$data' in value)) return false;
  const v = value as { columns?: unknown; values?: unknown; index?: unknown };
  return Array.isArray(v.columns) && Array.isArray(v.values) && Array.isArray(v.index);
}

/** Whether `value` looks like a danfojs Series (its values are one column). */
export function isSeriesLike(value: unknown): value is SeriesLike {
  if (!frameShaped(value)) return false;
  if (typeof value.$isSeries === 'boolean') return value.$isSeries;
  const values = value.values as unknown[];
  return values.length > 0 && !Array.isArray(values[0]);
}

/** Whether `value` looks like a danfojs DataFrame (rows of values under named columns). */
export function isDataFrameLike(value: unknown): value is DataFrameLike {
  return frameShaped(value) && !isSeriesLike(value);
}

/**
 * The first `maxRows` rows of `value` as a table, or undefined when it is
 * not tabular. A DataFrame or Series gets its index as a first, untitled
 * column; records get a column per key of the first record; arrays get
 * `col0`, `col1`, ....
 */
export function dataTableOf(value: unknown, maxRows: number): DataTable | undefined {
  if (isSeriesLike(value)) {
    return {
      columns: ['', String(value.columns[0] ?? '')],
      rows: value.values.slice(0, maxRows).map((cell, i) => [value.index[i], cell]),
      totalRows: value.values.length,
    };
  }
  if (isDataFrameLike(value)) {
    return {
      columns: ['', ...value.columns.map(String)],
      rows: value.values.slice(0, maxRows).map((row, i) => [value.index[i], ...row]),
      totalRows: value.values.length,
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
