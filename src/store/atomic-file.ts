import * as path from 'node:path';
import { stateIo, stateIoError } from './state-io';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/**
 * Durable file writes: the whole file or nothing, and on disk when the call
 * returns. The text goes to a temp file next to the target, is fsynced, renamed
 * over the target (atomic on POSIX), and the directory is fsynced so the
 * rename itself survives a power loss. A file-system failure is a `STATE_IO`
 * error naming the target (see `state-io.ts`).
 */

let tempCounter = 0;

/**
 * Writes `text` to `file` atomically and durably (temp file + fsync + rename + directory fsync).
 * @throws DagbookError `STATE_IO` naming `file` when the file system refuses.
 */
export function writeFileAtomicSync(file: string, text: string | Uint8Array, fs: StateFileSystem = nodeFileSystem): void {
  const { temp, fd } = openTemp(file, fs);
  try {
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } catch (error) {
    discardTemp(file, temp, fd, fs, error);
  }
  moveIntoPlace(file, temp, fd, fs);
}

/**
 * {@link writeFileAtomicSync} with its data sync on libuv's thread pool, so
 * the caller goes on meanwhile: the text is written to the temp file now, made
 * durable in the background, then renamed over `file` (and the directory
 * synced). Until it resolves, `file` is the old one, whole.
 * @throws DagbookError `STATE_IO` (as a rejection) naming `file` when the file system refuses.
 */
export async function writeFileAtomicInBackground(file: string, text: string, fs: StateFileSystem = nodeFileSystem): Promise<void> {
  const { temp, fd } = openTemp(file, fs);
  try {
    fs.writeFileSync(fd, text);
    await fs.fdatasync(fd);
  } catch (error) {
    discardTemp(file, temp, fd, fs, error);
  }
  rename(file, temp, fd, fs);
  await fsyncDirInBackground(path.dirname(file), fs);
}

/** A new temp file beside `file`, open for writing. */
function openTemp(file: string, fs: StateFileSystem): { temp: string; fd: number } {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${++tempCounter}.tmp`);
  return { temp, fd: stateIo('write', file, () => fs.openSync(temp, 'w')) };
}

/** Closes and removes a temp file whose write failed. @throws DagbookError `STATE_IO` naming `file` */
function discardTemp(file: string, temp: string, fd: number, fs: StateFileSystem, error: unknown): never {
  fs.closeSync(fd);
  fs.rmSync(temp, { force: true });
  throw stateIoError('write', file, error);
}

/** Closes a synced temp file, renames it over `file` and syncs the folder. @throws DagbookError `STATE_IO` naming `file` */
function moveIntoPlace(file: string, temp: string, fd: number, fs: StateFileSystem): void {
  rename(file, temp, fd, fs);
  fsyncDirSync(path.dirname(file), fs);
}

/** Closes a synced temp file and renames it over `file`. @throws DagbookError `STATE_IO` naming `file` */
function rename(file: string, temp: string, fd: number, fs: StateFileSystem): void {
  stateIo('close', temp, () => fs.closeSync(fd));
  try {
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw stateIoError('rename', file, error);
  }
}

/** Fsyncs a directory so entries created, renamed or removed in it are durable. */
export function fsyncDirSync(dir: string, fs: StateFileSystem = nodeFileSystem): void {
  const fd = openDir(dir, fs);
  if (fd === undefined) return;
  try {
    fs.fsyncSync(fd);
  } catch {
    // Directory fsync is unsupported on some filesystems (EINVAL); the rename already happened.
  } finally {
    fs.closeSync(fd);
  }
}

/** {@link fsyncDirSync} with the sync on libuv's thread pool, so the caller goes on meanwhile. */
export async function fsyncDirInBackground(dir: string, fs: StateFileSystem = nodeFileSystem): Promise<void> {
  const fd = openDir(dir, fs);
  if (fd === undefined) return;
  try {
    await fs.fsync(fd);
  } catch {
    // Unsupported on some filesystems (EINVAL), as above.
  } finally {
    fs.closeSync(fd);
  }
}

/** A descriptor of a folder to fsync; undefined where folders cannot be opened (nothing more can be done there). */
function openDir(dir: string, fs: StateFileSystem): number | undefined {
  try {
    return fs.openSync(dir, 'r');
  } catch {
    return undefined;
  }
}

/**
 * Creates a folder and its missing parents durably: each folder made here is
 * fsynced into its parent, so a power cut cannot take away a folder whose
 * files were already made durable (fsyncing a file does not make its name,
 * or its folder's name, durable).
 * @throws DagbookError `STATE_IO` naming the folder when the file system refuses.
 */
export function mkdirDurableSync(dir: string, fs: StateFileSystem = nodeFileSystem): void {
  for (const parent of mkdirMissing(dir, fs)) fsyncDirSync(parent, fs);
}

/**
 * Creates a folder and its missing parents, not yet durably: returns the
 * folders whose entries changed (each made folder's parent), which the
 * caller syncs before anything in them is to be durable.
 * @throws DagbookError `STATE_IO` naming the folder when the file system refuses.
 */
export function mkdirMissing(dir: string, fs: StateFileSystem = nodeFileSystem): string[] {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !fs.existsSync(at) && path.dirname(at) !== at; at = path.dirname(at)) missing.unshift(at);
  if (missing.length === 0) return [];
  stateIo('create folder', dir, () => fs.mkdirSync(dir, { recursive: true }));
  return missing.map((made) => path.dirname(made));
}

export { errnoCode } from './state-io';
