import assert from 'node:assert/strict';
import { runRecordSchema, stageRecordSchema } from '../../src/store/state-schema';
import { runRecord, stageRecord } from './fixtures';

describe('state schema', () => {
  describe('when a record holds a reserved status', () => {
    it('loads a stage record that is PENDING or PARTIAL', () => {
      for (const status of ['PENDING', 'PARTIAL'] as const) {
        assert.deepEqual(stageRecordSchema.parse(stageRecord('load', status)), stageRecord('load', status));
      }
    });

    it('loads a run record that is PARTIAL', () => {
      const run = { ...runRecord('run-1'), status: 'PARTIAL' as const };
      assert.deepEqual(runRecordSchema.parse(run), run);
    });
  });

  describe('when a record holds an unknown status', () => {
    it('refuses it', () => {
      assert.equal(stageRecordSchema.safeParse({ ...stageRecord('load', 'FAILED'), status: 'WAITING' }).success, false);
      assert.equal(runRecordSchema.safeParse({ ...runRecord('run-1'), status: 'PENDING' }).success, false);
    });
  });
});
