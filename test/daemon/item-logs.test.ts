import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileSegment, itemLogPath, itemLogWriter } from '../../src/daemon/item-logs';
import type { PipelineEvent } from '../../src/events/event';

const TS = '2026-01-29T21:30:00.000Z';

function logEvent(item: string, message: string, metadata: Record<string, unknown> = {}): PipelineEvent {
  return { timestamp: TS, runId: 'run-1', stageId: 'backtest', type: 'LOG', level: 'INFO', message, metadata, correlationId: `run-1/backtest/${item}`, seq: 1 };
}

describe('item logs', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-item-logs-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('when items log and fail', () => {
    it('writes one file per item with a line per LOG and ITEM_FAILURE, and nothing for stage or run events', () => {
      const errors: unknown[] = [];
      const write = itemLogWriter({ dir }, (e) => errors.push(e));
      write(logEvent('t1', 'backtesting t1', { score: 1.5 }));
      write({ timestamp: TS, runId: 'run-1', stageId: 'backtest', type: 'ITEM_FAILURE', level: 'WARN', message: 'Item `t2` of `backtest` failed: no fills', metadata: { itemId: 't2', code: 'STAGE_FAILED', errorClass: 'persistent', attempts: 3 }, correlationId: 'run-1/backtest/t2', seq: 2 });
      write({ timestamp: TS, runId: 'run-1', stageId: 'backtest', type: 'LOG', level: 'INFO', message: 'stage-level', metadata: {}, correlationId: 'run-1/backtest', seq: 3 });
      assert.deepEqual(errors, []);
      assert.equal(fs.readFileSync(itemLogPath(dir, 'backtest', 't1'), 'utf8'), `${TS} INFO [run-1] backtesting t1 {"score":1.5}\n`);
      assert.equal(fs.readFileSync(itemLogPath(dir, 'backtest', 't2'), 'utf8'), `${TS} WARN [run-1] Item \`t2\` of \`backtest\` failed: no fills {"code":"STAGE_FAILED","attempts":3}\n`);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'backtest')).sort(), ['t1.log', 't2.log']);
    });
  });

  describe('when an item log passes its size', () => {
    it('rotates it to <item>.log.1 and keeps one rotated file', () => {
      const write = itemLogWriter({ dir, maxBytes: 100 }, (e) => assert.fail(String(e)));
      for (let i = 0; i < 6; i++) write(logEvent('t1', `line ${i}`));
      const file = itemLogPath(dir, 'backtest', 't1');
      // Each line is 44 bytes: two fit in 100.
      assert.equal(fs.readFileSync(file, 'utf8'), `${TS} INFO [run-1] line 4\n${TS} INFO [run-1] line 5\n`);
      assert.equal(fs.readFileSync(`${file}.1`, 'utf8'), `${TS} INFO [run-1] line 2\n${TS} INFO [run-1] line 3\n`);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'backtest')).sort(), ['t1.log', 't1.log.1']);
    });
  });

  describe('when an item id is not a safe file name', () => {
    it('keeps its safe characters and adds a short hash, so two ids never share a file', () => {
      assert.equal(fileSegment('trial-7'), 'trial-7');
      assert.match(fileSegment('../etc/passwd'), /^_etc_passwd-[0-9a-f]{12}$/);
      assert.notEqual(fileSegment('a/b'), fileSegment('a_b'));
    });
  });
});
