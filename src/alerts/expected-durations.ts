import { median } from './thresholds';
import type { Plan } from '../plan/plan';
import type { RunStoreReader } from '../store/run-store';

/**
 * The duration each stage is expected to take, for its duration alerts: its
 * declared `expectedDurationMs`, else the median of its last
 * {@link DURATION_HISTORY} successful durations. Those come from its cache
 * entries — each one a success with the time it took, kept in the state
 * snapshot — so the answer costs no read of any run's log. A stage with
 * neither has no expectation (and no duration alert).
 */

/** Successful durations a stage's expectation is the median of, at most. */
export const DURATION_HISTORY = 5;

/** Expected duration by stage id, ms, of the stages in `stageIds` that have one. */
export async function expectedDurations(store: RunStoreReader, plan: Pick<Plan, 'stages'>, stageIds: readonly string[]): Promise<Record<string, number>> {
  // One read per stage, all at once: a run waits for this before its first stage starts.
  const entries = await Promise.all(stageIds.map((id) => (plan.stages[id]?.expectedDurationMs === undefined ? store.cacheEntries(id) : [])));
  const expected: Record<string, number> = {};
  stageIds.forEach((id, i) => {
    const declared = plan.stages[id]?.expectedDurationMs;
    const recent = entries[i]
      .filter((e) => e.durationMs > 0)
      .sort((a, b) => b.recordedAt - a.recordedAt)
      .slice(0, DURATION_HISTORY)
      .map((e) => e.durationMs);
    const typical = declared ?? median(recent);
    if (typical !== undefined) expected[id] = typical;
  });
  return expected;
}
