import { decideStage, stageKey, type StageDecision } from '../plan/decide';
import type { PlanStage } from '../plan/plan';
import type { CacheEntry, StageStatus } from '../records';
import type { RunStoreReader } from '../store/run-store';
import { serviceDownReason } from '../service/service-list';

/**
 * Gathers what the cache decision needs from a store — the stage's entry
 * under its current key, its latest entry, and whether the hit's stored output
 * is whole — and decides. The run and the dry run both decide through here,
 * so they give a stage the same reason.
 */

/** What the caller knows about a stage's inputs. */
export interface StageInputFacts {
  /** Output hashes of its deps (those that have one). */
  readonly upstreamHashes: Readonly<Record<string, string>>;
  /** Content hashes of its declared input files. */
  readonly fileHashes: Readonly<Record<string, string>>;
  /** Its state in its last try. */
  readonly lastStatus?: StageStatus;
  /** Re-run regardless of the cache. */
  readonly force: boolean;
  /**
   * Its latest cache entry, when the caller has read it already (a run reads every stage's at its start, and a
   * stage's entries change only when it ends): `{ entry: undefined }` says it has none. @default read from the store
   */
  readonly latest?: { readonly entry: CacheEntry | undefined };
}

/** Decides whether a stage runs or is restored, reading its cache entries from `store`. */
export async function decideFromStore(store: RunStoreReader, stage: PlanStage, facts: StageInputFacts): Promise<StageDecision> {
  const key = stageKey(stage, facts.upstreamHashes, facts.fileHashes, (value) => store.secretDigest(value), facts.latest?.entry);
  const [hit, latest] = facts.force
    ? [undefined, undefined]
    : facts.latest !== undefined
      ? [await store.getCacheEntry(stage.id, key.cacheKey), facts.latest.entry]
      : await Promise.all([store.getCacheEntry(stage.id, key.cacheKey), store.latestCacheEntry(stage.id)]);
  const output = hit ? await store.verifyOutput(hit.outputHash) : 'ok';
  const decision = decideStage(stage, {
    key,
    ...(hit ? { hit } : {}),
    ...(latest ? { latest } : {}),
    output,
    ...(facts.lastStatus ? { lastStatus: facts.lastStatus } : {}),
    force: facts.force,
  });
  // A service stage is up to date only while its service is up under the same key (each item's, for a per-item one):
  // else it starts it again.
  if (decision.action === 'skip' && stage.kind === 'service') {
    const down = store.location === undefined ? 'its service is not running' : stage.forEach === undefined ? serviceDownReason(store.location, stage.id, decision.cacheKey) : await itemServicesDown(store, store.location, stage.id);
    if (down !== undefined) return { action: 'run', reason: down, cacheKey: decision.cacheKey, parts: decision.parts };
  }
  return decision;
}

/** Why some items' services of a per-item service stage are not up (`item \`5\`: its service is stopped`), or undefined when every succeeded item's is. */
async function itemServicesDown(store: RunStoreReader, pipelineDir: string, stageId: string): Promise<string | undefined> {
  const down: string[] = [];
  for (const record of (await store.readItemRecords(stageId)).values()) {
    if (record.status !== 'SUCCEEDED') continue;
    const why = serviceDownReason(pipelineDir, stageId, record.cacheKey, record.itemId);
    if (why !== undefined) down.push(`item \`${record.itemId}\`: ${why}`);
  }
  return down.length === 0 ? undefined : `${down[0]}${down.length > 1 ? ` (and ${down.length - 1} more)` : ''}`;
}
