import assert from 'node:assert/strict';
import { stageHistory } from '../../src/query/history';
import { MemoryStore } from '../../src/store/memory-store';
import { runRecord, stageRecord } from '../store/fixtures';

describe('stageHistory', () => {
  describe('when stages last ran in different runs', () => {
    it('gives each wanted stage its last written record and the summary of its run, and leaves out stages that never ran', async () => {
      const store = new MemoryStore();
      await store.beginRun(runRecord('run-1', 1000));
      await store.saveStage('run-1', stageRecord('extract', 'SUCCEEDED'));
      await store.saveStage('run-1', stageRecord('load', 'FAILED'));
      await store.updateRun('run-1', { status: 'FAILED', endedAt: 2000 });
      await store.beginRun({ ...runRecord('run-2', 3000), stages: ['load'] });
      await store.saveStage('run-2', stageRecord('load', 'SUCCEEDED'));

      const history = await stageHistory(store, 'etl', ['extract', 'load', 'report']);
      assert.deepEqual(history.latest, { extract: stageRecord('extract', 'SUCCEEDED'), load: stageRecord('load', 'SUCCEEDED') });
      assert.deepEqual(history.runOf, {
        extract: { runId: 'run-1', pipeline: 'etl', status: 'FAILED', startedAt: 1000, endedAt: 2000, usage: {}, stageCount: 2, counts: { SUCCEEDED: 1, FAILED: 1 } },
        load: { runId: 'run-2', pipeline: 'etl', status: 'RUNNING', startedAt: 3000, usage: {}, stageCount: 1, counts: { SUCCEEDED: 1 } },
      });
    });
  });
});
