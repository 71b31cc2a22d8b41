import { errorMessage, isDagbookError, isNonRetryableError, type ErrorClass, type ErrorCode } from '../errors';
import type { StoredError } from '../records';
import { redactDeep, type Redactor } from './redact';

/**
 * Error classification (into the four classes of `ErrorClass`: transient,
 * persistent, resource, logic, which decide whether a failure is retried) and
 * the stored, redacted form of a stage's error.
 */

/** A stage's own classifier; `undefined` defers to {@link classifyError}'s rules. */
export type StageClassifier = (error: unknown) => ErrorClass | undefined;

/**
 * Class of dagbook errors that carry no explicit `errorClass`, by code.
 * `CIRCUIT_OPEN` is `resource`: the protected service is unavailable for a known
 * time (the error says when the breaker half-opens), so it is a capacity
 * problem like a budget, not a fault of the input or a bug; the executor never
 * retries it within an attempt loop, whatever `retryOn` says.
 */
const CLASS_BY_CODE: Partial<Record<ErrorCode, ErrorClass>> = {
  STAGE_TIMEOUT: 'transient',
  STAGE_CANCELLED: 'transient',
  RUN_CANCELLED: 'transient',
  STATE_LOCKED: 'transient',
  BUDGET_EXHAUSTED: 'resource',
  CIRCUIT_OPEN: 'resource',
  STAGE_VALIDATION_FAILED: 'persistent',
  NON_RETRYABLE: 'persistent',
  INVALID_OPTION: 'persistent',
  OUTPUT_MISSING: 'persistent',
  STATE_CORRUPT: 'persistent',
  CHECKPOINT_CORRUPT: 'persistent',
  CHECKPOINT_STATE_INVALID: 'logic',
  ITEMS_INVALID: 'logic',
  ITEMS_FAILED: 'persistent',
};

/** Node system error codes of network failures that are worth retrying. */
const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Built-in error names that mean a bug in the stage's code. */
const LOGIC_ERROR_NAMES: ReadonlySet<string> = new Set(['TypeError', 'ReferenceError', 'SyntaxError', 'RangeError']);

function field(e: unknown, name: string): unknown {
  return typeof e === 'object' && e !== null ? (e as Record<string, unknown>)[name] : undefined;
}

/** The error and its causes, outermost first (at most 5 deep, cycles cut). */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 5 && !chain.includes(current)) {
    chain.push(current);
    current = field(current, 'cause');
  }
  return chain;
}

function httpClass(e: unknown): ErrorClass | undefined {
  const raw = field(e, 'status') ?? field(e, 'statusCode');
  const status = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
  if (!Number.isInteger(status)) return undefined;
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) return 'transient';
  if (status >= 400 && status <= 499) return 'persistent';
  return undefined;
}

/**
 * How a thrown value should be handled. In order:
 * 1. the stage's own classifier, when it returns a class (a classifier that
 *    throws is ignored);
 * 2. a `NonRetryableError`: its `errorClass`;
 * 3. a dagbook error: its `errorClass`, else by code (`BUDGET_EXHAUSTED` and
 *    `CIRCUIT_OPEN` are `resource`, `STAGE_TIMEOUT` is `transient`, ...);
 * 4. a network failure anywhere in the `cause` chain (Node codes such as
 *    `ECONNRESET`, `ETIMEDOUT`, `ECONNREFUSED`, `EAI_AGAIN`, `EPIPE`) or an
 *    HTTP `status`/`statusCode` of 408, 429 or 5xx: `transient`; another 4xx:
 *    `persistent` (checked before step 5 because Node's `fetch` reports a
 *    refused connection as `TypeError: fetch failed` with the code in `cause`);
 * 5. `TypeError`, `ReferenceError`, `SyntaxError`, `RangeError`: `logic`;
 * 6. anything else: `transient`.
 */
export function classifyError(error: unknown, stageClassifier?: StageClassifier): ErrorClass {
  if (stageClassifier) {
    try {
      const own = stageClassifier(error);
      if (own !== undefined) return own;
    } catch {
      // A broken classifier must not hide the stage's real error: fall back to the rules.
    }
  }
  if (isNonRetryableError(error)) return error.errorClass;
  if (isDagbookError(error)) return error.errorClass ?? CLASS_BY_CODE[error.code] ?? 'transient';
  for (const e of causeChain(error)) {
    const code = field(e, 'code');
    if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return 'transient';
    const http = httpClass(e);
    if (http) return http;
  }
  const name = field(error, 'name');
  if (error instanceof Error && typeof name === 'string' && LOGIC_ERROR_NAMES.has(name)) return 'logic';
  return 'transient';
}

/**
 * The stable code stored for an error: a dagbook error's own code,
 * `NON_RETRYABLE` for a `NonRetryableError`, `STAGE_FAILED` for anything else.
 */
export function storedErrorCode(error: unknown): ErrorCode {
  if (isDagbookError(error)) return error.code;
  if (isNonRetryableError(error)) return 'NON_RETRYABLE';
  return 'STAGE_FAILED';
}

/**
 * The stored form of a stage's error: stable code, class, and message, stack
 * and data with every secret redacted. A non-Error thrown value keeps its text
 * as the message.
 */
export function toStoredError(error: unknown, errorClass: ErrorClass, redact: Redactor): StoredError {
  const message = errorMessage(error);
  const stack = error instanceof Error && typeof error.stack === 'string' ? redact(error.stack) : undefined;
  const data = isDagbookError(error) && Object.keys(error.data).length > 0 ? redactDeep({ ...error.data }, redact) : undefined;
  return {
    code: storedErrorCode(error),
    errorClass,
    message: redact(message),
    ...(stack === undefined ? {} : { stack }),
    ...(data === undefined ? {} : { data }),
  };
}
