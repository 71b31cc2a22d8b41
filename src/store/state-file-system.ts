import * as fs from 'node:fs';

/**
 * The file system the store works on: every read, write, sync, rename and
 * removal of a pipeline's state (write-ahead log, event logs, artifacts,
 * atomic file writes, `db.json` through the lowdb adapter, the lock, the
 * secret key, retention and garbage collection, the lock-free reader) goes
 * through one {@link StateFileSystem}, so a test can put a recording file
 * system under a real run (the power-loss test records every write and sync
 * and rebuilds what a power cut would have left on disk).
 *
 * The methods are the synchronous Node calls the store uses, named as in
 * `node:fs` and narrowed to the forms it calls, so a call site reads
 * `fs.renameSync(a, b)` with `fs` the injected file system. A new kind of
 * file operation in the store is one more method here, in
 * {@link nodeFileSystem} and in the test's recording file system. Only this
 * module imports `node:fs` in `src/store/`.
 */

/** What `statSync` gives: the fields the store reads. */
export interface StateFileStats {
  /** Size in bytes. */
  readonly size: number;
  /** Last modification, ms since the epoch. */
  readonly mtimeMs: number;
  /** Inode number (a file replaced by rename is a new inode). */
  readonly ino: number;
  /** Whether it is a folder. */
  isDirectory(): boolean;
}

/** How `openSync` opens: read, create or truncate for writing, create only (fails if it exists), read and append. */
export type StateOpenFlags = 'r' | 'w' | 'wx' | 'a+';

/**
 * The file operations of the store (see the module comment). Errors are Node
 * system errors (with `code`); the store wraps them (`state-io.ts`).
 */
export interface StateFileSystem {
  /** Whether a path exists. */
  existsSync(path: string): boolean;
  /** A path's size, mtime and inode. */
  statSync(path: string): StateFileStats;
  /** A file's bytes. */
  readFileSync(path: string): Buffer;
  /** A file's text. */
  readFileSync(path: string, encoding: 'utf8'): string;
  /** The names in a folder. */
  readdirSync(path: string): string[];
  /** Creates a folder and its missing parents. */
  mkdirSync(path: string, options: { readonly recursive: true }): void;
  /** Opens a file (or a folder, with `r`, to fsync it); returns the descriptor. */
  openSync(path: string, flags: StateOpenFlags, mode?: number): number;
  /** An open file's size. */
  fstatSync(fd: number): { readonly size: number };
  /** Reads `length` bytes at `position` into `buffer` at `offset`; returns the bytes read. */
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** Writes at the descriptor's position (at the end for `a+`); returns the bytes written. */
  writeSync(fd: number, data: string | Uint8Array): number;
  /** Writes all of `data` at the descriptor's position. */
  writeFileSync(fd: number, data: string | Uint8Array): void;
  /** Cuts an open file to `length` bytes. */
  ftruncateSync(fd: number, length: number): void;
  /** Makes a file's data and metadata (or a folder's entries) durable. */
  fsyncSync(fd: number): void;
  /** Makes a file's data and size durable. */
  fdatasyncSync(fd: number): void;
  /** Closes a descriptor. */
  closeSync(fd: number): void;
  /** Renames (atomically replacing `to` when it exists). */
  renameSync(from: string, to: string): void;
  /** Adds a name for a file; fails with EEXIST when `to` exists. */
  linkSync(existing: string, to: string): void;
  /** Removes a file, or a folder with `recursive`; with `force` a missing path is no error. */
  rmSync(path: string, options?: { readonly recursive?: boolean; readonly force?: boolean }): void;
  /** Removes an empty folder. */
  rmdirSync(path: string): void;
  /** {@link fdatasyncSync} on libuv's thread pool: resolves once the data written before the call is durable. */
  fdatasync(fd: number): Promise<void>;
  /** {@link fsyncSync} on libuv's thread pool (a folder's entries made before the call, for one). */
  fsync(fd: number): Promise<void>;
  /** Removes a file on libuv's thread pool; with `force` a missing path is no error. */
  rm(path: string, options?: { readonly force?: boolean }): Promise<void>;
}

/** The real file system (`node:fs`). */
export const nodeFileSystem: StateFileSystem = {
  existsSync: (p) => fs.existsSync(p),
  statSync: (p) => fs.statSync(p),
  readFileSync: ((p: string, encoding?: 'utf8') => fs.readFileSync(p, encoding)) as StateFileSystem['readFileSync'],
  readdirSync: (p) => fs.readdirSync(p),
  mkdirSync: (p, options) => {
    fs.mkdirSync(p, options);
  },
  openSync: (p, flags, mode) => fs.openSync(p, flags, mode),
  fstatSync: (fd) => fs.fstatSync(fd),
  readSync: (fd, buffer, offset, length, position) => fs.readSync(fd, buffer, offset, length, position),
  writeSync: (fd, data) => (typeof data === 'string' ? fs.writeSync(fd, data) : fs.writeSync(fd, data)),
  writeFileSync: (fd, data) => fs.writeFileSync(fd, data),
  ftruncateSync: (fd, length) => fs.ftruncateSync(fd, length),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  fdatasyncSync: (fd) => fs.fdatasyncSync(fd),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  linkSync: (existing, to) => fs.linkSync(existing, to),
  rmSync: (p, options) => fs.rmSync(p, options),
  rmdirSync: (p) => fs.rmdirSync(p),
  fdatasync: (fd) => new Promise((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve()))),
  fsync: (fd) => new Promise((resolve, reject) => fs.fsync(fd, (error) => (error ? reject(error) : resolve()))),
  rm: (p, options) => fs.promises.rm(p, options),
};
