import * as fs from 'node:fs';
import { systemClock, type Clock } from '../clock';
import { DagbookError } from '../errors';
import type { PipelineEvent } from '../events/event';
import { RunLogTail, writerActive, type TailRead } from '../store/run-log-tail';
import { openStateReader } from '../store/state-reader';
import { runDir, statePaths, type StatePaths } from '../store/state-paths';
import { nodeFileSystem, type StateFileSystem } from '../store/state-file-system';

/**
 * A run's events as dagbook events, in order, read from its log without the
 * writer's lock and without the log's internal records: {@link readRunEvents}
 * gives what the log holds now; {@link followRunEvents} gives the same and
 * then each event as the run writes it, and ends when the run ends. These are
 * plain functions and async iterables, so the CLI, the notebook and an HTTP
 * stream consume them alike (`toPublicEvent` turns each into the teams' JSON
 * line).
 *
 * Following waits for the log to change with `fs.watch` on the run's folder,
 * and polls every `pollMs` on the injected clock as well (a watch can miss
 * changes on network file systems, and a run's end must be seen even then).
 * The follow ends, and says how ({@link FollowEnd}):
 * - `completed` after the run's end: a PIPELINE_COMPLETE that is the last
 *   event read, with no later run record saying the run goes on (a resumed
 *   run keeps its id and appends to its log after its earlier end, so an end
 *   with more after it is not the end; {@link runLogEnded} asks the same of
 *   the log as it is); or when its newest run record says it ended and a read
 *   a poll later brings nothing new (a run that failed before it could
 *   complete);
 * - `interrupted` when no live process holds the pipeline's lock any more and
 *   a read after seeing that brings nothing new (the writer was killed: the
 *   run will not write again). A writer releases the lock only after its logs
 *   are written, so the read after it is the last word;
 * - `aborted` when `signal` aborts.
 */

/** Options of {@link readRunEvents}. */
export interface ReadRunEventsOptions {
  /** Only the events after this position in the run's stream (`seq`). @default 0 (all) */
  readonly after?: number;
  /** The file system the state is on. @default nodeFileSystem */
  readonly fileSystem?: StateFileSystem;
}

/** Options of {@link followRunEvents}. */
export interface FollowRunEventsOptions extends ReadRunEventsOptions {
  /** Stops following (the iteration then ends, without an error). */
  readonly signal?: AbortSignal;
  /** Time source of the polling. @default systemClock */
  readonly clock?: Clock;
  /** Time between two reads when no change is seen, ms. @default 250 */
  readonly pollMs?: number;
  /** Wait for changes with `fs.watch` too (not only by polling). @default true */
  readonly watch?: boolean;
  /** Whether a process holds the pipeline's lock. @default a live holder of `<state>/<pipeline>/lock` */
  readonly writerActive?: () => boolean;
}

/** How a follow of a run ended (see the module comment). */
export type FollowEnd = 'completed' | 'interrupted' | 'aborted';

/** @default of {@link FollowRunEventsOptions.pollMs}. */
export const DEFAULT_FOLLOW_POLL_MS = 250;

/**
 * The events of a run, in order, as its log holds them now (a line being
 * appended is left out).
 * @throws DagbookError `RUN_NOT_FOUND` naming the pipeline and the run when the pipeline has no such run;
 * `INVALID_OPTION` for a pipeline name or run id that is no path segment; `STATE_CORRUPT`, `STATE_IO`
 */
export async function readRunEvents(stateDir: string, pipeline: string, runId: string, options: ReadRunEventsOptions = {}): Promise<PipelineEvent[]> {
  const paths = statePaths(stateDir, pipeline);
  const tail = await openTail(paths, stateDir, pipeline, runId, options.fileSystem ?? nodeFileSystem);
  return after(tail.read().events, options.after ?? 0);
}

/**
 * The events of a run, in order: those its log holds, then each one as the
 * run writes it, until the run ends; the iteration's return value says how
 * it ended (see the module comment).
 * @throws DagbookError as {@link readRunEvents}, when the iteration starts.
 */
