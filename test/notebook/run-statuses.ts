import { openDurableStore } from '../../src/store/durable-store';

/** The stages' states of every run of `pipeline` in `stateDir`, oldest first, as `[stageId, status]` pairs. */
export async function runStatuses(stateDir: string, pipeline: string): Promise<[string, string][][]> {
  const store = await openDurableStore({ stateDir, pipeline });
  try {
    const out: [string, string][][] = [];
    for (const run of await store.listRuns()) out.push(Object.values(await store.getStages(run.runId)).map((r): [string, string] => [r.stageId, r.status]));
    return out;
  } finally {
    await store.close();
  }
}
