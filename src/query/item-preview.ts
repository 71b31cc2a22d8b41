import { systemClock } from '../clock';
import type { Item, StageContext } from '../definition/types';
import { readSecret } from '../execute/stage-context';
import { secretMissingError } from '../definition/secret-variables';
import { checkItems } from '../items';
import { itemKey, itemKeyBase } from '../plan/item-key';
import type { CacheKeyParts } from '../plan/cache-key';
import type { CompiledPipeline, PlanStage } from '../plan/plan';
import type { ItemRecord } from '../records';

/**
 * What the dry run says of items: it calls each discovery stage (which must
 * have no side effects) to learn the items a run would see, and counts, per
 * per-item stage, the items that are new, changed, deleted, unchanged or
 * failed last time, against the stage's item journal. An item counts as
 * changed when its key would differ (its hash, the stage's code or params)
 * or when its upstream item will run.
 */

/** The item counts of a per-item stage in a dry run. */
export interface DryRunItems {
  readonly new: number;
  readonly changed: number;
  readonly deleted: number;
  readonly unchanged: number;
  readonly failedLastTime: number;
  /** Items that would run: new, changed and failed last time. */
  readonly toRun: number;
  /** The ids of each kind, in discovery order. */
  readonly ids: { readonly new: string[]; readonly changed: string[]; readonly deleted: string[]; readonly failedLastTime: string[] };
}

/**
 * Calls a discovery stage as a run would, with a context that runs nothing
 * else (no budget, no events), and checks its items.
 * @throws whatever the stage throws; `ITEMS_INVALID` when its output is not items
 */
export async function previewDiscovery(compiled: CompiledPipeline, stage: PlanStage, stateDir: string | undefined): Promise<Item[]> {
  const controller = new AbortController();
  const ctx: StageContext = {
    runId: 'dry-run',
    stageId: stage.id,
    attempt: 1,
    idempotencyKey: 'dry-run',
    params: stage.params,
    signal: controller.signal,
    clock: systemClock,
    ...(stateDir === undefined ? {} : { stateDir }),
    progress: () => undefined,
    usage: () => undefined,
    remaining: () => Infinity,
    log: () => undefined,
    secret: (name) => {
      const variable = compiled.unsetSecrets?.[name];
      if (variable !== undefined) throw secretMissingError(compiled.plan.name, { [name]: variable }, 'running');
      return readSecret(compiled.secrets, stage.id, name);
    },
  };
  return checkItems(await compiled.registry[stage.id].run(ctx, {}), stage.id);
}

/**
 * Counts the items of a per-item stage.
 * @param parts The stage's cache key parts as the dry run computed them.
 * @param upstream For each of `stage.itemDeps`: its item records and the ids of its items that would run.
 * @param forced Every item would run (the stage is forced).
 */
export function countItems(
  stage: PlanStage,
  parts: CacheKeyParts,
  items: readonly Item[],
  records: ReadonlyMap<string, ItemRecord>,
  upstream: readonly { readonly records: ReadonlyMap<string, ItemRecord>; readonly willRun: ReadonlySet<string> }[],
  forced: boolean,
): DryRunItems {
  const base = itemKeyBase(stage, parts);
  const ids = { new: [] as string[], changed: [] as string[], deleted: [] as string[], failedLastTime: [] as string[] };
  let unchanged = 0;
  for (const item of items) {
    const last = records.get(item.id);
    if (last === undefined) ids.new.push(item.id);
    else if (last.status === 'FAILED') ids.failedLastTime.push(item.id);
    else if (forced || upstream.some((u) => u.willRun.has(item.id))) ids.changed.push(item.id);
    else {
      const upstreamHashes = upstream.map((u) => u.records.get(item.id)?.outputHash ?? '');
      if (itemKey(base, item.hash, upstreamHashes) === last.cacheKey) unchanged++;
      else ids.changed.push(item.id);
    }
  }
  const present = new Set(items.map((i) => i.id));
  for (const id of records.keys()) if (!present.has(id)) ids.deleted.push(id);
  const toRun = ids.new.length + ids.changed.length + ids.failedLastTime.length;
  return { new: ids.new.length, changed: ids.changed.length, deleted: ids.deleted.length, unchanged, failedLastTime: ids.failedLastTime.length, toRun, ids };
}

/** The dry run's sentence for a per-item stage: "12 new, 3 changed, 1 deleted, 230 unchanged, 2 failed last time — 17 will run". */
export function describeItems(counts: DryRunItems): string {
  const parts = [`${counts.new} new`, `${counts.changed} changed`, `${counts.deleted} deleted`, `${counts.unchanged} unchanged`, `${counts.failedLastTime} failed last time`];
  return `${parts.join(', ')} — ${counts.toRun} will run`;
}

/** The ids of items that would run. */
export function itemsToRun(counts: DryRunItems): Set<string> {
  return new Set([...counts.ids.new, ...counts.ids.changed, ...counts.ids.failedLastTime]);
}
