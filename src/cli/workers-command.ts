import type { Command } from 'commander';
import { systemClock } from '../clock';
import { renderWorkers } from '../display/workers-view';
import type { QueueWorkers } from '../query/queue-workers';
import { errorMessage } from '../errors';
import type * as WorkerList from '../execute/worker-list';
import { positiveNumberOption } from './numeric-options';

/**
 * `dagbook workers --redis URL [--queue NAME] [--json]`: the workers of a
 * queue as their heartbeats tell (name, host, jobs running, completed and
 * failed, last heartbeat, alive or stale), as a table or as JSON. Exits 1
 * when Redis cannot be reached within `--timeout` (1 s by default), saying so.
 */

interface WorkersCommandOptions {
  redis: string;
  queue: string;
  json?: boolean;
  timeout: number;
}

/** Adds `dagbook workers` to `program`; `out` prints a line, `exit` sets the exit code. */
export function addWorkersCommand(program: Command, out: (line: string) => void, exit: (code: number) => void): void {
  program
    .command('workers')
    .description('the workers of a queue, from their heartbeats: jobs running, completed and failed, last heartbeat, alive or stale')
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://127.0.0.1:6379')
    .option('--queue <name>', 'queue name', 'dagbook')
    .option('--json', 'print the workers as JSON')
    .option('--timeout <ms>', 'time given to Redis to answer, ms', positiveNumberOption('--timeout'), 1000)
    .action(async (opts: WorkersCommandOptions) => {
      // Loaded here, not with the CLI: no other command needs ioredis.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { listWorkers } = require('../execute/worker-list') as typeof WorkerList;
      const now = systemClock.now();
      let read: QueueWorkers;
      try {
        read = { connection: opts.redis, queue: opts.queue, workers: await listWorkers(opts.redis, opts.queue, { now, timeoutMs: opts.timeout }) };
      } catch (error) {
        read = { connection: opts.redis, queue: opts.queue, error: errorMessage(error) };
      }
      out(opts.json ? JSON.stringify(read, null, 2) : renderWorkers(read, now).text);
      exit(read.workers === undefined ? 1 : 0);
    });
}
