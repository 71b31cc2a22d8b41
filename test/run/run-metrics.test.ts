import assert from 'node:assert/strict';
import { runMetrics } from '../../src/run/run-metrics';
import type { StageRecord } from '../../src/records';

const base = { idempotencyKey: 'k', usage: {}, validation: [], attemptLog: [] } as const;

const RECORDS: Record<string, StageRecord> = {
  ingest: {
    ...base,
    stageId: 'ingest',
    status: 'SUCCEEDED',
    attempts: 3,
    durationMs: 13_908,
    usage: { tokens: 1500 },
    progress: { done: 2, total: 2 },
    validation: [
      { rule: 'rows', severity: 'warning', passed: false, detail: 'only 3 rows' },
      { rule: 'schema', severity: 'error', passed: true },
    ],
    attemptLog: [
      { attempt: 1, startedAt: 0, durationMs: 3000, outcome: 'failed', code: 'STAGE_FAILED', delayMs: 1609 },
      { attempt: 2, startedAt: 4609, durationMs: 3000, outcome: 'failed', code: 'STAGE_FAILED', delayMs: 3299 },
      { attempt: 3, startedAt: 10_908, durationMs: 3000, outcome: 'succeeded' },
    ],
  },
  validate: { ...base, stageId: 'validate', status: 'CACHED', attempts: 0, durationMs: 5 },
  report: { ...base, stageId: 'report', status: 'BLOCKED', attempts: 0 },
  simulate: { ...base, stageId: 'simulate', status: 'FAILED', attempts: 2, durationMs: 100, usage: { tokens: 200, cost: 3 } },
};

describe('runMetrics', () => {
  describe('when records of every kind are given', () => {
    it('gives per-stage figures', () => {
      const metrics = runMetrics(RECORDS, 20_000, { tokens: 1700, cost: 3 });
      assert.deepEqual(metrics.stages.ingest, {
        status: 'SUCCEEDED',
        durationMs: 13_908,
        attempts: 3,
        retries: 2,
        retryDelaysMs: [1609, 3299],
        usage: { tokens: 1500 },
        progress: { done: 2, total: 2 },
        validationFailures: 1,
        cacheHit: false,
      });
      assert.deepEqual(metrics.stages.validate, {
        status: 'CACHED',
        durationMs: 0,
        attempts: 0,
        retries: 0,
        retryDelaysMs: [],
        usage: {},
        validationFailures: 0,
        cacheHit: true,
      });
      assert.equal(metrics.stages.report.durationMs, 0);
      assert.equal(metrics.stages.simulate.retries, 1);
    });

    it('gives run figures: counts, attempts, retries, cache hits and stage time without cached stages', () => {
      const { stages: _stages, ...run } = runMetrics(RECORDS, 20_000, { tokens: 1700, cost: 3 });
      assert.deepEqual(run, {
        durationMs: 20_000,
        stageTimeMs: 14_008,
        counts: { SUCCEEDED: 1, CACHED: 1, BLOCKED: 1, FAILED: 1 },
        attempts: 5,
        retries: 3,
        cacheHits: 1,
        usage: { tokens: 1700, cost: 3 },
      });
    });
  });

  describe('when there are no records', () => {
    it('gives zeros', () => {
      assert.deepEqual(runMetrics({}, 0, {}), { durationMs: 0, stageTimeMs: 0, counts: {}, attempts: 0, retries: 0, cacheHits: 0, usage: {}, stages: {} });
    });
  });
});
