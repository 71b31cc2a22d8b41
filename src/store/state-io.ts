import { DagbookError, isDagbookError } from '../errors';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

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
