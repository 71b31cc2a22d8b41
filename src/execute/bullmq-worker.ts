import * as os from 'node:os';
import { Worker, type Job } from 'bullmq';
import IORedis from 'ioredis';
import type { Clock } from '../clock';
import { DagbookError } from '../errors';
import { cancelChannel } from './bullmq-executor';
import type { SharedValues } from '../shared-values';
import { redisOptions } from './redis-connection';
import { runStageJob, type StageJobData, type StageJobResult } from './stage-job';
import { DEFAULT_HEARTBEAT_MS } from './worker-beat';
import { startHeartbeat } from './worker-heartbeat';

/**
 * A queue worker: takes stage jobs from a BullMQ queue and runs each in this
 * process (`runStageJob`: the stage's module loaded by path, the attempt's
 * timeout applied), at most `concurrency` at once. Progress, usage and log
 * lines go back as job progress; the answer is the job's return value. A job
 * cancelled by its coordinator (`dagbook:<queue>:cancel`) has its signal
 * aborted. A worker that dies mid-job loses its lock: after the stalled-job
 * check (`stalledIntervalMs`) another worker runs the job again. Every
 * `heartbeatMs` it writes its heartbeat (name, host, pid, jobs running,
 * completed and failed: `worker-heartbeat.ts`) for `dagbook workers` and the
 * status views; a graceful close deletes it.
 */

/** Options of {@link startStageWorker}. */
export interface StageWorkerOptions {
  /** Redis URL. */
  readonly connection: string;
  /** Queue name. @default 'dagbook' */
  readonly queue?: string;
  /** Jobs run at once, at most. @default 1 */
  readonly concurrency?: number;
  /** Name of this worker in answers. @default `<hostname>:<pid>` */
  readonly name?: string;
  /** How long a job's lock lasts before it must be renewed, ms. @default 30000 (BullMQ's) */
  readonly lockDurationMs?: number;
  /** How often workers look for jobs whose worker is gone, ms. @default 30000 (BullMQ's) */
  readonly stalledIntervalMs?: number;
  /** Time between two heartbeats, ms. @default 5000 */
  readonly heartbeatMs?: number;
  /** Times the attempts' timeouts and the heartbeats. */
  /** Where large inputs come from and large outputs go (`shared-values.ts`). @default none: in the job */
  readonly sharedValues?: SharedValues;
  readonly clock: Clock;
}

/** A running queue worker. */
export interface StageWorkerHandle {
  /** This worker's name. */
  readonly name: string;
  /** Resolves once it is connected and taking jobs. */
  readonly ready: Promise<void>;
  /** Stops taking jobs, waits for the running ones, and disconnects. */
  close(): Promise<void>;
}

/**
 * Starts a queue worker.
 * @throws DagbookError `INVALID_OPTION` when the URL is not a Redis URL or `concurrency` is not an integer >= 1.
 */
export function startStageWorker(options: StageWorkerOptions): StageWorkerHandle {
  const queue = options.queue ?? 'dagbook';
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new DagbookError('INVALID_OPTION', `Expected \`concurrency\` to be an integer >= 1, got \`${String(concurrency)}\``, { errorClass: 'logic' });
  }
  const connection = redisOptions(options.connection);
  const name = options.name ?? `${os.hostname()}:${process.pid}`;
  const figures = { running: 0, completed: 0, failed: 0 };
  const processor = async (job: Job<StageJobData, StageJobResult>, _token?: string, signal?: AbortSignal): Promise<StageJobResult> => {
    figures.running++;
    let answered: StageJobResult | undefined;
    try {
      answered = await runStageJob(job.data, {
        worker: name,
        clock: options.clock,
        signal: signal ?? new AbortController().signal,
        report: (report) => {
          void job.updateProgress(report).catch(() => undefined);
        },
        ...(options.sharedValues === undefined ? {} : { sharedValues: options.sharedValues }),
      });
      return answered;
    } finally {
      figures.running--;
      if (answered?.type === 'result') figures.completed++;
      else figures.failed++;
    }
  };
  const worker = new Worker<StageJobData, StageJobResult>(queue, processor, {
    connection,
    concurrency,
    name,
    ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
    ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
  });
  // A job's failure is reported through its coordinator; a connection error is retried by ioredis.
  worker.on('error', () => undefined);
  const subscriber = new IORedis(connection);
  subscriber.on('error', () => undefined);
  subscriber.on('message', (_channel: string, jobId: string) => {
    worker.cancelJob(jobId, 'cancelled by its coordinator');
  });
  const beats = new IORedis(connection);
  beats.on('error', () => undefined);
  const startedAt = options.clock.now();
  const heartbeat = startHeartbeat({
    redis: beats,
    queue,
    intervalMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    clock: options.clock,
    figures: () => ({ name, host: os.hostname(), pid: process.pid, concurrency, startedAt, ...figures }),
  });
  const ready = Promise.all([worker.waitUntilReady(), subscriber.subscribe(cancelChannel(queue)), heartbeat.first]).then(() => undefined);
  return {
    name,
    ready,
    close: async () => {
      await worker.close();
      subscriber.disconnect();
      await heartbeat.stop();
      beats.disconnect();
    },
  };
}
