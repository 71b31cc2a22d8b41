import * as path from 'node:path';
import { z } from 'zod';
import { DagbookError } from '../errors';
import { runRecordSchema, stageRecordSchema } from './state-schema';
import type { RunRecord, StageRecord } from '../records';
import { replayEventLog } from './log-record';
import { runDir, runLogPath, type StatePaths } from './state-paths';
import { readStateText } from './state-io';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';
import { writeFileAtomicSync } from './atomic-file';

/**
 * A run's details — its whole record and its stage records — read when asked
 * for (a history view, a resume), never on open: from its log
 * `runs/<run-id>/events.jsonl`, or, for a run whose records came from a
 * snapshot older than the run index and whose log was gone, from
 * `runs/<run-id>/record.json`, written once when that snapshot was converted.
 */

/** What a run's details say. */
export interface RunDetails {
  /** Its record, when its log or record file has one. */
  readonly run: RunRecord | undefined;
  /** Its stage records by stage id (last checkpoint of each). */
  readonly stages: Record<string, StageRecord>;
}

/** The file a converted run's details are kept in when it has no log. */
export function runRecordPath(paths: StatePaths, runId: string): string {
  return path.join(runDir(paths, runId), 'record.json');
}

/**
 * Reads a run's details; a run with neither log nor record file has none.
 * @throws DagbookError `STATE_CORRUPT` for a damaged log line (a torn last one is skipped) or record file; `STATE_IO`
 */
export function readRunDetails(paths: StatePaths, runId: string, fs: StateFileSystem = nodeFileSystem): RunDetails {
  const logFile = runLogPath(paths, runId);
  const log = readStateText(logFile, fs);
  if (log !== undefined) {
    const replayed = replayEventLog(log, logFile);
    return { run: replayed.run, stages: replayed.stages };
  }
  const file = runRecordPath(paths, runId);
  const record = readStateText(file, fs);
  if (record === undefined) return { run: undefined, stages: {} };
  const parsed = recordFileSchema.safeParse(parseJson(record));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DagbookError('STATE_CORRUPT', `${file} is not a run's details: \`${issue.path.join('.') || '(root)'}\`: ${issue.message}`, { data: { path: file } });
  }
  return { run: parsed.data.run as RunRecord, stages: parsed.data.stages as Record<string, StageRecord> };
}

const recordFileSchema = z.object({ run: runRecordSchema, stages: z.record(stageRecordSchema) });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Keeps a run's details in `runs/<run-id>/record.json` (atomic, durable). @throws DagbookError `STATE_IO` */
export function writeRunDetails(
  paths: StatePaths,
  runId: string,
  details: { run: RunRecord; stages: Record<string, StageRecord> },
  fs: StateFileSystem = nodeFileSystem,
): void {
  writeFileAtomicSync(runRecordPath(paths, runId), JSON.stringify(details), fs);
}
