import { Queue, QueueEvents } from 'bullmq';
import IORedis from 'ioredis';
import type { Clock } from '../clock';
import type { StageContext } from '../definition/types';
import { DagbookError, errorMessage } from '../errors';
import { decodeOutput } from '../output-codec';
import type { PlanBullmqExecutor } from '../plan/plan';
import type { AttemptExecutor, AttemptRequest } from './executor';
import type { SharedValues } from '../shared-values';
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
 * - **Job id**: the run, the stage execution's idempotency key and the attempt
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

/** One attempt waiting for its job's answer. */
interface InFlight {
  readonly jobId: string;
  readonly stageId: string;
  readonly data: StageJobData;
  readonly context: StageContext;
  /** Notes the worker that answered, for the attempt's record. */
  readonly ranOn?: (worker: string) => void;
  /** Where a large output comes from. */
  readonly sharedValues?: SharedValues;
  /** Whether the job was handed to Redis (an abort then cancels it on its worker). */
  enqueued: boolean;
  /** Settles the attempt once; later answers are ignored. */
  readonly settle: (ok: boolean, value: unknown) => void;
}

/** The connections to one queue, shared by the attempts in flight on it. */
interface QueueClient {
  readonly connection: string;
  readonly name: string;
  readonly queue: Queue;
  readonly publisher: IORedis;
  /** Resolves once the events are read (from the stream's end as it was before any job of ours was added). */
  readonly ready: Promise<QueueEvents>;
  readonly inflight: Map<string, InFlight>;
  refs: number;
  /** Since when Redis could not be reached (absent while it can). */
  downSince?: number;
  /** Whether it was reached once (a later `ready` is a reconnection). */
  reached: boolean;
  /** Fails the attempts in flight once Redis was unreachable for the executor's `unreachableTimeoutMs`. */
  unreachableTimer?: NodeJS.Timeout;
  /** Set once that happened, until Redis answers again: a new attempt fails at once. */
  unreachable?: DagbookError;
}

const clients = new Map<string, QueueClient>();

function unreachableError(client: QueueClient, timeoutMs: number): DagbookError {
  return new DagbookError(
    'REDIS_UNREACHABLE',
    `Redis at ${client.connection} (queue \`${client.name}\`) could not be reached for ${timeoutMs} ms: the stage's attempt on it ends here (its job, if Redis kept it, may still run on a worker; a retry is a new job)`,
    { errorClass: 'transient', data: { connection: client.connection, queue: client.name, unreachableTimeoutMs: timeoutMs } },
  );
}

/** Redis is gone: after `timeoutMs` without it, every attempt in flight fails with `REDIS_UNREACHABLE`. */
function markDown(client: QueueClient, timeoutMs: number, now: number): void {
  if (client.downSince !== undefined) return;
  client.downSince = now;
  client.unreachableTimer = setTimeout(() => {
    client.unreachable = unreachableError(client, timeoutMs);
    for (const entry of [...client.inflight.values()]) entry.settle(false, client.unreachable);
  }, timeoutMs);
  client.unreachableTimer.unref();
}

/** Redis answers again: after a reconnection, each job in flight is looked up (see {@link recheck}). */
function markUp(client: QueueClient): void {
  if (client.unreachableTimer !== undefined) clearTimeout(client.unreachableTimer);
  client.unreachableTimer = undefined;
  client.unreachable = undefined;
  const reconnected = client.downSince !== undefined && client.reached;
  client.downSince = undefined;
  client.reached = true;
  if (reconnected) for (const entry of client.inflight.values()) if (entry.enqueued) void recheck(client, entry);
}

/**
 * Settles an attempt whose job finished while its answer could not arrive
 * (events lost with a restarted Redis), and enqueues again a job that Redis
 * lost (restarted without persistence): same job id, so a job that is still
 * there is not added twice. Called once a job is added and after every
 * reconnection.
 */
async function recheck(client: QueueClient, entry: InFlight): Promise<void> {
  try {
    const job = await client.queue.getJob(entry.jobId);
    if (!client.inflight.has(entry.jobId)) return;
    if (job === undefined) {
      entry.context.log(`Stage \`${entry.stageId}\` attempt ${entry.context.attempt}: its queue job \`${entry.jobId}\` was lost by Redis; enqueued again`, { jobId: entry.jobId });
      await addJob(client, entry);
      return;
    }
    // One read (the job's hash): a finished job has `finishedOn`, and our answers are objects, so a completed one a `returnvalue`.
    if (job.finishedOn === undefined) return;
    if (job.returnvalue != null) answered(client, entry.jobId, job.returnvalue as StageJobResult);
    else failed(client, entry.jobId, job.failedReason);
  } catch {
    // Redis went away again: the next reconnection looks again.
  }
}

