/**
 * Errors raised by dagbook. Every error carries a stable string `code`, the
 * stage it concerns (when one does) and its `cause`. Use the guards below
 * rather than `instanceof`: notebook cells reload modules, so two copies of a
 * class can exist at once.
 */

/** Stable error codes; part of the public contract. */
export type ErrorCode =
  | 'PLAN_INVALID'
  | 'PLAN_INVALID_FILE'
  | 'PLAN_UNKNOWN_DEP'
  | 'PLAN_DUPLICATE_ID'
  | 'PLAN_CYCLE'
  | 'PLAN_INVALID_POLICY'
  | 'PLAN_INVALID_FIELD'
  | 'PLAN_UNKNOWN_FUNCTION'
  | 'SELECTION_UNKNOWN_STAGE'
  | 'SELECTION_MISSING_OUTPUTS'
  | 'STAGE_FAILED'
  | 'STAGE_TIMEOUT'
  | 'STAGE_CANCELLED'
  | 'STAGE_VALIDATION_FAILED'
  | 'STAGE_CODE_STALE'
  | 'CODE_IDENTITY_UNREADABLE'
  | 'NON_RETRYABLE'
  | 'CIRCUIT_OPEN'
  | 'BUDGET_EXHAUSTED'
  | 'RETRIES_EXHAUSTED'
  | 'RUN_CANCELLED'
  | 'STATE_LOCKED'
  | 'STATE_CORRUPT'
  | 'STATE_IO'
  | 'CHECKPOINT_CORRUPT'
  | 'CHECKPOINT_STATE_INVALID'
  | 'ITEMS_INVALID'
  | 'ITEMS_FAILED'
  | 'OUTPUT_MISSING'
  | 'OUTPUT_NOT_SERIALIZABLE'
  | 'INVALID_OPTION'
  | 'NOTEBOOK_CELL_FAILED'
  | 'SETUP_FAILED'
  | 'DEPENDENCY_MISSING'
  | 'NOTEBOOK_INVALID'
  | 'NOTEBOOK_NOT_GENERATED'
  | 'EXECUTOR_JOB_FAILED'
  | 'REDIS_UNREACHABLE'
  | 'SECRET_MISSING'
  | 'RUN_NOT_FOUND'
  | 'SERVICE_NOT_READY'
  | 'SERVICE_FAILED'
  | 'SERVICE_NOT_FOUND'
  | 'SERVE_TOKEN_REQUIRED'
  | 'SERVE_UNAUTHORIZED'
  | 'SERVE_NOT_FOUND'
  | 'SERVE_BAD_REQUEST'
  | 'ALERT_DELIVERY_FAILED'
  | 'SERVE_FORBIDDEN'
  | 'SERVE_CONFLICT'
  | 'SERVE_UNSUPPORTED_MEDIA_TYPE';

/**
 * How an error should be handled:
 * `transient` is retried; `persistent` needs a fix to the input or config;
 * `resource` (budget, memory) is not retried unless configured; `logic` is a
 * bug in the stage and is never retried.
 */
export type ErrorClass = 'transient' | 'persistent' | 'resource' | 'logic';

const BRAND = '__dagbookError';

/** Node's hook for `util.inspect` (and so `console.log`, and tslab printing a cell's error). */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** Longest data line shown by {@link DagbookError.describe}, in characters. */
const DATA_LINE_CHARS = 160;

/** Options common to every dagbook error. */
export interface DagbookErrorOptions {
  /** Stage the error concerns, when there is one. */
  readonly stageId?: string;
  /** The underlying error. */
  readonly cause?: unknown;
  /** Typed details for displays and tests. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** How the error should be handled; see {@link ErrorClass}. */
  readonly errorClass?: ErrorClass;
}

/** Base error: a stable `code`, the stage id where it applies, and `cause`. */
export class DagbookError extends Error {
  readonly [BRAND] = true;
  readonly code: ErrorCode;
  readonly stageId?: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly errorClass?: ErrorClass;

  constructor(code: ErrorCode, message: string, options: DagbookErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DagbookError';
    this.code = code;
    this.stageId = options.stageId;
    this.data = options.data ?? {};
    this.errorClass = options.errorClass;
  }

  /** `DagbookError [CODE]: message`: the first line of {@link describe}. */
  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }

  /**
   * The error as a person reads it where it lands (a notebook cell, a
   * console): {@link toString}, then the stage, one line of data and the
   * cause's message when there are — no dump of fields, no stack (the code
   * says where it comes from).
   */
  describe(): string {
    const lines = [this.toString()];
    if (this.stageId !== undefined) lines.push(`  stage: ${this.stageId}`);
    const data = dataLine(this.data);
    if (data !== undefined) lines.push(`  data: ${data}`);
    if (this.cause !== undefined) lines.push(`  cause: ${errorMessage(this.cause).split('\n')[0]}`);
    return lines.join('\n');
  }

  /** What `util.inspect` shows: {@link describe}. */
  [INSPECT](): string {
    return this.describe();
  }
}

/** The data as one line of JSON, cut at {@link DATA_LINE_CHARS}; undefined when there is none. */
function dataLine(data: Readonly<Record<string, unknown>>): string | undefined {
  if (Object.keys(data).length === 0) return undefined;
  let json: string;
  try {
    json = JSON.stringify(data);
  } catch {
    return undefined;
  }
  return json.length <= DATA_LINE_CHARS ? json : `${json.slice(0, DATA_LINE_CHARS - 1)}…`;
}

/** True when `e` is a dagbook error (from any copy of this module). */
export function isDagbookError(e: unknown): e is DagbookError {
  return typeof e === 'object' && e !== null && (e as Record<string, unknown>)[BRAND] === true;
}

/** True when `e` is a dagbook error with the given code. */
export function hasErrorCode(e: unknown, code: ErrorCode): e is DagbookError {
  return isDagbookError(e) && e.code === code;
}

const NON_RETRYABLE = '__dagbookNonRetryable';

/**
 * Thrown by stage authors to stop retries at once: the input or the code is
 * wrong and trying again cannot help.
 */
export class NonRetryableError extends Error {
  readonly [NON_RETRYABLE] = true;
  readonly errorClass: ErrorClass;

  constructor(message: string, options: { cause?: unknown; errorClass?: 'persistent' | 'logic' | 'resource' } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NonRetryableError';
    this.errorClass = options.errorClass ?? 'persistent';
  }
}

/** True when `e` is a {@link NonRetryableError} (from any copy of this module). */
export function isNonRetryableError(e: unknown): e is NonRetryableError {
  return typeof e === 'object' && e !== null && (e as Record<string, unknown>)[NON_RETRYABLE] === true;
}

/** One problem found in a definition; compile collects them all. */
export interface PlanIssue {
  /** Stable code such as `PLAN_UNKNOWN_DEP`. */
  readonly code: ErrorCode;
  /** Dotted path to the offending field, e.g. `stages.typing.retry.maxAttempts`. */
  readonly path: string;
  /** One sentence naming the field and the value received. */
  readonly message: string;
  /** The stage concerned, when there is one. */
  readonly stageId?: string;
}

/** Thrown when a definition has problems; `issues` lists every one of them. */
export function planInvalidError(issues: readonly PlanIssue[]): DagbookError {
  const lines = issues.map((i) => `  - [${i.code}] ${i.path}: ${i.message}`);
  return new DagbookError(
    'PLAN_INVALID',
    `The pipeline definition has ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n${lines.join('\n')}`,
    { data: { issues } },
  );
}

/** A message for any thrown value, without assuming it is an Error. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}
