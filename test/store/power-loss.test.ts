import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeOutput } from '../../src/output-codec';
import { ArtifactStore } from '../../src/store/artifact-store';
import { mkdirDurableSync, writeFileAtomicSync } from '../../src/store/atomic-file';
import { T0 } from '../run/fixtures';
import { finalFiles } from './crash-file-system';
import { checkAll, journaling, newSession, open, realFiles, retiring, run, sameFiles, sized, type Session } from './power-loss-session';
import { itemRecord } from './fixtures';

/**
 * Power loss, not only SIGKILL: real runs on a durable store whose file
 * system records every write, rename and sync (`crash-file-system.ts`); then,
 * for every crash state of that record (what was durable at each sync
 * boundary, and the prefixes of what was not yet, some torn), the files are
 * written to a fresh folder and opened with the real store and the real
 * reader (`power-loss-session.ts`). Each must open, and every stage that a
 * run which had returned by then reported SUCCEEDED or CACHED must be there
 * with its output, read back through the output read path, unless a
 * retention pass that had begun retired the run; the output of every
 * stage's latest record and latest cache entry must read back; a run that a
 * returned retention pass retired must be out of the index and its log off
 * `runs/` (in `archive/` when archived). In the fan-out session every 4th
 * crash state also resumes the run the cut interrupted, which must end
 * SUCCEEDED with the outputs of the uninterrupted runs. An item journal
 * read from a crash state must hold every record a returned flush covered
 * (or a later one), and nothing torn. No crash state is
 * skipped (about 1,230 in all, with every prefix of the unsynced writes and
 * a torn variant of each); the checking stores run without syncs on a
 * folder in memory, since only the recorded runs need durability.
 */

