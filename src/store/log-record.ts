import { z } from 'zod';
import { DagbookError } from '../errors';
import type { PipelineEvent } from '../events/event';
import { parseJsonl, type SkippedLine } from './event-log';
import type { BreakerSnapshot, CacheEntry, RunRecord, StageRecord } from '../records';
import { breakerSnapshotSchema, cacheEntrySchema, runRecordSchema, stageRecordSchema } from './state-schema';

/**
 * The lines of a run log, `runs/<run-id>/events.jsonl`. The log is both the
 * run's event stream and the store's write-ahead log; each line is one JSON
 * object with a `kind`:
 *
 * - `{"kind":"header","schemaVersion":1,"runId":"..."}` — the first line: which format the log is in;
 * - `{"kind":"event","event":{...}}` — a run event (not synced on its own);
 * - `{"kind":"run","seq":n,"run":{...}}` — the run record after begin/update;
 * - `{"kind":"checkpoint","seq":n,"runId":"...","record":{...},"entry":{...},"outputs":{...}}` — a stage
 *   record; a success carries its cache entry in the same line, so a crash keeps both or neither, and
 *   its output too when the output is small (`outputs`: stored form by sha256, see `inline-outputs.ts`);
 * - `{"kind":"cache","seq":n,"entry":{...},"outputs":{...}}` — a cache entry put during the run;
 * - `{"kind":"breaker","seq":n,"key":"...","snapshot":{...}}` — a breaker saved during the run.
 *
 * Every state record (all but `event`) carries `seq`, a number increasing
 * across the whole pipeline's state; the snapshot stores the highest `seq`
 * folded into it (`appliedSeq`), so opening replays exactly the newer records,
 * in `seq` order even across runs.
 */

/** A run event line. */
export interface EventLine {
  readonly kind: 'event';
  readonly event: PipelineEvent;
}

/** A state record line: what replay applies to the snapshot. */
export type StateLine =
  | { readonly kind: 'run'; readonly seq: number; readonly run: RunRecord }
  | { readonly kind: 'checkpoint'; readonly seq: number; readonly runId: string; readonly record: StageRecord; readonly entry?: CacheEntry; readonly outputs?: InlineOutputs }
  | { readonly kind: 'cache'; readonly seq: number; readonly entry: CacheEntry; readonly outputs?: InlineOutputs }
  | { readonly kind: 'breaker'; readonly seq: number; readonly key: string; readonly snapshot: BreakerSnapshot };

/** Small outputs carried in a record: stored form (`output-codec`) by sha256. */
export type InlineOutputs = Readonly<Record<string, string>>;

/** The version of the run log format this code writes and reads. */
export const LOG_SCHEMA_VERSION = 1;

/** The first line of a run log. */
export interface HeaderLine {
  readonly kind: 'header';
  readonly schemaVersion: number;
  readonly runId: string;
}

/** The header line of a new run log. */
export function logHeader(runId: string): HeaderLine {
  return { kind: 'header', schemaVersion: LOG_SCHEMA_VERSION, runId };
}

/** Any line of a run log but its header. */
export type LogLine = EventLine | StateLine;

const seq = z.number().int().positive();
const inlineOutputsSchema = z.record(z.string());
const eventSchema = z.object({ runId: z.string(), type: z.string(), seq: z.number() }).passthrough();

/** Schema of one log line. */
export const logLineSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('header'), schemaVersion: z.number().int(), runId: z.string() }),
  z.object({ kind: z.literal('event'), event: eventSchema }),
  z.object({ kind: z.literal('run'), seq, run: runRecordSchema }),
  z.object({ kind: z.literal('checkpoint'), seq, runId: z.string(), record: stageRecordSchema, entry: cacheEntrySchema.optional(), outputs: inlineOutputsSchema.optional() }),
  z.object({ kind: z.literal('cache'), seq, entry: cacheEntrySchema, outputs: inlineOutputsSchema.optional() }),
  z.object({ kind: z.literal('breaker'), seq, key: z.string(), snapshot: breakerSnapshotSchema }),
]);

