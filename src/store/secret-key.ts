import { createHmac, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { DagbookError } from '../errors';
import { errnoCode, fsyncDirSync } from './atomic-file';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/**
 * The key a state folder hashes secret values with. A cache key keeps a hash
 * of each param so that a change can be named; for a secret param a plain
 * sha256 would let anyone who reads `db.json` guess a short secret by hashing
 * candidates, so secrets are hashed with HMAC-SHA256 under a random key kept
 * beside the state (`state/<pipeline>/secret.key`, mode 0600). The key is
 * made once: a second process that races to make it keeps the first one's
 * (the file appears by `link`, which never replaces an existing file).
 */

/** Bytes of a secret key. */
export const SECRET_KEY_BYTES = 32;

/** Hex HMAC-SHA256 of `value` under `key`. */
export function keyedDigest(key: Uint8Array, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}

/**
 * Reads the secret key at `file`, making it first when there is none.
 * @throws DagbookError `STATE_CORRUPT` naming the file when it is not a key
 *   of {@link SECRET_KEY_BYTES} bytes.
 */
export function loadOrCreateSecretKey(
  file: string,
  random: (bytes: number) => Uint8Array = randomBytes,
  fs: StateFileSystem = nodeFileSystem,
): Uint8Array {
  if (!fs.existsSync(file)) createKeyFile(file, random(SECRET_KEY_BYTES), fs);
  const key = fs.readFileSync(file);
  if (key.length !== SECRET_KEY_BYTES) {
    throw new DagbookError(
      'STATE_CORRUPT',
      `The secret key \`${file}\` should be ${SECRET_KEY_BYTES} bytes, got ${key.length}: delete it to make a new one (stages with secret params then run again)`,
      { data: { path: file, bytes: key.length } },
    );
  }
  return key;
}

/**
 * Reads the secret key at `file` without making one (for readers, which never
 * write); undefined when there is none yet or it is not a whole key.
 */
export function readSecretKey(file: string, fs: StateFileSystem = nodeFileSystem): Uint8Array | undefined {
  try {
    const key = fs.readFileSync(file);
    return key.length === SECRET_KEY_BYTES ? key : undefined;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function createKeyFile(file: string, key: Uint8Array, fs: StateFileSystem): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = fs.openSync(temp, 'wx', 0o600);
  try {
    fs.writeSync(fd, key);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(temp, file);
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
  fsyncDirSync(path.dirname(file), fs);
}
