import * as path from 'node:path';
import { z } from 'zod';
import { writeFileAtomicSync } from './atomic-file';
import { readStateText } from './state-io';
import { runDir, type StatePaths } from './state-paths';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/**
 * Cancelling a run from another process: the asker writes
 * `state/<pipeline>/runs/<run-id>/cancel` (`{ "reason", "at", "pid" }`,
 * replaced whole), and the process running it — which holds the writer's
 * lock, so nobody else may write its records — finds it on its next poll
 * (`run/cancel-requests.ts`), removes it and cancels the run as its own
 * `cancel()` would: running stages are aborted, it ends CANCELLED. A request
 * left from before a run began (or was resumed) is discarded then, so it
 * cannot cancel a later one. A file rather than a signal: the runner may be a
 * notebook kernel that a signal would end, or on another host sharing the state.
 */

/** What a cancel request holds. */
export interface RunCancelRequest {
  /** Why: the run's reason once cancelled. */
  readonly reason: string;
  /** When it was asked, ISO-8601. */
  readonly at: string;
  /** Process id of the asker. */
  readonly pid: number;
}

const requestSchema = z.object({ reason: z.string(), at: z.string(), pid: z.number().int() });

/** The cancel request file of a run. @throws DagbookError `INVALID_OPTION` for a run id that is not a safe name */
export function runCancelRequestPath(paths: StatePaths, runId: string): string {
  return path.join(runDir(paths, runId), 'cancel');
}

/** Asks the process running `runId` to cancel it. @throws DagbookError `STATE_IO` when the file cannot be written */
export function requestRunCancel(paths: StatePaths, runId: string, request: RunCancelRequest, fs: StateFileSystem = nodeFileSystem): void {
  writeFileAtomicSync(runCancelRequestPath(paths, runId), `${JSON.stringify(request)}\n`, fs);
}

/**
 * The cancel request of a run, removed as it is read; undefined when there is none. A file that is not a request
 * (torn by hand) still asks to cancel, for a reason that says so.
 * @throws DagbookError `STATE_IO` when it cannot be read or removed
 */
export function takeRunCancelRequest(paths: StatePaths, runId: string, fs: StateFileSystem = nodeFileSystem): RunCancelRequest | undefined {
  const file = runCancelRequestPath(paths, runId);
  const text = readStateText(file, fs);
  if (text === undefined) return undefined;
  fs.rmSync(file, { force: true });
  let parsed: ReturnType<typeof requestSchema.safeParse>;
  try {
    parsed = requestSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = requestSchema.safeParse(undefined);
  }
  return parsed.success ? parsed.data : { reason: `cancelled by a request file (${file}) that could not be read`, at: '', pid: 0 };
}
