import { DagbookError, errorMessage } from '../errors';
import type { ItemRecord } from '../records';
import { readStateText } from './state-io';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';
import { itemRecordSchema, itemRemovalSchema } from './state-schema';

/**
 * The format of an item journal (`items/<stage-id>.jsonl`): one JSON object a
 * line, either an {@link ItemRecord} (the item's latest record from there on)
 * or a removal, `{"removed":["<item id>",...]}` (those items forgotten from
 * there on). Replaying the lines in order gives the latest record of every
 * live item. A torn last line is what a crash in the middle of an append
 * leaves (its records were never reported durable): it is skipped. Any other
 * line that is not such an object is corruption.
 */

/** What replaying an item journal gives. */
export interface ItemJournalContent {
  /** The latest record of every live item, by item id, in the order each was first recorded. */
  readonly records: Map<string, ItemRecord>;
  /** Lines read (records and removals; the torn last line not counted). */
  readonly lines: number;
  /** The line number (from 1) of a torn last line, skipped, when there was one. */
  readonly tornLine?: number;
}

/** A removal line, as written. */
export function removalLine(itemIds: readonly string[]): string {
  return JSON.stringify({ removed: itemIds });
}

/**
 * Replays an item journal's text.
 * @throws DagbookError `STATE_CORRUPT` naming `source` and the line for a line other than the last that is not a record or a removal.
 */
export function parseItemJournal(text: string, source: string): ItemJournalContent {
  const records = new Map<string, ItemRecord>();
  let lines = 0;
  let start = 0;
  let number = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    const torn = end < 0;
    if (torn) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    number++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      // A last line without its newline that does not parse: a crash cut it short.
      if (torn || text.slice(start).trim() === '') return { records, lines, tornLine: number };
      throw corruptLine(source, number, `not JSON (${errorMessage(error)})`, line, error);
    }
    apply(records, value, source, number, line);
    lines++;
  }
  return { records, lines };
}

/**
 * Reads an item journal without changing it (a missing file reads as empty;
 * a torn last line, which a writer may be appending right now, is skipped).
 * @throws DagbookError `STATE_CORRUPT` naming the file and the line; `STATE_IO` when it cannot be read.
 */
export function readItemJournal(file: string, fs: StateFileSystem = nodeFileSystem): ItemJournalContent {
  const text = readStateText(file, fs);
  return text === undefined ? { records: new Map(), lines: 0 } : parseItemJournal(text, file);
}

/** Applies one parsed line. @throws DagbookError `STATE_CORRUPT` when it is neither a record nor a removal */
function apply(records: Map<string, ItemRecord>, value: unknown, source: string, number: number, line: string): void {
  if (typeof value === 'object' && value !== null && 'removed' in value) {
    const removal = itemRemovalSchema.safeParse(value);
    if (!removal.success) throw corruptLine(source, number, `not a removal (${removal.error.issues[0]?.message ?? 'invalid'} at \`${removal.error.issues[0]?.path.join('.') ?? ''}\`)`, line);
    for (const id of removal.data.removed) records.delete(id);
    return;
  }
  if (isPlainItemRecord(value)) {
    records.set(value.itemId, value);
    return;
  }
  const parsed = itemRecordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw corruptLine(source, number, `not an item record (${issue?.message ?? 'invalid'} at \`${issue?.path.join('.') ?? ''}\`)`, line);
  }
  const record = parsed.data as ItemRecord;
  records.set(record.itemId, record);
}

/**
 * The common record (no error, no unknown field types) checked by hand: a
 * journal of 100,000 items is replayed on every run, and the schema costs
 * microseconds a record. Whatever this accepts the schema accepts; anything
 * else (a failed item's error, a damaged line) goes through the schema.
 */
function isPlainItemRecord(value: unknown): value is ItemRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.stageId === 'string' &&
    typeof r.itemId === 'string' &&
    typeof r.itemHash === 'string' &&
    typeof r.cacheKey === 'string' &&
    (r.status === 'SUCCEEDED' || r.status === 'FAILED') &&
    Number.isInteger(r.attempts) &&
    (r.attempts as number) >= 0 &&
    typeof r.durationMs === 'number' &&
    typeof r.runId === 'string' &&
    typeof r.endedAt === 'number' &&
    (r.outputHash === undefined || typeof r.outputHash === 'string') &&
    (r.inlineOutput === undefined || typeof r.inlineOutput === 'string') &&
    r.error === undefined
  );
}

function corruptLine(source: string, number: number, reason: string, line: string, cause?: unknown): DagbookError {
  const preview = line.length > 80 ? `${line.slice(0, 80)}...` : line;
  return new DagbookError('STATE_CORRUPT', `${source} line ${number} is ${reason}: ${preview}`, {
    ...(cause === undefined ? {} : { cause }),
    data: { path: source, line: number },
  });
}
