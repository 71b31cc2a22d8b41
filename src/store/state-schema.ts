import { z } from 'zod';
import type { BreakerSnapshot, CacheEntry, RunRecord, StageRecord } from '../records';

/**
 * zod schemas of the persisted state: the lowdb snapshot `db.json` and the
 * records of the run logs. Validated on load; downstream code trusts the
 * types. Objects pass unknown fields through, so optional fields added to the
 * records later survive a reload.
 */

/**
 * The snapshot format version this code writes. Version 1 kept one cache
 * entry per stage (`cache: { [stageId]: entry }`); version 2 keeps a history
 * per stage (`cache: { [stageId]: entry[] }`, latest last). A version 1
 * document is read and converted (see {@link parseStateDocument}).
 */
export const STATE_SCHEMA_VERSION = 2;

const usage = z.record(z.number());
const errorClass = z.enum(['transient', 'persistent', 'resource', 'logic']);

/** Schema of a {@link StageRecord}. */
export const stageRecordSchema = z
  .object({
    stageId: z.string(),
    // PENDING and PARTIAL are reserved (not produced yet); kept so that state holding them still loads.
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
    editedInCell: z.array(z.enum(['stage', 'params'])).optional(),
  })
  .passthrough();

/** Schema of a {@link RunRecord}. */
export const runRecordSchema = z
  .object({
    runId: z.string(),
    pipeline: z.string(),
    // PARTIAL is reserved (not produced yet); kept so that state holding it still loads.
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
  cache: z.record(z.array(cacheEntrySchema)),
  breakers: z.record(breakerSnapshotSchema),
  /** Small outputs kept inline by hash (absent in a snapshot written before they were). */
  outputs: z.record(z.string()).default({}),
});

/** The cache index of a version 1 snapshot: one entry per stage. */
const v1CacheSchema = z.record(cacheEntrySchema);

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
  /** Cache history by stage id, oldest use first (see `cache-history.ts`). */
  cache: Record<string, CacheEntry[]>;
  /** Breakers by key. */
  breakers: Record<string, BreakerSnapshot>;
  /** Small outputs kept inline, by sha256: their stored form (`output-codec`); larger ones are files under `artifacts/`. */
  outputs: Record<string, string>;
}

/** An empty document for a pipeline. */
export function emptyStateDocument(pipeline: string): StateDocument {
  return { schemaVersion: STATE_SCHEMA_VERSION, pipeline, appliedSeq: 0, runs: {}, stages: {}, cache: {}, breakers: {}, outputs: {} };
}

/**
 * Checks a parsed `db.json`; returns the document or a one-line description of
 * every problem (field path and what is wrong). A version 1 document is
 * converted to the current version first (each stage's one cache entry becomes
 * its history of one); `migratedFrom` then names the version it had.
 */
export function parseStateDocument(
  value: unknown,
  pipeline: string,
): { ok: true; document: StateDocument; migratedFrom?: number } | { ok: false; problem: string } {
  const migrated = migrateFromV1(value);
  if (migrated && !migrated.ok) return migrated;
  const result = stateDocumentSchema.safeParse(migrated ? migrated.value : value);
  if (!result.success) {
    const problems = result.error.issues.slice(0, 5).map((i) => `\`${i.path.join('.') || '(root)'}\`: ${i.message}`);
    const more = result.error.issues.length > 5 ? ` (and ${result.error.issues.length - 5} more)` : '';
    return { ok: false, problem: `${problems.join('; ')}${more}` };
  }
  if (result.data.pipeline !== pipeline) {
    return { ok: false, problem: `it belongs to pipeline \`${result.data.pipeline}\`, not \`${pipeline}\`` };
  }
  const document: StateDocument = result.data;
  return migrated ? { ok: true, document, migratedFrom: 1 } : { ok: true, document };
}

/** A version 1 document converted to the current shape; undefined for any other value. */
function migrateFromV1(value: unknown): { ok: true; value: unknown } | { ok: false; problem: string } | undefined {
  if (typeof value !== 'object' || value === null || (value as { schemaVersion?: unknown }).schemaVersion !== 1) return undefined;
  const old = value as Record<string, unknown>;
  const cache = v1CacheSchema.safeParse(old.cache);
  if (!cache.success) {
    const issue = cache.error.issues[0];
    return { ok: false, problem: `\`cache.${issue.path.join('.')}\`: ${issue.message} (a version 1 cache index)` };
  }
  const history: Record<string, CacheEntry[]> = {};
  for (const [stageId, entry] of Object.entries(cache.data)) history[stageId] = [entry];
  return { ok: true, value: { ...old, schemaVersion: STATE_SCHEMA_VERSION, cache: history } };
}

// Compile-time checks that the schemas produce the contract's types.
type Assignable<T, U extends T> = U;
type _StageCheck = Assignable<StageRecord, z.infer<typeof stageRecordSchema>>;
type _RunCheck = Assignable<RunRecord, z.infer<typeof runRecordSchema>>;
type _CacheCheck = Assignable<CacheEntry, z.infer<typeof cacheEntrySchema>>;
type _BreakerCheck = Assignable<BreakerSnapshot, z.infer<typeof breakerSnapshotSchema>>;
