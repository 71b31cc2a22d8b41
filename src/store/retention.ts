import * as path from 'node:path';
import { DagbookError } from '../errors';
import { fsyncDirSync, mkdirDurableSync, writeFileAtomicSync } from './atomic-file';
import type { RunStatus, RunSummary } from '../records';
import { runDir, type StatePaths } from './state-paths';
import { stateIo } from './state-io';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/**
 * The retention policy: which runs a pipeline's state keeps. A run goes
 * (its summary from the run index and its folder) once it is older than its
 * age limit — failed, cancelled and partial runs after `failedRunDays`,
 * succeeded ones after `successRunDays` — or once `maxRuns` newer runs have
 * ended; a kept run's event log goes after `logDays` (its summary stays).
 * Running runs are never touched. The durable store applies the policy when
 * a run begins, deleting what goes, so the state folder is bounded by the
 * policy and not by how many runs there have been (by count in batches of a
 * tenth of `maxRuns`, so fewer than that many ended runs past `maxRuns` stay
 * between two passes: {@link retentionBatch}); `dagbook clean` applies it
 * on demand, deleting by default or moving to `archive/` with `--archive`.
 */

/** Limits of the retention policy. */
export interface RetentionLimits {
  /** Age in days after which failed, cancelled and partial runs go. @default 7 */
  readonly failedRunDays?: number;
  /** Age in days after which succeeded runs go. @default 90 */
  readonly successRunDays?: number;
  /** Age in days after which the event logs of kept runs go. @default 30 */
  readonly logDays?: number;
  /** Ended runs kept (the newest); older ones go (at a run's start, once a tenth more have gathered: {@link retentionBatch}). @default 100 */
  readonly maxRuns?: number;
}

/** Options of a retention pass. */
export interface RetentionOptions extends RetentionLimits {
  /** Wall-clock now, ms since the epoch. */
  readonly now: number;
  /** `delete` removes run folders; `archive` moves them to `state/<pipeline>/archive/`, where they stay until removed by hand. @default 'delete' */
  readonly mode?: 'archive' | 'delete';
  /**
   * Runs past `maxRuns` go only once at least this many are past it (then all
   * of them): the pass at each run's start retires a batch now and then
   * instead of one run, and one snapshot rewrite, every time. @default 1
   */
  readonly countBatch?: number;
}

/** {@link RetentionLimits}, resolved. */
export interface RetentionPolicy {
  readonly failedRunDays: number;
  readonly successRunDays: number;
  readonly logDays: number;
  readonly maxRuns: number;
}

/**
 * How many runs past `maxRuns` the pass at a run's start lets gather before
 * it retires them, all at once: a tenth of `maxRuns` (at least one). Each
 * pass that retires anything rewrites the snapshot before removing folders;
 * in batches a long history pays that once per batch, not on every run.
 */
export function retentionBatch(policy: RetentionPolicy): number {
  return Math.max(1, Math.ceil(policy.maxRuns / 10));
}

/** The default policy: failed runs 7 days, succeeded 90, logs 30, at most 100 runs. */
export const DEFAULT_RETENTION: RetentionPolicy = { failedRunDays: 7, successRunDays: 90, logDays: 30, maxRuns: 100 };

