import type { Clock } from '../clock';
import { DagbookError, type ErrorClass } from '../errors';
import type { PlanRetry } from '../plan/plan';
import type { RandomSource } from '../random';
import { backoffDelay } from './backoff';
import type { Policy } from './policy';
import { isRetryable } from './retryable';

/**
 * The retry loop: calls the function it wraps with attempt numbers from
 * `firstAttempt`; after a failure whose class is in `retry.retryOn` (and that
 * {@link isRetryable} allows) it waits the backoff delay on the injected clock
 * and calls again, until `lastAttempt`. It gives up by rethrowing the last
 * error. A failure while the caller's signal is aborted is not a failure of
 * the attempt: it is rethrown at once, unreported; an abort during a backoff
 * wait rejects with the signal's reason.
 */

/** A failed attempt, as the retry loop reports it. */
export interface RetryFailure {
  /** The attempt that failed. */
  readonly attempt: number;
  /** What it threw. */
  readonly error: unknown;
  /** Its class, from `classify`. */
  readonly errorClass: ErrorClass;
  /** Delay before the next attempt, ms; absent when the loop gives up. */
  readonly delayMs?: number;
}

/** Options of {@link retryPolicy}. */
export interface RetryPolicyOptions {
  /** The stage's resolved retry policy (backoff figures and `retryOn`). */
  readonly retry: PlanRetry;
  /** Number of the first attempt. @default 1 */
  readonly firstAttempt?: number;
  /** Number of the last attempt. @default retry.maxAttempts */
  readonly lastAttempt?: number;
  /** Waits the backoff delays. */
  readonly clock: Clock;
  /** Jitter source. */
  readonly random: RandomSource;
  /** The class of a failure. */
  readonly classify: (error: unknown) => ErrorClass;
  /** Told of each failed attempt, before the wait (or the give-up). @default no-op */
  readonly onFailure?: (failure: RetryFailure) => void;
}

/**
 * A policy that retries as the module comment says.
 * @throws DagbookError `INVALID_OPTION` when `firstAttempt` is not an integer >= 1 or `lastAttempt` is below it.
 */
export function retryPolicy(options: RetryPolicyOptions): Policy {
  const { retry, clock, random, classify } = options;
  const firstAttempt = options.firstAttempt ?? 1;
  const lastAttempt = options.lastAttempt ?? retry.maxAttempts;
  if (!Number.isInteger(firstAttempt) || firstAttempt < 1) {
    throw new DagbookError('INVALID_OPTION', `Expected \`firstAttempt\` to be an integer >= 1, got \`${String(firstAttempt)}\``, { errorClass: 'logic' });
  }
  if (!Number.isInteger(lastAttempt) || lastAttempt < firstAttempt) {
    throw new DagbookError('INVALID_OPTION', `Expected \`lastAttempt\` to be an integer >= ${firstAttempt}, got \`${String(lastAttempt)}\``, {
      errorClass: 'logic',
    });
  }
  return {
    async execute(fn, context) {
      const { signal } = context;
      for (let attempt = firstAttempt; ; attempt++) {
        if (signal.aborted) throw signal.reason;
        try {
          return await fn({ ...context, attempt });
        } catch (error) {
          if (signal.aborted) throw error;
          const errorClass = classify(error);
          const delayMs = attempt < lastAttempt && isRetryable(error, errorClass, retry.retryOn) ? backoffDelay(attempt, retry, random) : undefined;
          options.onFailure?.({ attempt, error, errorClass, ...(delayMs === undefined ? {} : { delayMs }) });
          if (delayMs === undefined) throw error;
          await clock.sleep(delayMs, signal);
        }
      }
    },
  };
}
