import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

/** The repository, the working folder of the watcher. */
const REPO = path.join(__dirname, '..', '..');
/** The `dagbook` CLI from src/ through tsx. */
const CLI = path.join(REPO, 'test', 'fixtures', 'dagbook-cli.ts');

/** A `dagbook watch` child process and the JSON lines it logged so far. */
export interface Watcher {
  readonly child: ChildProcess;
  readonly lines: any[];
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
  /** Resolves with the first line (from index `from` on) that `match` accepts; rejects after the give-up time, naming `what`. */
  line(match: (line: any) => boolean, what: string, from?: number): Promise<any>;
}

/** Starts `dagbook watch <args>`; a `line` wait gives up after `giveUpMs`. */
export function startWatch(args: readonly string[], giveUpMs = 30_000): Watcher {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'watch', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: any[] = [];
  let err = '';
  let buffer = '';
  const waiting = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let end: number;
    while ((end = buffer.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buffer.slice(0, end)));
      buffer = buffer.slice(end + 1);
    }
    for (const wake of waiting) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const line = (match: (line: any) => boolean, what: string, from = 0) =>
    new Promise<any>((resolve, reject) => {
      const check = () => {
        const found = lines.slice(from).find(match);
        if (found !== undefined) {
          waiting.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        waiting.delete(check);
        reject(new Error(`gave up waiting for ${what}; lines: ${JSON.stringify(lines)}; stderr: ${err}`));
      }, giveUpMs);
      waiting.add(check);
      void exit.then(() => setTimeout(check, 0));
      check();
    });
  return { child, lines, stderr: () => err, exit, line };
}
