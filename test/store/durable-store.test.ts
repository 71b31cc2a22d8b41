import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalJson, sha256 } from '../../src/canonical-json';
import { ManualClock } from '../../src/clock';
import { hasErrorCode } from '../../src/errors';
import { openDurableStore, type DurableStore } from '../../src/store/durable-store';
import { nodeFileSystem } from '../../src/store/state-file-system';
import { replayEventLog } from '../../src/store/log-record';
import { cacheEntry, logEvent, runRecord, stageRecord, tempDir } from './fixtures';

const repoRoot = path.resolve(__dirname, '../..');
const DAY_MS = 24 * 60 * 60 * 1000;

describe('DurableStore', () => {
  let dir: string;
  let root: string;
  let store: DurableStore | undefined;
  const open = async (extra: { clock?: ManualClock; compactMinRecords?: number; inlineOutputMaxBytes?: number; retention?: false | { maxRuns?: number } } = {}) =>
    (store = await openDurableStore({ stateDir: dir, pipeline: 'etl', ...extra }));
  const readDb = () => JSON.parse(fs.readFileSync(path.join(root, 'db.json'), 'utf8'));
  beforeEach(() => {
    dir = tempDir();
    root = path.join(dir, 'etl');
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('when asked where it keeps the state', () => {
    it("gives the pipeline's state folder as `location`", async () => {
      assert.equal((await open()).location, root);
    });
  });

  describe('when closed and reopened', () => {
    it('gives back every run, stage, cache entry, breaker, event and output', async () => {
      const s = await open();
      await s.beginRun(runRecord('run-1'));
      await s.saveStage('run-1', stageRecord('extract', 'RUNNING'));
      const hash = await s.putOutput({ rows: 3 });
      await s.saveStage('run-1', stageRecord('extract', 'SUCCEEDED', { outputHash: hash }));
      await s.putCacheEntry(cacheEntry('extract', 'run-1', hash));
      await s.saveBreaker('api', { state: 'OPEN', failures: 2, openedAt: 77 });
      s.appendEvent(logEvent('run-1', 1, 'hello'));
      await s.updateRun('run-1', { status: 'SUCCEEDED', endedAt: 1_700_000_009_000 });
      await s.close();

      const again = await open();
      assert.deepEqual(await again.listRuns(), [
        { runId: 'run-1', pipeline: 'etl', status: 'SUCCEEDED', startedAt: 1_700_000_000_000, endedAt: 1_700_000_009_000, usage: {}, stageCount: 2, counts: { SUCCEEDED: 1 } },
      ]);
      assert.deepEqual(await again.getRun('run-1'), { ...runRecord('run-1'), status: 'SUCCEEDED', endedAt: 1_700_000_009_000 });
      assert.deepEqual(await again.getStages('run-1'), { extract: stageRecord('extract', 'SUCCEEDED', { outputHash: hash }) });
      assert.deepEqual(await again.getCacheEntry('extract', 'key-extract'), cacheEntry('extract', 'run-1', hash));
      assert.deepEqual(await again.loadBreakers(), { api: { state: 'OPEN', failures: 2, openedAt: 77 } });
      assert.deepEqual(await again.readEvents('run-1'), [logEvent('run-1', 1, 'hello')]);
      assert.deepEqual(await again.getOutput(hash), { rows: 3 });
      assert.equal(again.recovered, undefined);
    });
  });

  describe('when a success is saved with its cache entry', () => {
    it('writes both in one log line, from which a replay rebuilds both', async () => {
      const s = await open();
      await s.beginRun(runRecord('run-1'));
      const hash = await s.putOutput({ rows: 3 });
      const linesBefore = fs.readFileSync(path.join(root, 'runs', 'run-1', 'events.jsonl'), 'utf8').split('\n').filter((l) => l !== '').length;
      await s.saveStage('run-1', stageRecord('extract', 'SUCCEEDED', { outputHash: hash }), cacheEntry('extract', 'run-1', hash));
      const lines = fs.readFileSync(path.join(root, 'runs', 'run-1', 'events.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
      assert.equal(lines.length, linesBefore + 1);
      const line = JSON.parse(lines[lines.length - 1]) as { kind: string; record: { status: string }; entry: { outputHash: string } };
      assert.deepEqual([line.kind, line.record.status, line.entry.outputHash], ['checkpoint', 'SUCCEEDED', hash]);
      // What a replay after a crash rebuilds from that log: both, from the one line.
      const replayed = replayEventLog(lines);
      assert.deepEqual(replayed.stages.extract, stageRecord('extract', 'SUCCEEDED', { outputHash: hash }));
      assert.deepEqual(replayed.cache.extract, cacheEntry('extract', 'run-1', hash));
    });
  });

  describe('when stages start together', () => {
    it('writes their start records in one write, each in the file when its save resolves', async () => {
      const writes: string[] = [];
      const counting = { ...nodeFileSystem, writeSync: (fd: number, data: string | Uint8Array) => (writes.push(String(data)), nodeFileSystem.writeSync(fd, data)) };
      const s = (store = await openDurableStore({ stateDir: dir, pipeline: 'etl', fileSystem: counting }));
      await s.beginRun(runRecord('run-1'));
      const logged = () => fs.readFileSync(path.join(root, 'runs', 'run-1', 'events.jsonl'), 'utf8');
      const before = writes.length;
      const inFile: boolean[] = [];
      await Promise.all(
        ['a', 'b', 'c'].map(async (id) => {
          await s.saveStage('run-1', stageRecord(id, 'RUNNING'));
          inFile.push(logged().includes(`"stageId":"${id}","status":"RUNNING"`));
        }),
      );
      assert.deepEqual(inFile, [true, true, true]);
      const runLogWrites = writes.slice(before).filter((text) => text.includes('"kind":"checkpoint"'));
      assert.equal(runLogWrites.length, 1);
      assert.equal(runLogWrites[0].split('\n').filter((line) => line !== '').length, 3);
    });
  });

  describe('when the process is killed mid-run', () => {
    it('replays the checkpoints of the run log that the snapshot has not seen', async () => {
      const code = `
        const { openDurableStore } = require(${JSON.stringify(path.join(repoRoot, 'src/store/durable-store.ts'))});
        (async () => {
          const s = await openDurableStore({ stateDir: ${JSON.stringify(dir)}, pipeline: 'etl' });
          await s.beginRun({ runId: 'run-1', pipeline: 'etl', status: 'RUNNING', stages: ['a', 'b', 'c'], startedAt: 1, usage: {} });
          for (const id of ['a', 'b', 'c']) {
            await s.saveStage('run-1', { stageId: id, status: 'SUCCEEDED', attempts: 1, idempotencyKey: 'run-1:' + id, usage: {}, validation: [], attemptLog: [] });
          }
          process.stdout.write('saved\\n');
          setInterval(() => {}, 60000);
        })();
      `;
      const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d) => String(d).includes('saved') && resolve());
        child.on('exit', (c) => reject(new Error(`child exited early with ${c}`)));
      });
      await new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.on('exit', () => resolve());
        child.kill('SIGKILL');
      });
      assert.deepEqual(readDb().latest, {}); // The snapshot is the empty one of the first open: the run lives in its log.

      const s = await open();
      assert.deepEqual(Object.keys(await s.getStages('run-1')), ['a', 'b', 'c']);
      assert.equal((await s.getRun('run-1'))?.status, 'RUNNING');
      // Replay was folded into a new snapshot.
      assert.deepEqual(Object.keys(readDb().latest), ['a', 'b', 'c']);
      assert.deepEqual(readDb().active['run-1'].stages, { a: 'SUCCEEDED', b: 'SUCCEEDED', c: 'SUCCEEDED' });
      assert.deepEqual(readDb().runs['run-1'].counts, { SUCCEEDED: 3 });
    });
  });

  describe('when a store that wrote nothing is closed', () => {
    it('leaves db.json as it was (same inode, same mtime) and writes no file', async () => {
      const s = await open();
      await s.beginRun(runRecord('run-1'));
      await s.updateRun('run-1', { status: 'SUCCEEDED', endedAt: 1_700_000_009_000 });
      await s.close();
      const identity = () => {
        const stat = fs.statSync(path.join(root, 'db.json'));
        return { ino: stat.ino, mtimeMs: stat.mtimeMs, files: fs.readdirSync(root, { recursive: true }).map(String).sort() };
      };
      const before = identity();
      const again = await open();
      await again.listRuns();
      await again.getStages('run-1');
      await again.close();
      assert.deepEqual(identity(), before);
    });
  });

  describe('when the records since the snapshot reach the compaction threshold', () => {
    it('starts rewriting the snapshot then (its sync in the background, done by `flush`) and not before', async () => {
      // The run's begin is the first record since the snapshot: a run's begin and end rewrite no snapshot.
      const s = await open({ compactMinRecords: 4 });
      await s.beginRun(runRecord('run-1'));
      await s.saveStage('run-1', stageRecord('a', 'RUNNING'));
      await s.saveStage('run-1', stageRecord('a', 'SUCCEEDED'));
      assert.deepEqual(readDb().latest, {});
      await s.saveStage('run-1', stageRecord('b', 'RUNNING'));
      await s.flush();
      assert.deepEqual(readDb().latest, { a: { runId: 'run-1', record: stageRecord('a', 'SUCCEEDED') }, b: { runId: 'run-1', record: stageRecord('b', 'RUNNING') } });
      assert.deepEqual(readDb().runs['run-1'].counts, { SUCCEEDED: 1, RUNNING: 1 });
      assert.equal(readDb().appliedSeq, 4);
    });
  });

  describe('when a run log is replayed', () => {
    it('yields the run the index summarises and the latest stage records of the snapshot', async () => {
      const s = await open();
      await s.beginRun(runRecord('run-1'));
      for (const id of ['a', 'b', 'c']) {
        await s.saveStage('run-1', stageRecord(id, 'RUNNING'));
        s.appendEvent(logEvent('run-1', 1, id));
        await s.saveStage('run-1', stageRecord(id, id === 'b' ? 'FAILED' : 'SUCCEEDED', { attempts: 2 }));
      }
      await s.updateRun('run-1', { status: 'FAILED', endedAt: 9, reason: 'b failed' });
      await s.close();
      const replayed = replayEventLog(fs.readFileSync(path.join(root, 'runs', 'run-1', 'events.jsonl'), 'utf8'));
      const db = readDb();
      assert.deepEqual(replayed.run, { ...runRecord('run-1'), status: 'FAILED', endedAt: 9, reason: 'b failed' });
      assert.deepEqual(db.runs['run-1'], { runId: 'run-1', pipeline: 'etl', status: 'FAILED', startedAt: 1_700_000_000_000, endedAt: 9, reason: 'b failed', usage: {}, stageCount: 2, counts: { SUCCEEDED: 2, FAILED: 1 } });
      assert.deepEqual(replayed.stages, Object.fromEntries(Object.entries(db.latest).map(([id, latest]) => [id, (latest as { record: unknown }).record])));
      assert.deepEqual(db.active, {});
      assert.equal(replayed.events.length, 3);
    });
  });

  describe('when db.json is truncated and run logs exist', () => {
    it('moves it aside, rebuilds the state from the logs and says so', async () => {
      const s = await open();
      await s.beginRun(runRecord('run-1'));
      await s.saveStage('run-1', stageRecord('a', 'SUCCEEDED'));
      await s.putCacheEntry(cacheEntry('a', 'run-1', 'h1'));
      await s.close();
      const text = fs.readFileSync(path.join(root, 'db.json'), 'utf8');
      fs.writeFileSync(path.join(root, 'db.json'), text.slice(0, 40));

      const again = await open({ clock: new ManualClock(1234) });
      assert.deepEqual(again.recovered, {
        path: path.join(root, 'db.json'),
        problem: `${path.join(root, 'db.json')} cannot be read: it is not JSON (Unterminated string in JSON at position 40)`,
        movedTo: path.join(root, 'db.json.corrupt-1234'),
        runsRebuilt: ['run-1'],
      });
      assert.equal(fs.readFileSync(path.join(root, 'db.json.corrupt-1234'), 'utf8'), text.slice(0, 40));
      assert.deepEqual(await again.getStages('run-1'), { a: stageRecord('a', 'SUCCEEDED') });
      assert.deepEqual(await again.getCacheEntry('a', 'key-a'), cacheEntry('a', 'run-1', 'h1'));
      assert.equal(readDb().runs['run-1'].runId, 'run-1');
    });
  });

  describe('when db.json has a foreign schema', () => {
    it('throws STATE_CORRUPT naming the path and the problem when there are no logs, and frees the lock', async () => {
      fs.mkdirSync(root, { recursive: true });
      fs.writeFileSync(path.join(root, 'db.json'), JSON.stringify({ schemaVersion: 4, pipeline: 'etl' }));
      await assert.rejects(
        openDurableStore({ stateDir: dir, pipeline: 'etl' }),
        (e: unknown) =>
          hasErrorCode(e, 'STATE_CORRUPT') &&
          e.message.includes(`${path.join(root, 'db.json')} is not a dagbook state document`) &&
          e.message.includes('`schemaVersion`'),
      );
      assert.equal(fs.existsSync(path.join(root, 'lock')), false);
    });

    it('rebuilds from the logs when there are some', async () => {
      const s = await open();
      await s.beginRun(runRecord('run-1'));
      await s.close();
      fs.writeFileSync(path.join(root, 'db.json'), JSON.stringify({ schemaVersion: 1, pipeline: 'other' }));
      const again = await open({ clock: new ManualClock(5) });
      assert.deepEqual(again.recovered?.runsRebuilt, ['run-1']);
      assert.equal(again.recovered?.movedTo, path.join(root, 'db.json.corrupt-5'));
    });
  });

  describe('when db.json is a version 1 document (one cache entry per stage)', () => {
    it('loads it, keeps each entry as its stage`s history of one, and rewrites it as version 3', async () => {
      fs.mkdirSync(root, { recursive: true });
      const v1 = {
        schemaVersion: 1,
        pipeline: 'etl',
        appliedSeq: 4,
        runs: { 'run-1': { runId: 'run-1', pipeline: 'etl', status: 'SUCCEEDED', stages: ['extract'], startedAt: 1000, endedAt: 2000, usage: {} } },
        stages: { 'run-1': { extract: { stageId: 'extract', status: 'SUCCEEDED', attempts: 1, idempotencyKey: 'run-1:extract', usage: {}, validation: [], attemptLog: [], outputHash: 'h1' } } },
        cache: { extract: { stageId: 'extract', cacheKey: 'key-extract', outputHash: 'h1', durationMs: 42, runId: 'run-1', recordedAt: 1_700_000_000_500 } },
        breakers: {},
      };
      fs.writeFileSync(path.join(root, 'db.json'), JSON.stringify(v1));
      const s = await open();
      assert.deepEqual(await s.getCacheEntry('extract', 'key-extract'), cacheEntry('extract', 'run-1', 'h1'));
      assert.deepEqual(await s.latestCacheEntry('extract'), cacheEntry('extract', 'run-1', 'h1'));
      assert.deepEqual(readDb(), {
        schemaVersion: 3,
        pipeline: 'etl',
        appliedSeq: 4,
        runs: { 'run-1': { runId: 'run-1', pipeline: 'etl', status: 'SUCCEEDED', startedAt: 1000, endedAt: 2000, usage: {}, stageCount: 1, counts: { SUCCEEDED: 1 } } },
        latest: { extract: { runId: 'run-1', record: v1.stages['run-1'].extract } },
        active: {},
        cache: { extract: [cacheEntry('extract', 'run-1', 'h1')] },
        breakers: {},
        outputs: {},
      });
    });
  });

  describe('when db.json is a version 2 document (every run`s stage records)', () => {
    const extract = (runId: string, status: string, outputHash: string) => ({ stageId: 'extract', status, attempts: 1, idempotencyKey: `${runId}:extract`, usage: {}, validation: [], attemptLog: [], outputHash });
    const v2 = {
      schemaVersion: 2,
      pipeline: 'etl',
      appliedSeq: 9,
      runs: {
        'run-1': { runId: 'run-1', pipeline: 'etl', status: 'SUCCEEDED', stages: ['extract'], startedAt: 1000, endedAt: 2000, usage: {} },
        'run-2': { runId: 'run-2', pipeline: 'etl', status: 'FAILED', stages: ['extract', 'load'], startedAt: 3000, endedAt: 4000, usage: { tokens: 5 }, reason: 'load failed' },
        'run-3': { runId: 'run-3', pipeline: 'etl', status: 'RUNNING', stages: ['load'], startedAt: 5000, usage: {} },
      },
      stages: {
        'run-1': { extract: extract('run-1', 'SUCCEEDED', 'h1') },
        'run-2': {
          extract: extract('run-2', 'CACHED', 'h1'),
          load: { stageId: 'load', status: 'FAILED', attempts: 2, idempotencyKey: 'run-2:load', usage: {}, validation: [], attemptLog: [] },
        },
        'run-3': { load: { stageId: 'load', status: 'RUNNING', attempts: 0, idempotencyKey: 'run-3:load', usage: {}, validation: [], attemptLog: [] } },
      },
      cache: { extract: [{ stageId: 'extract', cacheKey: 'key-extract', outputHash: 'h1', durationMs: 42, runId: 'run-1', recordedAt: 1_700_000_000_500 }] },
      breakers: { api: { state: 'CLOSED', failures: 0, openedAt: null } },
    };

    it('converts it to the run index, the latest record per stage and the running runs, and keeps the details of runs without a log beside them', async () => {
      fs.mkdirSync(path.join(root, 'runs', 'run-1'), { recursive: true });
      fs.writeFileSync(path.join(root, 'db.json'), JSON.stringify(v2));
      const s = await open({ retention: false });
      assert.deepEqual(readDb(), {
        schemaVersion: 3,
        pipeline: 'etl',
        appliedSeq: 9,
        runs: {
          'run-1': { runId: 'run-1', pipeline: 'etl', status: 'SUCCEEDED', startedAt: 1000, endedAt: 2000, usage: {}, stageCount: 1, counts: { SUCCEEDED: 1 } },
          'run-2': { runId: 'run-2', pipeline: 'etl', status: 'FAILED', startedAt: 3000, endedAt: 4000, usage: { tokens: 5 }, reason: 'load failed', stageCount: 2, counts: { CACHED: 1, FAILED: 1 } },
          'run-3': { runId: 'run-3', pipeline: 'etl', status: 'RUNNING', startedAt: 5000, usage: {}, stageCount: 1, counts: { RUNNING: 1 } },
        },
        latest: { extract: { runId: 'run-2', record: v2.stages['run-2'].extract }, load: { runId: 'run-3', record: v2.stages['run-3'].load } },
        active: { 'run-3': { run: v2.runs['run-3'], stages: { load: 'RUNNING' } } },
        cache: v2.cache,
        breakers: v2.breakers,
        outputs: {},
      });
      // run-1's folder had lost its log: its details now live in record.json there; the others had no folder.
      assert.deepEqual(fs.readdirSync(path.join(root, 'runs')), ['run-1']);
      assert.deepEqual(await s.getStages('run-1'), v2.stages['run-1']);
      assert.deepEqual(await s.getRun('run-1'), v2.runs['run-1']);
      assert.deepEqual(await s.getRun('run-3'), v2.runs['run-3']);
      assert.deepEqual(await s.getRun('run-2'), { ...v2.runs['run-2'], stages: [] });
    });
  });

  describe('when cache entries pile up', () => {
    it('keeps the history across a reopen, and gc drops entries past the age limit but never a stage`s latest', async () => {
      const clock = new ManualClock(1_700_000_000_500 + 100 * DAY_MS);
      const s = await open({ clock, inlineOutputMaxBytes: 0 });
      await s.beginRun(runRecord('run-1'));
      const old = await s.putOutput('old');
      const latest = await s.putOutput('latest');
      await s.putCacheEntry({ ...cacheEntry('a', 'run-1', old), cacheKey: 'k-old' });
      await s.putCacheEntry({ ...cacheEntry('a', 'run-1', latest), cacheKey: 'k-latest' });
      await s.close();
      const again = await open({ clock, inlineOutputMaxBytes: 0 });
      assert.equal((await again.getCacheEntry('a', 'k-old'))?.outputHash, old);
      assert.deepEqual(await again.gcArtifacts(), { removed: [old], damaged: [], cacheEntriesDropped: 1 });
      assert.equal(await again.getCacheEntry('a', 'k-old'), undefined);
      assert.equal((await again.latestCacheEntry('a'))?.outputHash, latest);
      assert.deepEqual(readDb().cache.a.map((e: { cacheKey: string }) => e.cacheKey), ['k-latest']);
    });

    it('refuses bad cache options with INVALID_OPTION naming the field', async () => {
      await assert.rejects(
        openDurableStore({ stateDir: dir, pipeline: 'etl', cache: { maxAgeDays: Number.NaN } }),
        (e: unknown) => hasErrorCode(e, 'INVALID_OPTION') && e.message === 'Expected `cache.maxAgeDays` to be a number of days >= 0, got `NaN`',
      );
    });
  });

  describe('when gc verifies the stored outputs', () => {
    it('removes a damaged output file and reports it; the whole ones stay', async () => {
      const s = await open({ inlineOutputMaxBytes: 0 });
      await s.beginRun(runRecord('run-1'));
      const good = await s.putOutput({ rows: 1 });
      const bad = await s.putOutput({ rows: 2 });
      await s.putCacheEntry(cacheEntry('a', 'run-1', good));
      await s.putCacheEntry(cacheEntry('b', 'run-1', bad));
      const file = path.join(root, 'artifacts', bad);
      const bytes = fs.readFileSync(file);
      bytes[2] ^= 0x01;
      fs.writeFileSync(file, bytes);
      assert.equal(await s.verifyOutput(bad), 'corrupt');
      assert.deepEqual(await s.gcArtifacts({ verify: true }), { removed: [], damaged: [bad], cacheEntriesDropped: 0 });
      assert.equal(await s.verifyOutput(bad), 'missing');
      assert.equal(await s.verifyOutput(good), 'ok');
    });
  });

  describe('when the file system refuses', () => {
    it('reports db.json being a folder as STATE_IO naming the path, the operation and the errno', async () => {
      fs.mkdirSync(path.join(root, 'db.json'), { recursive: true });
      await assert.rejects(open(), (e: unknown) => {
        assert.ok(hasErrorCode(e, 'STATE_IO'));
        assert.equal(e.message.startsWith(`Cannot read ${path.join(root, 'db.json')}: EISDIR (`), true, e.message);
        assert.deepEqual(e.data, { path: path.join(root, 'db.json'), operation: 'read', errno: 'EISDIR' });
        assert.equal((e.cause as NodeJS.ErrnoException).code, 'EISDIR');
        return true;
      });
      assert.equal(fs.existsSync(path.join(root, 'lock')), false);
    });

    it('reports a file where the artifacts folder should be as STATE_IO when an output file is stored', async () => {
      const s = await open({ inlineOutputMaxBytes: 0 });
      fs.writeFileSync(path.join(root, 'artifacts'), 'not a folder');
      await assert.rejects(s.putOutput({ rows: 1 }), (e: unknown) => {
        assert.ok(hasErrorCode(e, 'STATE_IO'));
        assert.equal(e.data.operation, 'write');
        assert.equal(e.data.errno, 'ENOTDIR');
        assert.equal(e.data.path, path.join(root, 'artifacts', sha256(canonicalJson({ rows: 1 }))));
        return true;
      });
    });

    it('reports a file where the runs folder should be as STATE_IO when a run begins', async () => {
      const s = await open();
      fs.writeFileSync(path.join(root, 'runs'), 'not a folder');
      await assert.rejects(s.beginRun(runRecord('run-1')), (e: unknown) => {
        assert.ok(hasErrorCode(e, 'STATE_IO'));
        assert.deepEqual([e.data.operation, e.data.path], ['create folder', path.join(root, 'runs', 'run-1')]);
        assert.equal(e.data.errno, 'ENOTDIR');
        return true;
      });
    });
  });

  describe('when the state is already open', () => {
    it('refuses a second store with STATE_LOCKED', async () => {
      await open();
      await assert.rejects(openDurableStore({ stateDir: dir, pipeline: 'etl' }), (e: unknown) => hasErrorCode(e, 'STATE_LOCKED'));
    });
  });

  describe('when artifacts are garbage-collected', () => {
    it('removes only the files no stage record or cache entry points to', async () => {
      const s = await open({ inlineOutputMaxBytes: 0 });
      await s.beginRun(runRecord('run-1'));
      const kept = await s.putOutput('kept');
      const cached = await s.putOutput('cached');
      const orphan = await s.putOutput('orphan');
      await s.saveStage('run-1', stageRecord('a', 'SUCCEEDED', { outputHash: kept }));
      await s.putCacheEntry(cacheEntry('b', 'run-1', cached));
      assert.deepEqual(await s.gcArtifacts(), { removed: [orphan], damaged: [], cacheEntriesDropped: 0 });
      assert.equal(await s.hasOutput(kept), true);
      assert.equal(await s.hasOutput(cached), true);
    });
  });

  describe('when the cache entries of stages are deleted', () => {
    it('drops them durably', async () => {
      const s = await open();
      await s.beginRun(runRecord('run-1'));
      await s.putCacheEntry(cacheEntry('a', 'run-1', 'h1'));
      await s.deleteCacheEntries(['a']);
      assert.deepEqual(readDb().cache, {});
    });
  });

  describe('when an output being removed in the background is put again', () => {
    it('is stored once the removal is done', async () => {
      const s = await open({ retention: { maxRuns: 0 }, inlineOutputMaxBytes: 0 });
      await s.beginRun(runRecord('run-1', Date.now()));
      const first = await s.putOutput('same');
      await s.updateRun('run-1', { status: 'SUCCEEDED', endedAt: Date.now() });
      // run-1 goes as run-2 begins; nothing refers to `same` any more, so its removal starts.
      await s.beginRun(runRecord('run-2', Date.now() + 1));
      assert.equal(await s.putOutput('same'), first);
      await s.close();
      assert.equal(fs.existsSync(path.join(root, 'artifacts', first)), true);
    });
  });

  describe('when retention retires the run whose log holds a small output a kept cache entry needs', () => {
    it('keeps the output: the snapshot that carries it is written before the log goes', async () => {
      let s = await open({ retention: { maxRuns: 1 } });
      await s.beginRun(runRecord('run-1', Date.now()));
      const hash = await s.putOutput({ small: 'kept inline' });
      await s.saveStage('run-1', stageRecord('a', 'SUCCEEDED', { outputHash: hash, cacheKey: 'key-a' }), cacheEntry('a', 'run-1', hash));
      await s.updateRun('run-1', { status: 'SUCCEEDED', endedAt: Date.now() });
      await s.beginRun(runRecord('run-2', Date.now() + 1));
      await s.updateRun('run-2', { status: 'SUCCEEDED', endedAt: Date.now() + 1 });
      await s.beginRun(runRecord('run-3', Date.now() + 2));
      await s.close();
      assert.deepEqual(fs.readdirSync(path.join(root, 'runs')).sort(), ['run-2', 'run-3']);
      const artifacts = path.join(root, 'artifacts');
      assert.deepEqual(fs.existsSync(artifacts) ? fs.readdirSync(artifacts) : [], []); // the output is inline, not a file
      s = await open({ retention: false });
      assert.deepEqual(await s.getOutput(hash), { small: 'kept inline' });
      await s.close();
    });
  });

  describe('when retention runs', () => {
    const now = 1_700_000_000_000 + 100 * DAY_MS;
    const seed = async () => {
      const s = await open({ retention: false });
      await s.beginRun(runRecord('old-ok', 1_700_000_000_000));
      await s.updateRun('old-ok', { status: 'SUCCEEDED', endedAt: now - 91 * DAY_MS });
      await s.beginRun(runRecord('old-failed', 1_700_000_000_001));
      await s.updateRun('old-failed', { status: 'FAILED', endedAt: now - 8 * DAY_MS });
      await s.beginRun(runRecord('mid-ok', 1_700_000_000_002));
      await s.updateRun('mid-ok', { status: 'SUCCEEDED', endedAt: now - 31 * DAY_MS });
      await s.beginRun(runRecord('new-ok', 1_700_000_000_003));
      await s.updateRun('new-ok', { status: 'SUCCEEDED', endedAt: now - DAY_MS });
      await s.beginRun(runRecord('running', 1));
      return s;
    };

    it('archives old runs with their summaries and old logs of kept runs in archive mode', async () => {
      const s = await seed();
      assert.deepEqual(await s.applyRetention({ now, mode: 'archive' }), { runs: ['old-ok', 'old-failed'], logs: ['mid-ok'], mode: 'archive', cacheEntriesDropped: 0, outputsRemoved: 0 });
      assert.deepEqual((await s.listRuns()).map((r) => r.runId), ['running', 'mid-ok', 'new-ok']);
      assert.deepEqual(fs.readdirSync(path.join(root, 'archive')).sort(), ['mid-ok', 'old-failed', 'old-ok']);
      assert.deepEqual(fs.readdirSync(path.join(root, 'archive', 'old-ok')).sort(), ['events.jsonl', 'record.json']);
      assert.equal(JSON.parse(fs.readFileSync(path.join(root, 'archive', 'old-ok', 'record.json'), 'utf8')).run.status, 'SUCCEEDED');
      assert.deepEqual(fs.readdirSync(path.join(root, 'runs')).sort(), ['new-ok', 'running']);
      assert.deepEqual(Object.keys(readDb().runs).sort(), ['mid-ok', 'new-ok', 'running']);
    });

    it('deletes them by default, and a second pass finds nothing to do', async () => {
      const s = await seed();
      assert.deepEqual(await s.applyRetention({ now }), { runs: ['old-ok', 'old-failed'], logs: ['mid-ok'], mode: 'delete', cacheEntriesDropped: 0, outputsRemoved: 0 });
      assert.equal(fs.existsSync(path.join(root, 'archive')), false);
      assert.deepEqual(fs.readdirSync(path.join(root, 'runs')).sort(), ['new-ok', 'running']);
      assert.deepEqual(Object.keys(readDb().runs).sort(), ['mid-ok', 'new-ok', 'running']);
      assert.deepEqual(await s.applyRetention({ now }), { runs: [], logs: [], mode: 'delete', cacheEntriesDropped: 0, outputsRemoved: 0 });
    });

    it('keeps the summary of a run whose log went, and reads its record back from it', async () => {
      const s = await seed();
      await s.applyRetention({ now });
      assert.deepEqual(await s.getRun('mid-ok'), { ...runRecord('mid-ok', 1_700_000_000_002), status: 'SUCCEEDED', endedAt: now - 31 * DAY_MS, stages: [] });
      assert.deepEqual(await s.getStages('mid-ok'), {});
    });

    it('applies the policy when a new run begins: runs past `maxRuns` go with their folders, and the outputs only they pointed to', async () => {
      const s = await open({ retention: { maxRuns: 2 }, inlineOutputMaxBytes: 0 });
      const outputs: string[] = [];
      for (let i = 1; i <= 4; i++) {
        const runId = `run-${i}`;
        await s.beginRun(runRecord(runId, Date.now() + i));
        outputs.push(await s.putOutput(`output ${i}`));
        await s.saveStage(runId, stageRecord('a', 'SUCCEEDED', { outputHash: outputs[i - 1] }));
        await s.updateRun(runId, { status: 'SUCCEEDED', endedAt: Date.now() + i });
      }
      assert.deepEqual((await s.listRuns()).map((r) => r.runId), ['run-2', 'run-3', 'run-4']);
      assert.deepEqual(fs.readdirSync(path.join(root, 'runs')).sort(), ['run-2', 'run-3', 'run-4']);
      // When run-4 began, run-1 went; then only the latest record of `a` (run-3's) pointed to an output.
      // Those removals run in the background; closing waits for them.
      await s.close();
      assert.deepEqual(outputs.map((h) => fs.existsSync(path.join(root, 'artifacts', h))), [false, false, true, true]);
    });

    it('retires runs past `maxRuns` at a run`s start in batches of a tenth of it: never more than that many extra', async () => {
      const s = await open({ retention: { maxRuns: 20 } });
      const kept: number[] = [];
      for (let i = 1; i <= 26; i++) {
        const runId = `run-${String(i).padStart(2, '0')}`;
        await s.beginRun(runRecord(runId, Date.now() + i));
        await s.updateRun(runId, { status: 'SUCCEEDED', endedAt: Date.now() + i });
        kept.push(fs.readdirSync(path.join(root, 'runs')).length);
      }
      // Batches of 2: a run's start retires once 2 ended runs are past the 20 newest (so at most 22 folders, its own included).
      assert.deepEqual(kept.slice(19), [20, 21, 22, 21, 22, 21, 22]);
      assert.deepEqual((await s.listRuns()).map((r) => r.runId).slice(0, 2), ['run-05', 'run-06']);
      await s.close();
    });
  });
});

describe('DurableStore run logs', () => {
  it('start with a header line naming the log format version', async () => {
    const dir = tempDir();
    try {
      const store = await openDurableStore({ stateDir: dir, pipeline: 'etl' });
      await store.beginRun({ runId: 'run-1', pipeline: 'etl', status: 'RUNNING', stages: [], startedAt: 1, usage: {} });
      await store.close();
      const first = fs.readFileSync(path.join(dir, 'etl', 'runs', 'run-1', 'events.jsonl'), 'utf8').split('\n')[0];
      assert.deepEqual(JSON.parse(first), { kind: 'header', schemaVersion: 1, runId: 'run-1' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
