import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/**
 * The workforce state database: one DuckDB file (the path is the caller's,
 * normally under the run's state folder) holding the census, the per-year
 * needs, the events and the year-end snapshots, all keyed by year so a year
 * can be re-run or hashed on its own. Only this module opens DuckDB.
 *
 * Randomness is a pure function of (seed, employee, year, purpose) computed
 * in SQL by `wf_u` from DuckDB's `hash()`: no random state is carried, so any
 * year re-runs to the same rows and the events of a year do not depend on the
 * order the event functions ran in. `hash()` is stable for a given DuckDB
 * version, which is why the package version is pinned exactly.
 *
 * Stages of one run share the file: the event stages of a year run at the
 * same time in one process. DuckDB lets one process hold a file once, so the
 * stages share one instance per file per process ({@link withWorkforceDb}: a
 * module-level cache, which `closeWorkforceDatabases` empties) and each call
 * takes a connection of its own; DuckDB's transactions keep their writes
 * apart (each stage deletes and inserts only its own rows).
 */

/** An open workforce database: the connection the simulation functions take, and how to close it. */
export interface WorkforceDb {
  /** The DuckDB connection the simulation functions run SQL on. */
  readonly connection: DuckDBConnection;
  /** Closes the connection and the database file. */
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS census (
  employee_id BIGINT PRIMARY KEY, level INTEGER, salary DOUBLE, hire_date DATE, birth_date DATE,
  enrolled BOOLEAN, deferral_rate DOUBLE);
CREATE TABLE IF NOT EXISTS workforce_needs (
  year INTEGER PRIMARY KEY, start_headcount INTEGER, target_headcount INTEGER,
  experienced_terminations INTEGER, hires INTEGER, new_hire_terminations INTEGER);
CREATE TABLE IF NOT EXISTS workforce_events (
  year INTEGER, employee_id BIGINT, event_type VARCHAR, event_date DATE, level INTEGER,
  salary DOUBLE, previous_salary DOUBLE, birth_date DATE, deferral_rate DOUBLE);
CREATE TABLE IF NOT EXISTS workforce_snapshot (
  year INTEGER, employee_id BIGINT, level INTEGER, salary DOUBLE, hire_date DATE, birth_date DATE,
  status VARCHAR, termination_date DATE, enrolled BOOLEAN, deferral_rate DOUBLE);
CREATE OR REPLACE MACRO wf_u(seed, id, yr, purpose) AS
  ((hash(seed, id, yr, purpose) % 1000000007)::DOUBLE + 0.5) / 1000000007;
`;

const instances = new Map<string, Promise<DuckDBInstance>>();

async function openInstance(file: string): Promise<DuckDBInstance> {
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  try {
    await connection.run(SCHEMA);
  } finally {
    connection.closeSync();
  }
  return instance;
}

/**
 * Runs `work` on a connection of its own to the workforce database at `file`
 * (an absolute path; created with its tables when absent), through the
 * process's shared instance of that file, and closes the connection after.
 * `work` may open more connections of the same instance with `connect` (to
 * run queries in parallel); it closes those itself.
 */
export async function withWorkforceDb<T>(file: string, work: (db: DuckDBConnection, connect: () => Promise<DuckDBConnection>) => Promise<T>): Promise<T> {
  let instance = instances.get(file);
  if (!instance) {
    instance = openInstance(file);
    instances.set(file, instance);
    instance.catch(() => instances.delete(file));
  }
  const shared = await instance;
  const connection = await shared.connect();
  try {
    return await work(connection, () => shared.connect());
  } finally {
    connection.closeSync();
  }
}

/** Closes every database `withWorkforceDb` opened in this process (so another process may open the files). */
export async function closeWorkforceDatabases(): Promise<void> {
  const open = [...instances.values()];
  instances.clear();
  for (const instance of await Promise.allSettled(open)) if (instance.status === 'fulfilled') instance.value.closeSync();
}

/** Opens (creating when absent) the workforce database at `file` and ensures its tables. */
export async function openWorkforceDb(file: string): Promise<WorkforceDb> {
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  await connection.run(SCHEMA);
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Runs a query and returns its rows as JSON-safe objects (dates as ISO text, big integers as text). */
export async function queryRows(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

/** Runs a query and returns the first column of its first row as a number. */
export async function queryNumber(connection: DuckDBConnection, sql: string): Promise<number> {
  const reader = await connection.runAndReadAll(sql);
  return Number(reader.getRows()[0]?.[0] ?? NaN);
}
