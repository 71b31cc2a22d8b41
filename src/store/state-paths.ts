import * as path from 'node:path';
import { DagbookError } from '../errors';
import { MAX_NAME_LENGTH, MAX_STAGE_ID_LENGTH, SAFE_NAME_PATTERN } from '../limits';

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
  /** `state/<pipeline>/items`: one journal per per-item stage (`<stage-id>.jsonl`). */
  readonly items: string;
}

/** The ending of an item journal's file name. */
export const ITEM_JOURNAL_SUFFIX = '.jsonl';

/** What a stage id is (as a definition accepts it): letters, digits, '.', '_' and '-', never `.` or `..`. */
const STAGE_ID_SEGMENT = /^[A-Za-z0-9_.-]+$/;

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
    items: path.join(root, 'items'),
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

/**
 * The item journal of a per-item stage: `items/<stage-id>.jsonl`.
 * @throws DagbookError `INVALID_OPTION` when the stage id is not a stage id (so not a safe file name).
 */
export function itemJournalPath(paths: StatePaths, stageId: string): string {
  if (!isJournalStageId(stageId)) {
    throw new DagbookError(
      'INVALID_OPTION',
      `Expected \`stageId\` to be letters, digits, '.', '_' or '-' (not \`.\` or \`..\`, at most ${MAX_STAGE_ID_LENGTH}), got \`${String(stageId)}\``,
      { data: { field: 'stageId', value: stageId } },
    );
  }
  return path.join(paths.items, `${stageId}${ITEM_JOURNAL_SUFFIX}`);
}

/** Whether a stage id can name an item journal (every id a definition accepts can). */
export function isJournalStageId(stageId: string): boolean {
  return typeof stageId === 'string' && STAGE_ID_SEGMENT.test(stageId) && stageId !== '.' && stageId !== '..' && stageId.length <= MAX_STAGE_ID_LENGTH;
}
