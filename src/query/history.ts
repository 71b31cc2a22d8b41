import type { RunSummary, StageRecord } from '../records';
import type { RunStoreReader } from '../store/run-store';

/** The latest record of every stage over a pipeline's runs, with the run it came from. */
export interface StageHistory {
  /** Latest record by stage id. */
  readonly latest: Readonly<Record<string, StageRecord>>;
  /** Run of each latest record. */
  readonly runOf: Readonly<Record<string, RunSummary>>;
}

/**
 * The latest record of each wanted stage (the last one written, whatever its
 * run) and its run's summary, from the store's latest-record index: the cost
 * does not depend on how many runs the history holds.
 */
export async function stageHistory(store: RunStoreReader, pipeline: string, stageIds: readonly string[]): Promise<StageHistory> {
  const latestStages = await store.latestStages();
  const runs = new Map<string, RunSummary>();
  for (const run of await store.listRuns()) if (run.pipeline === pipeline) runs.set(run.runId, run);
  const latest: Record<string, StageRecord> = {};
  const runOf: Record<string, RunSummary> = {};
  for (const id of stageIds) {
    const found = Object.prototype.hasOwnProperty.call(latestStages, id) ? latestStages[id] : undefined;
    const run = found && runs.get(found.runId);
    if (!found || !run) continue;
    latest[id] = found.record;
    runOf[id] = run;
  }
  return { latest, runOf };
}
