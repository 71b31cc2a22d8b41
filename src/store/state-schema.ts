import { z } from 'zod';
import type { BreakerSnapshot, CacheEntry, RunRecord, RunSummary, StageRecord, StageStatus } from '../records';
import { sortRuns } from './run-records';
import { summarizeRun } from './run-index';

/**
 * zod schemas of the persisted state: the lowdb snapshot `db.json` and the
 * records of the run logs. Validated on load; downstream code trusts the
 * types. Objects pass unknown fields through, so optional fields added to the
 * records later survive a reload.
 */

/**
 * The snapshot format version this code writes. Version 1 kept one cache
 * entry per stage; version 2 a history per stage (`cache: { [stageId]:
 * entry[] }`, latest last) and every run's stage records (`stages: { [runId]:
 * { [stageId]: record } }`), so it grew with every run; version 3 keeps the
 * latest record of each stage (`latest`), a small summary per run (`runs`, the
 * run index) and, for runs still running, their record and their stages'
 * states (`active`): old runs' stage records stay in their own logs. Older
 * documents are read and converted (see {@link parseStateDocument}).
 */
export const STATE_SCHEMA_VERSION = 3;

const usage = z.record(z.number());
// PENDING and PARTIAL are reserved (not produced yet); kept so that state holding them still loads.
const stageStatus = z.enum(['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'CACHED', 'BLOCKED', 'CANCELLED', 'PARTIAL']);
// PARTIAL is reserved (not produced yet); kept so that state holding it still loads.
const runStatus = z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'PARTIAL']);
const errorClass = z.enum(['transient', 'persistent', 'resource', 'logic']);

const storedError = z
  .object({
    code: z.string(),
    errorClass,
    message: z.string(),
    stack: z.string().optional(),
    data: z.record(z.unknown()).optional(),
  })
  .passthrough();

/** Schema of a {@link StageRecord}. */
export const stageRecordSchema = z
  .object({
    stageId: z.string(),
    status: stageStatus,
    attempts: z.number().int().nonnegative(),
    idempotencyKey: z.string(),
    reason: z.string().optional(),
    startedAt: z.number().optional(),
    endedAt: z.number().optional(),
    durationMs: z.number().optional(),
    cacheKey: z.string().optional(),
    keyParts: z.record(z.string()).optional(),
    outputHash: z.string().optional(),
    error: storedError.optional(),
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
          worker: z.string().optional(),
        })
        .passthrough(),
    ),
    progress: z.object({ done: z.number(), total: z.number(), message: z.string().optional() }).passthrough().optional(),
    editedInCell: z.array(z.enum(['stage', 'params'])).optional(),
    worker: z.string().optional(),
    workers: z.record(z.number().int().nonnegative()).optional(),
  })
  .passthrough();

/** Schema of a {@link RunRecord}. */
export const runRecordSchema = z
  .object({
    runId: z.string(),
    pipeline: z.string(),
    status: runStatus,
    stages: z.array(z.string()),
    startedAt: z.number(),
    endedAt: z.number().optional(),
    usage,
    environment: z.string().optional(),
    reason: z.string().optional(),
  })
  .passthrough();

/** Schema of an {@link ItemRecord}: a line of an item journal (`items/<stage-id>.jsonl`). */
export const itemRecordSchema = z
  .object({
    stageId: z.string(),
    itemId: z.string(),
    itemHash: z.string(),
    cacheKey: z.string(),
    status: z.enum(['SUCCEEDED', 'FAILED']),
    attempts: z.number().int().nonnegative(),
    durationMs: z.number(),
    outputHash: z.string().optional(),
    inlineOutput: z.string().optional(),
    error: storedError.optional(),
    runId: z.string(),
    endedAt: z.number(),
    worker: z.string().optional(),
  })
  .passthrough();

/** Schema of a removal line of an item journal: these items are forgotten. */
export const itemRemovalSchema = z.object({ removed: z.array(z.string()) }).strict();

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

/** Schema of a {@link RunSummary}. */
export const runSummarySchema = z
  .object({
    runId: z.string(),
    pipeline: z.string(),
    status: runStatus,
    startedAt: z.number(),
    endedAt: z.number().optional(),
    usage,
    environment: z.string().optional(),
    reason: z.string().optional(),
    stageCount: z.number().int().nonnegative(),
    counts: z.record(z.number().int().nonnegative()),
  })
  .passthrough();

