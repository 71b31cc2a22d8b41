import { DagbookError } from '../errors';
import type { RunRecord } from '../records';

/**
 * Small rules on run records that both stores share, so they behave the same.
 */

/** The error for a run id the store does not know (`INVALID_OPTION`). */
export function unknownRun(runId: string): DagbookError {
  return new DagbookError('INVALID_OPTION', `Expected \`runId\` to name a run begun in this store, got \`${runId}\``, {
    data: { runId },
  });
}

/** Runs oldest first: by `startedAt`, ties kept in the given order. */
export function sortRuns<R extends Pick<RunRecord, 'startedAt'>>(runs: R[]): R[] {
  return runs
    .map((run, index) => ({ run, index }))
    .sort((a, b) => a.run.startedAt - b.run.startedAt || a.index - b.index)
    .map((x) => x.run);
}

/** A deep copy through JSON (drops `undefined` fields): what a durable store hands back. */
export function json<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
