import { DagbookError, errorMessage } from '../errors';
import { writeFileAtomicSync } from './atomic-file';
import { readStateText } from './state-io';
import type { Adapter } from './lowdb';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/**
 * A lowdb adapter for one JSON file that is durable, unlike lowdb's own
 * `JSONFile` (temp + rename, but no fsync): each write goes to a temp file,
 * is fsynced, renamed over the target and the directory is fsynced. Reading
 * gives `null` for a missing file (lowdb then keeps its default data).
 */
export class DurableJsonFile<T> implements Adapter<T> {
  constructor(
    /** Path of the JSON file. */
    readonly path: string,
    private readonly fs: StateFileSystem = nodeFileSystem,
  ) {}

  /**
   * Reads and parses the file; `null` when it does not exist. The value is not
   * validated here: the caller checks its shape.
   * @throws DagbookError `STATE_CORRUPT` naming the path when the text is not JSON (e.g. truncated);
   * `STATE_IO` when it cannot be read (e.g. it is a folder).
   */
  async read(): Promise<T | null> {
    const text = readStateText(this.path, this.fs);
    if (text === undefined) return null;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      const what = text.length === 0 ? 'it is empty' : `it is not JSON (${errorMessage(error)})`;
      throw new DagbookError('STATE_CORRUPT', `${this.path} cannot be read: ${what}`, {
        cause: error,
        data: { path: this.path },
      });
    }
  }

  /** Writes the whole document atomically and durably. @throws DagbookError `STATE_IO` when the file system refuses. */
  async write(data: T): Promise<void> {
    writeFileAtomicSync(this.path, JSON.stringify(data), this.fs);
  }
}
