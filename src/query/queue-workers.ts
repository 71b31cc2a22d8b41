import { errorMessage } from '../errors';
import type { WorkerStanding } from '../execute/worker-beat';
import type * as WorkerList from '../execute/worker-list';
import type { Plan } from '../plan/plan';

/**
 * The queue workers a pipeline's status shows: for each distinct Redis URL
 * and queue its `bullmq` stages name, the workers their heartbeats list
 * (`execute/worker-list.ts`), or why they could not be read. ioredis is
 * loaded only for a plan that names a queue, never on the library's import
 * path.
 */

/** Each distinct queue the plan's stages run on, in plan order. */
export function planQueues(plan: Plan): { readonly connection: string; readonly queue: string }[] {
  const seen = new Map<string, { connection: string; queue: string }>();
  for (const id of plan.order) {
    const executor = plan.stages[id]?.executor;
    if (executor === undefined) continue;
    const key = `${executor.connection}\n${executor.queue}`;
    if (!seen.has(key)) seen.set(key, { connection: executor.connection, queue: executor.queue });
  }
  return [...seen.values()];
}

/** What was read of one queue's workers: the workers, or why they could not be read. */
export interface QueueWorkers {
  /** Redis URL. */
  readonly connection: string;
  /** Queue name. */
  readonly queue: string;
  /** The workers, by name; absent when Redis could not be read. */
  readonly workers?: readonly WorkerStanding[];
  /** Why the workers could not be read (e.g. Redis could not be reached). */
  readonly error?: string;
}

/** Options of {@link readQueueWorkers}. */
export interface ReadQueueWorkersOptions {
  /** The time the heartbeats are judged at, ms since epoch. */
  readonly now: number;
  /** Time given to each Redis to answer, ms. @default 1000 */
  readonly timeoutMs?: number;
}

/** The workers of each queue the plan names (none for a plan that names none); never rejects: an unreachable Redis is said in its entry. */
export async function readQueueWorkers(plan: Plan, options: ReadQueueWorkersOptions): Promise<QueueWorkers[]> {
  const queues = planQueues(plan);
  if (queues.length === 0) return [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { listWorkers } = require('../execute/worker-list') as typeof WorkerList;
  return Promise.all(
    queues.map(async ({ connection, queue }): Promise<QueueWorkers> => {
      try {
        return { connection, queue, workers: await listWorkers(connection, queue, { now: options.now, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) }) };
      } catch (error) {
        return { connection, queue, error: errorMessage(error) };
      }
    }),
  );
}
