import * as path from 'node:path';
import { DagbookError } from '../errors';
import { sha256 } from '../canonical-json';
import { decodeOutput, encodeOutput } from '../output-codec';
import type { StorableOutputOptions } from '../output-check';
import type { OutputCheck } from '../records';
import { fsyncDirSync, writeFileAtomicSync } from './atomic-file';
import { errnoCode, stateIo, stateIoError } from './state-io';
import { nodeFileSystem, type StateFileStats, type StateFileSystem } from './state-file-system';

const HASH = /^[0-9a-f]{64}$/;

/** True when `hash` looks like a sha256 hex digest (64 lower-case hex digits). */
export function isOutputHash(hash: string): boolean {
  return typeof hash === 'string' && HASH.test(hash);
}

/**
 * Content-addressed stage outputs: `artifacts/<sha256>`, each file one value
 * in its stored form (`output-codec`: canonical JSON, or a format line and
 * devalue text), named by the sha256 of the file's bytes. Files are written
 * temp + fsync + rename, so a file under its final name is whole; an existing
 * file is not rewritten (same name, same content) unless it is damaged.
 * `verify` checks a file without decoding it, memoized per instance by the
 * file's size and mtime, so checking 1,000 restored outputs twice costs 1,000
 * `stat` calls the second time. A file-system failure is `STATE_IO`.
 */
export class ArtifactStore {
  /** Verdicts of `verify` by hash, valid while the file keeps its size and mtime. */
  private readonly verified = new Map<string, { readonly size: number; readonly mtimeMs: number; readonly check: OutputCheck }>();

  constructor(
    /** The `artifacts` folder. */
    readonly dir: string,
    private readonly fs: StateFileSystem = nodeFileSystem,
  ) {}

  /** Path of an output's file. */
  pathOf(hash: string): string {
    return path.join(this.dir, hash);
  }

  /**
   * Stores a value; returns the sha256 of its stored form.
   * @throws DagbookError `OUTPUT_NOT_SERIALIZABLE` naming the stage (when
   * given) and the path of a part that cannot be stored.
   */
  put(value: unknown, options: StorableOutputOptions = {}): string {
    return this.putStored(encodeOutput(value, options));
  }

  /**
   * Stores an output already in its stored form (`encodeOutput`'s text);
   * returns its sha256. The file is durable when this returns.
   * @throws DagbookError `STATE_IO` naming the file when the file system refuses.
   */
  putStored(text: string): string {
    const hash = sha256(text);
    const file = this.pathOf(hash);
    if (this.verify(hash) === 'ok') return hash;
    if (!this.fs.existsSync(this.dir)) {
      stateIo('create folder', this.dir, () => this.fs.mkdirSync(this.dir, { recursive: true }));
      fsyncDirSync(path.dirname(this.dir), this.fs);
    }
    writeFileAtomicSync(file, text, this.fs);
    this.verified.delete(hash);
    return hash;
  }

  /**
   * Reads an output.
   * @throws DagbookError `OUTPUT_MISSING` naming the hash and path when absent;
   * `STATE_CORRUPT` when the file's content does not hash to its name or
   * cannot be read as an output.
   */
  get(hash: string): unknown {
    if (!isOutputHash(hash)) throw missing(hash, this.dir);
    const file = this.pathOf(hash);
    let bytes: Buffer;
    try {
      bytes = this.fs.readFileSync(file);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') throw missing(hash, file);
      throw stateIoError('read', file, error);
    }
    const actual = sha256(bytes);
    if (actual !== hash) {
      throw new DagbookError('STATE_CORRUPT', `The output ${file} is damaged: its content hashes to ${actual}, not ${hash}`, {
        data: { path: file, hash, actual },
      });
    }
    return decodeOutput(bytes.toString('utf8'), file);
  }

  /**
   * Whether an output is stored whole: `ok` when its file's content hashes to
   * its name, `missing` when there is no file, `corrupt` otherwise.
   * @throws DagbookError `STATE_IO` when the file cannot be read.
   */
  verify(hash: string): OutputCheck {
    if (!isOutputHash(hash)) return 'missing';
    const file = this.pathOf(hash);
    let stat: StateFileStats;
    try {
      stat = this.fs.statSync(file);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return 'missing';
      throw stateIoError('inspect', file, error);
    }
    const memo = this.verified.get(hash);
    if (memo && memo.size === stat.size && memo.mtimeMs === stat.mtimeMs) return memo.check;
    const bytes = stateIo('read', file, () => this.fs.readFileSync(file));
    const check: OutputCheck = sha256(bytes) === hash ? 'ok' : 'corrupt';
    this.verified.set(hash, { size: stat.size, mtimeMs: stat.mtimeMs, check });
    return check;
  }

  /** Whether an output is stored. */
  has(hash: string): boolean {
    return isOutputHash(hash) && this.fs.existsSync(this.pathOf(hash));
  }

  /** Hashes of every stored output, sorted. */
  list(): string[] {
    let names: string[];
    try {
      names = this.fs.readdirSync(this.dir);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw stateIoError('list', this.dir, error);
    }
    return names.filter(isOutputHash).sort();
  }

  /** Removes an output; returns whether it was there. */
  remove(hash: string): boolean {
    if (!this.has(hash)) return false;
    const file = this.pathOf(hash);
    stateIo('remove', file, () => this.fs.rmSync(file, { force: true }));
    this.verified.delete(hash);
    return true;
  }
}

function missing(hash: string, where: string): DagbookError {
  return new DagbookError('OUTPUT_MISSING', `No output with hash \`${hash}\` (looked for ${where})`, {
    data: { hash, path: where },
  });
}
