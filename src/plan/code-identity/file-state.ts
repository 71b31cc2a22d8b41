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

/** The stamp of `file` now: one `stat`. */
export function fileStamp(file: string): FileStamp {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
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
