import { isDataFrame, isSeries, loadDanfo } from '../data-frame';
import { dataTableOf, renderDataTable } from '../display/data-table';
import type { Rendered } from '../display/html';
import { DagbookError } from '../errors';
import { summarised } from './workbench-views';

/**
 * What `wb.table` shows and returns. A danfojs DataFrame or Series is shown
 * (index first) and returned as it is, without loading danfojs; an array of
 * records or of arrays is returned as a new DataFrame, and danfojs (~0.6 s,
 * ~110 MB) is loaded then, on first use, never on the import path.
 */

/** Options of {@link showTable}. */
export interface ShowTableOptions {
  /** The stage whose output `value` is (it titles the table and is named in the error). */
  readonly stageId?: string;
  /** Rows shown at most, with a note of how many there are. */
  readonly maxRows: number;
  /** Shows the table's view. */
  readonly render: (view: Rendered) => void;
  /** Whether `render` shows the view (then the returned value prints no summary line of its own). @default false */
  readonly shown?: boolean;
}

/**
 * Shows `value` as a table and returns it as a danfojs DataFrame (or the
 * Series it is), summarised for the notebook.
 * @throws INVALID_OPTION when the value is not a table, naming what it is
 */
export function showTable(value: unknown, options: ShowTableOptions): unknown {
  const { stageId } = options;
  const kind = isSeries(value) ? 'Series' : isDataFrame(value) ? 'DataFrame' : undefined;
  const table = dataTableOf(value, options.maxRows);
  if (!table) {
    const what = stageId === undefined ? 'The value given to wb.table' : `The output of \`${stageId}\``;
    const expected = 'a danfojs DataFrame or Series, an array of records or of arrays';
    throw new DagbookError('INVALID_OPTION', `${what} is not a table (${expected}): got ${describeValue(value)}`, stageId === undefined ? {} : { stageId });
  }
  options.render(renderDataTable(stageId ?? kind ?? 'table', table));
  // A DataFrame or Series shows its index as a first column.
  const columns = table.columns.length - (kind ? 1 : 0);
  if (kind) return summarised(value as object, `${kind} ${table.totalRows} rows x ${columns} columns`, options.shown);
  // Records stay records; arrays become records under the column titles shown.
  const records = (value as unknown[]).map((row) => (Array.isArray(row) ? Object.fromEntries(table.columns.map((c, i) => [c, row[i]])) : row));
  const { DataFrame } = loadDanfo();
  return summarised(new DataFrame(records), `DataFrame ${table.totalRows} rows x ${columns} columns`, options.shown);
}

/** A short description of a value for an error: its type, and its length for an array. */
function describeValue(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array of mixed or plain values';
  if (value === null) return 'null';
  return typeof value === 'object' ? `an object (${(value as object).constructor?.name ?? 'no prototype'})` : `a ${typeof value}`;
}
