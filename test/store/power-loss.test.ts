import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../src/clock';
import type { StageDefinition } from '../../src/definition/types';
import { isDagbookError, NonRetryableError } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';
import type { StageRecord } from '../../src/records';
import { seededRandom } from '../../src/random';
import { startRun, type RunResult } from '../../src/run/run-pipeline';
import { openDurableStore, type DurableStore } from '../../src/store/durable-store';
import { nodeFileSystem, type StateFileSystem } from '../../src/store/state-file-system';
import { openStateReader, type StateReader } from '../../src/store/state-reader';
import { drive, T0 } from '../run/fixtures';
import { CrashFileSystem, crashStates, finalFiles, type CrashImage, type CrashStateOptions } from './crash-file-system';
import { tempDir } from './fixtures';

/**
 * Power loss, not only SIGKILL: real runs on a durable store whose file
 * system records every write, rename and sync (`crash-file-system.ts`); then,
 * for every crash state of that record (what was durable at each sync
 * boundary, and the prefixes of what was not yet, some torn), the files are
 * written to a fresh folder and opened with the real store and the real
 * reader. Each must open, and every stage that a run which had returned by
 * then reported SUCCEEDED or CACHED must be there with its output, read back
 * through the output read path. In the fan-out session every 4th crash state
 * also resumes the run the cut interrupted, which must end SUCCEEDED with the
 * outputs of the uninterrupted runs. No crash state is skipped (about 670 in
 * all, with every prefix of the unsynced writes and a torn variant of each);
 * the checking stores run on the real file system without its syncs, since
 * only the recorded run needs them.
 */

/** The real file system without its syncs: the checks need no durability, and a sync costs milliseconds here. */
const UNSYNCED: StateFileSystem = { ...nodeFileSystem, fsyncSync: () => {}, fdatasyncSync: () => {} };

/** A pid that no process can have (above Linux's pid_max): the lock's holder after a power cut. */
const GONE_PID = 2_147_483_646;

/** A stage whose output is a distinct text of `bytes` characters. */
function sized(id: string, deps: string[], bytes: number, fail?: () => boolean): StageDefinition {
  return {
    id,
    deps,
    version: '1',
    run: (_ctx, inputs) => {
      if (fail?.()) throw new NonRetryableError(`${id} fails this time`);
      const seed = `${id}:${Object.keys(inputs).sort().join(',')}:`;
      return { id, text: seed.padEnd(bytes, id) };
    },
  };
}

/** A stage that a returned run reported done, and the output it had then. */
interface Promised {
  readonly pipeline: string;
  readonly runId: string;
  readonly stageId: string;
  readonly hash: string;
  readonly value: unknown;
  /** The op count when the run returned: crash states from there on must keep the stage. */
  readonly from: number;
}

/** A recorded session: the recorder and what its returned runs promised. */
interface Session {
  readonly fsys: CrashFileSystem;
  readonly stateDir: string;
  readonly pipelines: readonly string[];
  readonly promised: Promised[];
  readonly compactMinRecords: number;
  /** The stages to resume an interrupted run with, when the session checks resumes. */
  resumeWith?: StageDefinition[];
}

function newSession(pipelines: string[], compactMinRecords: number): Session {
  const root = tempDir();
  const fsys = new CrashFileSystem(root);
  return { fsys, stateDir: path.join(root, 'state'), pipelines, promised: [], compactMinRecords };
}

function open(session: Session, pipeline: string): Promise<DurableStore> {
  return openDurableStore({
    stateDir: session.stateDir,
    pipeline,
    clock: new ManualClock(T0),
    compactMinRecords: session.compactMinRecords,
    fileSystem: session.fsys,
  });
}

/** Runs to the end on `store` and notes what the returned run promises. */
async function run(session: Session, store: DurableStore, stages: StageDefinition[], name: string, ids: { runId?: string; resume?: string }): Promise<RunResult> {
  const clock = new ManualClock(T0);
  const handle = startRun(compilePipeline({ name, maxParallel: 2, stages }), { store, clock, random: seededRandom(7), ...ids });
  const result = await drive(clock, handle.result);
  const from = session.fsys.ops.length;
  for (const [stageId, record] of Object.entries(result.stages)) {
    const hash = result.outputHashes[stageId];
    if ((record.status === 'SUCCEEDED' || record.status === 'CACHED') && hash !== undefined) {
      session.promised.push({ pipeline: name, runId: result.runId, stageId, hash, value: await store.getOutput(hash), from });
    }
  }
  return result;
}

