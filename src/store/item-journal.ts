import type { ItemRecord } from '../records';

/**
 * The per-item state of a per-item stage: the latest record of each item
 * (how it ended, its cache key, its output), kept across runs so a re-run
 * processes only new, changed and failed items. A stage with 100,000 items
 * appends a record per item that runs, so the journal is its own append-only
 * file per stage, not part of the snapshot: records are appended as items
 * end and made durable by a group commit (one fdatasync covers every record
 * appended since the last); the file is rewritten without superseded
 * records when they outnumber the live ones.
 */
export interface ItemJournal {
  /** The latest record of every item, by item id (read once per run; later appends are reflected). */
  load(): Promise<Map<string, ItemRecord>>;
  /**
   * Appends records: reflected by `load()` at once, in the file by the end
   * of this event-loop turn (the lines of a turn are written together in one
   * `write(2)`: a killed process loses at most the records of the turn it
   * was killed in), durable once a group commit covers them (one starts
   * right after that write).
   * @throws DagbookError `STATE_IO` when an earlier write or sync of the journal failed
   */
  append(records: readonly ItemRecord[]): void;
  /** Forgets these items (gone from discovery): their records are left out from now on (written and made durable as `append`). */
  remove(itemIds: readonly string[]): void;
  /** Resolves when everything appended or removed so far is durable. */
  flush(): Promise<void>;
}

/** An {@link ItemJournal} in memory, for the memory store. */
export class MemoryItemJournal implements ItemJournal {
  private readonly records = new Map<string, ItemRecord>();

  async load(): Promise<Map<string, ItemRecord>> {
    return new Map(this.records);
  }

  append(records: readonly ItemRecord[]): void {
    for (const record of records) this.records.set(record.itemId, record);
  }

  remove(itemIds: readonly string[]): void {
    for (const id of itemIds) this.records.delete(id);
  }

  async flush(): Promise<void> {}
}
