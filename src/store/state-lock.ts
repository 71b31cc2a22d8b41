import * as os from 'node:os';
import * as path from 'node:path';
import { DagbookError } from '../errors';
import { isProcessAlive } from '../process-alive';
import { errnoCode, fsyncDirSync } from './atomic-file';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/**
 * The single-writer lock on `state/<pipeline>/lock`.
 *
 * Written here rather than taken from proper-lockfile because proper-lockfile
 * judges a lock stale by its mtime (the holder must keep touching it), not by
 * whether the holder process is alive: a long synchronous stage would lose its
 * lock, and a crashed kernel would block the next run until the timeout. Here
 * a lock is stale exactly when its holder ran on this host and its pid is gone,
 * or it was taken in an earlier boot of this host: a reboot or a power cut
 * ends every process, and a pid named in a lock left by one may since have
 * been given to another process (the lock records Linux's boot id; a lock
 * without one, or a host without one, falls back to the pid alone).
 *
 * The file holds JSON {@link StateLockInfo}; it is written and fsynced under
 * a temp name, then linked to `lock` (`link` never replaces an existing file,
 * like `O_EXCL`), so a lock file is always whole, even after a power cut. A
 * stale lock is taken over by renaming it aside (atomic) and creating a fresh
 * one the same way; a taker that finds it moved a live lock instead puts it
 * back, so two takers never both win.
 */

/** What a lock file holds. */
export interface StateLockInfo {
  /** Process id of the holder. */
  readonly pid: number;
  /** Host the holder runs on. */
  readonly hostname: string;
  /** When it took the lock, ISO-8601. */
  readonly startedAt: string;
  /** The holder's command line. */
  readonly command: string;
  /** The boot the holder ran in (`/proc/sys/kernel/random/boot_id`), where the host has one. */
  readonly bootId?: string;
}

/** Options of {@link acquireStateLock}. */
export interface AcquireStateLockOptions {
  /** Path of the lock file. */
  readonly lockPath: string;
  /** Command line recorded in the lock. @default process.argv joined by spaces */
  readonly command?: string;
  /** Wall-clock time in ms since the epoch, for `startedAt`. @default Date.now */
  readonly now?: () => number;
  /** Whether a pid on this host is alive. @default signal 0 (ESRCH means dead) */
  readonly isAlive?: (pid: number) => boolean;
  /** The file system the lock file is on. @default nodeFileSystem */
  readonly fileSystem?: StateFileSystem;
  /** The id of this boot of the host; `null` for none. @default {@link currentBootId} */
  readonly bootId?: string | null;
}

/** A held lock. */
export interface StateLock {
  /** Path of the lock file. */
  readonly path: string;
  /** What the lock file holds. */
  readonly info: StateLockInfo;
  /** Whether a stale lock was taken over to get this one. */
  readonly tookOverFrom?: StateLockInfo;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

const MAX_TAKEOVER_ROUNDS = 5;

const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';
let bootIdRead: string | null | undefined;

/** This boot's id (Linux's `/proc/sys/kernel/random/boot_id`, read once), or `null` where there is none. */
export function currentBootId(): string | null {
  if (bootIdRead === undefined) {
    try {
      bootIdRead = nodeFileSystem.readFileSync(BOOT_ID_FILE, 'utf8').trim() || null;
    } catch {
      bootIdRead = null;
    }
  }
  return bootIdRead;
}

/**
 * Takes the lock, or fails at once.
 * @throws DagbookError `STATE_LOCKED` naming the holder (pid, host, since, command) and the lock path.
 */
export function acquireStateLock(options: AcquireStateLockOptions): StateLock {
  const lockPath = path.resolve(options.lockPath);
  const isAlive = options.isAlive ?? isProcessAlive;
  const fs = options.fileSystem ?? nodeFileSystem;
  const bootId = options.bootId === undefined ? currentBootId() : options.bootId;
  const info: StateLockInfo = {
    pid: process.pid,
    hostname: os.hostname(),
    startedAt: new Date((options.now ?? Date.now)()).toISOString(),
    command: options.command ?? process.argv.join(' '),
    ...(bootId === null ? {} : { bootId }),
  };
  const text = `${JSON.stringify(info)}\n`;
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });

  let tookOverFrom: StateLockInfo | undefined;
  for (let round = 0; round < MAX_TAKEOVER_ROUNDS; round++) {
    if (tryCreate(lockPath, text, fs)) return heldLock(lockPath, info, text, tookOverFrom, fs);
    const holderText = readOrUndefined(lockPath, fs);
    if (holderText === undefined) continue; // Released meanwhile: try again.
    const holder = parseInfo(holderText);
    const earlierBoot = holder !== undefined && holder.bootId !== undefined && bootId !== null && holder.bootId !== bootId;
    if (!holder || holder.hostname !== info.hostname || (!earlierBoot && isAlive(holder.pid))) {
      throw lockedError(lockPath, holder, info);
    }
    if (moveStaleAside(lockPath, holderText, fs)) tookOverFrom = holder;
  }
  throw lockedError(lockPath, parseInfo(readOrUndefined(lockPath, fs) ?? ''), info);
}

