import type { ErrorClass } from '../errors';
import type { CircuitBreaker } from './circuit-breaker';
import type { Policy } from './policy';

/**
 * The circuit breaker around one call: takes a permit (an open breaker
 * refuses with `CIRCUIT_OPEN` and the call is not made), then hands the
 * permit back as a success, as a failure of the call's error class, or, when
 * the caller's signal aborted (the run was cancelled), released without
 * counting: a cancelled call says nothing about the service.
 */

/**
 * A policy that runs each call through `breaker`.
 * @param classify - The error class of a failed call (which classes count is the breaker's rule).
 * @throws DagbookError `CIRCUIT_OPEN` from `execute` while the breaker is open, without calling `fn`.
 */
export function breakerPolicy(breaker: CircuitBreaker, stageId: string, classify: (error: unknown) => ErrorClass): Policy {
  return {
    async execute(fn, context) {
      const permit = breaker.acquire(stageId);
      let value;
      try {
        value = await fn(context);
      } catch (error) {
        if (context.signal.aborted) breaker.release(permit);
        else breaker.failure(permit, classify(error));
        throw error;
      }
      breaker.success(permit);
      return value;
    },
  };
}