/** A run log, read. */
export interface LogContent {
  /** Its lines, in file order. */
  readonly lines: LogLine[];
  /** The torn last line, skipped, when there was one. */
  readonly truncated?: SkippedLine;
}

/**
 * Parses and validates a run log's text (or its lines).
 * @throws DagbookError `STATE_CORRUPT` naming `source` and the line for a bad line other than a torn last one.
 */
export function parseLog(text: string | readonly string[], source: string): LogContent {
  const content = parseJsonl(typeof text === 'string' ? text : text.join('\n'), source);
  const lines: LogLine[] = [];
  content.values.forEach((value, index) => {
    const result = logLineSchema.safeParse(value);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new DagbookError(
        'STATE_CORRUPT',
        `${source} record ${index + 1} is not a run log record: \`${issue.path.join('.') || '(root)'}\`: ${issue.message}`,
        { data: { path: source, record: index + 1 } },
      );
    }
    const line = result.data as LogLine | HeaderLine;
    if (line.kind !== 'header') lines.push(line);
    else if (line.schemaVersion !== LOG_SCHEMA_VERSION) {
      throw new DagbookError(
        'STATE_CORRUPT',
        `${source} is a run log of schema version ${line.schemaVersion}; this dagbook reads version ${LOG_SCHEMA_VERSION}`,
        { data: { path: source, schemaVersion: line.schemaVersion } },
      );
    }
  });
  return content.truncated ? { lines, truncated: content.truncated } : { lines };
}

// The fold of a state record into the snapshot document lives with the document's shape.
export { applyStateLine } from './state-fold';

/** The state one run log describes. */
export interface ReplayedRun {
  /** The run's last record, when the log has one. */
  readonly run: RunRecord | undefined;
  /** Its stage records by stage id (last checkpoint of each). */
  readonly stages: Record<string, StageRecord>;
  /** The latest cache entry put during the run, by stage id. */
  readonly cache: Record<string, CacheEntry>;
  /** Breakers saved during the run, by key. */
  readonly breakers: Record<string, BreakerSnapshot>;
  /** Its events, in order. */
  readonly events: PipelineEvent[];
  /** Highest `seq` in the log (0 when none). */
  readonly lastSeq: number;
  /** The torn last line, skipped, when there was one. */
  readonly truncated?: SkippedLine;
}

/**
 * Replays one run log on its own: the run record and stage records it ends
 * with, e.g. to check that a log and the snapshot agree. (Opening a store
 * replays every log together, in `seq` order: see `state-loader.ts`.)
 * @throws DagbookError `STATE_CORRUPT` for a bad line other than a torn last one.
 */
export function replayEventLog(text: string | readonly string[], source = 'run log'): ReplayedRun {
  const content = parseLog(text, source);
  const events: PipelineEvent[] = [];
  let run: RunRecord | undefined;
  const stages: Record<string, StageRecord> = {};
  const cache: Record<string, CacheEntry> = {};
  const breakers: Record<string, BreakerSnapshot> = {};
  let lastSeq = 0;
  for (const line of stateLinesInOrder(content.lines, events)) {
    if (line.kind === 'run') run = line.run;
    else if (line.kind === 'checkpoint') {
      stages[line.record.stageId] = line.record;
      if (line.entry !== undefined) cache[line.entry.stageId] = line.entry;
    } else if (line.kind === 'cache') cache[line.entry.stageId] = line.entry;
    else breakers[line.key] = line.snapshot;
    lastSeq = Math.max(lastSeq, line.seq);
  }
  const replayed: ReplayedRun = { run, stages, cache, breakers, events, lastSeq };
  return content.truncated ? { ...replayed, truncated: content.truncated } : replayed;
}

/** The state lines of a log sorted by `seq`; event lines are collected into `events`. */
function stateLinesInOrder(lines: readonly LogLine[], events?: PipelineEvent[]): StateLine[] {
  const state: StateLine[] = [];
  for (const line of lines) {
    if (line.kind === 'event') events?.push(line.event);
    else state.push(line);
  }
  return state.sort((a, b) => a.seq - b.seq);
}
