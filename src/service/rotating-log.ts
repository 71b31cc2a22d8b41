import * as fs from 'node:fs';
import * as nodePath from 'node:path';

/**
 * A service's output as a log file rotated by size: when a write would take
 * the file past `maxBytes`, `<file>.N-1` becomes `<file>.N` … the file becomes
 * `<file>.1`, and a new file starts; at most `keep` rotated files stay. It
 * also keeps the last lines in memory, for a failure's error and for a
 * readiness probe that waits for a line.
 *
 * Hand-written rather than a log library: the only rotation library at hand
 * would be another dependency for thirty lines, and the supervisor needs
 * the lines as they pass anyway. Writes are synchronous appends, so the
 * file holds the output in the order the process wrote it, and a rotation
 * never races a write.
 */

/** Lines kept in memory. */
export const LAST_LINES_KEPT = 50;

/** A size-rotated log file. */
export class RotatingLog {
  private fd: number;
  private size: number;
  private partial = '';
  private readonly recent: string[] = [];

  constructor(
    readonly file: string,
    private readonly options: { readonly maxBytes: number; readonly keep: number },
  ) {
    fs.mkdirSync(nodePath.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'a');
    this.size = fs.fstatSync(this.fd).size;
  }

  /** Appends output; calls `onLine` with every line it completes. */
  write(chunk: Buffer | string, onLine?: (line: string) => void): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    // A chunk holds as many lines as the process wrote since the last read (many, when this process is slow):
    // rotated line by line, a file ends on a whole line and stays within maxBytes (a longer line is cut).
    for (const piece of pieces(bytes, this.options.maxBytes)) {
      if (this.size > 0 && this.size + piece.length > this.options.maxBytes) this.rotate();
      fs.writeSync(this.fd, piece);
      this.size += piece.length;
    }
    const lines = (this.partial + bytes.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      this.recent.push(line);
      if (this.recent.length > LAST_LINES_KEPT) this.recent.shift();
      onLine?.(line);
    }
  }

  /** The last lines written (a line not yet ended by a newline last), at most `n`. */
  lastLines(n = 20): string[] {
    const lines = this.partial === '' ? this.recent : [...this.recent, this.partial];
    return lines.slice(-n);
  }

  /** The rotated files that exist, newest first. */
  rotatedFiles(): string[] {
    const files: string[] = [];
    for (let i = 1; i <= this.options.keep; i++) if (fs.existsSync(`${this.file}.${i}`)) files.push(`${this.file}.${i}`);
    return files;
  }

  /** Closes the file. */
  close(): void {
    fs.closeSync(this.fd);
  }

  private rotate(): void {
    fs.closeSync(this.fd);
    const { keep } = this.options;
    fs.rmSync(`${this.file}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) if (fs.existsSync(`${this.file}.${i}`)) fs.renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    if (keep > 0) fs.renameSync(this.file, `${this.file}.1`);
    else fs.rmSync(this.file, { force: true });
    this.fd = fs.openSync(this.file, 'a');
    this.size = 0;
  }
}

/** `bytes` cut after each newline, and every piece longer than `max` cut into pieces of `max` bytes. */
function pieces(bytes: Buffer, max: number): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  while (start < bytes.length) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline < 0 ? bytes.length : newline + 1;
    for (let at = start; at < end; at += Math.max(1, max)) out.push(bytes.subarray(at, Math.min(end, at + Math.max(1, max))));
    start = end;
  }
  return out;
}
