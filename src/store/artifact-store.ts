import * as fs from 'node:fs';
import * as path from 'node:path';
import { DagbookError } from '../errors';
import { sha256 } from '../canonical-json';
import { decodeOutput, encodeOutput } from '../output-codec';
import type { StorableOutputOptions } from '../output-check';
import { errnoCode, fsyncDirSync, writeFileAtomicSync } from './atomic-file';

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
 * file is never rewritten (same name, same content).
 */
export class ArtifactStore {
  constructor(
    /** The `artifacts` folder. */
    readonly dir: string,
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
    const text = encodeOutput(value, options);
    const hash = sha256(text);
    const file = this.pathOf(hash);
    if (fs.existsSync(file)) return hash;
    if (!fs.existsSync(this.dir)) {
      fs.mkdirSync(this.dir, { recursive: true });
      fsyncDirSync(path.dirname(this.dir));
    }
    writeFileAtomicSync(file, text);
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
      bytes = fs.readFileSync(file);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') throw missing(hash, file);
      throw error;
    }
    const actual = sha256(bytes);
    if (actual !== hash) {
      throw new DagbookError('STATE_CORRUPT', `The output ${file} is damaged: its content hashes to ${actual}, not ${hash}`, {
        data: { path: file, hash, actual },
      });
    }
    return decodeOutput(bytes.toString('utf8'), file);
  }

  /** Whether an output is stored. */
  has(hash: string): boolean {
    return isOutputHash(hash) && fs.existsSync(this.pathOf(hash));
  }

  /** Hashes of every stored output, sorted. */
  list(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw error;
    }
    return names.filter(isOutputHash).sort();
  }

  /** Removes an output; returns whether it was there. */
  remove(hash: string): boolean {
    if (!this.has(hash)) return false;
    fs.rmSync(this.pathOf(hash), { force: true });
    return true;
  }
}

function missing(hash: string, where: string): DagbookError {
  return new DagbookError('OUTPUT_MISSING', `No output with hash \`${hash}\` (looked for ${where})`, {
    data: { hash, path: where },
  });
}
