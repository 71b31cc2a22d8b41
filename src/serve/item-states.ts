import type { ItemRecord, RunRecord } from '../records';

/**
 * The state of each item of a pipeline in the four words an operator's
 * status page uses — `pending`, `processing`, `deployed`, `failed` — mapped
 * from dagbook's records (a pure function of them, so `/status` and the
 * dashboard count alike):
 *
 * - `processing`: a run of the pipeline is running now, one of its per-item
 *   stages has not ended in that run, and the item has no record of that
 *   stage since the run began (the run is working through it, or will);
 * - `failed`: otherwise, the item's latest record of some per-item stage failed;
 * - `deployed`: otherwise, the item succeeded in every enabled per-item stage
 *   (it went all the way through);
 * - `pending`: every other known item (discovered, not yet all the way through).
 *
 * The items known are those the discovery stages last returned plus every
 * item a per-item stage has a record of.
 */

/** The four item states of the status endpoint. */
export type ItemState = 'pending' | 'processing' | 'deployed' | 'failed';

/** Items counted by state. */
export type ItemStateCounts = Record<ItemState, number>;

/** What the item states are judged from. */
export interface ItemStateInput {
  /** The enabled per-item stages of the plan, in plan order. */
  readonly itemStages: readonly string[];
  /** Item ids the discovery stages last returned, in discovery order. */
  readonly discovered: readonly string[];
  /** The latest record of each item, by per-item stage id, then item id. */
  readonly records: Readonly<Record<string, ReadonlyMap<string, ItemRecord>>>;
  /** The run running now, when one is. */
  readonly activeRun?: RunRecord;
  /** Per-item stages that already ended in the running run. */
  readonly endedInActiveRun?: ReadonlySet<string>;
}

/** Every known item's state, by item id (discovered ones first, in discovery order). */
export function itemStates(input: ItemStateInput): Map<string, ItemState> {
  const ids = new Set(input.discovered);
  for (const stage of input.itemStages) for (const id of input.records[stage]?.keys() ?? []) ids.add(id);
  const run = input.activeRun;
  const open = run ? input.itemStages.filter((s) => run.stages.includes(s) && !input.endedInActiveRun?.has(s)) : [];
  const states = new Map<string, ItemState>();
  for (const id of ids) {
    const latest = input.itemStages.map((stage) => input.records[stage]?.get(id));
    if (run && open.some((stage) => !isSince(input.records[stage]?.get(id), run.startedAt))) states.set(id, 'processing');
    else if (latest.some((r) => r?.status === 'FAILED')) states.set(id, 'failed');
    else if (input.itemStages.length > 0 && latest.every((r) => r?.status === 'SUCCEEDED')) states.set(id, 'deployed');
    else states.set(id, 'pending');
  }
  return states;
}

/** The items counted by state. */
export function countItemStates(states: ReadonlyMap<string, ItemState>): ItemStateCounts {
  const counts: ItemStateCounts = { pending: 0, processing: 0, deployed: 0, failed: 0 };
  for (const state of states.values()) counts[state]++;
  return counts;
}

function isSince(record: ItemRecord | undefined, startedAt: number): boolean {
  return record !== undefined && record.endedAt >= startedAt;
}
