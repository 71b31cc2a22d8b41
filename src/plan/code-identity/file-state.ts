import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

/**
 * What a file looks like on disk now, cheaply: its stamp (mtime and size)
 * from one `stat`, and its content hash, read only when the stamp differs
 * from the last one seen for that path. Code identity is recomputed on every
 * run and dry run, so the same files are asked about for every stage that
 * imports them: the memo keeps that to one `stat` per file and stage. An edit
 * that keeps both the size and the mtime (to the platform's precision) goes
 * unseen, the trade every mtime-based build tool makes.
 */

/** A file's stamp: `<mtimeMs>:<size>`, or {@link MISSING_STAMP} when it does not exist. */
export type FileStamp = string;

/** Stamp and content hash of a file that does not exist. */
export const MISSING_STAMP = 'missing';

/**
 * The stats of files as a run first saw them: one `stat` per file per run.
 * A run takes its code and its files as they were when it first looked at
 * them (every stage of a pipeline imports the same few modules, so a `stat`
 * per file and stage would cost more than the stage); a file edited while a
 * run is going on is seen by the next run. Lives only as long as its run.
 */
export class FileStats {
  private readonly stats = new Map<string, fs.Stats | undefined>();

  /** The stats of `file` (undefined when it does not exist), from the first call for that path. */
  stat(file: string): fs.Stats | undefined {
    if (this.stats.has(file)) return this.stats.get(file);
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    this.stats.set(file, stat);
    return stat;
  }
}

/** The stats of `file` now, or as `stats` first saw them when given; undefined when it does not exist. */
export function statFile(file: string, stats?: FileStats): fs.Stats | undefined {
  return stats === undefined ? fs.statSync(file, { throwIfNoEntry: false }) : stats.stat(file);
}

/** The stamp of `file` now (one `stat`), or as `stats` first saw it. */
export function fileStamp(file: string, stats?: FileStats): FileStamp {
  const stat = statFile(file, stats);
  return stat === undefined ? MISSING_STAMP : `${stat.mtimeMs}:${stat.size}`;
}

const hashes = new Map<string, { readonly stamp: FileStamp; readonly hash: string }>();

/** Hex sha256 of the contents of `file` given its current `stamp` (read only when the stamp is new); {@link MISSING_STAMP} for a missing file. */
export function contentHash(file: string, stamp: FileStamp = fileStamp(file)): string {
  if (stamp === MISSING_STAMP) return MISSING_STAMP;
  const known = hashes.get(file);
  if (known !== undefined && known.stamp === stamp) return known.hash;
  let hash: string;
  try {
    hash = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return MISSING_STAMP;
  }
  hashes.set(file, { stamp, hash });
  return hash;
}