describe('the durable store under power loss', function () {
  this.timeout(120_000);
  const sessions: Session[] = [];
  after(() => {
    for (const s of sessions) fs.rmSync(s.fsys.root, { recursive: true, force: true });
  });

  describe('when a chain runs, then runs again from cache', () => {
    let session: Session;
    before(async () => {
      session = newSession(['chain'], 1000);
      sessions.push(session);
      const stages = [sized('a', [], 40), sized('b', ['a'], 64 * 1024), sized('c', ['b'], 200), sized('d', ['c'], 30)];
      const store = await open(session, 'chain');
      assert.equal((await run(session, store, stages, 'chain', { runId: 'chain-1' })).status, 'SUCCEEDED');
      assert.equal((await run(session, store, stages, 'chain', { runId: 'chain-2' })).status, 'SUCCEEDED');
      await store.close();
    });

    it('routes every file the store wrote through its file system (the recorded files are the files on disk)', () => {
      assert.deepEqual(sameFiles(finalFiles(session.fsys.ops), realFiles(session.fsys.root)), []);
      assert.deepEqual(session.promised.map((p) => `${p.runId}/${p.stageId}`), ['chain-1/a', 'chain-1/b', 'chain-1/c', 'chain-1/d', 'chain-2/a', 'chain-2/b', 'chain-2/c', 'chain-2/d']);
    });

    it('opens every crash state with every stage of a returned run and its output', async () => {
      const { states, problems } = await checkAll(session, {});
      console.log(`      ${states} crash states of ${session.fsys.ops.length} recorded operations checked`);
      assert.deepEqual(problems.slice(0, 10), []);
    });
  });

  describe('when a fan-out fails, is resumed, compacted and re-run from cache', () => {
    let session: Session;
    before(async () => {
      session = newSession(['fanout'], 3);
      sessions.push(session);
      let failing = true;
      const stages = [
        sized('root', [], 20),
        sized('x1', ['root'], 100),
        sized('x2', ['root'], 32 * 1024),
        sized('x3', ['root'], 50, () => failing),
        sized('x4', ['root'], 10),
        sized('join', ['x1', 'x2', 'x3', 'x4'], 300),
      ];
      let store = await open(session, 'fanout');
      assert.equal((await run(session, store, stages, 'fanout', { runId: 'fan-1' })).status, 'FAILED');
      failing = false;
      assert.equal((await run(session, store, stages, 'fanout', { resume: 'fan-1' })).status, 'SUCCEEDED');
      await store.close();
      store = await open(session, 'fanout');
      assert.equal((await run(session, store, stages, 'fanout', { runId: 'fan-2' })).status, 'SUCCEEDED');
      await store.close();
      session.resumeWith = stages;
    });

    it('routes every file the store wrote through its file system (the recorded files are the files on disk)', () => {
      assert.deepEqual(sameFiles(finalFiles(session.fsys.ops), realFiles(session.fsys.root)), []);
    });

    it('opens every crash state with every stage of a returned run and its output, and every 4th resumes its interrupted run to the same outputs', async () => {
      const { states, resumed, problems } = await checkAll(session, {}, 4);
      console.log(`      ${states} crash states of ${session.fsys.ops.length} recorded operations checked, ${resumed} of them with an interrupted run resumed`);
      assert.deepEqual(problems.slice(0, 10), []);
    });
  });

  describe('when runs begin with a retention pass of at most one run, and a cache of one entry per stage', () => {
    let session: Session;
    before(async () => {
      session = newSession(['retain'], 1000);
      sessions.push(session);
      // `a` is small and stays cached: its output lives inline in retain-1's log until retain-3's pass retires retain-1.
      // `v` is large and new each round (its version changes): each pass leaves the one before last an orphan file, removed in the background.
      const stages = (round: number) => [sized('a', [], 40), sized('v', ['a'], 8 * 1024, undefined, String(round)), sized('w', ['v'], 60)];
      const store = await open(session, 'retain', { retention: { maxRuns: 1 }, cache: { maxEntriesPerStage: 1 } });
      for (let round = 1; round <= 4; round++) {
        const runId = `retain-${round}`;
        const go = () => run(session, store, stages(round), 'retain', { runId });
        const result = round >= 3 ? await retiring(session, 'retain', [`retain-${round - 2}`], false, go) : await go();
        assert.equal(result.status, 'SUCCEEDED');
      }
      await store.close();
    });

    it('routes every file the store wrote through its file system, and keeps only the last two runs', () => {
      assert.deepEqual(sameFiles(finalFiles(session.fsys.ops), realFiles(session.fsys.root)), []);
      assert.deepEqual(fs.readdirSync(path.join(session.stateDir, 'retain', 'runs')).sort(), ['retain-3', 'retain-4']);
      // retain-2's `v` went with retain-4's pass; retain-3's goes with the next one.
      const largeOutputs = session.promised.filter((p) => p.stageId === 'v' && ['retain-3', 'retain-4'].includes(p.runId)).map((p) => p.hash);
      assert.deepEqual(fs.readdirSync(path.join(session.stateDir, 'retain', 'artifacts')).sort(), [...largeOutputs].sort());
    });

    it('opens every crash state with every stage of a kept returned run and the output of every kept cache entry and latest record', async () => {
      const { states, problems } = await checkAll(session, {});
      console.log(`      ${states} crash states of ${session.fsys.ops.length} recorded operations checked`);
      assert.deepEqual(problems.slice(0, 10), []);
    });
  });

  describe('when `applyRetention` archives a run, then deletes two', () => {
    let session: Session;
    before(async () => {
      session = newSession(['clean'], 1000);
      sessions.push(session);
      const stages = [sized('a', [], 30), sized('b', ['a'], 6 * 1024)];
      const store = await open(session, 'clean', { retention: false });
      for (const runId of ['clean-1', 'clean-2', 'clean-3']) assert.equal((await run(session, store, stages, 'clean', { runId })).status, 'SUCCEEDED');
      const archived = await retiring(session, 'clean', ['clean-1'], true, () => store.applyRetention({ now: T0, maxRuns: 2, mode: 'archive' }));
      assert.deepEqual(archived.runs, ['clean-1']);
      const deleted = await retiring(session, 'clean', ['clean-2', 'clean-3'], false, () => store.applyRetention({ now: T0, maxRuns: 0 }));
      assert.deepEqual(deleted.runs, ['clean-2', 'clean-3']);
      await store.close();
    });

    it('routes every file the store wrote through its file system, with the archived run under archive/', () => {
      assert.deepEqual(sameFiles(finalFiles(session.fsys.ops), realFiles(session.fsys.root)), []);
      assert.deepEqual(fs.readdirSync(path.join(session.stateDir, 'clean', 'archive', 'clean-1')).sort(), ['events.jsonl', 'record.json']);
      assert.deepEqual(fs.readdirSync(path.join(session.stateDir, 'clean', 'runs')), []);
    });

    it('opens every crash state with every kept promise, and a returned pass`s runs out of the index, off runs/ and in their archive', async () => {
      const { states, problems } = await checkAll(session, {});
      console.log(`      ${states} crash states of ${session.fsys.ops.length} recorded operations checked`);
      assert.deepEqual(problems.slice(0, 10), []);
    });
  });

  describe('when an item journal is appended across turns, flushed, compacted and appended again', () => {
    let session: Session;
    before(async () => {
      session = newSession(['items'], 1000);
      sessions.push(session);
      const store = await open(session, 'items');
      const journal = journaling(session, store, 'items', 'embed');
      const ids = Array.from({ length: 600 }, (_, i) => `doc-${i}`);
      const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
      for (let turn = 0; turn < 3; turn++) {
        journal.append(ids.slice(turn * 200, turn * 200 + 200).map((id) => itemRecord(id, 1)));
        await nextTurn();
      }
      await journal.flush();
      // 1,201 lines for 550 items: the file is rewritten with the 550.
      for (let turn = 0; turn < 3; turn++) {
        journal.append(ids.slice(turn * 200, turn * 200 + 200).map((id) => itemRecord(id, 2)));
        if (turn === 2) journal.remove(ids.slice(0, 50));
        await nextTurn();
      }
      await journal.flush();
      journal.append(Array.from({ length: 50 }, (_, i) => itemRecord(`new-${i}`, 3)));
      await nextTurn();
      journal.append([itemRecord('doc-100', 3)]);
      await journal.flush();
      assert.equal(store.itemJournal('embed').stats.compactions, 1);
      await store.close();
    });

    it('routes every file the store wrote through its file system, with the journal compacted to its live items', () => {
      assert.deepEqual(sameFiles(finalFiles(session.fsys.ops), realFiles(session.fsys.root)), []);
      const lines = fs.readFileSync(path.join(session.stateDir, 'items', 'items', 'embed.jsonl'), 'utf8').trim().split('\n');
      assert.equal(lines.length, 550 + 51);
    });

    it('opens every crash state with every flushed record, and later ones only whole', async () => {
      const { states, problems } = await checkAll(session, {});
      console.log(`      ${states} crash states of ${session.fsys.ops.length} recorded operations checked`);
      assert.deepEqual(problems.slice(0, 10), []);
    });
  });

  describe('when a version 2 db.json is converted on open', () => {
    let session: Session;
    before(async () => {
      session = newSession(['legacy'], 1000);
      sessions.push(session);
      const root = path.join(session.stateDir, 'legacy');
      const value = { id: 'extract', text: 'rows' };
      // The version 2 state, made durable through the recorder: run-1's folder has lost its log, run-2 has no folder.
      mkdirDurableSync(path.join(root, 'runs', 'run-1'), session.fsys);
      const hash = new ArtifactStore(path.join(root, 'artifacts'), session.fsys).putStored(encodeOutput(value));
      const extract = (runId: string, status: string) => ({ stageId: 'extract', status, attempts: 1, idempotencyKey: `${runId}:extract`, usage: {}, validation: [], attemptLog: [], outputHash: hash });
      writeFileAtomicSync(path.join(root, 'db.json'), JSON.stringify({
        schemaVersion: 2,
        pipeline: 'legacy',
        appliedSeq: 9,
        runs: {
          'run-1': { runId: 'run-1', pipeline: 'legacy', status: 'SUCCEEDED', stages: ['extract'], startedAt: 1000, endedAt: 2000, usage: {} },
          'run-2': { runId: 'run-2', pipeline: 'legacy', status: 'SUCCEEDED', stages: ['extract'], startedAt: 3000, endedAt: 4000, usage: {} },
        },
        stages: { 'run-1': { extract: extract('run-1', 'SUCCEEDED') }, 'run-2': { extract: extract('run-2', 'CACHED') } },
        cache: { extract: [{ stageId: 'extract', cacheKey: 'key-extract', outputHash: hash, durationMs: 42, runId: 'run-1', recordedAt: 1500 }] },
        breakers: {},
      }), session.fsys);
      session.checkFrom = session.fsys.ops.length;
      session.promised.push({ pipeline: 'legacy', runId: 'run-1', stageId: 'extract', hash, value, from: session.checkFrom });
      session.stageIds.legacy = ['extract'];
      const store = await open(session, 'legacy');
      await store.close();
    });

    it('routes every file the store wrote through its file system, with run-1`s details in its record.json', () => {
      assert.deepEqual(sameFiles(finalFiles(session.fsys.ops), realFiles(session.fsys.root)), []);
      assert.deepEqual(fs.readdirSync(path.join(session.stateDir, 'legacy', 'runs', 'run-1')), ['record.json']);
    });

    it('opens every crash state from the version 2 one on with run-1`s stage and its output', async () => {
      const { states, problems } = await checkAll(session, {});
      console.log(`      ${states} crash states of ${session.fsys.ops.length - session.checkFrom} recorded operations checked`);
      assert.deepEqual(problems.slice(0, 10), []);
    });
  });
});
