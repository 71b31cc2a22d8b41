import * as path from 'node:path';
import type { Clock } from '../clock';
import { DagbookError, hasErrorCode } from '../errors';
import { fsyncDirSync } from './atomic-file';
import { errnoCode, stateIo, stateIoError } from './state-io';
import { parseLog, type StateLine } from './log-record';
import { applyStateLine } from './state-fold';
import type { StatePaths } from './state-paths';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';
import { emptyStateDocument, parseStateDocument, type LegacyRunDetails, type StateDocument } from './state-schema';

/** What opening found wrong with `db.json` and how the state was rebuilt. */
export interface RecoveryNote {
  /** Path of the snapshot that could not be used. */
  readonly path: string;
  /** What was wrong with it. */
  readonly problem: string;
  /** Where the bad file was moved (`db.json.corrupt-<timestamp>`); absent when it was missing. */
  readonly movedTo?: string;
  /** Runs rebuilt from their event logs. */
  readonly runsRebuilt: string[];
}

/** The state as loaded: snapshot plus replayed log records. */
export interface LoadedState {
  /** The document, current. */
  readonly document: StateDocument;
  /** The next log sequence number to hand out. */
  readonly nextSeq: number;
  /** Log records replayed on top of the snapshot (the snapshot should be rewritten when > 0). */
  readonly replayed: number;
  /** Logs whose torn last line was skipped, with the line number. */
  readonly truncatedLogs: { readonly path: string; readonly line: number }[];
  /** Set when `db.json` was unusable and the state was rebuilt from the logs. */
  readonly recovered?: RecoveryNote;
  /** The schema version `db.json` had when it was converted to the current one. */
  readonly migratedFrom?: number;
  /** The runs' stage records an older `db.json` held (the current one keeps them in the runs' logs). */
  readonly legacy?: LegacyRunDetails;
}

/** Options of {@link loadState}. */
export interface LoadStateOptions {
  /** Read only: an unusable `db.json` is left where it is (the state is still rebuilt, in memory). @default false */
  readonly readOnly?: boolean;
  /** The file system the state is on. @default nodeFileSystem */
  readonly fileSystem?: StateFileSystem;
}

/**
 * Loads a pipeline's state: reads `db.json` (through `read`, the lowdb
 * adapter), validates it, and replays the log records newer than it. When the
 * snapshot is missing or unusable but run logs exist, the bad file is moved
 * aside (unless `readOnly`) and the state is rebuilt from the logs. A torn
 * last line of a log is skipped, never cut here. Nothing is written.
 * @throws DagbookError `STATE_CORRUPT` naming the path and the problem when the
 * snapshot is unusable and there are no logs to rebuild from, or a log is damaged;
 * `STATE_IO` when a file cannot be read.
 */
export async function loadState(
  paths: StatePaths,
  pipeline: string,
  read: () => Promise<unknown>,
  clock: Clock,
  options: LoadStateOptions = {},
): Promise<LoadedState> {
  const fs = options.fileSystem ?? nodeFileSystem;
  let problem: string | undefined;
  let raw: unknown = null;
  try {
    raw = await read();
  } catch (error) {
    if (!hasErrorCode(error, 'STATE_CORRUPT')) throw error;
    problem = error.message;
  }
  const names = listRunFolders(paths, fs);
  if (problem === undefined && raw !== null) {
    const parsed = parseStateDocument(raw, pipeline);
    if (parsed.ok) {
      const loaded = replayNewer(paths, parsed.document, names, fs);
      return parsed.migratedFrom === undefined ? loaded : { ...loaded, migratedFrom: parsed.migratedFrom, ...(parsed.legacy ? { legacy: parsed.legacy } : {}) };
    }
    problem = `${paths.db} is not a dagbook state document: ${parsed.problem}`;
  }
  const runIds = withLog(paths, names, fs);
  if (problem === undefined) {
    // No snapshot: a fresh state, or one whose db.json was deleted.
    if (runIds.length === 0) return { document: emptyStateDocument(pipeline), nextSeq: 1, replayed: 0, truncatedLogs: [] };
    problem = `${paths.db} is missing`;
  }
  if (runIds.length === 0) {
    throw new DagbookError(
      'STATE_CORRUPT',
      `${problem}; there are no run logs under ${paths.runs} to rebuild it from. Move ${paths.db} aside to start with empty state.`,
      { data: { path: paths.db, problem } },
    );
  }
  return rebuild(paths, pipeline, runIds, problem, options.readOnly ? undefined : clock, fs);
}