/** Schema of the lowdb snapshot `db.json`. */
export const stateDocumentSchema = z.object({
  schemaVersion: z.literal(STATE_SCHEMA_VERSION),
  pipeline: z.string(),
  /** Highest log sequence number folded into this snapshot. */
  appliedSeq: z.number().int().nonnegative(),
  runs: z.record(runSummarySchema),
  latest: z.record(z.object({ runId: z.string(), record: stageRecordSchema })),
  active: z.record(z.object({ run: runRecordSchema, stages: z.record(stageStatus) })),
  cache: z.record(z.array(cacheEntrySchema)),
  breakers: z.record(breakerSnapshotSchema),
  /** Small outputs kept inline by hash (absent in a snapshot written before they were). */
  outputs: z.record(z.string()).default({}),
});

/** The cache index of a version 1 snapshot: one entry per stage. */
const v1CacheSchema = z.record(cacheEntrySchema);

/** A version 2 snapshot: every run's stage records. */
const v2DocumentSchema = z.object({
  schemaVersion: z.literal(2),
  pipeline: z.string(),
  appliedSeq: z.number().int().nonnegative(),
  runs: z.record(runRecordSchema),
  stages: z.record(z.record(stageRecordSchema)),
  cache: z.record(z.array(cacheEntrySchema)),
  breakers: z.record(breakerSnapshotSchema),
});

/** A stage's latest record and the run it is from. */
export interface LatestStage {
  /** The run that wrote it. */
  runId: string;
  /** The record. */
  record: StageRecord;
}

/** A run still running: its whole record and the state of each of its stages so far. */
export interface ActiveRun {
  /** Its record. */
  run: RunRecord;
  /** Its stages' latest states by stage id. */
  stages: Record<string, StageStatus>;
}

/** The lowdb snapshot document of one pipeline: bounded by the stages, the cache policy and the runs kept, not by history. */
export interface StateDocument {
  /** Always {@link STATE_SCHEMA_VERSION}. */
  schemaVersion: typeof STATE_SCHEMA_VERSION;
  /** Pipeline name. */
  pipeline: string;
  /** Highest log sequence number folded into this snapshot (see `log-record.ts`). */
  appliedSeq: number;
  /** The run index: a summary of every kept run by id. */
  runs: Record<string, RunSummary>;
  /** The latest record of each stage (the last one written, whatever its run) by stage id. */
  latest: Record<string, LatestStage>;
  /** Runs still running, by id. */
  active: Record<string, ActiveRun>;
  /** Cache history by stage id, oldest use first (see `cache-history.ts`). */
  cache: Record<string, CacheEntry[]>;
  /** Breakers by key. */
  breakers: Record<string, BreakerSnapshot>;
  /** Small outputs kept inline, by sha256: their stored form (`output-codec`); larger ones are files under `artifacts/`. */
  outputs: Record<string, string>;
}

/** An empty document for a pipeline. */
export function emptyStateDocument(pipeline: string): StateDocument {
  return { schemaVersion: STATE_SCHEMA_VERSION, pipeline, appliedSeq: 0, runs: {}, latest: {}, active: {}, cache: {}, breakers: {}, outputs: {} };
}

/** The stage records of a run that an older snapshot held, by run id: what its converter hands back. */
export type LegacyRunDetails = Record<string, { run: RunRecord; stages: Record<string, StageRecord> }>;

/** A parsed `db.json`. */
export type ParsedStateDocument =
  | { ok: true; document: StateDocument; migratedFrom?: number; legacy?: LegacyRunDetails }
  | { ok: false; problem: string };

/**
 * Checks a parsed `db.json`; returns the document or a one-line description of
 * every problem (field path and what is wrong). An older document is converted
 * to the current version first (version 1: each stage's one cache entry
 * becomes its history of one; version 2: see {@link migrateFromV2});
 * `migratedFrom` then names the version it had, and `legacy` holds the
 * runs' stage records a version 2 document kept.
 */
