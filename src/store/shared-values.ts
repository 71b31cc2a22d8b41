import * as path from 'node:path';
import { DagbookError, errorMessage } from '../errors';
import type { SharedValues } from '../shared-values';
import { ArtifactStore } from './artifact-store';
import { nodeFileSystem } from './state-file-system';

/**
 * The state folder as the channel of large values between a coordinator and
 * its queue workers (`shared-values.ts`): they go through the
 * pipeline's content-addressed store (`<stateDir>/artifacts/<sha256>`) rather
 * than through Redis, when the worker sees the coordinator's state folder at
 * the same path (a shared file system): the sender writes the value's stored
 * form there (temp + fsync + rename) and sends its hash; the receiver reads
 * it back, checking that its content hashes to its name. A job then carries
 * kilobytes however large the inputs, and Redis holds no copy of the outputs.
 * Smaller values, and every value when the folder is not there (a worker
 * without the shared path), travel in the job itself, as before.
 *
 * An output written there by a worker is the very file the coordinator's
 * store then records under the same hash (it is not written again). Inputs
 * sent that way are files no record refers to: the next run's garbage
 * collection removes them.
 */

/** Values whose stored form is at least this long (UTF-16 code units) go through the shared store: 64 KiB. */
export const SHARED_VALUE_MIN_LENGTH = 64 * 1024;

/** The artifacts folder of the state folder `stateDir` (`<stateDir>/artifacts`). */
function artifactsOf(stateDir: string): string {
  return path.join(stateDir, 'artifacts');
}

/**
 * Puts a value's stored form in the shared store when it is large and the
 * state folder is reachable here; returns its hash, or undefined when the
 * value should travel in the job.
 * @throws DagbookError `STATE_IO` naming the file when the folder refuses the write.
 */
export function shareStored(stateDir: string | undefined, stored: string): string | undefined {
  if (stateDir === undefined || stored.length < SHARED_VALUE_MIN_LENGTH || !nodeFileSystem.existsSync(stateDir)) return undefined;
  return new ArtifactStore(artifactsOf(stateDir)).putStored(stored);
}

/**
 * Reads a value another process put in the shared store.
 * @throws DagbookError `OUTPUT_MISSING` naming `what`, the hash and the folder
 * when this machine does not see the file (the state folder is not shared at
 * the same path), `STATE_CORRUPT` when the file is damaged.
 */
export function readShared(stateDir: string | undefined, hash: string, what: string): unknown {
  if (stateDir === undefined) {
    throw new DagbookError('OUTPUT_MISSING', `${capitalized(what)} came through the shared store as ${hash}, but the run keeps no state folder`, {
      data: { hash },
    });
  }
  const dir = artifactsOf(stateDir);
  try {
    return new ArtifactStore(dir).get(hash);
  } catch (error) {
    throw new DagbookError(
      'OUTPUT_MISSING',
      `${capitalized(what)} came through the shared store as ${hash}, which cannot be read here from ${dir} (is the state folder shared at the same path on every machine?): ${errorMessage(error)}`,
      { data: { hash, path: dir }, cause: error },
    );
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** {@link shareStored} and {@link readShared} as the channel the bullmq executor and queue workers take. */
export const stateFolderValues: SharedValues = { share: shareStored, read: readShared };
