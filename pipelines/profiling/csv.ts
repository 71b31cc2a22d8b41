import * as Papa from 'papaparse';
import { NonRetryableError } from '../../src/errors';

/**
 * CSV text to a header and rows of string fields, with papaparse: RFC 4180
 * quoting (embedded delimiters, doubled quotes, newlines), CRLF or LF line
 * ends, blank lines skipped, and the delimiter sniffed among `,` `;` tab and
 * `|` (a one-column file falls back to `,`). A quote that is never closed, a
 * malformed quote or a row with more fields than the header is an error
 * naming the file, the data row and the line: the rest of the file is never
 * swallowed into one field. A row with fewer fields than the header is kept;
 * the reader pads it.
 */

/** A parsed CSV file. */
export interface CsvTable {
  /** The first row: column names, in file order. */
  readonly header: readonly string[];
  /** Data rows (never longer than the header; a short row is kept as it is). */
  readonly rows: readonly (readonly string[])[];
  /** The delimiter found: `,` `;` `\t` or `|`. */
  readonly delimiter: string;
}

/** What is wrong with a CSV file. */
export type CsvErrorCode = 'CSV_UNTERMINATED_QUOTE' | 'CSV_MALFORMED_QUOTE' | 'CSV_MALFORMED_ROW';

const CSV_ERROR = '__profilingCsvError';

/** A CSV file that cannot be read as a table; stops retries (the file must be fixed). */
export class CsvFormatError extends NonRetryableError {
  readonly [CSV_ERROR] = true;
  /** What is wrong. */
  readonly code: CsvErrorCode;
  /** The file (path or name) as given to {@link parseCsv}. */
  readonly file: string;
  /** Data row, from 1 (the header is row 0). */
  readonly row: number;
  /** Line of the file where that row starts, from 1. */
  readonly line: number;

  constructor(code: CsvErrorCode, file: string, row: number, line: number, problem: string) {
    super(`CSV file \`${file}\`, row ${row} (line ${line}): ${problem}`);
    this.name = 'CsvFormatError';
    this.code = code;
    this.file = file;
    this.row = row;
    this.line = line;
  }
}

/** True when `e` is a {@link CsvFormatError} (from any copy of this module). */
export function isCsvFormatError(e: unknown): e is CsvFormatError {
  return typeof e === 'object' && e !== null && (e as Record<string, unknown>)[CSV_ERROR] === true;
}

const OPTIONS: Papa.ParseConfig = { header: false, skipEmptyLines: true, delimitersToGuess: [',', ';', '\t', '|'] };

/**
 * Parses CSV text; `file` names it in errors. An empty text gives an empty
 * header and no rows.
 * @throws CsvFormatError `CSV_UNTERMINATED_QUOTE`, `CSV_MALFORMED_QUOTE` or `CSV_MALFORMED_ROW`.
 */
export function parseCsv(text: string, file: string): CsvTable {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const result = Papa.parse<string[]>(body, OPTIONS);
  const [header = [], ...rows] = result.data;
  // A `Delimiter` error only says a one-column file has no delimiter to find.
  const quote = result.errors.find((e) => e.type === 'Quotes');
  const delimiter = result.meta.delimiter;
  if (quote) {
    // papaparse's `index` is just past the opening quote; its `row` counts the blank lines it skips.
    const at = quote.index === undefined ? body.length : Math.max(0, quote.index - 1);
    const row = recordAt(body, at, delimiter);
    if (quote.code === 'MissingQuotes') throw new CsvFormatError('CSV_UNTERMINATED_QUOTE', file, row, lineAt(body, at), 'a quoted field is never closed');
    throw new CsvFormatError('CSV_MALFORMED_QUOTE', file, row, lineAt(body, at), 'text follows the closing quote of a quoted field');
  }
  const long = rows.findIndex((r) => r.length > header.length);
  if (long >= 0) {
    const row = long + 1;
    throw new CsvFormatError('CSV_MALFORMED_ROW', file, row, recordLine(body, row, delimiter), `expected at most ${header.length} fields (the header's), got ${rows[long].length}`);
  }
  return { header, rows, delimiter: result.meta.delimiter };
}

/** Line (from 1) of character offset `index`. */
function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Index of the record (0 = header) holding character offset `at`: the records parsed before it, less the one it is part of. */
function recordAt(text: string, at: number, delimiter: string): number {
  const before = Papa.parse<string[]>(text.slice(0, at), { ...OPTIONS, delimiter }).data.length;
  const startsRecord = at === 0 || text[at - 1] === '\n' || text[at - 1] === '\r';
  return startsRecord ? before : Math.max(0, before - 1);
}

/** Line (from 1) where record `record` (0 = header) starts: papaparse's cursor after the records before it, past blank lines. */
function recordLine(text: string, record: number, delimiter: string): number {
  let at = record === 0 ? 0 : Papa.parse<string[]>(text, { ...OPTIONS, delimiter, preview: record }).meta.cursor;
  while (at < text.length && (text[at] === '\n' || text[at] === '\r')) at++;
  return lineAt(text, at);
}
