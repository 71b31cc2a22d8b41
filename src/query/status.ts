import { canonicalJson } from '../canonical-json';
import { cacheKeyParts, type CacheKeyParts } from '../plan/cache-key';
import { refreshStageCode } from '../plan/fingerprint';
import type { CompiledPipeline, PlanStage } from '../plan/plan';
import { dryRun } from './dry-run';
import { stageHistory } from './history';
import type { CellEditKind, ItemCounts, StageRecord, StageStatus } from '../records';
import type { RunStoreReader } from '../store/run-store';

/**
 * Where every stage of a pipeline stands: its state in the latest run that
 * had it, when that was, how long it took, its output, and whether it is
 * stale (something it depends on changed since) and why. A stage last run
 * with a definition a notebook cell had edited (`wb.stage`, `wb.params`),
 * whose current definition differs — as after a kernel restart, when the
 * definition cell brings back the original — says so in its reason, since
 * the edit that made its output is no longer in the kernel.
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
  /** How cells had edited its definition in its latest run, when its current definition differs from that one. */
  readonly editedInCell?: readonly CellEditKind[];
  /** How the items of a per-item stage ended in its latest run. */
  readonly items?: ItemCounts;
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
    const edited = last ? lostCellEdit(plan.stages[row.stageId], last, store) : undefined;
    const note = edited
      ? `stage \`${row.stageId}\` was last run with a definition edited in a cell; the current one differs (edited with ${edited.map((k) => `\`wb.${k}\``).join(', ')})`
      : undefined;
    out.push({
      stageId: row.stageId,
      status: last?.status ?? 'NEVER_RUN',
      ...(last ? { lastRunId: history.runOf[row.stageId].runId, lastEndedAt: last.endedAt, lastDurationMs: last.durationMs } : {}),
      ...(entry ? { outputHash: entry.outputHash } : {}),
      ...(entry && last?.status === 'CACHED' ? { producedInMs: entry.durationMs } : {}),
      stale: row.action === 'run' && last !== undefined,
      reason: note ? `${row.reason}; ${note}` : row.reason,
      ...(last?.error ? { errorCode: last.error.code } : {}),
      ...(edited ? { editedInCell: edited } : {}),
      ...(last?.items ? { items: last.items } : {}),
    });
  }
  return out;
}

/**
 * The cell edits `last` ran with, when the stage's current definition — its
 * code identity and params, the parts of its key that a cell edits — differs
 * from the one it ran with; undefined otherwise.
 */
function lostCellEdit(stage: PlanStage, last: StageRecord, store: RunStoreReader): readonly CellEditKind[] | undefined {
  if (!last.editedInCell || last.editedInCell.length === 0 || !last.keyParts) return undefined;
  const current = cacheKeyParts(refreshStageCode(stage), {}, {}, (value) => store.secretDigest(value));
  return canonicalJson(definitionParts(current)) === canonicalJson(definitionParts(last.keyParts)) ? undefined : last.editedInCell;
}

/** The parts of a cache key that come from the stage's definition: its code identity and its params. */
function definitionParts(parts: CacheKeyParts): CacheKeyParts {
  return Object.fromEntries(Object.entries(parts).filter(([name]) => name === 'code' || name.startsWith('code:') || name.startsWith('param:')));
}