function addJob(client: QueueClient, entry: InFlight): Promise<unknown> {
  return client.queue.add(entry.stageId, entry.data, {
    jobId: entry.jobId,
    attempts: 1,
    removeOnComplete: { age: KEEP_FINISHED_S },
    removeOnFail: { age: KEEP_FINISHED_S },
  });
}

/** A job's answer: the attempt settles with the stage's output (read from the shared store when sent there) or error. */
function answered(client: QueueClient, jobId: string, answer: StageJobResult): void {
  const entry = client.inflight.get(jobId);
  if (entry === undefined) return;
  const { context, stageId } = entry;
  // Which worker ran the attempt: on its record, and for a stage (not each of 100,000 items) a LOG event.
  if (context.item === undefined) context.log(`Stage \`${stageId}\` attempt ${context.attempt} ran on worker ${answer.worker}`, { worker: answer.worker, jobId });
  entry.ranOn?.(answer.worker);
  if (answer.type === 'error') return entry.settle(false, rebuildThreadError(answer.error));
  const what = `the output of stage \`${stageId}\` from its queue worker`;
  try {
    entry.settle(true, 'outputHash' in answer ? readSharedOutput(entry, answer.outputHash, what) : decodeOutput(answer.output, what));
  } catch (error) {
    entry.settle(false, error);
  }
}

/** An output the worker put in the shared values (it is only sent so when the coordinator shared its inputs' channel). */
function readSharedOutput(entry: InFlight, hash: string, what: string): unknown {
  if (entry.sharedValues === undefined) {
    throw new DagbookError('OUTPUT_MISSING', `${what.charAt(0).toUpperCase()}${what.slice(1)} came through the shared state folder as ${hash}, and this run reads no shared values`, {
      stageId: entry.stageId,
      data: { hash },
    });
  }
  return entry.sharedValues.read(entry.context.stateDir, hash, what);
}

/** The queue failed the job itself (not the stage: a worker lost more often than the stall limit). */
function failed(client: QueueClient, jobId: string, reason: string): void {
  const entry = client.inflight.get(jobId);
  if (entry === undefined) return;
  entry.settle(
    false,
    new DagbookError('EXECUTOR_JOB_FAILED', `Stage \`${entry.stageId}\`: its queue job \`${jobId}\` on queue \`${client.name}\` failed: ${reason}`, {
      stageId: entry.stageId,
      errorClass: 'transient',
      data: { jobId, queue: client.name },
    }),
  );
}

function acquire(executor: PlanBullmqExecutor, clock: Clock): QueueClient {
  const { connection, queue: name, unreachableTimeoutMs } = executor;
  const key = `${connection}\n${name}`;
  let client = clients.get(key);
  if (client === undefined) {
    const options = redisOptions(connection);
    const queue = new Queue(name, { connection: options });
    const publisher = new IORedis(options);
    // Connection errors are retried by ioredis; how long an attempt waits for them is the executor's `unreachableTimeoutMs`.
    queue.on('error', () => undefined);
    // Every attempt in flight waits on the shared Queue (BullMQ's own listeners per job): no listener limit.
    queue.setMaxListeners(0);
    publisher.on('error', () => undefined);
    const inflight = new Map<string, InFlight>();
    // Events are read from the stream's current end, fixed before any job is added: none of ours can be missed.
    const ready = publisher.xrevrange(`bull:${name}:events`, '+', '-', 'COUNT', 1).then(async (last) => {
      const events = new QueueEvents(name, { connection: options, lastEventId: last.length > 0 ? last[0][0] : '0-0' });
      events.on('error', () => undefined);
      events.on('completed', ({ jobId, returnvalue }) => answered(made, jobId, returnvalue as unknown as StageJobResult));
      events.on('failed', ({ jobId, failedReason }) => failed(made, jobId, failedReason));
      events.on('progress', ({ jobId, data }) => progressed(made, jobId, data));
      await events.waitUntilReady();
      return events;
    });
    const made: QueueClient = { connection, name, queue, publisher, ready, inflight, refs: 0, reached: false };
    client = made;
    clients.set(key, made);
    // Not reached yet: the same clock as a lost connection.
    markDown(made, unreachableTimeoutMs, clock.now());
    publisher.on('ready', () => markUp(made));
    publisher.on('close', () => markDown(made, unreachableTimeoutMs, clock.now()));
  }
  client.refs++;
  return client;
}

