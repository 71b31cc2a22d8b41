import * as path from 'node:path';
import { DagbookError, errorMessage } from '../errors';
import { fsyncDirInBackground, fsyncDirSync, mkdirMissing } from './atomic-file';
import { readStateText, stateIo, stateIoError } from './state-io';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/**
 * An append-only JSONL file: one JSON value per line. The file descriptor stays
 * open; each `append` is one `write(2)` of one whole line (no user-space
 * buffer, so readers see it at once, and a killed process loses nothing it
 * appended), and `sync()` (fdatasync, or `syncInBackground()` on libuv's
 * thread pool while the caller goes on) makes everything appended so far
 * durable — with the file's name and folder, which opening made but did not
 * sync (the first sync does, so opening a log does not wait for a folder
 * sync). A crash therefore loses at most the
 * lines appended after the last `sync()`, and at worst leaves a torn last line,
 * which readers skip and report, and which reopening for append cuts off (the
 * line was never synced, so no caller was told it was durable).
 */
export class JsonlLog {
  private fd: number | undefined;
  private unsynced = false;

  private constructor(
    /** Path of the file. */
    readonly path: string,
    fd: number,
    private readonly fs: StateFileSystem,
    /** Folders whose entries (the file's name, folders made for it) are not yet durable: the next sync syncs them. */
    private unsyncedFolders: readonly string[],
  ) {
    this.fd = fd;
  }

  /**
   * Opens (creating it and its folder if needed) a log for appending. A torn
   * last line left by a crash is cut off first, so new lines start clean.
   */
  static open(file: string, fs: StateFileSystem = nodeFileSystem): JsonlLog {
    const dir = path.dirname(file);
    const madeIn = mkdirMissing(dir, fs);
    const fd = stateIo('open', file, () => fs.openSync(file, 'a+'));
    try {
      cutTornTail(fd, fs);
    } catch (error) {
      fs.closeSync(fd);
      throw stateIoError('write', file, error);
    }
    return new JsonlLog(file, fd, fs, [...madeIn, dir]);
  }

  /** Whether the file holds nothing yet (a new log). */
  get empty(): boolean {
    const fd = this.fd;
    if (fd === undefined) throw closedError(this.path);
    return stateIo('inspect', this.path, () => this.fs.fstatSync(fd).size === 0);
  }

  /** Whether lines were appended since the last `sync()`. */
  get dirty(): boolean {
    return this.unsynced;
  }

  /** Appends one value as one line (not yet durable: see `sync`). */
  append(value: unknown): void {
    this.appendLine(JSON.stringify(value));
  }

  /** Appends one already serialised JSON line (without its newline). */
  appendLine(json: string): void {
    this.appendLines([json]);
  }

  /** Appends already serialised JSON lines (without their newlines), in order, in one `write(2)`. */
  appendLines(lines: readonly string[]): void {
    const fd = this.fd;
    if (fd === undefined) throw closedError(this.path);
    if (lines.length === 0) return;
    const text = lines.length === 1 ? `${lines[0]}\n` : `${lines.join('\n')}\n`;
    stateIo('append to', this.path, () => this.fs.writeSync(fd, text));
    this.unsynced = true;
  }

  /** Makes every appended line durable (fdatasync, and the folders' syncs still due). Cheap when nothing is pending. */
  sync(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    for (const folder of this.unsyncedFolders) fsyncDirSync(folder, this.fs);
    this.unsyncedFolders = [];
    if (!this.unsynced) return;
    stateIo('sync', this.path, () => this.fs.fdatasyncSync(fd));
    this.unsynced = false;
  }

