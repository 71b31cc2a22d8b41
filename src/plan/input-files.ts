import * as fs from 'node:fs';
import * as path from 'node:path';
import { MISSING_FILE } from './cache-key';
import { sha256 } from '../canonical-json';

/**
 * Content hashes of declared input files (relative paths resolve against
 * `baseDir`). A missing file hashes to {@link MISSING_FILE}, so its stage
 * re-runs, and fails there with the stage's own error, once it appears.
 * Hashes are memoised per (path, size, mtime) within one call site's cache.
 */
export async function hashInputFiles(
  files: readonly string[],
  baseDir: string,
  memo: Map<string, string> = new Map(),
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of files) {
    const full = path.resolve(baseDir, file);
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(full);
    } catch {
      out[file] = MISSING_FILE;
      continue;
    }
    const memoKey = `${full}|${stat.size}|${stat.mtimeMs}`;
    let hash = memo.get(memoKey);
    if (hash === undefined) {
      hash = sha256(await fs.promises.readFile(full));
      memo.set(memoKey, hash);
    }
    out[file] = hash;
  }
  return out;
}
