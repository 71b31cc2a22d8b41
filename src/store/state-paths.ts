import * as path from 'node:path';
import { DagbookError } from '../errors';
import { MAX_NAME_LENGTH, SAFE_NAME_PATTERN } from '../limits';

/** Where one pipeline's state lives under a state directory. */
export interface StatePaths {
  /** `state/<pipeline>`. */
  readonly root: string;
  /** `state/<pipeline>/db.json`: the lowdb snapshot. */
  readonly db: string;
  /** `state/<pipeline>/lock`: the single-writer lock. */
  readonly lock: string;
  /** `state/<pipeline>/runs`: one folder per run. */
  readonly runs: string;
  /** `state/<pipeline>/artifacts`: content-addressed outputs. */
  readonly artifacts: string;
  /** `state/<pipeline>/archive`: run folders moved aside by retention. */
  readonly archive: string;
  /** `state/<pipeline>/secret.key`: the key secret params are hashed with (mode 0600). */
  readonly secretKey: string;
}

/**
 * Checks that a pipeline name or run id can be used as one path segment.
 * @throws DagbookError `INVALID_OPTION` naming the field and the value.
 */
export function assertSafeName(field: string, value: string): void {
  if (typeof value !== 'string' || !SAFE_NAME_PATTERN.test(value) || value.length > MAX_NAME_LENGTH) {
    throw new DagbookError(
      'INVALID_OPTION',
      `Expected \`${field}\` to be letters, digits, '.', '_' or '-' (not starting with '.' or '-', at most ${MAX_NAME_LENGTH}), got \`${String(value)}\``,
      { data: { field, value } },
    );
  }
}

/**
 * The paths of a pipeline's state.
 * @throws DagbookError `INVALID_OPTION` when the pipeline name is not a safe path segment.
 */
export function statePaths(stateDir: string, pipeline: string): StatePaths {
  assertSafeName('pipeline', pipeline);
  const root = path.resolve(stateDir, pipeline);
  return {
    root,
    db: path.join(root, 'db.json'),
    lock: path.join(root, 'lock'),
    runs: path.join(root, 'runs'),
    artifacts: path.join(root, 'artifacts'),
    archive: path.join(root, 'archive'),
    secretKey: path.join(root, 'secret.key'),
  };
}

/** The folder of one run. */
export function runDir(paths: StatePaths, runId: string): string {
  assertSafeName('runId', runId);
  return path.join(paths.runs, runId);
}

/** The event log of one run: `runs/<run-id>/events.jsonl`. */
export function runLogPath(paths: StatePaths, runId: string): string {
  return path.join(runDir(paths, runId), 'events.jsonl');
}
