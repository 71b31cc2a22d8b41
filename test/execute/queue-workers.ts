import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { TestRedis } from '../redis';

/** The CLI in a child process through tsx (`dagbook worker`, `dagbook run`). */
export const WORKER_CHILD = path.join(__dirname, 'fixtures', 'worker-child.ts');

/** A `dagbook worker` child process. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the exit code once it exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then resolves with the exit code once it exited. */
  stop(): Promise<number | null>;
}

/** Starts `dagbook worker` in a child process; resolves once it says it takes jobs. */
export async function startWorker(redis: TestRedis, queue: string, extra: string[] = []): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_CHILD, 'worker', '--redis', redis.url, '--queue', queue, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (text.includes(`on queue ${queue}`)) resolve();
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`worker exited before it started:\n${text}`)));
  });
  return {
    child,
    output: () => text,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