/** Problems of one crash image, empty when it opens and keeps every promise due by then. */
async function check(session: Session, image: CrashImage, dir: string, resume: boolean): Promise<string[]> {
  image.writeTo(dir);
  const stateDir = path.join(dir, path.relative(session.fsys.root, session.stateDir));
  const problems: string[] = [];
  const where = image.at < session.fsys.ops.length ? `${image.label}, cut before \`${session.fsys.describe(image.at)}\`` : image.label;
  for (const pipeline of session.pipelines) {
    const due = session.promised.filter((p) => p.pipeline === pipeline && p.from <= image.at);
    endHolder(path.join(stateDir, pipeline, 'lock'));
    for (const opener of ['reader', 'store'] as const) {
      let view: StateReader | DurableStore;
      try {
        view = opener === 'reader'
          ? await openStateReader({ stateDir, pipeline, fileSystem: UNSYNCED })
          : await openDurableStore({ stateDir, pipeline, compactMinRecords: session.compactMinRecords, clock: new ManualClock(T0), fileSystem: UNSYNCED });
      } catch (error) {
        const file = isDagbookError(error) ? (error.data.path ?? error.data.lockPath) : undefined;
        const coded = isDagbookError(error) ? `${error.code} naming ${String(file)}` : 'a bare error';
        problems.push(`${where}: the ${opener} of ${pipeline} does not open, ${coded}: ${(error as Error).message}`);
        continue;
      }
      try {
        for (const p of due) {
          const record: StageRecord | undefined = (await view.getStages(p.runId))[p.stageId];
          if (!record || (record.status !== 'SUCCEEDED' && record.status !== 'CACHED') || record.outputHash !== p.hash) {
            problems.push(`${where}: the ${opener} lost ${p.runId}/${p.stageId} (${record ? `${record.status} ${record.outputHash}` : 'no record'})`);
            continue;
          }
          try {
            assert.deepEqual(await view.getOutput(p.hash), p.value);
          } catch (error) {
            problems.push(`${where}: the ${opener} cannot read the output of ${p.runId}/${p.stageId}: ${(error as Error).message.split('\n')[0]}`);
          }
        }
        if (opener === 'store' && resume && session.resumeWith) problems.push(...(await resumeInterrupted(session, view as DurableStore, pipeline, where)));
      } finally {
        await view.close();
      }
    }
  }
  return problems;
}

/** Interrupted runs resumed so far. */
let resumedRuns = 0;

/**
 * Resumes every run the crash left RUNNING with the final stages: it must
 * succeed with the outputs the uninterrupted runs had.
 */
async function resumeInterrupted(session: Session, store: DurableStore, pipeline: string, where: string): Promise<string[]> {
  const problems: string[] = [];
  const reference = new Map(session.promised.map((p) => [p.stageId, p.value]));
  for (const interrupted of (await store.listRuns()).filter((r) => r.status === 'RUNNING')) {
    resumedRuns++;
    const clock = new ManualClock(T0);
    const stages = session.resumeWith ?? [];
    const result = await drive(clock, startRun(compilePipeline({ name: pipeline, maxParallel: 2, stages }), { store, clock, random: seededRandom(7), resume: interrupted.runId }).result);
    if (result.status !== 'SUCCEEDED') {
      problems.push(`${where}: resuming ${interrupted.runId} ends ${result.status}: ${result.reason ?? ''}`);
      continue;
    }
    for (const stage of stages) {
      try {
        assert.deepEqual(await store.getOutput(result.outputHashes[stage.id]), reference.get(stage.id));
      } catch (error) {
        problems.push(`${where}: resuming ${interrupted.runId} gives another output for ${stage.id}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }
  return problems;
}

/** A power cut ends every process: the lock's holder, if it was written whole, is gone. */
function endHolder(lock: string): void {
  let info: { pid?: unknown };
  try {
    info = JSON.parse(fs.readFileSync(lock, 'utf8')) as { pid?: unknown };
  } catch {
    return;
  }
  if (info.pid === process.pid) fs.writeFileSync(lock, `${JSON.stringify({ ...info, pid: GONE_PID })}\n`);
}

/**
 * Checks every crash state of a session; returns how many, in how many
 * of the states checked for it (every `resumeEvery`-th) an interrupted run was
 * resumed, and the problems found.
 */
async function checkAll(session: Session, options: CrashStateOptions, resumeEvery = 0): Promise<{ states: number; resumed: number; problems: string[] }> {
  const scratch = tempDir();
  const problems: string[] = [];
  let states = 0;
  let resumed = 0;
  try {
    for (const image of crashStates(session.fsys.ops, options)) {
      const dir = path.join(scratch, String(states++));
      fs.mkdirSync(dir);
      const resume = resumeEvery > 0 && states % resumeEvery === 0;
      const before = resumedRuns;
      problems.push(...(await check(session, image, dir, resume)));
      if (resumedRuns > before) resumed++;
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return { states, resumed, problems };
}

/** Every file under a folder, by path relative to it. */
function realFiles(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      out.set(path.relative(root, file).split(path.sep).join('/'), fs.readFileSync(file));
    }
  }
  return out;
}

function sameFiles(a: Map<string, Buffer>, b: Map<string, Buffer>): string[] {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.filter((n) => !a.get(n)?.equals(b.get(n) ?? Buffer.alloc(0)) || a.has(n) !== b.has(n));
}

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
});
