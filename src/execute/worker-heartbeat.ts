import type { Clock } from '../clock';
import { DagbookError } from '../errors';
import { workersKey, type WorkerBeat } from './worker-beat';

/**
 * A queue worker's heartbeat: writes the worker's {@link WorkerBeat} into
 * `dagbook:<queue>:workers` at once and then every `intervalMs` (timed by the
 * injected clock), and deletes its entry when stopped (a graceful close). A
 * beat that cannot be written (Redis away) is skipped: the next one tries
 * again, and readers see the worker stale meanwhile.
 */

/** The two hash commands a heartbeat needs (an ioredis client has them). */
export interface HashWriter {
  hset(key: string, field: string, value: string): Promise<unknown>;
  hdel(key: string, field: string): Promise<unknown>;
}

/** Options of {@link startHeartbeat}. */
export interface HeartbeatOptions {
  /** Where the beats go. */
  readonly redis: HashWriter;
  /** Queue name. */
  readonly queue: string;
  /** Time between two beats, ms. */
  readonly intervalMs: number;
  /** Times the beats and stamps them. */
  readonly clock: Clock;
  /** The worker's figures at the time of a beat (all but `beatAt` and `intervalMs`). */
  readonly figures: () => Omit<WorkerBeat, 'beatAt' | 'intervalMs'>;
}

/** A running heartbeat. */
export interface Heartbeat {
  /** Resolves once the first beat was written (or failed). */
  readonly first: Promise<void>;
  /** Stops beating and deletes the worker's entry. */
  stop(): Promise<void>;
}

/**
 * Starts a heartbeat.
 * @throws DagbookError `INVALID_OPTION` when `intervalMs` is not a number > 0.
 */
export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const { redis, queue, intervalMs, clock } = options;
  if (typeof intervalMs !== 'number' || !(intervalMs > 0) || !Number.isFinite(intervalMs)) {
    throw new DagbookError('INVALID_OPTION', `Expected \`heartbeatMs\` to be a number > 0, got \`${String(intervalMs)}\``, { errorClass: 'logic' });
  }
  const key = workersKey(queue);
  const stopped = new AbortController();
  const beat = async (): Promise<void> => {
    const figures = options.figures();
    const value: WorkerBeat = { ...figures, beatAt: clock.now(), intervalMs };
    await redis.hset(key, figures.name, JSON.stringify(value)).catch(() => undefined);
  };
  const first = beat();
  const loop = (async () => {
    await first;
    for (;;) {
      try {
        await clock.sleep(intervalMs, stopped.signal);
      } catch {
        return;
      }
      await beat();
    }
  })();
  return {
    first,
    stop: async () => {
      stopped.abort();
      await loop;
      await redis.hdel(key, options.figures().name).catch(() => undefined);
    },
  };
}
