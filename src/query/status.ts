import type { CompiledPipeline } from '../plan/plan';
import { dryRun } from './dry-run';
import { stageHistory } from './history';
import type { StageStatus } from '../records';
import type { RunStoreReader } from '../store/run-store';

/**
 * Where every stage of a pipeline stands: its state in the latest run that
 * had it, when that was, how long it took, its output, and whether it is
 * stale (something it depends on changed since) and why.
 */

/** One stage's standing. */
export interface StageStanding {
  /** Stage id. */
  readonly stageId: string;
  /** State in the latest run that had it; `NEVER_RUN` when none did. */
  readonly status: StageStatus | 'NEVER_RUN';
  /** That run's id. */
  readonly lastRunId?: string;
  /** When it ended, ms since epoch. */
  readonly lastEndedAt?: number;
  /** Its last duration, ms (for a stage restored from cache, the time restoring took). */
  readonly lastDurationMs?: number;
  /** How long computing its current output took, ms, when its latest run restored it from cache (CACHED). */
  readonly producedInMs?: number;
  /** sha256 of its current output, when it has one. */
  readonly outputHash?: string;
  /** True when a run would execute it again. */
  readonly stale: boolean;
  /** Why a run would execute it (or "up to date"). */
  readonly reason: string;
  /** The error code of its last failure. */
  readonly errorCode?: string;
}

/** Every stage's standing, in plan order. */
export async function pipelineStatus(compiled: CompiledPipeline, store: RunStoreReader, baseDir?: string): Promise<StageStanding[]> {
  const { plan } = compiled;
  // Read once: the dry run judges every stage from the same history this reports.
  const history = await stageHistory(store, plan.name, plan.order);
  const dry = await dryRun(compiled, { store, history, ...(baseDir ? { baseDir } : {}) });
  const out: StageStanding[] = [];
  for (const row of dry.rows) {
    const last = history.latest[row.stageId];
    const entry = await store.latestCacheEntry(row.stageId);
    out.push({
      stageId: row.stageId,
      status: last?.status ?? 'NEVER_RUN',
      ...(last ? { lastRunId: history.runOf[row.stageId].runId, lastEndedAt: last.endedAt, lastDurationMs: last.durationMs } : {}),
      ...(entry ? { outputHash: entry.outputHash } : {}),
      ...(entry && last?.status === 'CACHED' ? { producedInMs: entry.durationMs } : {}),
      stale: row.action === 'run' && last !== undefined,
      reason: row.reason,
      ...(last?.error ? { errorCode: last.error.code } : {}),
    });
  }
  return out;
}
