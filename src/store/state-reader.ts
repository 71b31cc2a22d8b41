import { randomBytes } from 'node:crypto';
import { systemClock } from '../clock';
import { DurableJsonFile } from './durable-json-file';
import { loadState, type RecoveryNote } from './state-loader';
import { runLogPath, statePaths, type StatePaths } from './state-paths';
import type { LegacyRunDetails, StateDocument } from './state-schema';
import type { RunRecord, StageRecord } from '../records';
import { errnoCode, stateIo, stateIoError } from './state-io';
import { StateView } from './state-view';
import { readSecretKey, SECRET_KEY_BYTES } from './secret-key';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/**
 * A read-only view of a pipeline's durable state, for whoever watches while
 * another process (or kernel) writes: status, the dry run, errors, outputs.
 * It never takes the writer's lock and never writes: it reads the snapshot
 * `db.json` and replays the run log records newer than it, as opening the
 * store does, but skips a torn last line without cutting it (the writer may
 * be appending it right now) and leaves an unusable `db.json` where it is.
 * So it shows a running run's progress so far. The writer replaces the
 * snapshot by rename and only appends whole lines to the logs, so the
 * snapshot plus the logs read after it are always a state the writer was in
 * (or a later one); when the snapshot is replaced while being read, the read
 * is done once more to show the newer state. A reader is a picture taken when
 * opened: open another to see later changes.
 */

/** Options of {@link openStateReader}. */
export interface OpenStateReaderOptions {
  /** The state folder; the pipeline's state is in `<stateDir>/<pipeline>/`. */
  readonly stateDir: string;
  /** Pipeline name. */
  readonly pipeline: string;
  /** The file system the state is on. @default nodeFileSystem */
  readonly fileSystem?: StateFileSystem;
}

/**
 * Reads a pipeline's state without the lock (a missing state reads as empty).
 * @throws DagbookError `STATE_CORRUPT` when `db.json` is unusable and there are no
 * run logs to rebuild it from, or a log is damaged; `STATE_IO` when a file cannot be read;
 * `INVALID_OPTION` for a bad pipeline name.
 */
export async function openStateReader(options: OpenStateReaderOptions): Promise<StateReader> {
  const paths = statePaths(options.stateDir, options.pipeline);
  const fs = options.fileSystem ?? nodeFileSystem;
  const file = new DurableJsonFile<unknown>(paths.db, fs);
  for (let attempt = 1; ; attempt++) {
    const before = snapshotIdentity(paths.db, fs);
    const loaded = await loadState(paths, options.pipeline, () => file.read(), systemClock, { readOnly: true, fileSystem: fs });
    if (attempt === 2 || snapshotIdentity(paths.db, fs) === before) {
      return new StateReader(paths, loaded.document, loaded.recovered, loaded.truncatedLogs, fs, loaded.legacy);
    }
  }
}

/** See {@link openStateReader}. */
export class StateReader extends StateView {
  /** @internal Use {@link openStateReader}. */
  constructor(
    paths: StatePaths,
    private readonly doc: StateDocument,
    /** Set when `db.json` was unusable and the state shown was rebuilt (in memory) from the run logs. */
    readonly recovered: RecoveryNote | undefined,
    /** Run logs whose torn last line was skipped. */
    readonly truncatedLogs: readonly { readonly path: string; readonly line: number }[],
    fs: StateFileSystem,
    /** The runs' details an older `db.json` held, which the store moves beside the runs when it converts it (never the reader). */
    private readonly legacy?: LegacyRunDetails,
  ) {
    // No key yet means nothing was ever hashed under one: a throwaway key then makes every secret part read as changed, as it is.
    super(paths, stateIo('read', paths.secretKey, () => readSecretKey(paths.secretKey, fs)) ?? randomBytes(SECRET_KEY_BYTES), fs);
  }

  protected document(): StateDocument {
    return this.doc;
  }

  /** A run's stage records; a run of a not yet converted older `db.json` whose log is gone reads them from that document. */
  async getStages(runId: string): Promise<Record<string, StageRecord>> {
    const stages = await super.getStages(runId);
    const legacy = this.legacy?.[runId];
    return legacy && Object.keys(stages).length === 0 && !this.fs.existsSync(runLogPath(this.paths, runId)) ? { ...legacy.stages } : stages;
  }

  /** A run's whole record (of a not yet converted older `db.json`, from that document when its log is gone). */
  async getRun(runId: string): Promise<RunRecord | undefined> {
    const legacy = this.legacy?.[runId];
    if (legacy && this.document().runs[runId] && !this.document().active[runId] && !this.fs.existsSync(runLogPath(this.paths, runId))) return legacy.run;
    return super.getRun(runId);
  }

  /** Nothing to release. */
  async close(): Promise<void> {}
}

/** What identifies one version of `db.json` (it is replaced by rename, so a new version is a new inode). */
function snapshotIdentity(file: string, fs: StateFileSystem): string {
  try {
    const stat = fs.statSync(file);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 'none';
    throw stateIoError('inspect', file, error);
  }
}
