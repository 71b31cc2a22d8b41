import { Queue, QueueEvents } from 'bullmq';
import IORedis from 'ioredis';
import { DagbookError, errorMessage } from '../errors';
import { decodeOutput } from '../output-codec';
import type { AttemptExecutor, AttemptRequest } from './executor';
import { redisOptions } from './redis-connection';
import { stageJobId, type StageJobData, type StageJobReport, type StageJobResult } from './stage-job';
import { rebuildThreadError } from './thread-error';
import { stageWorkerData } from './thread-runner';

/**
 * The `bullmq` executor: each attempt of a stage (or of one item of a
 * per-item stage) is a BullMQ job on Redis, run by a `dagbook worker`
 * process (`bullmq-worker.ts`), possibly on another machine. The coordinator
 * keeps everything else — plan, cache decisions, retries, state, events — and
 * only awaits the job's answer (through QueueEvents), as it awaits a worker
 * thread's.
 *
 * - **Job id**: the stage execution's idempotency key and the attempt
 *   (`stage-job.ts`), so enqueueing an attempt twice adds one job; a job
 *   already finished answers at once.
 * - **Reports**: the stage's progress, usage and log lines arrive as the
 *   job's progress events and go through the attempt's real context, so the
 *   budget ledger and the events behave as locally (a usage the ledger
 *   refuses fails the attempt and cancels the job); a LOG event of the
 *   attempt names the worker that answered.
 * - **Abort**: when the attempt's signal aborts, the job is cancelled (a
 *   message on `dagbook:<queue>:cancel` that the worker running it turns into
 *   its abort signal); after `graceMs` the attempt settles with the abort's
 *   reason whatever the worker does.
 * - **Faults**: BullMQ attempts are 1 (the coordinator's retry policy decides
 *   about attempts); a job the queue fails (a worker lost more often than the
 *   workers' stall limit) fails the attempt with `EXECUTOR_JOB_FAILED`
 *   (class `transient`). A worker lost once is BullMQ's stalled-job check's
 *   business: another worker runs the job again, and this side sees one answer.
 *   While Redis cannot be reached, ioredis keeps reconnecting and the attempt
 *   waits, until its timeout or a cancellation ends it (at once: no job was
 *   enqueued to wait for).
 *
 * Connections: one Queue and one QueueEvents per Redis URL and queue, shared
 * by the attempts in flight and closed when the last one ends (so a finished
 * run leaves no socket holding the process).
 */

/** Channel on which a queue's jobs are cancelled; the message is the job id. */
export function cancelChannel(queue: string): string {
  return `dagbook:${queue}:cancel`;
}

/** How long finished jobs stay in Redis (so a duplicate enqueue finds them), seconds. */
const KEEP_FINISHED_S = 24 * 3600;

interface QueueClient {
  readonly queue: Queue;
  readonly events: QueueEvents;
  readonly publisher: IORedis;
  readonly ready: Promise<void>;
  refs: number;
}

const clients = new Map<string, QueueClient>();

function acquire(connection: string, name: string): QueueClient {
  const key = `${connection}\n${name}`;
  let client = clients.get(key);
  if (client === undefined) {
    const options = redisOptions(connection);
    const queue = new Queue(name, { connection: options });
    const publisher = new IORedis(options);
    // Connection errors are retried by ioredis; an attempt that cannot reach Redis ends by its timeout or cancellation.
    queue.on('error', () => undefined);
    // Every attempt in flight waits on the shared Queue and QueueEvents (BullMQ's own listeners per job): no listener limit.
    queue.setMaxListeners(0);
    publisher.on('error', () => undefined);
    // Events are read from the stream's current end, fixed before any job is added: none of ours can be missed.
    const ready = publisher.xrevrange(`bull:${name}:events`, '+', '-', 'COUNT', 1).then((last) => {
      const events = new QueueEvents(name, { connection: options, lastEventId: last.length > 0 ? last[0][0] : '0-0' });
      events.on('error', () => undefined);
      events.setMaxListeners(0);
      made.events = events;
      return events.waitUntilReady().then(() => undefined);
    });
    const made = { queue, publisher, ready, refs: 0 } as QueueClient & { events: QueueEvents };
    client = made;
    clients.set(key, client);
  }
  client.refs++;
  return client;
}

