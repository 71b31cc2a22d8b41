import { z } from 'zod';
import type { BreakerSnapshot, CacheEntry, RunRecord, StageRecord } from '../records';

/**
 * zod schemas of the persisted state: the lowdb snapshot `db.json` and the
 * records of the run logs. Validated on load; downstream code trusts the
 * types. Objects pass unknown fields through, so optional fields added to the
 * records later survive a reload.
 */

/** The snapshot format version this code reads and writes. */
export const STATE_SCHEMA_VERSION = 1;

const usage = z.record(z.number());
const errorClass = z.enum(['transient', 'persistent', 'resource', 'logic']);

/** Schema of a {@link StageRecord}. */
export const stageRecordSchema = z
  .object({
    stageId: z.string(),
    status: z.enum(['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'CACHED', 'BLOCKED', 'CANCELLED', 'PARTIAL']),
    attempts: z.number().int().nonnegative(),
    idempotencyKey: z.string(),
    reason: z.string().optional(),
    startedAt: z.number().optional(),
    endedAt: z.number().optional(),
    durationMs: z.number().optional(),
    cacheKey: z.string().optional(),
    keyParts: z.record(z.string()).optional(),
    outputHash: z.string().optional(),
    error: z
      .object({
        code: z.string(),
        errorClass,
        message: z.string(),
        stack: z.string().optional(),
        data: z.record(z.unknown()).optional(),
      })
      .passthrough()
      .optional(),
    usage,
    validation: z.array(
      z
        .object({ rule: z.string(), severity: z.enum(['warning', 'error']), passed: z.boolean(), detail: z.string().optional() })
        .passthrough(),
    ),
    attemptLog: z.array(
      z
        .object({
          attempt: z.number().int(),
          startedAt: z.number(),
          durationMs: z.number(),
          outcome: z.enum(['succeeded', 'failed']),
          code: z.string().optional(),
          delayMs: z.number().optional(),
        })
        .passthrough(),
    ),
    progress: z.object({ done: z.number(), total: z.number(), message: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();

/** Schema of a {@link RunRecord}. */
export const runRecordSchema = z
  .object({
    runId: z.string(),
    pipeline: z.string(),
    status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'PARTIAL']),
    stages: z.array(z.string()),
    startedAt: z.number(),
    endedAt: z.number().optional(),
    usage,
    reason: z.string().optional(),
  })
  .passthrough();

/** Schema of a {@link CacheEntry}. */
export const cacheEntrySchema = z
  .object({
    stageId: z.string(),
    cacheKey: z.string(),
    outputHash: z.string(),
    durationMs: z.number(),
    runId: z.string(),
    recordedAt: z.number(),
    parts: z.record(z.string()).optional(),
  })
  .passthrough();

/** Schema of a {@link BreakerSnapshot}. */
export const breakerSnapshotSchema = z
  .object({
    state: z.enum(['CLOSED', 'OPEN', 'HALF_OPEN']),
    failures: z.number().int().nonnegative(),
    openedAt: z.number().nullable(),
  })
  .passthrough();

/** Schema of the lowdb snapshot `db.json`. */
export const stateDocumentSchema = z.object({
  schemaVersion: z.literal(STATE_SCHEMA_VERSION),
  pipeline: z.string(),
  /** Highest log sequence number folded into this snapshot. */
  appliedSeq: z.number().int().nonnegative(),
  runs: z.record(runRecordSchema),
  stages: z.record(z.record(stageRecordSchema)),
  cache: z.record(cacheEntrySchema),
  breakers: z.record(breakerSnapshotSchema),
});

/** The lowdb snapshot document of one pipeline. */
export interface StateDocument {
  /** Always {@link STATE_SCHEMA_VERSION}. */
  schemaVersion: typeof STATE_SCHEMA_VERSION;
  /** Pipeline name. */
  pipeline: string;
  /** Highest log sequence number folded into this snapshot (see `log-record.ts`). */
  appliedSeq: number;
  /** Runs by id. */
  runs: Record<string, RunRecord>;
  /** Stage records by run id, then stage id. */
  stages: Record<string, Record<string, StageRecord>>;
  /** Cache index by stage id. */
  cache: Record<string, CacheEntry>;
  /** Breakers by key. */
  breakers: Record<string, BreakerSnapshot>;
}

/** An empty document for a pipeline. */
export function emptyStateDocument(pipeline: string): StateDocument {
  return { schemaVersion: STATE_SCHEMA_VERSION, pipeline, appliedSeq: 0, runs: {}, stages: {}, cache: {}, breakers: {} };
}

/**
 * Checks a parsed `db.json`; returns the document or a one-line description of
 * every problem (field path and what is wrong).
 */
export function parseStateDocument(
  value: unknown,
  pipeline: string,
): { ok: true; document: StateDocument } | { ok: false; problem: string } {
  const result = stateDocumentSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.slice(0, 5).map((i) => `\`${i.path.join('.') || '(root)'}\`: ${i.message}`);
    const more = result.error.issues.length > 5 ? ` (and ${result.error.issues.length - 5} more)` : '';
    return { ok: false, problem: `${problems.join('; ')}${more}` };
  }
  if (result.data.pipeline !== pipeline) {
    return { ok: false, problem: `it belongs to pipeline \`${result.data.pipeline}\`, not \`${pipeline}\`` };
  }
  const document: StateDocument = result.data;
  return { ok: true, document };
}

// Compile-time checks that the schemas produce the contract's types.
type Assignable<T, U extends T> = U;
type _StageCheck = Assignable<StageRecord, z.infer<typeof stageRecordSchema>>;
type _RunCheck = Assignable<RunRecord, z.infer<typeof runRecordSchema>>;
type _CacheCheck = Assignable<CacheEntry, z.infer<typeof cacheEntrySchema>>;
type _BreakerCheck = Assignable<BreakerSnapshot, z.infer<typeof breakerSnapshotSchema>>;
