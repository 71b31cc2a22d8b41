import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalJson, sha256 } from '../../src/canonical-json';
import { hasErrorCode } from '../../src/errors';
import { INLINE_OUTPUT_MAX_BYTES } from '../../src/limits';
import { openDurableStore, type DurableStore } from '../../src/store/durable-store';
import { parseLog } from '../../src/store/log-record';
import { openStateReader } from '../../src/store/state-reader';
import { cacheEntry, runRecord, stageRecord, tempDir } from './fixtures';

describe('DurableStore (outputs)', () => {
  let dir: string;
  let root: string;
  let store: DurableStore | undefined;
  const open = async (extra: { compactMinRecords?: number } = {}) => (store = await openDurableStore({ stateDir: dir, pipeline: 'etl', ...extra }));
  const readDb = () => JSON.parse(fs.readFileSync(path.join(root, 'db.json'), 'utf8'));
  const artifactFiles = () => (fs.existsSync(path.join(root, 'artifacts')) ? fs.readdirSync(path.join(root, 'artifacts')) : []);
  const logLines = () => parseLog(fs.readFileSync(path.join(root, 'runs', 'run-1', 'events.jsonl'), 'utf8'), 'log').lines;
  const small = { rows: [{ id: 1, name: 'a' }] };
  const smallHash = sha256(canonicalJson(small));
  beforeEach(() => {
    dir = tempDir();
    root = path.join(dir, 'etl');
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('when a small output is stored and a success refers to it', () => {
    it('writes no file: the success line carries it, and every reader gets it back after a reopen', async () => {
      const s = await open();
      await s.beginRun(runRecord('run-1'));
      const hash = await s.putOutput(small);
      assert.equal(hash, smallHash);
      assert.deepEqual(await s.getOutput(hash), small); // Readable before any record carries it.
      await s.saveStage('run-1', stageRecord('extract', 'SUCCEEDED', { outputHash: hash }), cacheEntry('extract', 'run-1', hash));
      assert.deepEqual(artifactFiles(), []);
      const success = logLines().find((l) => l.kind === 'checkpoint');
      assert.deepEqual(success?.kind === 'checkpoint' && success.outputs, { [hash]: canonicalJson(small) });
      await s.close();

      const again = await open();
      assert.deepEqual(await again.getOutput(hash), small);
      assert.equal(await again.hasOutput(hash), true);
      assert.equal(await again.verifyOutput(hash), 'ok');
      await again.close();
      const reader = await openStateReader({ stateDir: dir, pipeline: 'etl' });
      assert.deepEqual(await reader.getOutput(hash), small);
    });

    it('carries it once: a later record that refers to the same output has no copy', async () => {
      const s = await open();
      await s.beginRun(runRecord('run-1'));
      const hash = await s.putOutput(small);
      await s.saveStage('run-1', stageRecord('extract', 'SUCCEEDED', { outputHash: hash }));
      await s.putOutput(small);
      await s.saveStage('run-1', stageRecord('copy', 'SUCCEEDED', { outputHash: hash }));
      assert.deepEqual(
        logLines().map((l) => (l.kind === 'checkpoint' ? Object.keys(l.outputs ?? {}) : l.kind)),
        ['run', [hash], []],
      );
    });
  });

  describe('when an output is larger than the inline limit', () => {
    it('is a file under artifacts/ as soon as it is stored, before any record refers to it', async () => {
      const s = await open();
      await s.beginRun(runRecord('run-1'));
      const large = 'x'.repeat(INLINE_OUTPUT_MAX_BYTES);
      const hash = await s.putOutput(large);
      assert.deepEqual(artifactFiles(), [hash]);
      await s.saveStage('run-1', stageRecord('extract', 'SUCCEEDED', { outputHash: hash }));
      assert.deepEqual(logLines().map((l) => l.kind === 'checkpoint' && l.outputs), [false, undefined]);
      await s.close();
      assert.equal(await (await open()).getOutput(hash), large);
    });
  });

  describe('when the snapshot is rewritten', () => {
    it('keeps the inline outputs records refer to, and drops the ones nothing refers to', async () => {
      const s = await open({ compactMinRecords: 3 });
      await s.beginRun(runRecord('run-1'));
      const kept = await s.putOutput(small);
      await s.saveStage('run-1', stageRecord('extract', 'SUCCEEDED', { outputHash: kept }), cacheEntry('extract', 'run-1', kept));
      const orphan = await s.putOutput({ rows: [] });
      await s.saveStage('run-1', stageRecord('load', 'RUNNING')); // The third record: the snapshot is rewritten (synced in the background).
      await s.flush();
      assert.deepEqual(readDb().outputs, { [kept]: canonicalJson(small) });
      await s.deleteCacheEntries(['extract']);
      assert.deepEqual(Object.keys(readDb().outputs), [kept]); // The stage record still refers to it.
      assert.equal(await s.hasOutput(orphan), true); // Stored, until a record would carry it.
      await s.close();
      assert.deepEqual(await (await open()).getOutput(kept), small);
    });
  });

  describe('when an inline output is damaged', () => {
    it('reads as corrupt, and gc with verify drops it', async () => {
      const s = await open();
      await s.beginRun(runRecord('run-1'));
      const hash = await s.putOutput(small);
      await s.saveStage('run-1', stageRecord('extract', 'SUCCEEDED', { outputHash: hash }));
      await s.close();
      const db = readDb();
      db.outputs[hash] = canonicalJson({ rows: [{ id: 2, name: 'a' }] });
      fs.writeFileSync(path.join(root, 'db.json'), JSON.stringify(db));
      const again = await open();
      assert.equal(await again.verifyOutput(hash), 'corrupt');
      await assert.rejects(again.getOutput(hash), (e: unknown) => hasErrorCode(e, 'STATE_CORRUPT') && e.data.hash === hash);
      assert.deepEqual(await again.gcArtifacts({ verify: true }), { removed: [], damaged: [hash], cacheEntriesDropped: 0 });
      assert.equal(await again.verifyOutput(hash), 'missing');
      assert.deepEqual(readDb().outputs, {});
    });
  });

  describe('when the inline limit is not a byte count', () => {
    it('refuses it with INVALID_OPTION naming the field and the value', async () => {
      await assert.rejects(
        openDurableStore({ stateDir: dir, pipeline: 'etl', inlineOutputMaxBytes: -1 }),
        (e: unknown) => hasErrorCode(e, 'INVALID_OPTION') && e.message === 'Expected `inlineOutputMaxBytes` to be an integer >= 0, got `-1`',
      );
    });
  });
});
