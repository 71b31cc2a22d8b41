import type { ErrorClass } from './errors';

/**
 * The domain records of dagbook: what a run, a stage's turn, an attempt, a
 * cache entry and a breaker look like once recorded. Every layer may import
 * them (they import nothing but the error classes); the store persists them.
 */

/** How much a failed validation rule matters. */
export type Severity = 'error' | 'warning';

/**
 * States of a stage within a run: RUNNING, SUCCEEDED, FAILED, SKIPPED,
 * CACHED, BLOCKED or CANCELLED.
 */
export type StageStatus =
  /** Reserved: not produced yet (a stage has no record until it starts or is settled). */
  | 'PENDING'
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'SKIPPED'
  | 'CACHED'
  | 'BLOCKED'
  | 'CANCELLED'
  /** A per-item stage that ended with some items failed, at most its `maxFailureRate` of them: downstream runs on the rest. */
  | 'PARTIAL';

/**
 * States of a run: RUNNING, SUCCEEDED, FAILED or CANCELLED, or PARTIAL when
 * every stage ended and some per-item stage ended PARTIAL.
 */
export type RunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'PARTIAL';

/** The outcome of one validation rule. */
export interface ValidationResult {
  /** Rule name. */
  readonly rule: string;
  /** Rule severity. */
  readonly severity: Severity;
  /** Whether the output passed. */
  readonly passed: boolean;
  /** What failed, when it did. */
  readonly detail?: string;
}

/**
 * How a notebook cell changed a stage's definition after the pipeline was
 * opened: replaced it with `wb.stage(...)` (`stage`) or changed its params
 * with `wb.params(...)` (`params`). Such edits live only in the kernel: the
 * definition cell brings back the original after a restart.
 */
export type CellEditKind = 'stage' | 'params';

