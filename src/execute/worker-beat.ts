/**
 * The heartbeats of a queue's workers, as data: each `dagbook worker` keeps
 * one field of the hash `dagbook:<queue>:workers` (field: its name, value:
 * its {@link WorkerBeat} as JSON), rewritten every heartbeat interval and
 * deleted when it closes gracefully. A reader judges each entry by its own
 * interval: alive while its last beat is at most {@link STALE_AFTER_BEATS}
 * intervals old (a worker SIGKILLed or cut off stops beating and turns
 * stale), and forgotten once older than the prune age. Pure: no Redis here
 * (`worker-heartbeat.ts` writes, `worker-list.ts` reads).
 */

/** What a worker says of itself in each heartbeat. */
export interface WorkerBeat {
  /** The worker's name (as in the answers of its jobs), `<hostname>:<pid>` by default. */
  readonly name: string;
  /** Its host name. */
  readonly host: string;
  /** Its process id. */
  readonly pid: number;
  /** Jobs it runs at once, at most. */
  readonly concurrency: number;
  /** When it started, ms since epoch. */
  readonly startedAt: number;
  /** When it wrote this beat, ms since epoch. */
  readonly beatAt: number;
  /** Its heartbeat interval, ms: readers judge its beat's age by it. */
  readonly intervalMs: number;
  /** Jobs running now. */
  readonly running: number;
  /** Jobs it answered with the stage's output since it started. */
  readonly completed: number;
  /** Jobs it answered with the stage's error, or failed, since it started. */
  readonly failed: number;
}

/** A worker as a reader sees it: its last beat, that beat's age and whether it is alive. */
export interface WorkerStanding extends WorkerBeat {
  /** Age of its last beat, ms. */
  readonly beatAgeMs: number;
  /** Whether its last beat is recent (within {@link STALE_AFTER_BEATS} intervals). */
  readonly alive: boolean;
}

/** Beats a worker may miss before it reads as stale. */
export const STALE_AFTER_BEATS = 3;

/** Age after which a stale worker's entry is forgotten, ms. */
export const PRUNE_AFTER_MS = 10 * 60_000;

/** Default heartbeat interval of a worker, ms. */
export const DEFAULT_HEARTBEAT_MS = 5000;

/** The Redis hash holding a queue's heartbeats. */
export function workersKey(queue: string): string {
  return `dagbook:${queue}:workers`;
}

/** What the entries of a workers hash say: the workers (by name), and the names of entries to forget (too old, or not beats). */
export interface WorkerStandings {
  readonly workers: WorkerStanding[];
  readonly prune: string[];
}

/** The workers of a workers hash's entries at `now` (see the module comment); `pruneAfterMs` defaults to {@link PRUNE_AFTER_MS}. */
export function workerStandings(entries: Readonly<Record<string, string>>, now: number, pruneAfterMs: number = PRUNE_AFTER_MS): WorkerStandings {
  const workers: WorkerStanding[] = [];
  const prune: string[] = [];
  for (const [field, value] of Object.entries(entries)) {
    const beat = parseBeat(value);
    if (beat === undefined || now - beat.beatAt > pruneAfterMs) {
      prune.push(field);
      continue;
    }
    const beatAgeMs = Math.max(0, now - beat.beatAt);
    workers.push({ ...beat, beatAgeMs, alive: beatAgeMs <= STALE_AFTER_BEATS * beat.intervalMs });
  }
  workers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { workers, prune };
}

function parseBeat(value: string): WorkerBeat | undefined {
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  const numbers = ['pid', 'concurrency', 'startedAt', 'beatAt', 'intervalMs', 'running', 'completed', 'failed'] as const;
  if (typeof d.name !== 'string' || typeof d.host !== 'string' || numbers.some((k) => typeof d[k] !== 'number')) return undefined;
  return {
    name: d.name,
    host: d.host,
    pid: d.pid as number,
    concurrency: d.concurrency as number,
    startedAt: d.startedAt as number,
    beatAt: d.beatAt as number,
    intervalMs: d.intervalMs as number,
    running: d.running as number,
    completed: d.completed as number,
    failed: d.failed as number,
  };
}
