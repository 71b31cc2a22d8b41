import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EventType, PipelineEvent } from '../../src/events/event';
import { publicEventJsonSchema, publicEventSchema, snakeCase, toPublicEvent } from '../../src/events/public-event';

/** A dagbook event with the envelope every test event shares. */
function event(type: EventType, metadata: Record<string, unknown>, extra: { stageId?: string; level?: PipelineEvent['level']; message?: string } = {}): PipelineEvent {
  return {
    timestamp: '2024-12-02T10:30:45.123Z',
    runId: 'run_20241202_103045_ab12',
    ...(extra.stageId === undefined ? {} : { stageId: extra.stageId }),
    type,
    level: extra.level ?? 'INFO',
    message: extra.message ?? `a ${type} event`,
    metadata,
    correlationId: extra.stageId === undefined ? 'run_20241202_103045_ab12' : `run_20241202_103045_ab12/${extra.stageId}`,
    seq: 7,
  } as PipelineEvent;
}

/** One event of every dagbook type, with the metadata a run gives it. */
const EVERY_TYPE: readonly PipelineEvent[] = [
  event('RUN_START', { stages: ['ingest_data'], maxParallel: 2 }),
  event('STEP_START', { attempt: 1, idempotencyKey: 'k1' }, { stageId: 'ingest_data' }),
  event('STEP_PROGRESS', { done: 3, total: 10 }, { stageId: 'ingest_data' }),
  event('ITEMS_PROGRESS', { done: 5, failed: 1, cached: 0, running: 2, total: 9, itemsPerSecond: 4.5 }, { stageId: 'embed' }),
  event('STEP_SUCCESS', { attempt: 2, durationMs: 1500, outputHash: 'abc', usage: { tokens: 420 } }, { stageId: 'ingest_data' }),
  event('STEP_FAILURE', { attempt: 1, durationMs: 12, code: 'STAGE_TIMEOUT', errorClass: 'transient', final: false }, { stageId: 'ingest_data', level: 'ERROR' }),
  event('STEP_RETRY', { attempt: 1, nextAttempt: 2, delayMs: 5000, code: 'STAGE_TIMEOUT' }, { stageId: 'ingest_data', level: 'WARN' }),
  event('STEP_SKIPPED', { reason: 'up to date', status: 'CACHED' }, { stageId: 'ingest_data' }),
  event('RESOURCE_USAGE', { resource: 'tokens', amount: 100, stageUsed: 420, stageLimit: 500, globalUsed: 900 }, { stageId: 'ingest_data' }),
  event('VALIDATION_ERROR', { rule: 'non-empty', severity: 'error', passed: false, detail: 'no rows' }, { stageId: 'ingest_data', level: 'ERROR' }),
  event('CIRCUIT_BREAKER', { key: 'llm-api', from: 'CLOSED', to: 'OPEN', failures: 3 }, { stageId: 'ingest_data', level: 'WARN' }),
  event('BUDGET_WARNING', { resource: 'tokens', used: 420, limit: 500, ratio: 0.84, scope: 'stage' }, { stageId: 'ingest_data', level: 'WARN' }),
  event('CANCELLED', { reason: 'run cancelled' }, { stageId: 'ingest_data', level: 'WARN' }),
  event('PIPELINE_COMPLETE', { status: 'SUCCEEDED', durationMs: 2000, counts: { SUCCEEDED: 1 } }),
  event('LOG', { batchSize: 100, sources: ['trends'] }, { stageId: 'ingest_data' }),
  event('ITEM_FAILURE', { itemId: 'doc-7', code: 'STAGE_FAILED', errorClass: 'persistent', attempts: 3 }, { stageId: 'embed', level: 'ERROR' }),
];

