import type { StageRecord, StageStatus } from '../records';

/** Figures of one stage within a run. */
export interface StageMetrics {
  /** Final state. */
  readonly status: StageStatus;
  /** Wall time, ms (0 for a stage restored from cache). */
  readonly durationMs: number;
  /** Attempts made. */
  readonly attempts: number;
  /** Retries made (attempts after the first). */
  readonly retries: number;
  /** Backoff delays waited, ms. */
  readonly retryDelaysMs: readonly number[];
  /** Resource usage by name. */
  readonly usage: Readonly<Record<string, number>>;
  /** Last progress report. */
  readonly progress?: { readonly done: number; readonly total: number; readonly message?: string };
  /** Validation rules that failed. */
  readonly validationFailures: number;
  /** True when restored from cache. */
  readonly cacheHit: boolean;
  /** The queue worker that ran its last attempt (`bullmq` executor); absent when it ran in this process. */
  readonly worker?: string;
  /** A per-item stage's items by the queue worker that ran them; absent when none ran on one. */
  readonly workers?: Readonly<Record<string, number>>;
}

/** Figures of a whole run. */
export interface RunMetrics {
  /** Wall time of the run, ms. */
  readonly durationMs: number;
  /** Sum of the stages' wall times, ms (more than `durationMs` when branches overlapped). */
  readonly stageTimeMs: number;
  /** Stages by final state. */
  readonly counts: Readonly<Partial<Record<StageStatus, number>>>;
  /** Attempts over all stages. */
  readonly attempts: number;
  /** Retries over all stages. */
  readonly retries: number;
  /** Stages restored from cache. */
  readonly cacheHits: number;
  /** Resource usage over the run, by name. */
  readonly usage: Readonly<Record<string, number>>;
  /** Per-stage figures. */
  readonly stages: Readonly<Record<string, StageMetrics>>;
}

/** The metrics of a run from its stage records. */
export function runMetrics(records: Readonly<Record<string, StageRecord>>, durationMs: number, usage: Readonly<Record<string, number>>): RunMetrics {
  const counts: Partial<Record<StageStatus, number>> = {};
  const stages: Record<string, StageMetrics> = {};
  let attempts = 0;
  let retries = 0;
  let cacheHits = 0;
  let stageTimeMs = 0;
  for (const [id, r] of Object.entries(records)) {
    counts[r.status] = (counts[r.status] ?? 0) + 1;
    const delays = r.attemptLog.filter((a) => a.delayMs !== undefined).map((a) => a.delayMs as number);
    const stageRetries = Math.max(0, r.attempts - 1);
    attempts += r.attempts;
    retries += stageRetries;
    if (r.status === 'CACHED') cacheHits++;
    stageTimeMs += r.status === 'CACHED' ? 0 : r.durationMs ?? 0;
    stages[id] = {
      status: r.status,
      durationMs: r.status === 'CACHED' ? 0 : r.durationMs ?? 0,
      attempts: r.attempts,
      retries: stageRetries,
      retryDelaysMs: delays,
      usage: r.usage,
      ...(r.progress ? { progress: r.progress } : {}),
      validationFailures: r.validation.filter((v) => !v.passed).length,
      cacheHit: r.status === 'CACHED',
      ...(r.worker === undefined ? {} : { worker: r.worker }),
      ...(r.workers === undefined ? {} : { workers: r.workers }),
    };
  }
  return { durationMs, stageTimeMs, counts, attempts, retries, cacheHits, usage, stages };
}
