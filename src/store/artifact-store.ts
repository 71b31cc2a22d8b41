import * as fs from 'node:fs';
import * as path from 'node:path';
import { DagbookError } from '../errors';
import { canonicalJson, sha256 } from '../canonical-json';
import { errnoCode, fsyncDirSync, writeFileAtomicSync } from './atomic-file';

const HASH = /^[0-9a-f]{64}$/;

/** True when `hash` looks like a sha256 hex digest (64 lower-case hex digits). */
export function isOutputHash(hash: string): boolean {
  return typeof hash === 'string' && HASH.test(hash);
}

/**
 * Content-addressed stage outputs: `artifacts/<sha256>`, each file the
 * canonical JSON of one value, named by the sha256 of that text. Files are
 * written temp + fsync + rename, so a file under its final name is whole; an
 * existing file is never rewritten (same name, same content).
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
   * Stores a JSON value; returns the sha256 of its canonical JSON.
   * @throws DagbookError `INVALID_OPTION` when the value has a cycle or a bigint.
   */
  put(value: unknown): string {
    const text = canonicalJson(value);
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
   * `STATE_CORRUPT` when the file's content does not hash to its name.
   */
  get(hash: string): unknown {
    if (!isOutputHash(hash)) throw missing(hash, this.dir);
    const file = this.pathOf(hash);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') throw missing(hash, file);
      throw error;
    }
    const actual = sha256(text);
    if (actual !== hash) {
      throw new DagbookError('STATE_CORRUPT', `The output ${file} is damaged: its content hashes to ${actual}, not ${hash}`, {
        data: { path: file, hash, actual },
      });
    }
    return JSON.parse(text) as unknown;
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
