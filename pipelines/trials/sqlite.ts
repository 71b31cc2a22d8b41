/**
 * The one door to `better-sqlite3` (a maintained synchronous SQLite client):
 * the package ships no type declarations, so this module declares the few
 * calls the example makes and opens databases read-only only. The trial
 * pipeline reads a study that Optuna writes; it never writes to it.
 */

/** A prepared statement: its rows as plain objects. */
export interface SqliteStatement {
  all(...params: unknown[]): unknown[];
}

/** An open database. */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  close(): void;
}

type Open = (file: string, options: { readonly?: boolean; fileMustExist?: boolean; timeout?: number }) => SqliteDatabase;

/**
 * Opens `file` read-only; it must exist. A writer holding the database (a
 * study adding trials) is waited for up to `busyTimeoutMs`.
 * @throws better-sqlite3's `SqliteError` when the file is missing or not a database
 */
export function openReadOnly(file: string, busyTimeoutMs = 5000): SqliteDatabase {
  // Loaded on first use: the native binding costs nothing to a process that never reads a study.
  const open = require('better-sqlite3') as Open;
  return open(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
}
