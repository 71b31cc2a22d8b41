import type * as ZodToJsonSchema from 'zod-to-json-schema';
import type { ZodTypeAny } from 'zod';
import { runRecordSchema, runSummarySchema, stageRecordSchema } from '../store/state-schema';

/**
 * The JSON Schema of every JSON answer of the status server. Fastify
 * serializes each answer by its schema (so an answer never carries a field
 * its schema does not name), `docs/serve/` holds them as files (a test keeps
 * those equal to these), and clients can check what they get. The run
 * records' schemas are generated from the zod schemas the store reads them
 * with, so they cannot drift from what is stored.
 */

/** A JSON Schema, as fastify takes it. */
export type JsonSchema = Record<string, unknown>;

const isoTime = { type: 'string', format: 'date-time' } as const;
const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });

/** The generated JSON Schema of a zod schema, without `$schema` (it is embedded). */
function fromZod(schema: ZodTypeAny): JsonSchema {
  // Loaded on use, as `dagbook schema` does: only the server needs it.
  const { zodToJsonSchema } = require('zod-to-json-schema') as typeof ZodToJsonSchema;
  const { $schema: _drop, ...rest } = zodToJsonSchema(schema, { $refStrategy: 'none', errorMessages: false }) as JsonSchema;
  return rest;
}

/** `{ error: { code, message } }`: every 4xx and 5xx answer. */
export const errorResponseSchema: JsonSchema = {
  $id: 'dagbook-serve-error',
  title: 'Error',
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', description: 'A stable dagbook error code (`SERVE_NOT_FOUND`, `SERVE_UNAUTHORIZED`, `SERVE_BAD_REQUEST`, `SERVE_FORBIDDEN`, `SERVE_CONFLICT`, `STATE_LOCKED`, `INVALID_OPTION`, `STATE_CORRUPT`, ...)' },
        message: { type: 'string', description: 'One sentence naming what was wrong and the value received' },
        pid: { type: 'integer', description: 'The process an action met (409): the holder of the writer lock, or the process running the run' },
      },
    },
  },
};

const heartbeatSchema: JsonSchema = {
  type: 'object',
  required: ['at', 'pid', 'age_ms', 'stale'],
  additionalProperties: false,
  properties: {
    at: isoTime,
    pid: { type: 'integer' },
    age_ms: { type: 'number', description: 'How long ago the beat was written, by the server clock' },
    stale: { type: 'boolean', description: 'Older than the server’s heartbeat limit' },
  },
};

/** `GET /health`. */
export const healthResponseSchema: JsonSchema = {
  $id: 'dagbook-serve-health',
  title: 'Health',
  type: 'object',
  required: ['status', 'checked_at', 'problems', 'state_dir', 'disk', 'pipelines'],
  additionalProperties: false,
  properties: {
    status: { enum: ['ok', 'warning', 'failing'], description: '`failing` (HTTP 503) when the state folder cannot be written; `warning` for low disk space, a stale or unreadable heartbeat' },
    checked_at: isoTime,
    problems: { type: 'array', items: { type: 'string' } },
    state_dir: {
      type: 'object',
      required: ['path', 'exists', 'writable'],
      additionalProperties: false,
      properties: { path: { type: 'string' }, exists: { type: 'boolean' }, writable: { type: 'boolean' }, problem: { type: 'string' } },
    },
    disk: {
      type: 'object',
      required: ['free_bytes', 'total_bytes', 'warning_below_bytes', 'low'],
      additionalProperties: false,
      properties: {
        free_bytes: { type: 'number' },
        total_bytes: { type: 'number' },
        warning_below_bytes: { type: 'number' },
        low: { type: 'boolean' },
      },
    },
    pipelines: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'heartbeat'],
        additionalProperties: false,
        properties: { name: { type: 'string' }, heartbeat: nullable(heartbeatSchema), heartbeat_problem: { type: 'string' } },
      },
    },
  },
};

const itemCountsSchema: JsonSchema = {
  type: 'object',
  required: ['pending', 'processing', 'deployed', 'failed'],
  additionalProperties: false,
  properties: {
    pending: { type: 'integer' },
    processing: { type: 'integer' },
    deployed: { type: 'integer' },
    failed: { type: 'integer' },
  },
};