function replayNewer(paths: StatePaths, document: StateDocument, names: readonly string[], fs: StateFileSystem): LoadedState {
  // Only running runs, and runs the snapshot has not seen, can have newer records (a folder is looked into only for them).
  const candidates = withLog(paths, names.filter((id) => document.runs[id] === undefined || document.active[id] !== undefined), fs);
  const { lines, truncatedLogs, maxSeq } = readLogs(paths, candidates, fs);
  const newer = lines.filter((line) => line.seq > document.appliedSeq).sort((a, b) => a.seq - b.seq);
  for (const line of newer) applyStateLine(document, line);
  return {
    document,
    nextSeq: Math.max(document.appliedSeq, maxSeq) + 1,
    replayed: newer.length,
    truncatedLogs,
  };
}

/** Rebuilds the state from every log; with a clock, the unusable `db.json` is moved aside first. */
function rebuild(
  paths: StatePaths,
  pipeline: string,
  runIds: readonly string[],
  problem: string,
  clock: Clock | undefined,
  fs: StateFileSystem,
): LoadedState {
  // Read every log before touching anything: a damaged log stops the rebuild with the snapshot in place.
  const { lines, truncatedLogs, maxSeq } = readLogs(paths, runIds, fs);
  const document = emptyStateDocument(pipeline);
  for (const line of lines.sort((a, b) => a.seq - b.seq)) applyStateLine(document, line);
  let movedTo: string | undefined;
  if (clock !== undefined && fs.existsSync(paths.db)) {
    const aside = `${paths.db}.corrupt-${clock.now()}`;
    stateIo('rename', paths.db, () => fs.renameSync(paths.db, aside));
    fsyncDirSync(paths.root, fs);
    movedTo = aside;
  }
  const recovered: RecoveryNote = {
    path: paths.db,
    problem,
    ...(movedTo === undefined ? {} : { movedTo }),
    runsRebuilt: Object.keys(document.runs),
  };
  return { document, nextSeq: Math.max(document.appliedSeq, maxSeq) + 1, replayed: lines.length, truncatedLogs, recovered };
}

function readLogs(paths: StatePaths, runIds: readonly string[], fs: StateFileSystem) {
  const lines: StateLine[] = [];
  const truncatedLogs: { path: string; line: number }[] = [];
  let maxSeq = 0;
  for (const runId of runIds) {
    const file = path.join(paths.runs, runId, 'events.jsonl');
    const content = parseLog(stateIo('read', file, () => fs.readFileSync(file, 'utf8')), file);
    if (content.truncated) truncatedLogs.push({ path: file, line: content.truncated.line });
    // Not sorted here: the callers sort the lines of every log together by `seq`.
    for (const line of content.lines) {
      if (line.kind === 'event') continue;
      lines.push(line);
      if (line.seq > maxSeq) maxSeq = line.seq;
    }
  }
  return { lines, truncatedLogs, maxSeq };
}

/** The names under `runs/`, sorted. */
function listRunFolders(paths: StatePaths, fs: StateFileSystem): string[] {
  try {
    return fs.readdirSync(paths.runs).sort();
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw stateIoError('list', paths.runs, error);
  }
}

/** Those of `names` whose run folder holds an event log. */
function withLog(paths: StatePaths, names: readonly string[], fs: StateFileSystem): string[] {
  return names.filter((name) => fs.existsSync(path.join(paths.runs, name, 'events.jsonl')));
}
