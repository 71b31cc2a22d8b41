import { DagbookError } from '../../src/errors';

/**
 * Number literals for the simulation's SQL. The parameters are numbers
 * validated here, so they are written into the statement rather than bound:
 * bound JS numbers arrive as DOUBLE, and `make_date` or `hash()` would then
 * see a different type than the integer the SQL means.
 */

/** An integer literal; throws `INVALID_OPTION` naming `field` for anything else. */
export function sqlInt(field: string, value: number): string {
  if (!Number.isSafeInteger(value)) throw new DagbookError('INVALID_OPTION', `Expected \`${field}\` to be an integer, got \`${value}\``);
  return String(value);
}

/** A finite number literal as DOUBLE; throws `INVALID_OPTION` naming `field` otherwise. */
export function sqlNum(field: string, value: number): string {
  if (!Number.isFinite(value)) throw new DagbookError('INVALID_OPTION', `Expected \`${field}\` to be a finite number, got \`${value}\``);
  return `${value}::DOUBLE`;
}

/** A 1-indexed DuckDB list literal of finite numbers (indexed by level). */
export function sqlList(field: string, values: readonly number[]): string {
  return `[${values.map((v, i) => sqlNum(`${field}[${i}]`, v)).join(', ')}]`;
}
