import type { DuckDBConnection } from '@duckdb/node-api';
import { sha256 } from '../../src/canonical-json';
import { queryRows } from './database';
import { sqlInt } from './sql-literal';

/**
 * The state hash of a simulated year: a hash per table over the rows the
 * year wrote (its needs row, its events, its snapshot), and one over the
 * three. DuckDB fingerprints the rows itself: the count and the sum (as a
 * 128-bit integer) of each row's 64-bit `hash()`, which is order-free, so
 * nothing is sorted or turned into text; the sha256 of `count:sum` is the
 * table's hash. On a year of 10,000 employees that takes ~5-10 ms against
 * ~160-200 ms for a sha256 over the sorted row text (what it replaced), which
 * keeps a year's checkpoint within a few % of the year's time. The sum
 * changes with any changed, added, removed or duplicated row unless two
 * different rows' 64-bit hashes collide (a chance of 2^-64 per change): a
 * fingerprint for finding state that changed, not a proof against an
 * adversary. `hash()` is stable for the pinned DuckDB version, so the same
 * seed and parameters give the same hashes in any database file.
 */

/** Hashes of what one year wrote. */
export interface YearHash {
  /** The year. */
  readonly year: number;
  /** Hash per table of the year's rows (see `hashRows`). */
  readonly tables: Readonly<Record<'workforce_needs' | 'workforce_events' | 'workforce_snapshot', string>>;
  /** sha256 over the table hashes. */
  readonly state: string;
}

const YEAR_TABLES = ['workforce_needs', 'workforce_events', 'workforce_snapshot'] as const;

/**
 * Hashes the rows `year` wrote in each year-keyed table, the three tables at
 * once: each on its own connection from `connect` (DuckDB runs them in
 * parallel), or one after the other on `db` when no `connect` is given.
 */
export async function hashYear(db: DuckDBConnection, year: number, connect?: () => Promise<DuckDBConnection>): Promise<YearHash> {
  const y = sqlInt('year', year);
  const hashTable = async (table: (typeof YEAR_TABLES)[number]): Promise<string> => {
    if (connect === undefined) return hashRows(db, `SELECT * FROM ${table} WHERE year = ${y}`);
    const own = await connect();
    try {
      return await hashRows(own, `SELECT * FROM ${table} WHERE year = ${y}`);
    } finally {
      own.closeSync();
    }
  };
  const hashes = connect === undefined ? [] : await Promise.all(YEAR_TABLES.map(hashTable));
  if (connect === undefined) for (const table of YEAR_TABLES) hashes.push(await hashTable(table));
  const tables = Object.fromEntries(YEAR_TABLES.map((t, i) => [t, hashes[i]])) as Record<(typeof YEAR_TABLES)[number], string>;
  return { year, tables, state: sha256(YEAR_TABLES.map((t) => `${t}=${tables[t]}`).join('\n')) };
}

/** Hashes the census table (the state every year starts from). */
export async function hashCensus(db: DuckDBConnection): Promise<string> {
  return hashRows(db, 'SELECT * FROM census');
}

/** Hex sha256 of `<count>:<sum of the rows' hash()>` over the rows of `select`; no rows hash as `0:0`. */
export async function hashRows(db: DuckDBConnection, select: string): Promise<string> {
  const [row] = await queryRows(db, `SELECT ${FINGERPRINT} AS f FROM (${select}) t`);
  return sha256(String(row.f));
}

/** `<count>:<sum of hash()>` of the rows of the relation `t`, as text. */
const FINGERPRINT = `count(*)::VARCHAR || ':' || coalesce(sum(hash(*COLUMNS(*))::HUGEINT), 0)::VARCHAR`;
