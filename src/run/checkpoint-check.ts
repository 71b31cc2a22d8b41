import { DagbookError } from '../errors';
import { cacheKey } from '../plan/cache-key';
import type { Plan } from '../plan/plan';
import type { StageRecord } from '../records';

/**
 * Checks the checkpoints a resumed run keeps. Each checkpoint records the
 * state its stage saw — the parts of its cache key, upstream output hashes
 * included — and the key (a hash of those parts). On resume, a checkpoint
 * whose key no longer matches its parts, or which saw an upstream output
 * other than the one the run's checkpoint of that upstream holds, cannot be
 * trusted.
 *
 * @throws DagbookError `CHECKPOINT_CORRUPT` naming the stage and what differs
 */
export function verifyKeptCheckpoints(
  plan: Plan,
  runId: string,
  kept: Readonly<Record<string, StageRecord>>,
  outputHashes: Readonly<Record<string, string>>,
): void {
  for (const id of plan.order) {
    const record = kept[id];
    if (!record?.keyParts) continue;
    if (record.cacheKey !== undefined && cacheKey(record.keyParts) !== record.cacheKey) {
      throw corrupt(id, runId, `its recorded key ${short(record.cacheKey)} is not the hash of its recorded state (${short(cacheKey(record.keyParts))})`);
    }
    for (const dep of plan.stages[id].deps) {
      const seen = record.keyParts[`upstream:${dep}`];
      const now = outputHashes[dep];
      if (seen !== undefined && now !== undefined && seen !== now) {
        throw corrupt(id, runId, `it saw upstream \`${dep}\` output ${short(seen)}, but the run's checkpoint of \`${dep}\` holds output ${short(now)}`);
      }
    }
  }
}

function corrupt(stageId: string, runId: string, what: string): DagbookError {
  return new DagbookError(
    'CHECKPOINT_CORRUPT',
    `The checkpoint of stage \`${stageId}\` in run ${runId} does not match the run's state: ${what}. Start a new run instead of resuming this one.`,
    { stageId, errorClass: 'persistent', data: { runId } },
  );
}

function short(hash: string): string {
  return hash.slice(0, 12);
}