export async function* followRunEvents(stateDir: string, pipeline: string, runId: string, options: FollowRunEventsOptions = {}): AsyncGenerator<PipelineEvent, FollowEnd, undefined> {
  const fileSystem = options.fileSystem ?? nodeFileSystem;
  const paths = statePaths(stateDir, pipeline);
  const tail = await openTail(paths, stateDir, pipeline, runId, fileSystem);
  const clock = options.clock ?? systemClock;
  const pollMs = options.pollMs ?? DEFAULT_FOLLOW_POLL_MS;
  const active = options.writerActive ?? (() => writerActive(paths, fileSystem));
  const changes = options.watch === false ? undefined : new FolderChanges(runDir(paths, runId));
  let last = options.after ?? 0;
  let endedSeen = false;
  let writerGone = false;
  try {
    for (;;) {
      const read = tail.read();
      for (const event of after(read.events, last)) {
        yield event;
        last = event.seq;
      }
      if (endsRun(read)) return 'completed';
      if (read.events.length === 0 && endedSeen) return 'completed';
      if (read.events.length === 0 && writerGone) return read.status === undefined || read.status === 'RUNNING' ? 'interrupted' : 'completed';
      // Seen before the next read: whatever the writer wrote before it let go is in that read.
      writerGone = !active();
      if (writerGone) continue;
      // The run's end record comes a moment before its PIPELINE_COMPLETE: a whole poll is given to the event.
      endedSeen = read.status !== undefined && read.status !== 'RUNNING';
      if (options.signal?.aborted || !(await waitForChange(endedSeen ? undefined : changes, clock, pollMs, options.signal))) return 'aborted';
    }
  } finally {
    changes?.close();
  }
}

/**
 * Whether a run's log, as it is now, ends with the run's end (see the module
 * comment: a resumed run's log goes on after an earlier end).
 * @throws DagbookError as {@link readRunEvents}
 */
export async function runLogEnded(stateDir: string, pipeline: string, runId: string, options: Pick<ReadRunEventsOptions, 'fileSystem'> = {}): Promise<boolean> {
  const tail = await openTail(statePaths(stateDir, pipeline), stateDir, pipeline, runId, options.fileSystem ?? nodeFileSystem);
  return endsRun(tail.read());
}

/** Whether a read of a log from its start ends with the run's end: its last event is PIPELINE_COMPLETE and no later run record says the run goes on. */
function endsRun(read: TailRead): boolean {
  const lastEvent = read.events[read.events.length - 1];
  return lastEvent?.type === 'PIPELINE_COMPLETE' && read.status !== 'RUNNING';
}

/**
 * The id of a pipeline's latest run (the last one started), read without the lock.
 * @throws DagbookError `RUN_NOT_FOUND` when the pipeline has no run.
 */
export async function latestRunId(stateDir: string, pipeline: string): Promise<string> {
  const reader = await openStateReader({ stateDir, pipeline });
  const runs = await reader.listRuns();
  await reader.close();
  const latest = runs[runs.length - 1];
  if (latest === undefined) throw new DagbookError('RUN_NOT_FOUND', `\`${pipeline}\` has no run yet (state folder ${statePaths(stateDir, pipeline).root})`, { data: { pipeline } });
  return latest.runId;
}

function after(events: readonly PipelineEvent[], seq: number): PipelineEvent[] {
  return seq <= 0 ? [...events] : events.filter((e) => e.seq > seq);
}

/** A tail of the run's log; a run without a log must at least be in the run index. */
async function openTail(paths: StatePaths, stateDir: string, pipeline: string, runId: string, fileSystem: StateFileSystem): Promise<RunLogTail> {
  const tail = new RunLogTail(paths, runId, fileSystem);
  if (tail.exists()) return tail;
  const reader = await openStateReader({ stateDir, pipeline, fileSystem });
  const known = (await reader.listRuns()).some((r) => r.runId === runId);
  await reader.close();
  if (!known) {
    throw new DagbookError('RUN_NOT_FOUND', `Expected \`runId\` to name a run of \`${pipeline}\`, got \`${runId}\``, { data: { pipeline, runId } });
  }
  // A run whose log retention removed: its events are gone.
  return tail;
}

/** Resolves true after a change in the folder or `pollMs`, false when `signal` aborts. */
async function waitForChange(changes: FolderChanges | undefined, clock: Clock, pollMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const slept = clock.sleep(pollMs, stop.signal).then(
      () => true,
      () => false,
    );
    const changed = changes ? changes.next().then(() => true) : new Promise<boolean>(() => {});
    const woke = await Promise.race([slept, changed]);
    return woke && !(signal?.aborted ?? false);
  } finally {
    stop.abort();
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Changes in a folder, from `fs.watch`; without a watch (the folder gone, or none allowed) it never signals. */
class FolderChanges {
  private readonly watcher: fs.FSWatcher | undefined;
  private changed = false;
  private waiting: (() => void) | undefined;

  constructor(dir: string) {
    try {
      this.watcher = fs.watch(dir, () => this.signal());
      this.watcher.on('error', () => this.close());
    } catch {
      this.watcher = undefined;
    }
  }

  /** Resolves at the next change (at once when one came since the last call). */
  next(): Promise<void> {
    if (this.changed) {
      this.changed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiting = () => {
        this.changed = false;
        resolve();
      };
    });
  }

  close(): void {
    this.watcher?.close();
  }

  private signal(): void {
    this.changed = true;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}
