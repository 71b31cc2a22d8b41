import type { FailurePolicy, StageIsolation } from '../definition/types';
import type { PlanAlerts, PlanRetry } from './plan';

/**
 * The values compile fills in for options a definition leaves out. One place,
 * so the docs' `@default`s, the plan and the executor agree.
 */

/** Retry policy used when neither the stage nor the pipeline's `defaults.retry` sets a field. */
export const DEFAULT_RETRY: PlanRetry = {
  maxAttempts: 3,
  baseDelayMs: 1000,
  maxDelayMs: 30000,
  jitter: 0.1,
  minDelayMs: 100,
  retryOn: ['transient'],
};

/** Per-attempt timeout in ms; 0 means none. */
export const DEFAULT_TIMEOUT_MS = 0;

/** Grace after an abort before a stage is abandoned, in ms. */
export const DEFAULT_GRACE_MS = 1000;

/** Stages running at once, at most. */
export const DEFAULT_MAX_PARALLEL = 4;

/** Items of a per-item stage running at once. */
export const DEFAULT_ITEM_CONCURRENCY = 8;

/** What a failure does to the rest of the run. */
export const DEFAULT_FAILURE_POLICY: FailurePolicy = 'fail-fast';

/** Fraction of a global budget at which a warning is emitted. */
export const DEFAULT_CRITICAL_RATIO = 0.8;

/** Consecutive failures that open a circuit breaker. */
export const DEFAULT_FAILURE_THRESHOLD = 3;

/** Time an open breaker waits before a probe, in ms (5 minutes). */
export const DEFAULT_RECOVERY_TIMEOUT_MS = 300000;

/** Where a stage's attempts run when it does not say. */
export const DEFAULT_ISOLATION: StageIsolation = 'none';

/** Queue of a `bullmq` executor that names none. */
export const DEFAULT_QUEUE = 'dagbook';

/** How long a `bullmq` attempt waits for an unreachable Redis before it fails, ms (a minute). */
export const DEFAULT_UNREACHABLE_TIMEOUT_MS = 60_000;

/** Time a service has to become ready (readiness probe), ms. */
export const DEFAULT_SERVICE_READY_TIMEOUT_MS = 30_000;

/** A service's restarts: at most 5 in 10 minutes, after 1 s, 2 s, 4 s … up to a minute. */
export const DEFAULT_SERVICE_RESTART = { maxRestarts: 5, windowMs: 600_000, backoff: { baseMs: 1000, maxMs: 60_000 } } as const;

/** A service's health check: every 10 s, 3 failures in a row restart it, 2 s per check. */
export const DEFAULT_SERVICE_HEALTH = { everyMs: 10_000, failures: 3, timeoutMs: 2000 } as const;

/** A service's log rotation: at 10 MiB, keeping 3 rotated files. */
export const DEFAULT_SERVICE_LOGS = { maxBytes: 10 * 1024 * 1024, keep: 3 } as const;

/** Time a stopped service has between SIGTERM and SIGKILL, ms. */
export const DEFAULT_SERVICE_STOP_GRACE_MS = 5000;
/** Alert thresholds of a pipeline that sets none, after the SMVM team's table (`stageDuration` in multiples of the expected duration). */
export const DEFAULT_ALERT_THRESHOLDS: PlanAlerts['thresholds'] = {
  stageDuration: { warning: 2, critical: 5 },
  retries: { warning: 3, critical: 5 },
  tokenUse: { warning: 0.8, critical: 0.95 },
  itemFailureRate: { warning: 0.1, critical: 0.25 },
};

/** Retry of a webhook alert sink's post. */
export const DEFAULT_WEBHOOK_RETRY: PlanRetry = {
  maxAttempts: 4,
  baseDelayMs: 1000,
  maxDelayMs: 30000,
  jitter: 0.2,
  minDelayMs: 100,
  retryOn: ['transient'],
};

/** Time one webhook post may take, ms. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

/** Time an alert command may take before it is killed, ms. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;

/** How long the end of a run waits for alert deliveries in flight, ms. */
export const DEFAULT_ALERT_DRAIN_MS = 10_000;
