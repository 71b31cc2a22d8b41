import * as path from 'node:path';
import { z } from 'zod';
import { writeFileAtomicSync } from './atomic-file';
import { readJsonRecord } from './state-io';
import type { StatePaths } from './state-paths';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/**
 * The health record of a daemon keeping a pipeline going (`dagbook watch`):
 * `state/<pipeline>/daemon.json`, replaced whole (temp file + rename) at each
 * change — started, a tick's start and end, stopping, stopped — so a reader
 * never sees half of one. It says what the daemon is doing; whether it is
 * alive is its pid and its heartbeat (heartbeat-file.ts). Readers (the status
 * server's `/status`) take no lock.
 */

const isoTime = z.string().datetime({ offset: true });

/** The last tick a daemon ended. */
export const daemonTickSchema = z.object({
  /** The run the tick made (or resumed). */
  runId: z.string().nullable(),
  startedAt: isoTime,
  endedAt: isoTime,
  durationMs: z.number().int().nonnegative(),
  /** The run's status, or `ERROR` when the tick could not run (the state locked by another process, a store error). */
  status: z.string(),
  /** The run's stage records by status (`{ SUCCEEDED: 2, CACHED: 1 }`). */
  counts: z.record(z.number().int().nonnegative()),
  /** Why it did not succeed, when it did not. */
  reason: z.string().optional(),
});

/** Schema of a daemon file. */
export const daemonStateSchema = z.object({
  pid: z.number().int().positive(),
  /** `running` between ticks and during one; `stopping` after SIGTERM until the tick in progress ended; `stopped` at exit. */
  state: z.enum(['running', 'stopping', 'stopped']),
  startedAt: isoTime,
  /** The environment the pipeline was merged for, null for none. */
  env: z.string().nullable(),
  intervalMs: z.number().int().positive(),
  /** Ticks ended since the daemon started. */
  ticks: z.number().int().nonnegative(),
  /** When the tick in progress started, null between ticks. */
  tickStartedAt: isoTime.nullable(),
  lastTick: daemonTickSchema.nullable(),
  /** When the next tick starts, null while one runs or once stopping. */
  nextTickAt: isoTime.nullable(),
  /** Ticks that failed in a row (each doubles the wait before the next, up to an hour). */
  consecutiveFailures: z.number().int().nonnegative(),
});

/** What a daemon file holds. */
export type DaemonState = z.infer<typeof daemonStateSchema>;

/** The last tick a daemon ended. */
export type DaemonTick = z.infer<typeof daemonTickSchema>;

/** What reading a daemon file found. */
export type DaemonStateRead =
  | { readonly kind: 'none' }
  | { readonly kind: 'state'; readonly state: DaemonState }
  | { readonly kind: 'unreadable'; readonly problem: string };

/** The daemon file of a pipeline: `state/<pipeline>/daemon.json`. */
export function daemonStatePath(paths: StatePaths): string {
  return path.join(paths.root, 'daemon.json');
}

/**
 * Reads a pipeline's daemon file; a missing file is `none`, one that is not a
 * daemon record is `unreadable` with why (a reader reports it, it does not throw).
 * @throws DagbookError `STATE_IO` when the file exists but cannot be read.
 */
export function readDaemonState(paths: StatePaths, fs: StateFileSystem = nodeFileSystem): DaemonStateRead {
  const read = readJsonRecord(daemonStatePath(paths), daemonStateSchema, fs);
  return read.kind === 'record' ? { kind: 'state', state: read.record } : read;
}

/** Writes a daemon's record (atomic, durable). @throws DagbookError `STATE_IO` */
export function writeDaemonState(paths: StatePaths, state: DaemonState, fs: StateFileSystem = nodeFileSystem): void {
  writeFileAtomicSync(daemonStatePath(paths), `${JSON.stringify(state, null, 2)}\n`, fs);
}
