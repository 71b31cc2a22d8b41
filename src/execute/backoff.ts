import { DagbookError } from '../errors';
import type { PlanRetry } from '../plan/plan';
import type { RandomSource } from '../random';

/**
 * Exponential backoff with jitter, as a pure function of the failed attempt
 * number, the resolved retry policy and a random source: the delay doubles
 * with each failed attempt up to a ceiling, and is spread by ± a fraction of
 * itself so that stages failing together do not retry in lock-step.
 */

/**
 * Delay in ms before attempt `attempt + 1`, after attempt `attempt` failed:
 * `min(baseDelayMs * 2^(attempt-1), maxDelayMs)`, plus jitter of
 * `delay * jitter * (2 * random() - 1)`, rounded to a whole ms and never below
 * `minDelayMs`. Draws one number from `random` when `jitter > 0`, none otherwise.
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
  const exponential = Math.min(retry.baseDelayMs * 2 ** (attempt - 1), retry.maxDelayMs);
  const jittered = retry.jitter > 0 ? exponential + exponential * retry.jitter * (2 * random() - 1) : exponential;
  return Math.max(retry.minDelayMs, Math.round(jittered));
}
