import * as os from 'node:os';
import type { PipelineEvent } from '../events/event';
import type { RunStatus } from '../records';
import { parseLog } from './log-record';
import { errnoCode, stateIo, stateIoError } from './state-io';
import { isProcessAlive } from '../process-alive';
import { readStateLock } from './state-lock';
import { runLogPath, type StatePaths } from './state-paths';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/**
 * Reads a run's log (`runs/<run-id>/events.jsonl`) a piece at a time, as its
 * writer appends to it, without the writer's lock and without changing the
 * file: each {@link RunLogTail.read} reads the bytes appended since the last
 * one, up to the last whole line (a line being appended stays for the next
 * read), and gives the events among them in order, plus the run's status as
 * the newest run record in them says. So following a run costs the new
 * bytes only, not the whole log again on every change.
 */

/** What one read of the tail found. */
export interface TailRead {
  /** Events appended since the last read, in order. */
  readonly events: PipelineEvent[];
  /** The run's status as its newest run record read so far says (undefined until one was read). */
  readonly status: RunStatus | undefined;
}

/** See the module comment. */
export class RunLogTail {
  /** Path of the log. */
  readonly path: string;
  private offset = 0;
  /** Bytes of a line not yet whole. */
  private pending = Buffer.alloc(0);
  private lineCount = 0;
  private status: RunStatus | undefined;

  constructor(
    paths: StatePaths,
    runId: string,
    private readonly fs: StateFileSystem = nodeFileSystem,
  ) {
    this.path = runLogPath(paths, runId);
  }

  /** Whether the log exists. */
  exists(): boolean {
    return this.fs.existsSync(this.path);
  }

  /**
   * Reads what was appended since the last read (nothing when the log does not exist yet).
   * @throws DagbookError `STATE_CORRUPT` naming the file and record for a line that is not a run log record; `STATE_IO`
   */
  read(): TailRead {
    const chunk = this.readNewBytes();
    if (chunk.length === 0) return { events: [], status: this.status };
    const bytes = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const end = bytes.lastIndexOf(0x0a) + 1;
    this.pending = Buffer.from(bytes.subarray(end));
    if (end === 0) return { events: [], status: this.status };
    const text = bytes.subarray(0, end).toString('utf8');
    const content = parseLog(text, `${this.path} (from line ${this.lineCount + 1})`);
    this.lineCount += countNewlines(bytes, end);
    const events: PipelineEvent[] = [];
    for (const line of content.lines) {
      if (line.kind === 'event') events.push(line.event);
      else if (line.kind === 'run') this.status = line.run.status;
    }
    return { events, status: this.status };
  }

  private readNewBytes(): Buffer {
    let fd: number;
    try {
      fd = this.fs.openSync(this.path, 'r');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return Buffer.alloc(0);
      throw stateIoError('open', this.path, error);
    }
    try {
      const size = stateIo('inspect', this.path, () => this.fs.fstatSync(fd).size);
      if (size <= this.offset) return Buffer.alloc(0);
      const buffer = Buffer.alloc(size - this.offset);
      let read = 0;
      while (read < buffer.length) {
        const n = stateIo('read', this.path, () => this.fs.readSync(fd, buffer, read, buffer.length - read, this.offset + read));
        if (n === 0) break;
        read += n;
      }
      this.offset += read;
      return buffer.subarray(0, read);
    } finally {
      this.fs.closeSync(fd);
    }
  }
}

function countNewlines(bytes: Buffer, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < end; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}

/**
 * Whether a process may be writing the pipeline's state: its lock is held by
 * a live process (one on another host is taken as alive). Read without
 * taking the lock.
 */
export function writerActive(paths: StatePaths, fs: StateFileSystem = nodeFileSystem, isAlive: (pid: number) => boolean = isProcessAlive): boolean {
  const holder = readStateLock(paths.lock, fs);
  if (holder === undefined) return false;
  return holder.hostname !== os.hostname() || isAlive(holder.pid);
}
