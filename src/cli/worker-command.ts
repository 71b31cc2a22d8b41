import type { Command } from 'commander';
import { systemClock } from '../clock';
import { stateFolderValues } from '../store/shared-values';
import type * as BullmqWorker from '../execute/bullmq-worker';
import { integerOption, positiveNumberOption } from './numeric-options';
import { untilStopSignal } from './stop-signal';

/**
 * `dagbook worker --redis URL [--queue NAME] [--concurrency N]`: a queue
 * worker process that runs the attempts of `bullmq` stages
 * (`execute/bullmq-worker.ts`) until SIGTERM or SIGINT, on which it stops
 * taking jobs, lets the running ones finish and exits 0.
 */

interface WorkerCommandOptions {
  redis: string;
  queue: string;
  concurrency: number;
  name?: string;
  lockDuration?: number;
  stalledInterval?: number;
  heartbeat?: number;
}

/** Adds `dagbook worker` to `program`; `out` prints a line, `done` resolves the command's exit code once the worker stopped. */
export function addWorkerCommand(program: Command, out: (line: string) => void, exit: (code: number) => void): void {
  program
    .command('worker')
    .description('run the attempts of `bullmq` stages from a Redis queue until SIGTERM (the stages load from their `fn` modules, by absolute path)')
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://127.0.0.1:6379')
    .option('--queue <name>', 'queue name', 'dagbook')
    .option('--concurrency <n>', 'jobs run at once', integerOption('--concurrency', 1), 1)
    .option('--name <name>', 'this worker’s name in answers (default: <hostname>:<pid>)')
    .option('--lock-duration <ms>', 'how long a job’s lock lasts unless renewed, ms (BullMQ’s default: 30000)', positiveNumberOption('--lock-duration'))
    .option('--stalled-interval <ms>', 'how often to look for jobs whose worker is gone, ms (BullMQ’s default: 30000)', positiveNumberOption('--stalled-interval'))
    .option('--heartbeat <ms>', 'time between two heartbeats, ms (default: 5000)', positiveNumberOption('--heartbeat'))
    .action(async (opts: WorkerCommandOptions) => {
      // Loaded here, not with the CLI: BullMQ costs ~100 ms to load, which no other command needs.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { startStageWorker } = require('../execute/bullmq-worker') as typeof BullmqWorker;
      const worker = startStageWorker({
        connection: opts.redis,
        queue: opts.queue,
        concurrency: opts.concurrency,
        clock: systemClock,
        sharedValues: stateFolderValues,
        ...(opts.name === undefined ? {} : { name: opts.name }),
        ...(opts.lockDuration === undefined ? {} : { lockDurationMs: opts.lockDuration }),
        ...(opts.stalledInterval === undefined ? {} : { stalledIntervalMs: opts.stalledInterval }),
        ...(opts.heartbeat === undefined ? {} : { heartbeatMs: opts.heartbeat }),
      });
      await worker.ready;
      out(`worker ${worker.name} on queue ${opts.queue} at ${opts.redis} (concurrency ${opts.concurrency})`);
      await untilStopSignal();
      await worker.close();
      out(`worker ${worker.name} stopped`);
      exit(0);
    });
}