export function parseStateDocument(value: unknown, pipeline: string): ParsedStateDocument {
  const version = typeof value === 'object' && value !== null ? (value as { schemaVersion?: unknown }).schemaVersion : undefined;
  let current = value;
  let legacy: LegacyRunDetails | undefined;
  if (version === 1) {
    const v2 = migrateFromV1(value as Record<string, unknown>);
    if (!v2.ok) return v2;
    current = v2.value;
  }
  if (version === 1 || version === 2) {
    const v3 = migrateFromV2(current);
    if (!v3.ok) return v3;
    current = v3.value;
    legacy = v3.legacy;
  }
  const result = stateDocumentSchema.safeParse(current);
  if (!result.success) return { ok: false, problem: describeIssues(result.error.issues) };
  if (result.data.pipeline !== pipeline) {
    return { ok: false, problem: `it belongs to pipeline \`${result.data.pipeline}\`, not \`${pipeline}\`` };
  }
  const document = result.data as StateDocument;
  return legacy ? { ok: true, document, migratedFrom: version as number, legacy } : { ok: true, document };
}

function describeIssues(issues: readonly z.ZodIssue[], suffix = ''): string {
  const problems = issues.slice(0, 5).map((i) => `\`${i.path.join('.') || '(root)'}\`: ${i.message}${suffix}`);
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  return `${problems.join('; ')}${more}`;
}

/** A version 1 document converted to version 2. */
function migrateFromV1(old: Record<string, unknown>): { ok: true; value: unknown } | { ok: false; problem: string } {
  const cache = v1CacheSchema.safeParse(old.cache);
  if (!cache.success) {
    const issue = cache.error.issues[0];
    return { ok: false, problem: `\`cache.${issue.path.join('.')}\`: ${issue.message} (a version 1 cache index)` };
  }
  const history: Record<string, CacheEntry[]> = {};
  for (const [stageId, entry] of Object.entries(cache.data)) history[stageId] = [entry];
  return { ok: true, value: { ...old, schemaVersion: 2, cache: history } };
}

/**
 * A version 2 document converted to version 3: each run becomes its summary
 * in the run index, each stage's record in the latest run that had it (by
 * start) becomes its latest, and a running run keeps its record and its
 * stages' states. The runs' stage records are handed back in `legacy`, for
 * the store to keep beside the runs whose logs are gone.
 */
function migrateFromV2(value: unknown): { ok: true; value: unknown; legacy: LegacyRunDetails } | { ok: false; problem: string } {
  const old = v2DocumentSchema.safeParse(value);
  if (!old.success) return { ok: false, problem: describeIssues(old.error.issues, ' (a version 2 document)') };
  const doc = old.data;
  const runs: Record<string, RunSummary> = {};
  const latest: Record<string, LatestStage> = {};
  const active: Record<string, ActiveRun> = {};
  const legacy: LegacyRunDetails = {};
  for (const run of sortRuns(Object.values(doc.runs) as RunRecord[])) {
    const stages = (doc.stages[run.runId] ?? {}) as Record<string, StageRecord>;
    const states: Record<string, StageStatus> = {};
    for (const [stageId, record] of Object.entries(stages)) {
      states[stageId] = record.status;
      latest[stageId] = { runId: run.runId, record };
    }
    runs[run.runId] = summarizeRun(run, states);
    if (run.status === 'RUNNING') active[run.runId] = { run, stages: states };
    legacy[run.runId] = { run, stages };
  }
  return {
    ok: true,
    value: { schemaVersion: STATE_SCHEMA_VERSION, pipeline: doc.pipeline, appliedSeq: doc.appliedSeq, runs, latest, active, cache: doc.cache, breakers: doc.breakers },
    legacy,
  };
}

// Compile-time checks that the schemas produce the contract's types.
type Assignable<T, U extends T> = U;
type _StageCheck = Assignable<StageRecord, z.infer<typeof stageRecordSchema>>;
type _RunCheck = Assignable<RunRecord, z.infer<typeof runRecordSchema>>;
type _SummaryCheck = Assignable<RunSummary, z.infer<typeof runSummarySchema>>;
type _CacheCheck = Assignable<CacheEntry, z.infer<typeof cacheEntrySchema>>;
type _BreakerCheck = Assignable<BreakerSnapshot, z.infer<typeof breakerSnapshotSchema>>;
