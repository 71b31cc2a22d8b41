import type { DuckDBConnection } from '@duckdb/node-api';
import { sha256 } from '../../src/canonical-json';
import { queryRows } from './database';
import { sqlInt } from './sql-literal';

/**
 * The state hash of a simulated year: a sha256 per table over the rows the
 * year wrote (its needs row, its events, its snapshot), and one over the
 * three. DuckDB hashes a table itself — each row as its struct text, rows
 * sorted, joined by newlines — which takes half the time of reading the rows
 * into JavaScript and hashing them there. The same seed and parameters give
 * the same hashes; any changed value changes them.
 */

/** Hashes of what one year wrote. */
export interface YearHash {
  /** The year. */
  readonly year: number;
  /** sha256 per table of the year's rows. */
  readonly tables: Readonly<Record<'workforce_needs' | 'workforce_events' | 'workforce_snapshot', string>>;
  /** sha256 over the table hashes. */
  readonly state: string;
}

const YEAR_TABLES = ['workforce_needs', 'workforce_events', 'workforce_snapshot'] as const;

/** Hashes the rows `year` wrote in each year-keyed table. */
export async function hashYear(db: DuckDBConnection, year: number): Promise<YearHash> {
  const y = sqlInt('year', year);
  const tables = {} as Record<(typeof YEAR_TABLES)[number], string>;
  for (const table of YEAR_TABLES) {
    tables[table] = await hashRows(db, `SELECT * FROM ${table} WHERE year = ${y}`);
  }
  return { year, tables, state: sha256(YEAR_TABLES.map((t) => `${t}=${tables[t]}`).join('\n')) };
}

/** Hashes the census table (the state every year starts from). */
export async function hashCensus(db: DuckDBConnection): Promise<string> {
  return hashRows(db, 'SELECT * FROM census');
}

/** Hex sha256 of the rows of `select` (as struct text, sorted, newline-joined); the hash of no rows is that of ''. */
export async function hashRows(db: DuckDBConnection, select: string): Promise<string> {
  const [row] = await queryRows(db, `SELECT sha256(coalesce(string_agg(CAST(t AS VARCHAR), chr(10) ORDER BY t), '')) AS h FROM (${select}) t`);
  return String(row.h);
}
