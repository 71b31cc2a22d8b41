import * as path from 'node:path';
import { DagbookError } from '../errors';
import { writeFileAtomicSync } from './atomic-file';
import type { RunRecord, StageRecord } from '../records';
import { runDir, type StatePaths } from './state-paths';
import { stateIo } from './state-io';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/** Options of a retention pass. */
export interface RetentionOptions {
  /** Wall-clock now, ms since the epoch. */
  readonly now: number;
  /** Age in days after which failed, cancelled and partial runs go. @default 7 */
  readonly failedRunDays?: number;
  /** Age in days after which succeeded runs go. @default 90 */
  readonly successRunDays?: number;
  /** Age in days after which the event logs of kept runs go. @default 30 */
  readonly logDays?: number;
  /** `archive` moves run folders to `state/<pipeline>/archive/`; `delete` removes them. @default 'archive' */
  readonly mode?: 'archive' | 'delete';
}

/** What a retention pass removes. */
export interface RetentionPlan {
  /** Runs whose records and folders go. */
  readonly runs: string[];
  /** Runs that stay but whose event logs go. */
  readonly logs: string[];
  /** How they go. */
  readonly mode: 'archive' | 'delete';
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Decides which runs and logs a retention pass removes. Ages count from a
 * run's end (its start when it has none); running runs are never touched.
 * @throws DagbookError `INVALID_OPTION` naming the field for a negative or non-numeric age.
 */
export function planRetention(runs: readonly RunRecord[], options: RetentionOptions): RetentionPlan {
  const failedMs = days('failedRunDays', options.failedRunDays, 7);
  const successMs = days('successRunDays', options.successRunDays, 90);
  const logMs = days('logDays', options.logDays, 30);
  const mode = options.mode ?? 'archive';
  if (mode !== 'archive' && mode !== 'delete') {
    throw new DagbookError('INVALID_OPTION', `Expected \`mode\` to be 'archive' or 'delete', got \`${String(mode)}\``);
  }
  const plan: RetentionPlan = { runs: [], logs: [], mode };
  for (const run of runs) {
    if (run.status === 'RUNNING') continue;
    const age = options.now - (run.endedAt ?? run.startedAt);
    const limit = run.status === 'SUCCEEDED' ? successMs : failedMs;
    if (age > limit) plan.runs.push(run.runId);
    else if (age > logMs) plan.logs.push(run.runId);
  }
  return plan;
}

function days(field: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new DagbookError('INVALID_OPTION', `Expected \`${field}\` to be a number of days >= 0, got \`${String(value)}\``, {
      data: { field, value },
    });
  }
  return v * DAY_MS;
}

/**
 * Carries out a plan on disk. In `archive` mode a retired run's folder moves to
 * `archive/<run-id>/` with its records in `record.json`, and a retired log
 * moves there too; in `delete` mode they are removed. The caller drops the
 * records from its document.
 * @throws DagbookError `STATE_IO` naming the path and the operation when the file system refuses.
 */
export function retireRunFolders(
  paths: StatePaths,
  plan: RetentionPlan,
  recordsOf: (runId: string) => { run: RunRecord | undefined; stages: Record<string, StageRecord> },
  fs: StateFileSystem = nodeFileSystem,
): void {
  const retired = new Set(plan.runs);
  for (const runId of [...plan.runs, ...plan.logs]) {
    const from = runDir(paths, runId);
    if (plan.mode === 'delete') {
      stateIo('remove', from, () => fs.rmSync(from, { recursive: true, force: true }));
      continue;
    }
    const to = path.join(paths.archive, runId);
    stateIo('create folder', to, () => fs.mkdirSync(to, { recursive: true }));
    if (retired.has(runId)) writeFileAtomicSync(path.join(to, 'record.json'), JSON.stringify(recordsOf(runId)), fs);
    if (!fs.existsSync(from)) continue;
    for (const name of stateIo('list', from, () => fs.readdirSync(from))) {
      stateIo('rename', path.join(from, name), () => fs.renameSync(path.join(from, name), path.join(to, name)));
    }
    stateIo('remove', from, () => fs.rmdirSync(from));
  }
}
