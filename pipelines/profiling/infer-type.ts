import { DATE_FORMATS, dateFormat, type DateFormat } from './date-formats';
import type { RawCell } from './raw-table';

/**
 * Column type inference and value parsing, in plain TypeScript (a rule per
 * type over the column's non-null cells; danfojs's dtype guess knows only
 * int32/float32/string/boolean and no dates or identifiers).
 */

/** Types the typing phase assigns. */
export type ColumnKind = 'integer' | 'float' | 'boolean' | 'date' | 'datetime' | 'category' | 'identifier' | 'text';

/** A parsed value: numbers for integer, float, date and datetime (UTC epoch ms); strings otherwise. */
export type Value = number | string | boolean | null;

/** The inferred type of a column. */
export interface InferredType {
  /** The type. */
  readonly type: ColumnKind;
  /** Date format name for `date` and `datetime`. */
  readonly format?: string;
  /**
   * How well the type fits, in [0, 1], 4 decimals: for numeric, boolean and
   * date types the share of non-null cells that parse; for the string types
   * (category, identifier, text) the share that parse as nothing more specific.
   */
  readonly confidence: number;
}

/** Options of {@link inferColumnType}. */
export interface InferOptions {
  /** Share of non-null cells that must parse for a numeric, boolean or date type. @default 0.95 */
  readonly minShare?: number;
  /** Most distinct values a category may have. @default 500 */
  readonly maxCategories?: number;
  /** Largest distinct/non-null ratio of a category. @default 0.2 */
  readonly maxCategoryRatio?: number;
}

const NULL_TOKENS = new Set(['', 'na', 'n/a', 'null', 'nan', 'none', '-']);

/** True for a cell that means "no value": null, or an empty/NA-like string. */
export function isNullCell(cell: RawCell): boolean {
  return cell === null || (typeof cell === 'string' && NULL_TOKENS.has(cell.trim().toLowerCase()));
}

const INTEGER = /^[-+]?(0|[1-9]\d*)$/;
const FLOAT = /^[-+]?((0|[1-9]\d*)(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const BOOLEAN: Record<string, boolean> = { true: true, false: false, yes: true, no: false };

function asBoolean(cell: RawCell): boolean | undefined {
  if (typeof cell === 'boolean') return cell;
  return typeof cell === 'string' ? BOOLEAN[cell.trim().toLowerCase()] : undefined;
}

function asNumber(cell: RawCell, integer: boolean): number | undefined {
  if (typeof cell === 'number') return !integer || Number.isInteger(cell) ? cell : undefined;
  if (typeof cell !== 'string') return undefined;
  const s = cell.trim();
  return (integer ? INTEGER : FLOAT).test(s) ? Number(s) : undefined;
}

/** Infers a column's type from its cells. */
export function inferColumnType(cells: readonly RawCell[], options: InferOptions = {}): InferredType {
  const minShare = options.minShare ?? 0.95;
  const values = cells.filter((c) => !isNullCell(c));
  const total = values.length;
  if (total === 0) return { type: 'text', confidence: 0 };
  const share = (ok: (c: RawCell) => boolean): number => values.filter(ok).length / total;
  const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

  const bool = share((c) => asBoolean(c) !== undefined);
  if (bool >= minShare) return { type: 'boolean', confidence: r4(bool) };
  const int = share((c) => asNumber(c, true) !== undefined);
  if (int >= minShare) return { type: 'integer', confidence: r4(int) };
  const float = share((c) => asNumber(c, false) !== undefined);
  if (float >= minShare) return { type: 'float', confidence: r4(float) };
  if (values.every((c) => typeof c === 'string')) {
    const date = bestDateFormat(values as string[], minShare);
    if (date) return { type: date.format.kind, format: date.format.name, confidence: r4(date.share) };
  }
  const confidence = r4(1 - Math.max(bool, float));
  const distinct = new Set(values.map(String)).size;
  const ratio = distinct / total;
  if (distinct <= (options.maxCategories ?? 500) && ratio <= (options.maxCategoryRatio ?? 0.2)) return { type: 'category', confidence };
  // Unique short tokens (codes, names used as keys) identify their row; free text has spaces.
  if (distinct === total && total >= 2 && values.every((c) => typeof c === 'string' && c.length <= 32 && !/\s/.test(c))) {
    return { type: 'identifier', confidence };
  }
  return { type: 'text', confidence };
}

/**
 * The date format that parses the largest share of `values`, at least
 * `minShare`; on a tie the earlier one in {@link DATE_FORMATS} (so an
 * ambiguous slash column whose days are all 12 or less reads as US
 * `MM/DD/YYYY`, and one with a day past 12 as `DD/MM/YYYY`). A format that
 * parses every value ends the search (no later one can beat it); one stops
 * being tried once more values fail than would let it win.
 */
export function bestDateFormat(values: readonly string[], minShare: number): { format: DateFormat; share: number } | undefined {
  let best: { format: DateFormat; share: number } | undefined;
  for (const format of DATE_FORMATS) {
    // To win, a format must reach minShare and beat the best share so far.
    const allowedFailures = values.length * (1 - Math.max(minShare, best?.share ?? 0));
    let failures = 0;
    for (const v of values) if (format.parse(v) === undefined && ++failures > allowedFailures) break;
    if (failures > allowedFailures) continue;
    const share = (values.length - failures) / values.length;
    if (best === undefined || share > best.share) best = { format, share };
    if (failures === 0) break;
  }
  return best;
}

/** Parses one cell as the given type: null when the cell is null-like or does not parse. */
export function parseCell(cell: RawCell, type: ColumnKind, format?: string): Value {
  if (isNullCell(cell)) return null;
  switch (type) {
    case 'boolean':
      return asBoolean(cell) ?? null;
    case 'integer':
      return asNumber(cell, true) ?? null;
    case 'float':
      return asNumber(cell, false) ?? null;
    case 'date':
    case 'datetime': {
      const f = format === undefined ? undefined : dateFormat(format);
      return f && typeof cell === 'string' ? f.parse(cell) ?? null : null;
    }
    default:
      return String(cell);
  }
}

/** True for the numeric types (measures can be computed over them). */
export function isNumericKind(type: ColumnKind): boolean {
  return type === 'integer' || type === 'float';
}

/** True for date and datetime. */
export function isTimeKind(type: ColumnKind): boolean {
  return type === 'date' || type === 'datetime';
}
