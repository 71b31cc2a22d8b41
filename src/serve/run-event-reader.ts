import * as fs from 'node:fs';
import type { PipelineEvent } from '../events/event';
import { parseLog } from '../store/log-record';
import { isProcessAlive, readStateLock } from '../store/state-lock';
import { runLogPath, type StatePaths } from '../store/state-paths';

/**
 * A run's events as its log holds them, and followed live, for the status
 * server's event streams. It reads the log `runs/<run-id>/events.jsonl`
 * without any lock, from a byte offset, taking only whole lines (the writer
 * appends one whole line per `write(2)`, so a line without its newline is
 * still being written and is read on the next poll).
 *
 * This is the seam to the store's own reader API (`readRunEvents` /
 * `followRunEvents`): until the store offers a follower, this small one polls
 * the file. A run has ended when the last event read is its `PIPELINE_COMPLETE`, or
 * when no live process holds the state's writer lock any more and the log
 * has nothing new (a run killed before its end: it never writes one).
 */

/** Options of {@link followRunEvents}. */
export interface FollowRunEventsOptions {
  /** Stops following when aborted. */
  readonly signal: AbortSignal;
  /** How often the log is read for new lines, ms. @default 200 */
  readonly pollMs?: number;
  /** Whether the run's writer is alive. @default a live process holds `state/<pipeline>/lock` */
  readonly writerAlive?: () => boolean;
}

/** How a followed run's stream ended. */
export type FollowEnd = 'completed' | 'interrupted' | 'aborted';

/** Reads a log's whole lines from a byte offset: the events among them and the offset after them. */
function readFrom(file: string, offset: number): { events: PipelineEvent[]; offset: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], offset };
    throw error;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return { events: [], offset };
    const buffer = Buffer.alloc(size - offset);
    const read = fs.readSync(fd, buffer, 0, buffer.length, offset);
    const end = buffer.subarray(0, read).lastIndexOf(0x0a);
    if (end < 0) return { events: [], offset };
    const text = buffer.subarray(0, end).toString('utf8');
    const events: PipelineEvent[] = [];
    for (const line of parseLog(text, file).lines) if (line.kind === 'event') events.push(line.event);
    return { events, offset: offset + end + 1 };
  } finally {
    fs.closeSync(fd);
  }
}

/** A run's events so far, in order. @throws DagbookError `STATE_CORRUPT` for a damaged line */
export function readRunEvents(paths: StatePaths, runId: string): PipelineEvent[] {
  return readFrom(runLogPath(paths, runId), 0).events;
}

/** Whether a live process holds the pipeline's writer lock. */
export function writerHoldsLock(paths: StatePaths): boolean {
  const holder = readStateLock(paths.lock);
  return holder !== undefined && isProcessAlive(holder.pid);
}

/**
 * Calls `onEvent` with each of a run's events, those already written first,
 * then each new one as it is appended, until the run ends or `signal` aborts.
 * @throws DagbookError `STATE_CORRUPT` for a damaged line (as a rejection)
 */
export async function followRunEvents(
  paths: StatePaths,
  runId: string,
  onEvent: (event: PipelineEvent) => void,
  options: FollowRunEventsOptions,
): Promise<FollowEnd> {
  const file = runLogPath(paths, runId);
  const pollMs = options.pollMs ?? 200;
  const writerAlive = options.writerAlive ?? (() => writerHoldsLock(paths));
  let offset = 0;
  for (;;) {
    if (options.signal.aborted) return 'aborted';
    // Judged before reading, so a writer that appended its last lines and then let go is read to the end first.
    const alive = writerAlive();
    const next = readFrom(file, offset);
    offset = next.offset;
    for (const event of next.events) onEvent(event);
    // A resumed run appends to its log after an earlier end: only an end that is the last event read ends the stream.
    if (next.events.length > 0 && next.events[next.events.length - 1].type === 'PIPELINE_COMPLETE') return 'completed';
    if (!alive && next.events.length === 0) return 'interrupted';
    await pause(pollMs, options.signal);
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Whether a run's log ends with the run's end (a resumed run's log goes on after an earlier one). */
export function endedLog(paths: StatePaths, runId: string): boolean {
  const events = readRunEvents(paths, runId);
  return events.length > 0 && events[events.length - 1].type === 'PIPELINE_COMPLETE';
}