function release(client: QueueClient): void {
  client.refs--;
  const key = `${client.connection}\n${client.name}`;
  // Closed on the next turn, so back-to-back attempts share the connections.
  setImmediate(() => {
    if (client.refs > 0 || clients.get(key) !== client) return;
    clients.delete(key);
    if (client.unreachableTimer !== undefined) clearTimeout(client.unreachableTimer);
    void client.ready.then(
      (events) => events.close(),
      () => undefined,
    );
    void client.queue.close().catch(() => undefined);
    client.publisher.disconnect();
  });
}

/** A report of a running job (progress, usage, a log line) applied through its attempt's real context. */
function progressed(client: QueueClient, jobId: string, report: unknown): void {
  const entry = client.inflight.get(jobId);
  if (entry === undefined || typeof report !== 'object' || report === null) return;
  const r = report as StageJobReport;
  const { context } = entry;
  if (r.type === 'progress') context.progress(r.done, r.total, r.message);
  else if (r.type === 'log') context.log(r.message, r.metadata);
  else if (r.type === 'usage') {
    try {
      context.usage(r.resource, r.amount);
    } catch (error) {
      // The ledger refused it (a budget is spent): the attempt fails and its job is cancelled.
      cancelJob(client, jobId);
      entry.settle(false, error);
    }
  }
}

function cancelJob(client: QueueClient, jobId: string): void {
  void client.publisher.publish(cancelChannel(client.name), jobId).catch(() => undefined);
}

/** The job's data: what a worker needs, with large inputs put in the shared store when the state folder is there. */
function jobData(request: AttemptRequest): StageJobData {
  const { stage, context } = request;
  const { inputs, ...data } = stageWorkerData(
    { fnPath: request.fnPath ?? '', context, inputs: request.inputs, secrets: request.secrets, resources: request.resources },
    'its queue worker',
  );
  const inputsHash = request.sharedValues?.share(context.stateDir, inputs);
  return { ...data, ...(inputsHash === undefined ? { inputs } : { inputsHash }), timeoutMs: stage.timeoutMs, graceMs: stage.graceMs };
}

async function runJob(request: AttemptRequest): Promise<unknown> {
  const { stage, context, clock, graceMs } = request;
  const { stageId, signal } = context;
  const executor = stage.executor;
  if (executor === undefined) {
    throw new DagbookError('STAGE_FAILED', `Stage \`${stageId}\`: its plan stage names no \`bullmq\` executor`, { stageId, errorClass: 'logic' });
  }
  const data = jobData(request);
  if (signal.aborted) throw signal.reason;
  const jobId = stageJobId(context.runId, context.idempotencyKey, context.attempt);
  const client = acquire(executor, clock);
  const timers = new AbortController();
  let onAbort: (() => void) | undefined;
  try {
    if (client.unreachable !== undefined) throw client.unreachable;
    // Not awaited first: while Redis cannot be reached, the attempt's abort (its timeout, a cancelled run) still ends it.
    return await new Promise<unknown>((resolve, reject) => {
      const entry: InFlight = {
        jobId,
        stageId,
        data,
        context,
        ...(request.ranOn === undefined ? {} : { ranOn: request.ranOn }),
        ...(request.sharedValues === undefined ? {} : { sharedValues: request.sharedValues }),
        enqueued: false,
        settle: (ok, value) => {
          if (client.inflight.get(jobId) !== entry) return;
          client.inflight.delete(jobId);
          if (ok) resolve(value);
          else reject(value);
        },
      };
      client.inflight.set(jobId, entry);
      onAbort = () => {
        // Not on the queue yet (Redis not reached): there is no job to wait for.
        if (!entry.enqueued) return entry.settle(false, signal.reason);
        cancelJob(client, jobId);
        if (graceMs <= 0) return entry.settle(false, signal.reason);
        clock.sleep(graceMs, timers.signal).then(
          () => entry.settle(false, signal.reason),
          () => {},
        );
      };
      signal.addEventListener('abort', onAbort, { once: true });
      client.ready
        .then(async () => {
          if (client.inflight.get(jobId) !== entry) return;
          entry.enqueued = true;
          await addJob(client, entry);
          // A job already finished (the same attempt enqueued again: a resumed run) answers from Redis.
          await recheck(client, entry);
        })
        .catch((error: unknown) => failed(client, jobId, errorMessage(error)));
    });
  } finally {
    timers.abort();
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    release(client);
  }
}

/** Runs attempts as BullMQ jobs on the queue the plan stage names (see the module comment). */
export const bullmqExecutor: AttemptExecutor = {
  kind: 'bullmq',
  runAttempt: runJob,
};
