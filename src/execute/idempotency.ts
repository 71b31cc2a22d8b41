import { canonicalJson, sha256 } from '../canonical-json';
import type { PlanStage } from '../plan/plan';

/**
 * The idempotency key of a stage execution: hex sha256 of
 * `runId|stageId|canonicalJson(params)`, params with keys sorted recursively
 * and **secret params left out**. Stable across retries and resumes of the
 * same run; used as the job id when attempts are delivered at least once
 * (queue executors).
 *
 * Why secret params are left out rather than hashed with the store's keyed
 * hash (`secretDigest`, as cache keys do): the key is stored in `db.json`,
 * the run logs and events beside the run id and the other params, so a plain
 * hash over a secret would let anyone who reads the state test guesses of a
 * short secret offline. A keyed hash would prevent that too, but it would tie
 * the key to one state folder's random key (a queue worker elsewhere could
 * not form it) and to a store, where this module has none. Nothing is lost by
 * leaving secrets out: the key names one execution of one stage of one run,
 * which the run id and stage id already do; secret params are credentials
 * and the like, not what the execution is. Whether a changed secret makes a
 * stage out of date is the cache key's question, and it answers it with the
 * keyed hash. A stage without secret params keeps the key it always had.
 */

/** The parts of a stage its idempotency key is formed from. */
export type IdempotentStage = Pick<PlanStage, 'id' | 'params' | 'secretParams'>;

/**
 * The key last formed for a stage object, by run (a run asks for it several times per stage), and the part after
 * the run id (the same in every run). Plan stages are plain data, not changed once compiled.
 */
const lastKey = new WeakMap<IdempotentStage, { readonly runId: string; readonly key: string; readonly tail: string }>();

/** The idempotency key of `stage`'s execution in run `runId` (see the module comment). */
export function idempotencyKey(runId: string, stage: IdempotentStage): string {
  const known = lastKey.get(stage);
  if (known !== undefined && known.runId === runId) return known.key;
  const tail = known?.tail ?? stageTail(stage);
  const key = sha256(`${runId}|${tail}`);
  lastKey.set(stage, { runId, key, tail });
  return key;
}

/** `stageId|canonicalJson(params without the secret ones)`. */
function stageTail(stage: IdempotentStage): string {
  const secret = new Set(stage.secretParams);
  const params = Object.fromEntries(Object.entries(stage.params).filter(([name]) => !secret.has(name)));
  return `${stage.id}|${canonicalJson(params)}`;
}