  /**
   * Makes every line appended so far durable without blocking the caller:
   * the fdatasync (and the folders' syncs still due, at the same time) runs
   * on libuv's thread pool; lines appended meanwhile need the next sync.
   * Resolves at once when nothing is pending.
   * @throws DagbookError `STATE_IO` (as a rejection) when the sync fails; the lines stay pending.
   */
  syncInBackground(): Promise<void> {
    const fd = this.fd;
    const folders = this.unsyncedFolders;
    if (fd === undefined || (!this.unsynced && folders.length === 0)) return Promise.resolve();
    const data = this.unsynced;
    this.unsynced = false;
    this.unsyncedFolders = [];
    return Promise.all([data ? this.fs.fdatasync(fd) : undefined, ...folders.map((folder) => fsyncDirInBackground(folder, this.fs))]).then(
      () => undefined,
      (error: unknown) => {
        this.unsynced ||= data;
        this.unsyncedFolders = [...folders, ...this.unsyncedFolders];
        throw stateIoError('sync', this.path, error);
      },
    );
  }

  /** Syncs and closes the file (wait for a background sync first). Idempotent. */
  close(): void {
    if (this.fd === undefined) return;
    try {
      this.sync();
    } finally {
      const fd = this.fd;
      this.fd = undefined;
      stateIo('close', this.path, () => this.fs.closeSync(fd));
    }
  }
}

/** A line that could not be read. */
export interface SkippedLine {
  /** Line number from 1. */
  readonly line: number;
  /** Why it was skipped. */
  readonly reason: string;
}

/** What reading a JSONL text gives. */
export interface JsonlContent {
  /** Parsed values, in file order. */
  readonly values: unknown[];
  /** The torn last line, skipped, when there was one. */
  readonly truncated?: SkippedLine;
}

/**
 * Parses JSONL text. An unreadable *last* line is what a crash mid-append
 * leaves: it is skipped and reported in `truncated`. An unreadable line
 * anywhere else is corruption.
 * @throws DagbookError `STATE_CORRUPT` naming `source` and the line number.
 */
export function parseJsonl(text: string, source: string): JsonlContent {
  const lines = text.split('\n');
  let last = lines.length - 1;
  while (last >= 0 && lines[last].trim() === '') last--;
  const values: unknown[] = [];
  for (let i = 0; i <= last; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    try {
      values.push(JSON.parse(line));
    } catch (error) {
      const reason = `not JSON (${errorMessage(error)}): ${preview(line)}`;
      if (i === last) return { values, truncated: { line: i + 1, reason } };
      throw new DagbookError('STATE_CORRUPT', `${source} line ${i + 1} is ${reason}`, {
        cause: error,
        data: { path: source, line: i + 1 },
      });
    }
  }
  return { values };
}

/**
 * Reads a JSONL file; a missing file reads as empty.
 * @throws DagbookError `STATE_CORRUPT` for an unreadable line other than the last.
 */
export function readJsonlFile(file: string, fs: StateFileSystem = nodeFileSystem): JsonlContent {
  const text = readStateText(file, fs);
  return text === undefined ? { values: [] } : parseJsonl(text, file);
}

function preview(line: string): string {
  return line.length > 80 ? `${line.slice(0, 80)}...` : line;
}

function closedError(file: string): DagbookError {
  return new DagbookError('INVALID_OPTION', `The log ${file} is closed`, { data: { path: file } });
}

/**
 * Ends the file cleanly: a last line without its newline is kept (newline
 * added) when it is whole JSON, and cut off when it is torn.
 */
function cutTornTail(fd: number, fs: StateFileSystem): void {
  const size = fs.fstatSync(fd).size;
  if (size === 0) return;
  const last = Buffer.alloc(1);
  fs.readSync(fd, last, 0, 1, size - 1);
  if (last[0] === 0x0a) return;
  const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
  let end = size;
  let lineStart = 0;
  for (;;) {
    const start = Math.max(0, end - chunk.length);
    const length = end - start;
    fs.readSync(fd, chunk, 0, length, start);
    const newline = chunk.subarray(0, length).lastIndexOf(0x0a);
    if (newline >= 0) {
      lineStart = start + newline + 1;
      break;
    }
    if (start === 0) break;
    end = start;
  }
  const tail = Buffer.alloc(size - lineStart);
  fs.readSync(fd, tail, 0, tail.length, lineStart);
  if (isJson(tail.toString('utf8'))) fs.writeSync(fd, '\n');
  else fs.ftruncateSync(fd, lineStart);
  fs.fdatasyncSync(fd);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
