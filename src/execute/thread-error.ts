import { DagbookError, isDagbookError, isNonRetryableError, NonRetryableError, type ErrorClass, type ErrorCode } from '../errors';

/**
 * A thrown value carried across a worker-thread boundary as structured-clone
 * data, and rebuilt on the other side so that classification and retries
 * treat it as they would the original: a `DagbookError` keeps its code,
 * class, stage id and data; a `NonRetryableError` stays non-retryable; a
 * built-in error keeps its constructor (a `TypeError` is still a logic
 * error), and every error keeps its name, message, stack, the `code`,
 * `status` and `statusCode` that network classification reads, and its
 * `cause` chain (at most 5 deep).
 */

/** An error as plain data; see the module comment. */
export interface ThreadErrorData {
  /** What was thrown: a dagbook error, a non-retryable error, another Error, or a non-Error value. */
  readonly kind: 'dagbook' | 'non-retryable' | 'error' | 'value';
  /** `name` of the error. */
  readonly name: string;
  /** `message` of the error; the text of a non-Error value. */
  readonly message: string;
  /** `stack` of the error, when it has one. */
  readonly stack?: string;
  /** A dagbook error's code, or the `code` property of another error (e.g. `ECONNRESET`). */
  readonly code?: string;
  /** `errorClass` of a dagbook or non-retryable error. */
  readonly errorClass?: ErrorClass;
  /** A dagbook error's stage id. */
  readonly stageId?: string;
  /** A dagbook error's data, as JSON data. */
  readonly data?: Record<string, unknown>;
  /** HTTP status of the error, when it carries one. */
  readonly status?: unknown;
  /** HTTP status code of the error, when it carries one. */
  readonly statusCode?: unknown;
  /** A thrown non-Error value, when it is JSON data. */
  readonly value?: unknown;
  /** The error's cause. */
  readonly cause?: ThreadErrorData;
}

const MAX_CAUSE_DEPTH = 5;

const BUILT_IN_ERRORS: Readonly<Record<string, ErrorConstructor>> = {
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
};

function jsonCopy(value: unknown): unknown {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function field(e: object, name: string): unknown {
  return (e as Record<string, unknown>)[name];
}

/** The plain-data form of a thrown value; never throws. */
export function serializeThreadError(error: unknown, depth = 0): ThreadErrorData {
  if (typeof error !== 'object' || error === null) {
    const value = jsonCopy(error);
    return { kind: 'value', name: 'Error', message: typeof error === 'string' ? error : String(error), ...(value === undefined ? {} : { value }) };
  }
  const kind = isDagbookError(error) ? 'dagbook' : isNonRetryableError(error) ? 'non-retryable' : error instanceof Error ? 'error' : 'value';
  if (kind === 'value') {
    const value = jsonCopy(error);
    return { kind, name: 'Error', message: value === undefined ? String(error) : JSON.stringify(value), ...(value === undefined ? {} : { value }) };
  }
  const e = error as Error;
  const code = field(e, 'code');
  const errorClass = field(e, 'errorClass');
  const stageId = field(e, 'stageId');
  const data = kind === 'dagbook' ? jsonCopy(field(e, 'data')) : undefined;
  const status = jsonCopy(field(e, 'status'));
  const statusCode = jsonCopy(field(e, 'statusCode'));
  const cause = field(e, 'cause');
  return {
    kind,
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: typeof e.message === 'string' ? e.message : String(e.message),
    ...(typeof e.stack === 'string' ? { stack: e.stack } : {}),
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof errorClass === 'string' ? { errorClass: errorClass as ErrorClass } : {}),
    ...(typeof stageId === 'string' ? { stageId } : {}),
    ...(typeof data === 'object' && data !== null ? { data: data as Record<string, unknown> } : {}),
    ...(status === undefined ? {} : { status }),
    ...(statusCode === undefined ? {} : { statusCode }),
    ...(cause === undefined || depth >= MAX_CAUSE_DEPTH ? {} : { cause: serializeThreadError(cause, depth + 1) }),
  };
}

/** The thrown value rebuilt from {@link serializeThreadError}'s data. */
export function rebuildThreadError(data: ThreadErrorData): unknown {
  if (data.kind === 'value') return 'value' in data ? data.value : data.message;
  const cause = data.cause === undefined ? undefined : rebuildThreadError(data.cause);
  let error: Error;
  if (data.kind === 'dagbook') {
    error = new DagbookError(data.code as ErrorCode, data.message, {
      ...(data.stageId === undefined ? {} : { stageId: data.stageId }),
      ...(data.data === undefined ? {} : { data: data.data }),
      ...(data.errorClass === undefined ? {} : { errorClass: data.errorClass }),
      ...(cause === undefined ? {} : { cause }),
    });
  } else if (data.kind === 'non-retryable') {
    const errorClass = data.errorClass === 'transient' || data.errorClass === undefined ? 'persistent' : data.errorClass;
    error = new NonRetryableError(data.message, { errorClass, ...(cause === undefined ? {} : { cause }) });
  } else {
    const Ctor = Object.prototype.hasOwnProperty.call(BUILT_IN_ERRORS, data.name) ? BUILT_IN_ERRORS[data.name] : Error;
    error = new Ctor(data.message, cause === undefined ? undefined : { cause });
    const extra = error as unknown as Record<string, unknown>;
    if (data.code !== undefined) extra.code = data.code;
    if (data.status !== undefined) extra.status = data.status;
    if (data.statusCode !== undefined) extra.statusCode = data.statusCode;
  }
  error.name = data.name;
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}
