import { DagbookError, isDagbookError } from '../errors';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';
import type { ZodType, ZodTypeDef } from 'zod';

/**
 * The one way the store meets a file-system failure: every fs call on state
 * (`db.json`, run logs, artifacts, the lock's folder) runs through
 * {@link stateIo}, so an `EISDIR`, `EACCES`, `ENOSPC`, `EIO`, `ENOTDIR`, ...
 * reaches the caller as a `STATE_IO` error naming the path and the operation,
 * with the errno in `data` and the original error as `cause`, never as a bare
 * Node error. Callers that expect a code (`ENOENT` for "not there yet") test
 * it with {@link errnoCode} before wrapping.
 */

/** What the store was doing to a path when the file system failed. */
export type StateOperation =
  | 'read'
  | 'write'
  | 'append to'
  | 'sync'
  | 'open'
  | 'close'
  | 'list'
  | 'create folder'
  | 'rename'
  | 'remove'
  | 'inspect';

/** The code of a Node system error (`ENOENT`, `EEXIST`, ...), or undefined. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && !isDagbookError(error) ? code : undefined;
}

/**
 * The `STATE_IO` error for a failed fs call; a dagbook error, or a value that
 * is not a system error, is returned as it is.
 */
export function stateIoError(operation: StateOperation, file: string, error: unknown): unknown {
  const errno = errnoCode(error);
  if (errno === undefined) return error;
  const detail = (error as Error).message;
  return new DagbookError('STATE_IO', `Cannot ${operation} ${file}: ${errno} (${detail})`, {
    cause: error,
    data: { path: file, operation, errno },
  });
}

/**
 * Runs an fs call on `file`; a system error becomes `STATE_IO`.
 * @throws DagbookError `STATE_IO` naming the path, the operation and the errno.
 */
export function stateIo<T>(operation: StateOperation, file: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw stateIoError(operation, file, error);
  }
}

/**
 * A state file's text, or undefined when the file does not exist.
 * @throws DagbookError `STATE_IO` naming the path when it cannot be read.
 */
export function readStateText(file: string, fs: StateFileSystem = nodeFileSystem): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw stateIoError('read', file, error);
  }
}

/** What reading a small JSON record file found: nothing, the record, or why it is not one. */
export type JsonRecordRead<T> = { readonly kind: 'none' } | { readonly kind: 'record'; readonly record: T } | { readonly kind: 'unreadable'; readonly problem: string };

/**
 * Reads a small JSON record file that readers report on rather than throw
 * about (a heartbeat, a daemon's record): a missing file is `none`, one that
 * is not JSON or not what `schema` says is `unreadable`, with why.
 * @throws DagbookError `STATE_IO` when the file exists but cannot be read.
 */
export function readJsonRecord<T>(file: string, schema: ZodType<T, ZodTypeDef, unknown>, fs: StateFileSystem = nodeFileSystem): JsonRecordRead<T> {
  const text = readStateText(file, fs);
  if (text === undefined) return { kind: 'none' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'unreadable', problem: `${file} is not JSON` };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'unreadable', problem: `${file}: \`${issue.path.join('.') || '(root)'}\`: ${issue.message}` };
  }
  return { kind: 'record', record: parsed.data };
}
