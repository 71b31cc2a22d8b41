import { hasErrorCode, isNonRetryableError, type ErrorClass, type ErrorCode } from '../errors';

/**
 * Codes never retried within a stage's attempt loop, whatever `retryOn` says:
 * trying again at once cannot help (the budget only shrinks, an open breaker
 * stays open until its half-open time, the output would fail the same rules,
 * the run is being cancelled).
 */
export const NEVER_RETRIED: readonly ErrorCode[] = [
  'BUDGET_EXHAUSTED',
  'CIRCUIT_OPEN',
  'STAGE_VALIDATION_FAILED',
  'STAGE_CANCELLED',
  'RUN_CANCELLED',
];

/**
 * Whether a failure is retried: never for a `NonRetryableError` or a code in
 * {@link NEVER_RETRIED}; otherwise when its class is in `retryOn`.
 */
export function isRetryable(error: unknown, errorClass: ErrorClass, retryOn: readonly ErrorClass[]): boolean {
  if (isNonRetryableError(error)) return false;
  if (NEVER_RETRIED.some((code) => hasErrorCode(error, code))) return false;
  return retryOn.includes(errorClass);
}
