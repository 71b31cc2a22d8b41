import { DurableJsonFile } from './durable-json-file';
import { writeFileAtomicInBackground } from './atomic-file';
import { countCacheEntries } from './cache-history';
import { Low } from './lowdb';
import { emptyStateDocument, type StateDocument } from './state-schema';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/** How many times the snapshot's records the records since it may reach before the next rewrite (see `Snapshot`). */
const COMPACTION_FACTOR = 2;

/**
 * The lowdb snapshot `db.json` of a pipeline's state and when to rewrite it
 * (compaction). Records between two snapshots live only in the run logs (the
 * write-ahead log); the snapshot is due when a record cannot be replayed from
 * a log (it has no run, or its run ended in the snapshot on disk: opening
 * replays only the logs of runs that are RUNNING in the snapshot or absent
 * from it, so a run's begin and end need no rewrite), or when the records since the last
 * snapshot reach `max(compactMinRecords, 2 × records in the snapshot)`, so the
 * rewrite cost per record stays flat however big the state grows (with the
 * factor 2, a fully cached re-run — one record per stage against about two
 * per stage in the snapshot — rewrites it every fourth run, not every second;
 * opening replays at most twice the snapshot's records).
 */

export class Snapshot {
  private readonly db: Low<StateDocument>;
  /** Runs that ended in the snapshot on disk: their logs are not replayed on open. */
  private ended = new Set<string>();
  private recordsSince = 0;
  private records = 0;
  private dueNow = false;
  private dueByCount = false;

  constructor(
    /** Path of `db.json`. */
    readonly path: string,
    pipeline: string,
    private readonly compactMinRecords: number,
    fs: StateFileSystem = nodeFileSystem,
  ) {
    this.db = new Low<StateDocument>(new DurableJsonFile<StateDocument>(path, fs), emptyStateDocument(pipeline));
  }

  /** The document, current (the snapshot plus every record since). */
  get doc(): StateDocument {
    return this.db.data;
  }

  /** Reads `db.json` unvalidated (`null` when missing). @throws DagbookError `STATE_CORRUPT` when not JSON; `STATE_IO` */
  read(): Promise<unknown> {
    return this.db.adapter.read();
  }

  /** Takes the loaded (validated, replayed) document as the current one. */
  load(document: StateDocument): void {
    this.db.data = document;
  }

  /** Whether the snapshot must be rewritten before the pending changes count as durable. */
  get due(): boolean {
    return this.dueNow;
  }

  /**
   * Whether enough records were logged since the last snapshot that the next
   * one should be written (to keep the logs to replay on open short); they are
   * all in the logs, so it may be written in the background ({@link writeInBackground}).
   */
  get compactionDue(): boolean {
    return this.dueByCount;
  }

  /** Whether the document differs from the snapshot on disk (records applied or a change made since it was written). */
  get changed(): boolean {
    return this.dueNow || this.dueByCount || this.recordsSince > 0;
  }

  /** Makes the snapshot due (a change the logs cannot replay, e.g. a status change or a deletion). */
  require(): void {
    this.dueNow = true;
  }

  /** Notes a record applied to the document, logged in `runId`'s log (none: not logged). */
  noteRecord(runId: string | undefined): void {
    this.recordsSince++;
    if (runId === undefined || this.ended.has(runId)) this.dueNow = true;
    if (this.recordsSince >= Math.max(this.compactMinRecords, COMPACTION_FACTOR * this.records)) this.dueByCount = true;
  }

  /**
   * Rewrites `db.json` from the document. The durable adapter writes
   * synchronously inside this call, so the markers describe exactly the
   * document that reached the disk.
   * @throws DagbookError `STATE_IO` when the file system refuses.
   */
  write(): Promise<void> {
    const written = this.db.write();
    this.markWritten();
    return written;
  }

  /**
   * Rewrites `db.json` from the document as it is now, its data sync in the
   * background (see `writeFileAtomicInBackground`): the document is written to
   * text in this call, so the markers describe exactly that text; until the
   * promise resolves the old snapshot, with the logs, still holds the state.
   * @throws DagbookError `STATE_IO` (as a rejection) when the file system refuses.
   */
  writeInBackground(fs: StateFileSystem): Promise<void> {
    const text = JSON.stringify(this.doc);
    this.markWritten();
    return writeFileAtomicInBackground(this.path, text, fs);
  }

  /** Notes that the document equals the snapshot on disk. */
  markWritten(): void {
    const doc = this.doc;
    this.ended = new Set(Object.values(doc.runs).filter((r) => r.status !== 'RUNNING').map((r) => r.runId));
    let records = Object.keys(doc.runs).length + Object.keys(doc.latest).length + countCacheEntries(doc.cache) + Object.keys(doc.breakers).length;
    for (const active of Object.values(doc.active)) records += Object.keys(active.stages).length;
    this.records = records;
    this.recordsSince = 0;
    this.dueNow = false;
    this.dueByCount = false;
  }
}