/** What a retention pass removes. */
export interface RetentionPlan {
  /** Runs whose summaries and folders go. */
  readonly runs: string[];
  /** Runs that stay but whose event logs go. */
  readonly logs: string[];
  /** How they go. */
  readonly mode: 'archive' | 'delete';
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Validates and fills in retention limits.
 * @throws DagbookError `INVALID_OPTION` naming the field and the value.
 */
export function resolveRetention(limits: RetentionLimits = {}): RetentionPolicy {
  const maxRuns = limits.maxRuns ?? DEFAULT_RETENTION.maxRuns;
  if (typeof maxRuns !== 'number' || !Number.isInteger(maxRuns) || maxRuns < 0) {
    throw new DagbookError('INVALID_OPTION', `Expected \`maxRuns\` to be an integer >= 0, got \`${String(limits.maxRuns)}\``, {
      data: { field: 'maxRuns', value: limits.maxRuns },
    });
  }
  return {
    failedRunDays: days('failedRunDays', limits.failedRunDays, DEFAULT_RETENTION.failedRunDays),
    successRunDays: days('successRunDays', limits.successRunDays, DEFAULT_RETENTION.successRunDays),
    logDays: days('logDays', limits.logDays, DEFAULT_RETENTION.logDays),
    maxRuns,
  };
}

/**
 * Decides which runs and logs a retention pass removes. Ages count from a
 * run's end (its start when it has none); the count keeps the `maxRuns`
 * newest ended runs; running runs are never touched. A log is planned only
 * while `hasLog` says it is there, so a second pass finds nothing to do.
 * @throws DagbookError `INVALID_OPTION` naming the field for a bad age, count or mode.
 */
export function planRetention(
  runs: readonly Pick<RunSummary, 'runId' | 'status' | 'startedAt' | 'endedAt'>[],
  options: RetentionOptions,
  hasLog: (runId: string) => boolean = () => true,
): RetentionPlan {
  const policy = resolveRetention(options);
  const mode = options.mode ?? 'delete';
  if (mode !== 'archive' && mode !== 'delete') {
    throw new DagbookError('INVALID_OPTION', `Expected \`mode\` to be 'archive' or 'delete', got \`${String(mode)}\``);
  }
  const plan: RetentionPlan = { runs: [], logs: [], mode };
  const ended = runs.filter((run) => run.status !== 'RUNNING');
  // Newest first by end: the first `maxRuns` are the ones the count keeps.
  const byAge = ended.map((run, index) => ({ run, index })).sort((a, b) => endOf(b.run) - endOf(a.run) || b.index - a.index);
  const over = byAge.slice(policy.maxRuns);
  const overCount = new Set(over.length >= (options.countBatch ?? 1) ? over.map((x) => x.run.runId) : []);
  for (const run of ended) {
    const age = options.now - endOf(run);
    const limit = run.status === 'SUCCEEDED' ? policy.successRunDays : policy.failedRunDays;
    if (age > limit * DAY_MS || overCount.has(run.runId)) plan.runs.push(run.runId);
    else if (age > policy.logDays * DAY_MS && hasLog(run.runId)) plan.logs.push(run.runId);
  }
  return plan;
}

function endOf(run: { readonly status: RunStatus; readonly startedAt: number; readonly endedAt?: number }): number {
  return run.endedAt ?? run.startedAt;
}

function days(field: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new DagbookError('INVALID_OPTION', `Expected \`${field}\` to be a number of days >= 0, got \`${String(value)}\``, {
      data: { field, value },
    });
  }
  return v;
}

/**
 * Carries out a plan on disk. In `archive` mode a retired run's folder moves to
 * `archive/<run-id>/` with its summary in `record.json`, and a retired log
 * moves there too; in `delete` mode they are removed. Durable when it returns:
 * each archive folder is fsynced after the moves into it (a rename is durable
 * only once a folder it touches is; without that a power cut could undo the
 * moves while keeping the removal of the emptied folder, losing the files),
 * and `runs/` after the removals (else a power cut could bring back a
 * retired run's log, which no later pass would remove: the run is out of the
 * index). The caller drops the summaries from its index first, durably.
 * @throws DagbookError `STATE_IO` naming the path and the operation when the file system refuses.
 */
export function retireRunFolders(
  paths: StatePaths,
  plan: RetentionPlan,
  summaryOf: (runId: string) => RunSummary | undefined,
  fs: StateFileSystem = nodeFileSystem,
): void {
  const retired = new Set(plan.runs);
  const all = [...plan.runs, ...plan.logs];
  for (const runId of all) {
    const from = runDir(paths, runId);
    if (plan.mode === 'delete') {
      stateIo('remove', from, () => fs.rmSync(from, { recursive: true, force: true }));
      continue;
    }
    const to = path.join(paths.archive, runId);
    mkdirDurableSync(to, fs);
    if (retired.has(runId)) writeFileAtomicSync(path.join(to, 'record.json'), JSON.stringify({ run: summaryOf(runId) }), fs);
    if (!fs.existsSync(from)) continue;
    for (const name of stateIo('list', from, () => fs.readdirSync(from))) {
      stateIo('rename', path.join(from, name), () => fs.renameSync(path.join(from, name), path.join(to, name)));
    }
    // The moves are durable before the emptied folder's removal can be.
    fsyncDirSync(to, fs);
    stateIo('remove', from, () => fs.rmdirSync(from));
  }
  if (all.length > 0) fsyncDirSync(paths.runs, fs);
}