/** Reads a lock file's holder, or undefined when there is none or it is unreadable. */
export function readStateLock(lockPath: string, fs: StateFileSystem = nodeFileSystem): StateLockInfo | undefined {
  const text = readOrUndefined(lockPath, fs);
  return text === undefined ? undefined : parseInfo(text);
}

let tempCounter = 0;

/**
 * Creates the lock file with `text`, or returns false when one exists. The
 * lock appears by `link` of a temp file already written and fsynced, so it is
 * never seen, nor left by a power cut, without its holder: an empty or torn
 * lock file would block every later open until someone deleted it.
 */
function tryCreate(lockPath: string, text: string, fs: StateFileSystem): boolean {
  const temp = path.join(path.dirname(lockPath), `.${path.basename(lockPath)}.${process.pid}.${++tempCounter}.tmp`);
  const fd = fs.openSync(temp, 'wx');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(temp, lockPath);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
  fsyncDirSync(path.dirname(lockPath), fs);
  return true;
}

/**
 * Renames the stale lock aside. If what got moved is not the stale text we
 * judged (another taker replaced it in between), it is a live lock: put it back.
 */
function moveStaleAside(lockPath: string, staleText: string, fs: StateFileSystem): boolean {
  const aside = `${lockPath}.stale-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
  const moved = readOrUndefined(aside, fs);
  if (moved === staleText) {
    fs.rmSync(aside, { force: true });
    return true;
  }
  try {
    fs.linkSync(aside, lockPath); // Fails if someone created a lock meanwhile: theirs stands.
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error;
  }
  fs.rmSync(aside, { force: true });
  return false;
}

function readOrUndefined(file: string, fs: StateFileSystem): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function parseInfo(text: string): StateLockInfo | undefined {
  try {
    const value = JSON.parse(text) as Partial<StateLockInfo>;
    if (typeof value.pid !== 'number' || typeof value.hostname !== 'string') return undefined;
    return {
      pid: value.pid,
      hostname: value.hostname,
      startedAt: String(value.startedAt ?? 'an unknown time'),
      command: String(value.command ?? ''),
      ...(typeof value.bootId === 'string' ? { bootId: value.bootId } : {}),
    };
  } catch {
    return undefined;
  }
}

function lockedError(lockPath: string, holder: StateLockInfo | undefined, self: StateLockInfo): DagbookError {
  if (!holder) {
    return new DagbookError(
      'STATE_LOCKED',
      `The state is locked by ${lockPath}, whose holder cannot be read; if no dagbook process is using this state, delete that file.`,
      { data: { lockPath } },
    );
  }
  const same = holder.pid === self.pid && holder.hostname === self.hostname;
  const hint = same
    ? ' (this very process: close the store opened earlier before opening it again)'
    : holder.hostname !== self.hostname
      ? ' (on another host: it cannot be checked from here; delete the file if that process is gone)'
      : '';
  return new DagbookError(
    'STATE_LOCKED',
    `The state is locked by pid ${holder.pid} on ${holder.hostname} since ${holder.startedAt} (command: ${holder.command || 'unknown'})${hint}; lock file ${lockPath}`,
    { data: { lockPath, holder } },
  );
}

const held = new Map<string, () => void>();
let exitHookInstalled = false;

function heldLock(lockPath: string, info: StateLockInfo, text: string, tookOverFrom: StateLockInfo | undefined, fs: StateFileSystem): StateLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    held.delete(lockPath);
    // Only remove the file while it is still ours.
    if (readOrUndefined(lockPath, fs) === text) fs.rmSync(lockPath, { force: true });
  };
  held.set(lockPath, release);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // One listener for every lock, so many stores do not trip the max-listeners warning.
    process.on('exit', () => {
      for (const releaseOne of [...held.values()]) {
        try {
          releaseOne();
        } catch {
          // Best effort at exit: the next opener will find the lock stale.
        }
      }
    });
  }
  return { path: lockPath, info, tookOverFrom, release };
}