function release(connection: string, name: string, client: QueueClient): void {
  client.refs--;
  // Closed on the next turn, so back-to-back attempts share the connections.
  setImmediate(() => {
    if (client.refs > 0 || clients.get(`${connection}\n${name}`) !== client) return;
    clients.delete(`${connection}\n${name}`);
    void client.ready.then(
      () => client.events.close(),
      () => undefined,
    );
    void client.queue.close().catch(() => undefined);
    client.publisher.disconnect();
  });
}

async function runJob(request: AttemptRequest): Promise<unknown> {
  const { stage, context, clock, graceMs } = request;
  const { stageId, signal } = context;
  const executor = stage.executor;
  if (executor === undefined) {
    throw new DagbookError('STAGE_FAILED', `Stage \`${stageId}\`: its plan stage names no \`bullmq\` executor`, { stageId, errorClass: 'logic' });
  }
  const data: StageJobData = {
    ...stageWorkerData({ fnPath: request.fnPath ?? '', context, inputs: request.inputs, secrets: request.secrets, resources: request.resources }, 'its queue worker'),
    timeoutMs: stage.timeoutMs,
    graceMs: stage.graceMs,
  };
  if (signal.aborted) throw signal.reason;
  const jobId = stageJobId(context.idempotencyKey, context.attempt);
  const client = acquire(executor.connection, executor.queue);
  const timers = new AbortController();
  let onProgress: ((args: { jobId: string; data: unknown }) => void) | undefined;
  let onAbort: (() => void) | undefined;
  try {
    // Not awaited first: while Redis cannot be reached, the attempt's abort (its timeout, a cancelled run) still ends it.
    return await new Promise<unknown>((resolve, reject) => {
      let done = false;
      let enqueued = false;
      const settle = (ok: boolean, value: unknown): void => {
        if (done) return;
        done = true;
        if (ok) resolve(value);
        else reject(value);
      };
      const cancel = (): void => {
        void client.publisher.publish(cancelChannel(executor.queue), jobId).catch(() => undefined);
      };
      onAbort = () => {
        // Not on the queue yet (Redis not reached): there is no job to wait for.
        if (!enqueued) return settle(false, signal.reason);
        cancel();
        if (graceMs <= 0) return settle(false, signal.reason);
        clock.sleep(graceMs, timers.signal).then(
          () => settle(false, signal.reason),
          () => {},
        );
      };
      onProgress = ({ jobId: id, data: report }) => {
        if (id !== jobId || done || typeof report !== 'object' || report === null) return;
        const r = report as StageJobReport;
        if (r.type === 'progress') context.progress(r.done, r.total, r.message);
        else if (r.type === 'log') context.log(r.message, r.metadata);
        else if (r.type === 'usage') {
          try {
            context.usage(r.resource, r.amount);
          } catch (error) {
            cancel();
            settle(false, error);
          }
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
      client.ready
        .then(() => {
          if (done) throw signal.reason;
          client.events.on('progress', onProgress!);
          enqueued = true;
          return client.queue.add(stageId, data, { jobId, attempts: 1, removeOnComplete: { age: KEEP_FINISHED_S }, removeOnFail: { age: KEEP_FINISHED_S } });
        })
        .then((job) => job.waitUntilFinished(client.events))
        .then(
          (answer: StageJobResult) => {
            if (done) return;
            // Which worker ran the attempt, for the views (a LOG event of the attempt).
            context.log(`Stage \`${stageId}\` attempt ${context.attempt} ran on worker ${answer.worker}`, { worker: answer.worker, jobId });
            request.ranOn?.(answer.worker);
            if (answer.type === 'error') return settle(false, rebuildThreadError(answer.error));
            try {
              settle(true, decodeOutput(answer.output, `the output of stage \`${stageId}\` from its queue worker`));
            } catch (error) {
              settle(false, error);
            }
          },
          (error: unknown) =>
            settle(
              false,
              new DagbookError('EXECUTOR_JOB_FAILED', `Stage \`${stageId}\`: its queue job \`${jobId}\` on queue \`${executor.queue}\` failed: ${errorMessage(error)}`, {
                stageId,
                errorClass: 'transient',
                cause: error,
                data: { jobId, queue: executor.queue },
              }),
            ),
        );
    });
  } finally {
    timers.abort();
    if (onProgress !== undefined) client.events?.off('progress', onProgress);
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    release(executor.connection, executor.queue, client);
  }
}

/** Runs attempts as BullMQ jobs on the queue the plan stage names (see the module comment). */
export const bullmqExecutor: AttemptExecutor = {
  kind: 'bullmq',
  runAttempt: runJob,
};
