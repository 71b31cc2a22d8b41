import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { NonRetryableError } from '../../src/errors';
import { parseCsv } from './csv';

/**
 * Reading a CSV or JSON file into a raw table: a header and rows of cells as
 * they appear in the file (CSV fields are strings, parsed by papaparse in
 * csv.ts; JSON keeps its numbers, booleans and nulls).
 */

/** One cell as read from a file. */
export type RawCell = string | number | boolean | null;

/** File formats the profiler reads. */
export type TableFormat = 'csv' | 'json';

/** A table as read from its file. */
export interface RawTable {
  /** Table name: the file name without its extension. */
  readonly name: string;
  /** Format, from the file extension. */
  readonly format: TableFormat;
  /** Hex sha256 of the file's bytes. */
  readonly sha256: string;
  /** Size of the file, bytes. */
  readonly bytes: number;
  /** Column names, in file order (for JSON: keys in order of first appearance). */
  readonly header: readonly string[];
  /** Rows, each as long as the header (missing cells are null). */
  readonly rows: readonly (readonly RawCell[])[];
}

/** The table name and format of a file path, or undefined when the extension is not `.csv` or `.json`. */
export function tableFileInfo(file: string): { name: string; format: TableFormat } | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.csv' && ext !== '.json') return undefined;
  return { name: path.basename(file, path.extname(file)), format: ext === '.csv' ? 'csv' : 'json' };
}

/** Hex sha256 of some bytes. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const PARSED_LIMIT = 32;
const parsed = new Map<string, RawTable>();

/**
 * Reads and parses a table file. The bytes are read and hashed on every
 * call, so a changed file is always seen; the parse is shared per path and
 * content hash, because `import`, `typing` and the typed-table loader read
 * the same files in one run and parsing is most of the cost.
 * @throws NonRetryableError when the extension is unknown or the content is not a table.
 */
export async function readRawTable(file: string): Promise<RawTable> {
  const info = tableFileInfo(file);
  if (!info) throw new NonRetryableError(`Expected a \`.csv\` or \`.json\` table file, got \`${file}\``);
  const bytes = await readFile(file);
  const sha256 = sha256Hex(bytes);
  const key = `${file}|${sha256}`;
  let table = parsed.get(key);
  if (!table) {
    table = parseRawTable(info.name, info.format, bytes.toString('utf8'), sha256, bytes.length, file);
    parsed.set(key, table);
    if (parsed.size > PARSED_LIMIT) parsed.delete(parsed.keys().next().value as string);
  }
  return table;
}

/**
 * Parses table text already read; `file` names it in errors.
 * @throws NonRetryableError when JSON is not an array of objects or a CSV has no header.
 * @throws CsvFormatError (csv.ts) when a CSV has an unterminated or malformed quote or a row longer than its header.
 */
export function parseRawTable(name: string, format: TableFormat, text: string, sha256: string, bytes: number, file = `${name}.${format}`): RawTable {
  if (format === 'csv') {
    const { header, rows: body } = parseCsv(text, file);
    if (header.length === 0) throw new NonRetryableError(`Expected table \`${name}\` to have a header line, got an empty file`);
    const width = header.length;
    const rows = body.map((r) => (r.length === width ? r : Array.from({ length: width }, (_, i) => (i < r.length ? r[i] : null))));
    return { name, format, sha256, bytes, header, rows };
  }
  const data: unknown = JSON.parse(text);
  if (!Array.isArray(data) || !data.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
    throw new NonRetryableError(`Expected JSON table \`${name}\` to be an array of objects`);
  }
  const header: string[] = [];
  const seen = new Set<string>();
  for (const r of data as Record<string, unknown>[]) {
    for (const k of Object.keys(r)) if (!seen.has(k)) (seen.add(k), header.push(k));
  }
  const rows = (data as Record<string, unknown>[]).map((r) => header.map((k) => toCell(r[k])));
  return { name, format, sha256, bytes, header, rows };
}

function toCell(v: unknown): RawCell {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  return JSON.stringify(v);
}