/** A stage's error, as stored (message and stack already redacted). */
export interface StoredError {
  /** Stable code, e.g. `STAGE_TIMEOUT`. */
  readonly code: string;
  /** Error class. */
  readonly errorClass: ErrorClass;
  /** Redacted message. */
  readonly message: string;
  /** Redacted stack, when there is one. */
  readonly stack?: string;
  /** Typed details (e.g. when a breaker half-opens). */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** One attempt of a stage. */
export interface AttemptRecord {
  /** Attempt number from 1. */
  readonly attempt: number;
  /** Wall-clock start, ms since epoch. */
  readonly startedAt: number;
  /** Duration, ms. */
  readonly durationMs: number;
  /** Outcome. */
  readonly outcome: 'succeeded' | 'failed';
  /** Error code when it failed. */
  readonly code?: string;
  /** Delay before the next attempt, ms, when one followed. */
  readonly delayMs?: number;
  /** The queue worker that ran it (`bullmq` executor), when it answered; absent for an attempt run in this process. */
  readonly worker?: string;
}

/** A stage's record within a run: what a checkpoint saves. */
export interface StageRecord {
  /** Stage id. */
  readonly stageId: string;
  /** Current state. */
  readonly status: StageStatus;
  /** Attempts made so far. */
  readonly attempts: number;
  /** The idempotency key of this stage execution. */
  readonly idempotencyKey: string;
  /** Why it ran, was skipped or was blocked, in words. */
  readonly reason?: string;
  /** Wall-clock start of the first attempt, ms since epoch. */
  readonly startedAt?: number;
  /** Wall-clock end, ms since epoch. */
  readonly endedAt?: number;
  /** Duration from first attempt start to end, ms. */
  readonly durationMs?: number;
  /** Cache key it ran (or was restored) under: the hash of `keyParts`. */
  readonly cacheKey?: string;
  /** The state it saw: its cache key's parts (code, params, upstream output hashes, input file hashes). */
  readonly keyParts?: Readonly<Record<string, string>>;
  /** sha256 of its output. */
  readonly outputHash?: string;
  /** The final error, when it failed. */
  readonly error?: StoredError;
  /** Resource usage by name. */
  readonly usage: Readonly<Record<string, number>>;
  /** Validation outcomes. */
  readonly validation: readonly ValidationResult[];
  /** Attempt timeline. */
  readonly attemptLog: readonly AttemptRecord[];
  /** Last progress report. */
  readonly progress?: { readonly done: number; readonly total: number; readonly message?: string };
  /** How notebook cells had edited its definition when it ran (or was restored), in the order first made; absent when it ran as the pipeline was opened. */
  readonly editedInCell?: readonly CellEditKind[];
  /** How the items of a per-item stage ended. */
  readonly items?: ItemCounts;
  /** The queue worker that ran its last attempt (`bullmq` executor); absent when it ran in this process. */
  readonly worker?: string;
  /** A per-item stage's items that ran on queue workers in this run, by worker name; absent when none did. */
  readonly workers?: Readonly<Record<string, number>>;
}

/** A run's record. */
export interface RunRecord {
  /** Run id. */
  readonly runId: string;
  /** Pipeline name. */
  readonly pipeline: string;
  /** Current state. */
  readonly status: RunStatus;
  /** Stages selected for this run, in plan order. */
  readonly stages: readonly string[];
  /** Wall-clock start, ms since epoch. */
  readonly startedAt: number;
  /** Wall-clock end, ms since epoch. */
  readonly endedAt?: number;
  /** Global resource usage by name. */
  readonly usage: Readonly<Record<string, number>>;
  /** The environment the run's definition was merged for (`prod`), when one was selected. */
  readonly environment?: string;
  /** Why it was cancelled or failed, when it was. */
  readonly reason?: string;
}

/**
 * A run as the run index keeps it: its record without the list of selected
 * stages, plus how many stages it had and how many ended in each state. The
 * index holds one of these per run; the run's stage-by-stage details stay in
 * its own log.
 */
export interface RunSummary {
  /** Run id. */
  readonly runId: string;
  /** Pipeline name. */
  readonly pipeline: string;
  /** Current state. */
  readonly status: RunStatus;
  /** Wall-clock start, ms since epoch. */
  readonly startedAt: number;
  /** Wall-clock end, ms since epoch. */
  readonly endedAt?: number;
  /** Global resource usage by name. */
  readonly usage: Readonly<Record<string, number>>;
  /** The environment the run's definition was merged for (`prod`), when one was selected. */
  readonly environment?: string;
  /** Why it was cancelled or failed, when it was. */
  readonly reason?: string;
  /** Stages selected for the run. */
  readonly stageCount: number;
  /** Stages by their latest state in the run (states no stage had are absent). */
  readonly counts: Readonly<Partial<Record<StageStatus, number>>>;
}

/** Cache index entry: a successful output of a stage under a key (a stage keeps several, see the store's cache history). */
export interface CacheEntry {
  /** Stage id. */
  readonly stageId: string;
  /** The key the output was produced under. */
  readonly cacheKey: string;
  /** sha256 of the output. */
  readonly outputHash: string;
  /** How long producing it took, ms. */
  readonly durationMs: number;
  /** Run that produced it. */
  readonly runId: string;
  /** When, ms since epoch. */
  readonly recordedAt: number;
  /** Hashes of the parts of the key, for explaining a change. */
  readonly parts?: Readonly<Record<string, string>>;
}

/** A circuit breaker's persisted state. */
export interface BreakerSnapshot {
  /** CLOSED, OPEN or HALF_OPEN. */
  readonly state: 'CLOSED' | 'OPEN' | 'HALF_OPEN';
  /** Consecutive failures. */
  readonly failures: number;
  /** When it opened, ms since epoch (null when closed). */
  readonly openedAt: number | null;
}

/** What checking a stored output found: whole (`ok`), absent, or its content no longer hashing to its name. */
export type OutputCheck = 'ok' | 'missing' | 'corrupt';

/** How the items of a per-item stage ended in a run. */
export interface ItemCounts {
  /** Items the discovery stage returned. */
  readonly total: number;
  /** Items that ran and succeeded in this run. */
  readonly succeeded: number;
  /** Items that failed (after their last attempt). */
  readonly failed: number;
  /** Items whose output from an earlier run was reused (nothing changed for them). */
  readonly cached: number;
  /** Items not run because their upstream item failed or has no output. */
  readonly blocked: number;
  /** Items skipped by id, or left out of a test sample. */
  readonly skipped: number;
  /** Items of the last run that discovery no longer returns: dropped. */
  readonly deleted: number;
}

/** The state of one item of a per-item stage, as its journal keeps it. */
export interface ItemRecord {
  /** The per-item stage. */
  readonly stageId: string;
  /** The item's id. */
  readonly itemId: string;
  /** The item's content hash when it ran. */
  readonly itemHash: string;
  /** The item's cache key (stage code and params, the item's hash, its upstream items' outputs). */
  readonly cacheKey: string;
  /** How it ended. */
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** Attempts made. */
  readonly attempts: number;
  /** Time over all attempts, ms. */
  readonly durationMs: number;
  /** sha256 of the stored output, when it succeeded. */
  readonly outputHash?: string;
  /** The output in its stored form (`encodeOutput`) when small: kept in the journal instead of an output file. */
  readonly inlineOutput?: string;
  /** Why it failed. */
  readonly error?: StoredError;
  /** The run it ran in. */
  readonly runId: string;
  /** When it ended, epoch ms. */
  readonly endedAt: number;
  /** The queue worker that ran its last attempt (`bullmq` executor); absent when it ran in this process. */
  readonly worker?: string;
}
