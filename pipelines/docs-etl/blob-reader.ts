import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { DagbookError } from '../../src/errors';

/**
 * Blobs of a repository read through one long-lived `git cat-file --batch`
 * per repository folder, shared by every page of a run: a git process per
 * page costs more (~5 ms to start) than parsing the page. Requests are
 * written to its stdin one hash a line and answered in order on stdout
 * (`<hash> blob <size>\n<content>\n`, or `<hash> missing\n`), so a FIFO of
 * pending requests is the whole protocol. While nothing is pending, the
 * process and its pipes are unreferenced: they do not keep Node running,
 * and git exits when Node does (its stdin closes). The protocol is git's
 * own and small; no git library is loaded for it.
 */

interface Pending {
  readonly hash: string;
  readonly resolve: (text: string) => void;
  readonly reject: (error: unknown) => void;
}

/** One `git cat-file --batch` process. */
class BatchReader {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: Pending[] = [];
  private buffer = Buffer.alloc(0);
  private failure: DagbookError | undefined;

  constructor(private readonly repoDir: string, private readonly onExit: () => void) {
    this.child = spawn('git', ['cat-file', '--batch'], { cwd: repoDir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    this.child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    this.child.stdout.on('data', (d: Buffer) => this.received(d));
    const fail = (why: string): void => {
      this.failure = new DagbookError('STAGE_FAILED', `git cat-file --batch in ${repoDir} ${why}${stderr.trim() === '' ? '' : `: ${stderr.trim()}`}`, { data: { cwd: repoDir } });
      for (const p of this.pending.splice(0)) p.reject(this.failure);
      this.onExit();
    };
    this.child.on('error', (error) => fail(`could not run (${error.message})`));
    this.child.on('exit', (code, signal) => fail(`exited (${signal ?? code})`));
    this.child.stdin.on('error', () => undefined);
    this.idle();
  }

  /** Reads one blob as UTF-8 text. */
  read(hash: string): Promise<string> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) this.busy();
      this.pending.push({ hash, resolve, reject });
      this.child.stdin.write(`${hash}\n`);
    });
  }

  private received(data: Buffer): void {
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    while (this.pending.length > 0) {
      const eol = this.buffer.indexOf(0x0a);
      if (eol < 0) return;
      const header = this.buffer.toString('utf8', 0, eol);
      const [, type, size] = header.split(' ');
      const head = this.pending[0]!;
      if (type !== 'blob') {
        this.buffer = this.buffer.subarray(eol + 1);
        this.pending.shift();
        head.reject(new DagbookError('STAGE_FAILED', `Blob ${head.hash} is not in the repository at ${this.repoDir} (git cat-file: ${header})`, { data: { cwd: this.repoDir, hash: head.hash } }));
      } else {
        const end = eol + 1 + Number(size);
        if (this.buffer.length < end + 1) return;
        const text = this.buffer.toString('utf8', eol + 1, end);
        this.buffer = this.buffer.subarray(end + 1);
        this.pending.shift();
        head.resolve(text);
      }
    }
    if (this.pending.length === 0) this.idle();
  }

  private busy(): void {
    this.child.ref();
    handle(this.child.stdout).ref?.();
  }

  private idle(): void {
    this.child.unref();
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) handle(stream).unref?.();
  }
}

/** A child's pipe as the socket it is (typed as a plain stream). */
function handle(stream: unknown): { ref?: () => void; unref?: () => void } {
  return stream as { ref?: () => void; unref?: () => void };
}

const readers = new Map<string, BatchReader>();

/**
 * Reads a blob of the repository at `repoDir` as UTF-8 text, through the
 * folder's shared `git cat-file --batch`.
 * @throws DagbookError `STAGE_FAILED` (as a rejection) when the blob is not there or git cannot run.
 */
export function readBlobShared(repoDir: string, hash: string): Promise<string> {
  let reader = readers.get(repoDir);
  if (reader === undefined) {
    const created = new BatchReader(repoDir, () => {
      if (readers.get(repoDir) === created) readers.delete(repoDir);
    });
    reader = created;
    readers.set(repoDir, reader);
  }
  return reader.read(hash);
}
