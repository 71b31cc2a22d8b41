import { NonRetryableError } from '../../src/errors';
import { parseCell, type ColumnKind, type Value } from './infer-type';
import { readRawTable, type TableFormat } from './raw-table';

/**
 * Typed tables, and how phases get at them. Phase outputs are stored as JSON
 * artifacts and hashed for cache keys, so they carry no table data: the
 * typing phase outputs each table's *source* (file, content hash, column
 * types), and a phase that needs values re-reads the file through
 * {@link loadTypedTable}. The content hash in the source is what ties a
 * downstream cache key to the file's content; the loader checks it, so a file
 * changed in the middle of a run fails the stage instead of mixing versions.
 */

/** A column's type as decided by the typing phase. */
export interface ColumnSchema {
  /** Column name. */
  readonly name: string;
  /** Inferred type. */
  readonly type: ColumnKind;
  /** Date format, for date and datetime columns. */
  readonly format?: string;
  /** Share of non-null cells that fit the type. */
  readonly confidence: number;
  /** Null-like cells. */
  readonly nulls: number;
  /** Non-null cells that did not parse as the type (they become null). */
  readonly invalid: number;
}

/** Where a typed table comes from: enough to load it again. */
export interface TableSource {
  /** Table name. */
  readonly name: string;
  /** Absolute path of the file. */
  readonly file: string;
  /** File format. */
  readonly format: TableFormat;
  /** Hex sha256 of the file's bytes. */
  readonly sha256: string;
  /** Data rows. */
  readonly rows: number;
  /** Column types, in file order. */
  readonly columns: readonly ColumnSchema[];
}

/** A column's parsed values. */
export interface TypedColumn {
  /** Column name. */
  readonly name: string;
  /** Type. */
  readonly type: ColumnKind;
  /** Date format, for date and datetime columns. */
  readonly format?: string;
  /** One value per row; dates are UTC epoch ms. */
  readonly values: readonly Value[];
}

/** A table with parsed values. */
export interface TypedTable {
  /** Table name. */
  readonly name: string;
  /** Data rows. */
  readonly rows: number;
  /** Columns in file order. */
  readonly columns: readonly TypedColumn[];
}

const MEMO_LIMIT = 32;
const memo = new Map<string, Promise<TypedTable>>();

/**
 * Loads a table's values as typed by `source`. Memoised per content hash and
 * schema, so branches running at once share one parse.
 * @throws NonRetryableError when the file's content no longer matches `source.sha256`.
 */
export function loadTypedTable(source: TableSource): Promise<TypedTable> {
  const key = `${source.file}|${source.sha256}|${source.columns.map((c) => `${c.name}:${c.type}:${c.format ?? ''}`).join(',')}`;
  let loaded = memo.get(key);
  if (!loaded) {
    loaded = readTyped(source);
    loaded.catch(() => memo.delete(key));
    memo.set(key, loaded);
    if (memo.size > MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
  }
  return loaded;
}

async function readTyped(source: TableSource): Promise<TypedTable> {
  const raw = await readRawTable(source.file);
  if (raw.sha256 !== source.sha256) {
    throw new NonRetryableError(`Table \`${source.name}\`: file \`${source.file}\` changed since it was imported (sha256 ${source.sha256.slice(0, 12)} -> ${raw.sha256.slice(0, 12)}); run the pipeline again`);
  }
  return typeTable(source.name, raw.header, raw.rows, source.columns);
}

/** Parses raw rows into typed columns following `columns` (matched by name). */
export function typeTable(name: string, header: readonly string[], rows: readonly (readonly (string | number | boolean | null)[])[], columns: readonly Pick<ColumnSchema, 'name' | 'type' | 'format'>[]): TypedTable {
  return {
    name,
    rows: rows.length,
    columns: columns.map((c) => {
      const i = header.indexOf(c.name);
      return { name: c.name, type: c.type, ...(c.format ? { format: c.format } : {}), values: rows.map((r) => (i < 0 ? null : parseCell(r[i], c.type, c.format))) };
    }),
  };
}

/** The column named `name`. @throws NonRetryableError when there is none. */
export function column(table: TypedTable, name: string): TypedColumn {
  const c = table.columns.find((col) => col.name === name);
  if (!c) throw new NonRetryableError(`Table \`${table.name}\` has no column \`${name}\``);
  return c;
}

/** Lets other stages run between units of work, so branches interleave on one thread. */
export function yieldToOthers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
