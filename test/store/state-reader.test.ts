import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openDurableStore, type DurableStore } from '../../src/store/durable-store';
import { openStateReader } from '../../src/store/state-reader';
import { cacheEntry, logEvent, runRecord, stageRecord, tempDir } from './fixtures';

describe('openStateReader', () => {
  let dir: string;
  let root: string;
  let writer: DurableStore | undefined;
  beforeEach(() => {
    dir = tempDir();
    root = path.join(dir, 'etl');
  });
  afterEach(async () => {
    await writer?.close();
    writer = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A writer that holds the lock with run-1 RUNNING: extract done, load running. */
  async function runningWriter(): Promise<DurableStore> {
    writer = await openDurableStore({ stateDir: dir, pipeline: 'etl' });
    await writer.beginRun(runRecord('run-1'));
    await writer.saveStage('run-1', stageRecord('extract', 'SUCCEEDED', { outputHash: 'h1' }));
    await writer.putCacheEntry(cacheEntry('extract', 'run-1', 'h1'));
    await writer.saveStage('run-1', stageRecord('load', 'RUNNING'));
    writer.appendEvent(logEvent('run-1', 1, 'load started'));
    // Events are written at the end of the event-loop turn (or with the next record that goes straight to the log).
    await new Promise((resolve) => setImmediate(resolve));
    return writer;
  }

  const logFile = () => path.join(root, 'runs', 'run-1', 'events.jsonl');

  describe('when asked where the state is', () => {
    it("gives the pipeline's state folder as `location`", async () => {
      const reader = await openStateReader({ stateDir: dir, pipeline: 'etl' });
      assert.equal(reader.location, root);
      await reader.close();
    });
  });

  describe('when a writer holds the state mid-run', () => {
    it('shows the run so far from the snapshot and the log, without the lock and without writing', async () => {
      await runningWriter();
      const before = { db: fs.readFileSync(path.join(root, 'db.json'), 'utf8'), log: fs.readFileSync(logFile(), 'utf8'), lock: fs.readFileSync(path.join(root, 'lock'), 'utf8') };
      const reader = await openStateReader({ stateDir: dir, pipeline: 'etl' });
      assert.deepEqual(await reader.listRuns(), [
        { runId: 'run-1', pipeline: 'etl', status: 'RUNNING', startedAt: 1_700_000_000_000, usage: {}, stageCount: 2, counts: { SUCCEEDED: 1, RUNNING: 1 } },
      ]);
      assert.deepEqual(await reader.getRun('run-1'), runRecord('run-1'));
      assert.deepEqual(await reader.latestStages(), {
        extract: { runId: 'run-1', record: stageRecord('extract', 'SUCCEEDED', { outputHash: 'h1' }) },
        load: { runId: 'run-1', record: stageRecord('load', 'RUNNING') },
      });
      assert.deepEqual(await reader.getStages('run-1'), {
        extract: stageRecord('extract', 'SUCCEEDED', { outputHash: 'h1' }),
        load: stageRecord('load', 'RUNNING'),
      });
      assert.deepEqual(await reader.latestCacheEntry('extract'), cacheEntry('extract', 'run-1', 'h1'));
      assert.deepEqual(await reader.readEvents('run-1'), [logEvent('run-1', 1, 'load started')]);
      await reader.close();
      assert.deepEqual(
        { db: fs.readFileSync(path.join(root, 'db.json'), 'utf8'), log: fs.readFileSync(logFile(), 'utf8'), lock: fs.readFileSync(path.join(root, 'lock'), 'utf8') },
        before,
      );
    });
  });

  describe('when the last line of a run log is torn', () => {
    it('shows every whole line and leaves the torn one in place', async () => {
      await runningWriter();
      const torn = '{"kind":"checkpoint","seq":99,"runId":"run-1","record":{"stageId":"load","sta';
      fs.appendFileSync(logFile(), torn);
      const text = fs.readFileSync(logFile(), 'utf8');
      const reader = await openStateReader({ stateDir: dir, pipeline: 'etl' });
      assert.deepEqual(reader.truncatedLogs, [{ path: logFile(), line: text.split('\n').length }]);
      assert.deepEqual((await reader.getStages('run-1')).load, stageRecord('load', 'RUNNING'));
      assert.equal(fs.readFileSync(logFile(), 'utf8'), text);
    });
  });

  describe('when db.json is unusable and run logs exist', () => {
    it('shows the state rebuilt from the logs and leaves db.json where it is', async () => {
      await runningWriter();
      await writer?.close();
      writer = undefined;
      fs.writeFileSync(path.join(root, 'db.json'), '{"schemaVer');
      assert.deepEqual(fs.readdirSync(root).sort(), ['db.json', 'runs', 'secret.key']);
      const reader = await openStateReader({ stateDir: dir, pipeline: 'etl' });
      assert.deepEqual(reader.recovered?.runsRebuilt, ['run-1']);
      assert.equal(reader.recovered?.movedTo, undefined);
      assert.deepEqual(Object.keys(await reader.getStages('run-1')), ['extract', 'load']);
      assert.equal(fs.readFileSync(path.join(root, 'db.json'), 'utf8'), '{"schemaVer');
      // Nothing moved aside, nothing added.
      assert.deepEqual(fs.readdirSync(root).sort(), ['db.json', 'runs', 'secret.key']);
    });
  });

  describe('when db.json is a version 2 document not yet converted and a run`s folder has lost its log', () => {
    it('reads that run`s record and stage records from the document, and writes nothing', async () => {
      const extract = stageRecord('extract', 'SUCCEEDED', { outputHash: 'h1' });
      const run1 = { runId: 'run-1', pipeline: 'etl', status: 'SUCCEEDED', stages: ['extract'], startedAt: 1000, endedAt: 2000, usage: {} };
      const v2 = { schemaVersion: 2, pipeline: 'etl', appliedSeq: 3, runs: { 'run-1': run1 }, stages: { 'run-1': { extract } }, cache: {}, breakers: {} };
      fs.mkdirSync(path.join(root, 'runs', 'run-1'), { recursive: true });
      fs.writeFileSync(path.join(root, 'db.json'), JSON.stringify(v2));
      const reader = await openStateReader({ stateDir: dir, pipeline: 'etl' });
      assert.deepEqual(await reader.getStages('run-1'), { extract });
      assert.deepEqual(await reader.getRun('run-1'), run1);
      assert.deepEqual(await reader.getStages('run-2'), {});
      await reader.close();
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(root, 'db.json'), 'utf8')), v2);
      assert.deepEqual(fs.readdirSync(path.join(root, 'runs', 'run-1')), []);
    });
  });

  describe('when the pipeline has no state yet', () => {
    it('reads as empty and creates nothing', async () => {
      const reader = await openStateReader({ stateDir: dir, pipeline: 'etl' });
      assert.deepEqual(await reader.listRuns(), []);
      assert.equal(await reader.latestCacheEntry('extract'), undefined);
      assert.equal(fs.existsSync(root), false);
    });
  });
});
