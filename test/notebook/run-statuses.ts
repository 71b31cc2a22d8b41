import type { StageRecord } from '../../src/records';
import { openDurableStore } from '../../src/store/durable-store';

/** The stage records of every run of `pipeline` in `stateDir`, oldest first. */
export async function runRecords(stateDir: string, pipeline: string): Promise<StageRecord[][]> {
  const store = await openDurableStore({ stateDir, pipeline });
  try {
    const out: StageRecord[][] = [];
    for (const run of await store.listRuns()) out.push(Object.values(await store.getStages(run.runId)));
    return out;
  } finally {
    await store.close();
  }
}

/** The stages' states of every run of `pipeline` in `stateDir`, oldest first, as `[stageId, status]` pairs. */
export async function runStatuses(stateDir: string, pipeline: string): Promise<[string, string][][]> {
  return (await runRecords(stateDir, pipeline)).map((run) => run.map((r): [string, string] => [r.stageId, r.status]));
}
