import { strict as assert } from 'node:assert';
import type { ItemRecord, RunRecord } from '../../src/records';
import { countItemStates, itemStates } from '../../src/serve/item-states';

function record(stageId: string, itemId: string, status: 'SUCCEEDED' | 'FAILED', endedAt: number): ItemRecord {
  return { stageId, itemId, itemHash: `h-${itemId}`, cacheKey: `k-${itemId}`, status, attempts: 1, durationMs: 5, runId: 'run_a', endedAt };
}

const records = {
  backtest: new Map([
    ['t1', record('backtest', 't1', 'SUCCEEDED', 100)],
    ['t2', record('backtest', 't2', 'SUCCEEDED', 100)],
    ['t3', record('backtest', 't3', 'FAILED', 100)],
  ]),
  deploy: new Map([['t1', record('deploy', 't1', 'SUCCEEDED', 110)]]),
};

describe('itemStates', () => {
  describe('when no run is going on', () => {
    it('says failed, deployed (through every per-item stage) or pending, discovered items first', () => {
      const states = itemStates({ itemStages: ['backtest', 'deploy'], discovered: ['t4', 't1', 't2', 't3'], records });
      assert.deepEqual([...states], [['t4', 'pending'], ['t1', 'deployed'], ['t2', 'pending'], ['t3', 'failed']]);
      assert.deepEqual(countItemStates(states), { pending: 2, processing: 0, deployed: 1, failed: 1 });
    });
  });

  describe('when a run is going on', () => {
    const activeRun: RunRecord = { runId: 'run_b', pipeline: 'trials', status: 'RUNNING', stages: ['discover', 'backtest', 'deploy'], startedAt: 200, usage: {} };

    it('says processing for the items without a record since it began in a stage it has not ended', () => {
      const now = { ...records, backtest: new Map([...records.backtest, ['t2', record('backtest', 't2', 'SUCCEEDED', 250)]]) };
      const states = itemStates({ itemStages: ['backtest', 'deploy'], discovered: ['t1', 't2'], records: now, activeRun, endedInActiveRun: new Set(['backtest']) });
      assert.deepEqual([...states], [['t1', 'processing'], ['t2', 'processing'], ['t3', 'processing']]);
    });

    it('says nothing is processing once its per-item stages have ended', () => {
      const states = itemStates({ itemStages: ['backtest', 'deploy'], discovered: ['t1'], records, activeRun, endedInActiveRun: new Set(['backtest', 'deploy']) });
      assert.deepEqual([...states], [['t1', 'deployed'], ['t2', 'pending'], ['t3', 'failed']]);
    });
  });
});