describe('toPublicEvent', () => {
  describe('when given a stage start', () => {
    it('writes the line in the teams’ schema, metadata keys in snake_case', () => {
      assert.deepEqual(toPublicEvent(EVERY_TYPE[1]), {
        timestamp: '2024-12-02T10:30:45.123Z',
        run_id: 'run_20241202_103045_ab12',
        step_name: 'ingest_data',
        event_type: 'STEP_START',
        level: 'INFO',
        message: 'a STEP_START event',
        metadata: { attempt: 1, idempotency_key: 'k1' },
        context: { correlation_id: 'run_20241202_103045_ab12/ingest_data', seq: 7 },
      });
    });
  });

  describe('when given every dagbook event type', () => {
    it('maps each to its team type (or its own name when the teams have none), with the level as the teams spell it', () => {
      assert.deepEqual(
        EVERY_TYPE.map((e) => {
          const line = toPublicEvent(e);
          return [e.type, line.event_type, line.level, line.step_name, line.metadata.dagbook_type];
        }),
        [
          ['RUN_START', 'RUN_START', 'INFO', null, undefined],
          ['STEP_START', 'STEP_START', 'INFO', 'ingest_data', undefined],
          ['STEP_PROGRESS', 'STEP_PROGRESS', 'INFO', 'ingest_data', undefined],
          ['ITEMS_PROGRESS', 'STEP_PROGRESS', 'INFO', 'embed', 'ITEMS_PROGRESS'],
          ['STEP_SUCCESS', 'STEP_SUCCESS', 'INFO', 'ingest_data', undefined],
          ['STEP_FAILURE', 'STEP_FAILURE', 'ERROR', 'ingest_data', undefined],
          ['STEP_RETRY', 'STEP_RETRY', 'WARNING', 'ingest_data', undefined],
          ['STEP_SKIPPED', 'STEP_SKIPPED', 'INFO', 'ingest_data', undefined],
          ['RESOURCE_USAGE', 'RESOURCE_USAGE', 'INFO', 'ingest_data', undefined],
          ['VALIDATION_ERROR', 'VALIDATION_ERROR', 'ERROR', 'ingest_data', undefined],
          ['CIRCUIT_BREAKER', 'CIRCUIT_BREAKER', 'WARNING', 'ingest_data', undefined],
          ['BUDGET_WARNING', 'RESOURCE_USAGE', 'WARNING', 'ingest_data', 'BUDGET_WARNING'],
          ['CANCELLED', 'CANCELLED', 'WARNING', 'ingest_data', undefined],
          ['PIPELINE_COMPLETE', 'PIPELINE_COMPLETE', 'INFO', null, undefined],
          ['LOG', 'LOG', 'INFO', 'ingest_data', undefined],
          ['ITEM_FAILURE', 'ITEM_FAILURE', 'ERROR', 'embed', undefined],
        ],
      );
    });

    it('gives lines the schema accepts', () => {
      for (const e of EVERY_TYPE) {
        const result = publicEventSchema.safeParse(toPublicEvent(e));
        assert.equal(result.success, true, `${e.type}: ${result.success ? '' : JSON.stringify(result.error.issues)}`);
      }
    });
  });

  describe('when the metadata holds records keyed by data', () => {
    it('renames only the top-level keys: a usage’s resources and counts by state stay as they are', () => {
      assert.deepEqual(toPublicEvent(EVERY_TYPE[4]).metadata, { attempt: 2, duration_ms: 1500, output_hash: 'abc', usage: { tokens: 420 } });
      assert.deepEqual(toPublicEvent(EVERY_TYPE[13]).metadata, { status: 'SUCCEEDED', duration_ms: 2000, counts: { SUCCEEDED: 1 } });
    });
  });

  describe('when given a LOG event', () => {
    it('keeps the metadata the stage author wrote whole', () => {
      assert.deepEqual(toPublicEvent(EVERY_TYPE[14]).metadata, { batchSize: 100, sources: ['trends'] });
    });
  });
});

describe('snakeCase', () => {
  describe('when given camelCase keys', () => {
    it('writes them in snake_case', () => {
      assert.deepEqual(['durationMs', 'stageDurationMs', 'itemsPerSecond', 'code'].map(snakeCase), ['duration_ms', 'stage_duration_ms', 'items_per_second', 'code']);
    });
  });
});

describe('publicEventSchema', () => {
  describe('when a line breaks the schema', () => {
    it('refuses an unknown event type, a bad level, a missing correlation id and an unknown top-level field', () => {
      const line = toPublicEvent(EVERY_TYPE[1]);
      const issues = (value: unknown) => {
        const result = publicEventSchema.safeParse(value);
        return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.code}`);
      };
      assert.deepEqual(issues({ ...line, event_type: 'STEP_DONE' }), ['event_type: invalid_enum_value']);
      assert.deepEqual(issues({ ...line, level: 'WARN' }), ['level: invalid_enum_value']);
      assert.deepEqual(issues({ ...line, context: { seq: 1 } }), ['context.correlation_id: invalid_type']);
      assert.deepEqual(issues({ ...line, stage: 'x' }), [': unrecognized_keys']);
    });

    it('accepts the teams’ own context fields beside the correlation id', () => {
      const line = toPublicEvent(EVERY_TYPE[1]);
      assert.equal(publicEventSchema.safeParse({ ...line, context: { ...line.context, user_id: 'system', session_id: 'sess_12345' } }).success, true);
    });
  });
});

describe('docs/schemas/event-line.schema.json', () => {
  it('is the JSON Schema the code generates', () => {
    const committed = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'schemas', 'event-line.schema.json'), 'utf8'));
    assert.deepEqual(committed, publicEventJsonSchema());
  });
});