const latestRunSchema: JsonSchema = {
  type: 'object',
  required: ['run_id', 'status', 'started_at', 'stage_counts'],
  additionalProperties: false,
  properties: {
    run_id: { type: 'string' },
    status: { enum: ['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'PARTIAL', 'INTERRUPTED'] },
    started_at: isoTime,
    ended_at: isoTime,
    duration_ms: { type: 'number' },
    reason: { type: 'string' },
    stage_counts: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Stages by state' },
  },
};

const daemonSchema: JsonSchema = {
  type: 'object',
  required: ['state', 'pid', 'started_at', 'env', 'interval_ms', 'ticks', 'tick_started_at', 'last_tick', 'next_tick_at', 'consecutive_failures', 'summary'],
  additionalProperties: false,
  properties: {
    state: { enum: ['running', 'stopping', 'stopped', 'dead'], description: '`dead`: its daemon.json says running or stopping but its process is gone' },
    pid: { type: 'integer' },
    started_at: isoTime,
    env: nullable({ type: 'string' }),
    interval_ms: { type: 'integer' },
    ticks: { type: 'integer', description: 'Ticks ended since it started' },
    tick_started_at: nullable(isoTime),
    last_tick: nullable({
      type: 'object',
      required: ['run_id', 'started_at', 'ended_at', 'duration_ms', 'status', 'counts'],
      additionalProperties: false,
      properties: {
        run_id: nullable({ type: 'string' }),
        started_at: isoTime,
        ended_at: isoTime,
        duration_ms: { type: 'integer' },
        status: { type: 'string', description: 'The run’s status, or `ERROR` when the tick could not run' },
        counts: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Stages by state, and items_succeeded, items_cached, items_failed' },
        reason: { type: 'string' },
      },
    }),
    next_tick_at: nullable(isoTime),
    consecutive_failures: { type: 'integer' },
    summary: { type: 'string', description: 'One line: `daemon: running, last tick … SUCCEEDED (80 ms), next …`' },
  },
};

/** `GET /status`. */
export const statusResponseSchema: JsonSchema = {
  $id: 'dagbook-serve-status',
  title: 'Status',
  type: 'object',
  required: ['pipeline', 'items', 'last_check', 'checked_at', 'pipelines'],
  additionalProperties: false,
  properties: {
    pipeline: { enum: ['healthy', 'degraded', 'down'], description: 'The worst health of the pipelines served' },
    items: { ...itemCountsSchema, description: 'Items of every pipeline by state' },
    last_check: nullable(isoTime),
    checked_at: isoTime,
    pipelines: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'health', 'reasons', 'latest_run', 'items', 'last_check'],
        additionalProperties: false,
        properties: {
          name: { type: 'string' },
          health: { enum: ['healthy', 'degraded', 'down'] },
          reasons: { type: 'array', items: { type: 'string' } },
          latest_run: nullable(latestRunSchema),
          items: itemCountsSchema,
          last_check: nullable(isoTime),
          daemon: { ...nullable(daemonSchema), description: 'Its daemon (`dagbook watch`) from state/<pipeline>/daemon.json; null when none ever watched it' },
        },
      },
    },
  },
};

let generated: { runs: JsonSchema; run: JsonSchema } | undefined;

/** `GET /runs` and `GET /runs/:pipeline/:runId` (generated from the store's zod schemas once). */
export function runResponseSchemas(): { runs: JsonSchema; run: JsonSchema } {
  if (!generated) {
    generated = {
      runs: {
        $id: 'dagbook-serve-runs',
        title: 'Runs',
        type: 'object',
        required: ['runs'],
        additionalProperties: false,
        properties: { runs: { type: 'array', description: 'Newest first', items: fromZod(runSummarySchema) } },
      },
      run: {
        $id: 'dagbook-serve-run',
        title: 'Run',
        type: 'object',
        required: ['run', 'stages', 'interrupted'],
        additionalProperties: false,
        properties: {
          run: fromZod(runRecordSchema),
          stages: { type: 'object', additionalProperties: fromZod(stageRecordSchema), description: 'Stage records by stage id' },
          interrupted: { type: 'boolean', description: 'RUNNING in its log but no live process holds the writer lock (killed before its end)' },
        },
      },
    };
  }
  return generated;
}

/** Every schema by the file name `docs/serve/` keeps it under. */
export function serveSchemaFiles(): Record<string, JsonSchema> {
  const runs = runResponseSchemas();
  return {
    'error.schema.json': errorResponseSchema,
    'health.schema.json': healthResponseSchema,
    'status.schema.json': statusResponseSchema,
    'runs.schema.json': runs.runs,
    'run.schema.json': runs.run,
  };
}
