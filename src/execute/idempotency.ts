import { canonicalJson, sha256 } from '../canonical-json';

/**
 * The idempotency key of a stage execution (the SMVM key): hex sha256 of
 * `runId|stageId|canonicalJson(params)`, params with keys sorted recursively.
 * Stable across retries and resumes of the same run; used as the job id when
 * attempts are delivered at least once (queue executors).
 */
export function idempotencyKey(runId: string, stageId: string, params: Readonly<Record<string, unknown>>): string {
  return sha256(`${runId}|${stageId}|${canonicalJson(params)}`);
}
