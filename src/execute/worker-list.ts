import IORedis from 'ioredis';
import { DagbookError, errorMessage } from '../errors';
import { redisOptions } from './redis-connection';
import { workersKey, workerStandings, type WorkerStanding } from './worker-beat';

/**
 * Reads a queue's workers from their heartbeats (`worker-beat.ts`) for
 * `dagbook workers` and the status views, and forgets the entries older
 * than the prune age. A view must not hang on a Redis that is away: the
 * connection gets `timeoutMs` and no retry, and the read fails with
 * `REDIS_UNREACHABLE` instead. Loads ioredis: callers on the library's
 * import path require this module lazily.
 */

/** Options of {@link listWorkers}. */
export interface ListWorkersOptions {
  /** The time the beats are judged at, ms since epoch. */
  readonly now: number;
  /** Time given to reach Redis and answer, ms. @default 1000 */
  readonly timeoutMs?: number;
  /** Age after which an entry is forgotten, ms. @default 600000 (10 min) */
  readonly pruneAfterMs?: number;
}

/**
 * The workers of `queue` on the Redis at `connection` (a URL), by name.
 * @throws DagbookError `INVALID_OPTION` when `connection` is not a Redis URL;
 *   `REDIS_UNREACHABLE` naming the URL when Redis did not answer within `timeoutMs`.
 */
export async function listWorkers(connection: string, queue: string, options: ListWorkersOptions): Promise<WorkerStanding[]> {
  const timeoutMs = options.timeoutMs ?? 1000;
  const redis = new IORedis({ ...redisOptions(connection), lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const entries = await Promise.race([redis.connect().then(() => redis.hgetall(workersKey(queue))), deadline]);
    const { workers, prune } = workerStandings(entries, options.now, options.pruneAfterMs);
    if (prune.length > 0) await Promise.race([redis.hdel(workersKey(queue), ...prune), deadline]);
    return workers;
  } catch (error) {
    throw new DagbookError('REDIS_UNREACHABLE', `Redis at \`${connection}\` could not be reached within ${timeoutMs} ms: ${errorMessage(error)}`, {
      errorClass: 'transient',
      cause: error,
      data: { connection, queue, timeoutMs },
    });
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}
