import type { RunRecord, StageRecord } from '../records';
import type { RunStoreReader } from '../store/run-store';

/** The latest record of every stage over a pipeline's runs, with the run it came from. */
export interface StageHistory {
  /** Latest record by stage id. */
  readonly latest: Readonly<Record<string, StageRecord>>;
  /** Run of each latest record. */
  readonly runOf: Readonly<Record<string, RunRecord>>;
}

/**
 * Reads the latest record of each stage, newest run first, stopping once every
 * wanted stage is found (usually after one run).
 */
export async function stageHistory(store: RunStoreReader, pipeline: string, stageIds: readonly string[]): Promise<StageHistory> {
  const latest = new Map<string, StageRecord>();
  const runOf = new Map<string, RunRecord>();
  const runs = (await store.listRuns()).filter((r) => r.pipeline === pipeline);
  let missing = stageIds.length;
  for (let i = runs.length - 1; i >= 0 && missing > 0; i--) {
    const records = await store.getStages(runs[i].runId);
    for (const id of stageIds) {
      if (!latest.has(id) && Object.prototype.hasOwnProperty.call(records, id)) {
        latest.set(id, records[id]);
        runOf.set(id, runs[i]);
        missing--;
      }
    }
  }
  return { latest: Object.fromEntries(latest), runOf: Object.fromEntries(runOf) };
}
