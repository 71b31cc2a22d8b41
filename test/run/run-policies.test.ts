import { strict as assert } from 'node:assert';
import type { PipelineEvent } from '../../src/events/event';
import { resumedBudgetUsage } from '../../src/run/run-policies';
import type { RunRecord, StageRecord } from '../../src/records';

const run: RunRecord = { runId: 'r', pipeline: 'p', status: 'RUNNING', stages: ['a', 'b'], startedAt: 0, usage: { tokens: 100 } };

function record(stageId: string, tokens: number): StageRecord {
  return { stageId, status: 'SUCCEEDED', attempts: 1, idempotencyKey: 'k', usage: { tokens }, validation: [], attemptLog: [] };
}

function warning(scope: 'stage' | 'global', stageId: string): PipelineEvent {
  return {
    timestamp: '2026-01-01T00:00:00.000Z',
    runId: 'r',
    stageId,
    type: 'BUDGET_WARNING',
    level: 'WARN',
    message: 'w',
    metadata: { resource: 'tokens', used: 90, limit: 100, ratio: 0.9, scope },
    correlationId: 'r',
    seq: 3,
  };
}

describe('resumedBudgetUsage', () => {
  describe('when a run is resumed', () => {
    it('takes the larger of the run total and the sum of its checkpoints, and the warnings its log already gave', () => {
      const snapshot = resumedBudgetUsage(run, { a: record('a', 80), b: record('b', 60) }, [warning('stage', 'a'), warning('global', 'b')]);
      assert.deepEqual(snapshot, {
        global: { tokens: 140 },
        stages: { a: { tokens: 80 }, b: { tokens: 60 } },
        warned: ['stage:a:tokens', 'global:tokens'],
      });
    });
  });

  describe('when the run is new', () => {
    it('has nothing to resume', () => {
      assert.equal(resumedBudgetUsage(undefined, {}), undefined);
    });
  });
});
