import * as path from 'node:path';
import { z } from 'zod';
import { writeFileAtomicSync } from './atomic-file';
import { readJsonRecord } from './state-io';
import type { StatePaths } from './state-paths';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/**
 * The heartbeat of a process that keeps a pipeline going (a daemon):
 * `state/<pipeline>/heartbeat`, one JSON object `{ "at": "<ISO-8601>", "pid":
 * <number> }`, replaced whole (temp file + rename) at each beat, so a reader
 * never sees half of one. Readers (the status server's `/health`) judge its
 * age against their own clock; nothing takes a lock to read or write it.
 */

/** What a heartbeat file holds. */
export interface Heartbeat {
  /** When the beat was written, ISO-8601. */
  readonly at: string;
  /** Process id of the writer. */
  readonly pid: number;
}

/** Schema of a heartbeat file. */
export const heartbeatSchema = z.object({ at: z.string().datetime({ offset: true }), pid: z.number().int().positive() });

/** What reading a heartbeat file found. */
export type HeartbeatRead =
  | { readonly kind: 'none' }
  | { readonly kind: 'beat'; readonly beat: Heartbeat }
  | { readonly kind: 'unreadable'; readonly problem: string };

/** The heartbeat file of a pipeline: `state/<pipeline>/heartbeat`. */
export function heartbeatPath(paths: StatePaths): string {
  return path.join(paths.root, 'heartbeat');
}

/**
 * Reads a pipeline's heartbeat file; a missing file is `none`, one that is not
 * a heartbeat is `unreadable` with why (a reader reports it, it does not throw).
 * @throws DagbookError `STATE_IO` when the file exists but cannot be read.
 */
export function readHeartbeat(paths: StatePaths, fs: StateFileSystem = nodeFileSystem): HeartbeatRead {
  const read = readJsonRecord(heartbeatPath(paths), heartbeatSchema, fs);
  return read.kind === 'record' ? { kind: 'beat', beat: read.record } : read;
}

/** Writes a beat (atomic, durable). @throws DagbookError `STATE_IO` */
export function writeHeartbeat(paths: StatePaths, beat: Heartbeat, fs: StateFileSystem = nodeFileSystem): void {
  writeFileAtomicSync(heartbeatPath(paths), `${JSON.stringify(beat)}\n`, fs);
}
