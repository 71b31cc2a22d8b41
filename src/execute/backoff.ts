import { DagbookError } from '../errors';
import type { PlanRetry } from '../plan/plan';
import type { RandomSource } from '../random';

/**
 * The delay before a retry, as a pure function of the failed attempt number,
 * the resolved retry policy and a random source. The delay is the policy's
 * schedule (`delaysMs`) when it has one, else exponential: it doubles with
 * each failed attempt up to a ceiling. Either way it is spread by ± a
 * fraction of itself so that stages failing together do not retry in
 * lock-step.
 */

/**
 * Delay in ms before attempt `attempt + 1`, after attempt `attempt` failed:
 * `delaysMs[attempt-1]` (the last entry once past the end) when the policy has
 * a schedule, else `min(baseDelayMs * 2^(attempt-1), maxDelayMs)`; plus jitter
 * of `delay * jitter * (2 * random() - 1)`, rounded to a whole ms and never
 * below `minDelayMs`. Draws one number from `random` when `jitter > 0`, none
 * otherwise.
 *
 * @param attempt - The attempt that just failed, from 1.
 * @throws DagbookError `INVALID_OPTION` when `attempt` is not an integer >= 1.
 */
export function backoffDelay(attempt: number, retry: PlanRetry, random: RandomSource): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new DagbookError('INVALID_OPTION', `Expected \`attempt\` to be an integer >= 1, got \`${String(attempt)}\``, {
      errorClass: 'logic',
      data: { attempt },
    });
  }
  const delay = scheduledDelay(attempt, retry) ?? Math.min(retry.baseDelayMs * 2 ** (attempt - 1), retry.maxDelayMs);
  const jittered = retry.jitter > 0 ? delay + delay * retry.jitter * (2 * random() - 1) : delay;
  return Math.max(retry.minDelayMs, Math.round(jittered));
}

/** The schedule's delay after failed attempt `attempt`, its last entry past its end; undefined without a schedule. */
function scheduledDelay(attempt: number, retry: PlanRetry): number | undefined {
  const schedule = retry.delaysMs;
  if (schedule === undefined || schedule.length === 0) return undefined;
  return schedule[Math.min(attempt, schedule.length) - 1];
}
