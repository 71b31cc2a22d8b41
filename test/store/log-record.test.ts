import assert from 'node:assert/strict';
import { hasErrorCode } from '../../src/errors';
import { LOG_SCHEMA_VERSION, logHeader, replayEventLog } from '../../src/store/log-record';
import { logEvent, runRecord, stageRecord } from './fixtures';

describe('replayEventLog', () => {
  describe('when the log has records out of seq order and a torn last line', () => {
    it('applies them by seq and reports the torn line', () => {
      const lines = [
        JSON.stringify({ kind: 'run', seq: 1, run: runRecord('run-1') }),
        JSON.stringify({ kind: 'checkpoint', seq: 3, runId: 'run-1', record: stageRecord('a', 'SUCCEEDED') }),
        JSON.stringify({ kind: 'event', event: logEvent('run-1', 1, 'x') }),
        JSON.stringify({ kind: 'checkpoint', seq: 2, runId: 'run-1', record: stageRecord('a', 'RUNNING') }),
        JSON.stringify({ kind: 'breaker', seq: 4, key: 'api', snapshot: { state: 'CLOSED', failures: 0, openedAt: null } }),
        '{"kind":"checkpoint","seq":5,"runId":"run-1","rec',
      ];
      const replayed = replayEventLog(lines, 'events.jsonl');
      assert.deepEqual(replayed.run, runRecord('run-1'));
      assert.deepEqual(replayed.stages, { a: stageRecord('a', 'SUCCEEDED') });
      assert.deepEqual(replayed.breakers, { api: { state: 'CLOSED', failures: 0, openedAt: null } });
      assert.deepEqual(replayed.events, [logEvent('run-1', 1, 'x')]);
      assert.equal(replayed.lastSeq, 4);
      assert.equal(replayed.truncated?.line, 6);
    });
  });

  describe('when the log starts with its header', () => {
    it('reads the records after it', () => {
      const replayed = replayEventLog([JSON.stringify(logHeader('run-1')), JSON.stringify({ kind: 'run', seq: 1, run: runRecord('run-1') })], 'events.jsonl');
      assert.equal(LOG_SCHEMA_VERSION, 1);
      assert.deepEqual(replayed.run, runRecord('run-1'));
    });
  });

  describe('when the log was written in another schema version', () => {
    it('refuses it with STATE_CORRUPT naming the file and both versions', () => {
      const lines = [JSON.stringify({ kind: 'header', schemaVersion: 7, runId: 'run-1' }), JSON.stringify({ kind: 'run', seq: 1, run: runRecord('run-1') })];
      assert.throws(
        () => replayEventLog(lines, 'state/etl/runs/run-1/events.jsonl'),
        (e: unknown) =>
          hasErrorCode(e, 'STATE_CORRUPT') &&
          e.message === 'state/etl/runs/run-1/events.jsonl is a run log of schema version 7; this dagbook reads version 1',
      );
    });
  });

  describe('when a record has the wrong shape', () => {
    it('throws STATE_CORRUPT naming the source, record and field', () => {
      const lines = [JSON.stringify({ kind: 'checkpoint', seq: 1, runId: 'run-1', record: { stageId: 'a' } }), ''];
      assert.throws(
        () => replayEventLog(lines, 'events.jsonl'),
        (e: unknown) => hasErrorCode(e, 'STATE_CORRUPT') && e.message.startsWith('events.jsonl record 1 is not a run log record: `record.status`'),
      );
    });
  });
});
