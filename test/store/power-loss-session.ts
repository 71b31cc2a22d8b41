import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../src/clock';
import type { StageDefinition } from '../../src/definition/types';
import { isDagbookError, NonRetryableError } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';
import type { ItemRecord, StageRecord } from '../../src/records';
import { seededRandom } from '../../src/random';
import { startRun, type RunResult } from '../../src/run/run-pipeline';
import { openDurableStore, type DurableStore, type OpenDurableStoreOptions } from '../../src/store/durable-store';
import { nodeFileSystem, type StateFileSystem } from '../../src/store/state-file-system';
import { openStateReader, type StateReader } from '../../src/store/state-reader';
import { drive, T0 } from '../run/fixtures';
import { CrashFileSystem, crashStates, type CrashImage, type CrashStateOptions } from './crash-file-system';
import { tempDir } from './fixtures';

/**
 * The recorded sessions of the power-loss test and the check of their crash
 * states (see `power-loss.test.ts`). A session records what its returned
 * calls promised: the stages a returned run reported done (with their
 * outputs), the runs a retention pass retired (gone from the run index once
 * the pass returned; their stages may be gone from when it began), and the
 * run folders an archiving pass moved (under `archive/` once it returned).
 */

/** The real file system without its syncs: the checks need no durability, and a sync costs milliseconds here. */
const UNSYNCED: StateFileSystem = { ...nodeFileSystem, fsyncSync: () => {}, fdatasyncSync: () => {} };

/** A pid that no process can have (above Linux's pid_max): the lock's holder after a power cut, where locks have no boot id. */
const GONE_PID = 2_147_483_646;

/** A stage whose output is a distinct text of `bytes` characters (`version` changes it, and misses the cache). */
export function sized(id: string, deps: string[], bytes: number, fail?: () => boolean, version = '1'): StageDefinition {
  return {
    id,
    deps,
    version,
    run: (_ctx, inputs) => {
      if (fail?.()) throw new NonRetryableError(`${id} fails this time`);
      const seed = `${id}:${version}:${Object.keys(inputs).sort().join(',')}:`;
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

/** A run a retention pass retired. */
interface Retired {
  readonly pipeline: string;
  readonly runId: string;
  /** The op count when the pass began: from there on the run's stages may be gone. */
  readonly from: number;
  /** The op count when the pass returned: from there on the run is out of the run index. */
  readonly done: number;
  /** The files of the run's folder an archiving pass moved to `archive/<run-id>/` (none when deleted). */
  readonly archived: readonly string[];
}

/** A recorded session: the recorder and what its returned calls promised. */
export interface Session {
  readonly fsys: CrashFileSystem;
  readonly stateDir: string;
  readonly pipelines: readonly string[];
  readonly promised: Promised[];
  readonly retired: Retired[];
  /** The stage ids of each pipeline: their latest records and cache entries must have their outputs. */
  readonly stageIds: Record<string, string[]>;
  readonly compactMinRecords: number;
  /** Crash states before this op are not checked (a set-up written through the recorder). */
  checkFrom: number;
  /** The stages to resume an interrupted run with, when the session checks resumes. */
  resumeWith?: StageDefinition[];
  /** What was appended to an item journal, when the session writes one. */
  journal?: JournalRecord;
}

/**
 * The lines appended to one item journal, in order (each an item's record,
 * as JSON, or its removal), and how many of them each returned flush made
 * durable: a crash state must read as the lines up to some point at or past
 * the last flush's.
 */
interface JournalRecord {
  readonly pipeline: string;
  readonly stageId: string;
  readonly lines: { readonly itemId: string; readonly json: string | undefined }[];
  readonly flushed: { readonly from: number; readonly count: number }[];
}

/** Appends, removes and flushes through a store's item journal, noting what each returned flush promises. */
export function journaling(session: Session, store: DurableStore, pipeline: string, stageId: string) {
  const journal: JournalRecord = (session.journal ??= { pipeline, stageId, lines: [], flushed: [] });
  return {
    append(records: readonly ItemRecord[]): void {
      store.itemJournal(stageId).append(records);
      for (const record of records) journal.lines.push({ itemId: record.itemId, json: JSON.stringify(record) });
    },
    remove(itemIds: readonly string[]): void {
      store.itemJournal(stageId).remove(itemIds);
      for (const itemId of itemIds) journal.lines.push({ itemId, json: undefined });
    },
    async flush(): Promise<void> {
      const count = journal.lines.length;
      await store.flush();
      journal.flushed.push({ from: session.fsys.ops.length, count });
    },
  };
}

/**
 * An item journal read from a crash state must hold, for every item, what
 * the lines up to the last returned flush gave it, or what a later line did
 * (a write the page cache made before the cut).
 */
async function checkJournal(view: StateReader | DurableStore, journal: JournalRecord, at: number, who: string): Promise<string[]> {
  let read: Map<string, ItemRecord>;
  try {
    read = await view.readItemRecords(journal.stageId);
  } catch (error) {
    return [`${who} cannot read the item journal of ${journal.stageId}: ${(error as Error).message.split('\n')[0]}`];
  }
  const durable = journal.flushed.filter((f) => f.from <= at).reduce((most, f) => Math.max(most, f.count), 0);
  const allowed = new Map<string, Set<string | undefined>>();
  journal.lines.forEach((line, index) => {
    let set = allowed.get(line.itemId);
    if (set === undefined) allowed.set(line.itemId, (set = new Set([undefined])));
    if (index < durable) set.clear();
    set.add(line.json);
  });
  const problems: string[] = [];
  for (const [itemId, values] of allowed) {
    const record = read.get(itemId);
    const json = record === undefined ? undefined : JSON.stringify(record);
    if (!values.has(json)) problems.push(`${who} has ${itemId} of ${journal.stageId} as ${json === undefined ? 'absent' : json.slice(0, 60)} (${durable} lines flushed)`);
  }
  for (const itemId of read.keys()) if (!allowed.has(itemId)) problems.push(`${who} has an item never appended: ${itemId}`);
  return problems.slice(0, 3);
}

export function newSession(pipelines: string[], compactMinRecords: number): Session {
  const root = tempDir();
  const fsys = new CrashFileSystem(root);
  return { fsys, stateDir: path.join(root, 'state'), pipelines, promised: [], retired: [], stageIds: {}, compactMinRecords, checkFrom: 0 };
}

/** Opens a session's store on the recorder. */
export function open(session: Session, pipeline: string, options: Partial<OpenDurableStoreOptions> = {}): Promise<DurableStore> {
  return openDurableStore({
    stateDir: session.stateDir,
    pipeline,
    clock: new ManualClock(T0),
    compactMinRecords: session.compactMinRecords,
    fileSystem: session.fsys,
    ...options,
  });
}

/** Runs to the end on `store` and notes what the returned run promises. */
export async function run(session: Session, store: DurableStore, stages: StageDefinition[], name: string, ids: { runId?: string; resume?: string }): Promise<RunResult> {
  const clock = new ManualClock(T0);
  const handle = startRun(compilePipeline({ name, maxParallel: 2, stages }), { store, clock, random: seededRandom(7), ...ids });
  const result = await drive(clock, handle.result);
  const from = session.fsys.ops.length;
  const known = (session.stageIds[name] ??= []);
  for (const stage of stages) if (!known.includes(stage.id)) known.push(stage.id);
  for (const [stageId, record] of Object.entries(result.stages)) {
    const hash = result.outputHashes[stageId];
    if ((record.status === 'SUCCEEDED' || record.status === 'CACHED') && hash !== undefined) {
      session.promised.push({ pipeline: name, runId: result.runId, stageId, hash, value: await store.getOutput(hash), from });
    }
  }
  return result;
}

/**
 * Calls `act` (a run that begins with a retention pass, or `applyRetention`)
 * and notes the runs it retires: `runIds`, with the files of their folders
 * when `archive`.
 */
export async function retiring<T>(session: Session, pipeline: string, runIds: string[], archive: boolean, act: () => Promise<T>): Promise<T> {
  const from = session.fsys.ops.length;
  const runs = path.join(session.stateDir, pipeline, 'runs');
  const files = new Map(runIds.map((id) => [id, archive ? fs.readdirSync(path.join(runs, id)).sort() : []]));
  const result = await act();
  const done = session.fsys.ops.length;
  for (const runId of runIds) session.retired.push({ pipeline, runId, from, done, archived: files.get(runId) ?? [] });
  return result;
}

/** Problems of one crash image, empty when it opens and keeps every promise due by then. */
async function check(session: Session, image: CrashImage, dir: string, resume: boolean): Promise<string[]> {
  image.writeTo(dir);
  const stateDir = path.join(dir, path.relative(session.fsys.root, session.stateDir));
  const problems: string[] = [];
  const where = image.at < session.fsys.ops.length ? `${image.label}, cut before \`${session.fsys.describe(image.at)}\`` : image.label;
  for (const pipeline of session.pipelines) {
    const retired = session.retired.filter((r) => r.pipeline === pipeline);
    const mayBeGone = new Set(retired.filter((r) => r.from <= image.at).map((r) => r.runId));
    const due = session.promised.filter((p) => p.pipeline === pipeline && p.from <= image.at && !mayBeGone.has(p.runId));
    for (const r of retired.filter((x) => x.done <= image.at)) {
      for (const name of r.archived) {
        if (!fs.existsSync(path.join(stateDir, pipeline, 'archive', r.runId, name))) problems.push(`${where}: the archive of ${r.runId} lost ${name}`);
      }
      if (fs.existsSync(path.join(stateDir, pipeline, 'runs', r.runId, 'events.jsonl'))) problems.push(`${where}: the retired ${r.runId}'s log is back under runs/`);
    }
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
        problems.push(...(await checkReferenced(view, session.stageIds[pipeline] ?? [], `${where}: the ${opener}`)));
        if (session.journal?.pipeline === pipeline) problems.push(...(await checkJournal(view, session.journal, image.at, `${where}: the ${opener}`)));
        const listed = new Set((await view.listRuns()).map((r) => r.runId));
        for (const r of retired.filter((x) => x.done <= image.at && listed.has(x.runId))) problems.push(`${where}: the ${opener} lists the retired ${r.runId}`);
        if (opener === 'store' && resume && session.resumeWith) problems.push(...(await resumeInterrupted(session, view as DurableStore, pipeline, where)));
      } finally {
        await view.close();
      }
    }
  }
  return problems;
}

/** Every output the state still refers to (each stage's latest record and latest cache entry) must read back. */
async function checkReferenced(view: StateReader | DurableStore, stageIds: readonly string[], who: string): Promise<string[]> {
  const problems: string[] = [];
  const latest = await view.latestStages();
  for (const stageId of stageIds) {
    const refs: [string, string | undefined][] = [
      ['latest record', latest[stageId]?.record.outputHash],
      ['latest cache entry', (await view.latestCacheEntry(stageId))?.outputHash],
    ];
    for (const [what, hash] of refs) {
      if (hash === undefined) continue;
      try {
        await view.getOutput(hash);
      } catch (error) {
        problems.push(`${who} cannot read the output ${hash.slice(0, 8)} of ${stageId}'s ${what}: ${(error as Error).message.split('\n')[0]}`);
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

/**
 * A power cut ends every process, and the machine boots again: the lock's
 * holder, if it was written whole, ran in the boot before (its pid, this
 * process's, is alive, as a reused pid would be). Where the lock has no boot
 * id, its pid is made one no process has.
 */
function endHolder(lock: string): void {
  let info: { pid?: unknown; bootId?: unknown };
  try {
    info = JSON.parse(fs.readFileSync(lock, 'utf8')) as { pid?: unknown; bootId?: unknown };
  } catch {
    return;
  }
  if (info.pid !== process.pid) return;
  const rebooted = typeof info.bootId === 'string' ? { bootId: `${info.bootId}-before-the-power-cut` } : { pid: GONE_PID };
  fs.writeFileSync(lock, `${JSON.stringify({ ...info, ...rebooted })}\n`);
}

/**
 * Checks the crash states of a session from `checkFrom` on; returns how many,
 * in how many of the states checked for it (every `resumeEvery`-th) an
 * interrupted run was resumed, and the problems found.
 */
export async function checkAll(session: Session, options: CrashStateOptions, resumeEvery = 0): Promise<{ states: number; resumed: number; problems: string[] }> {
  const scratch = scratchDir();
  const problems: string[] = [];
  let states = 0;
  let resumed = 0;
  try {
    for (const image of crashStates(session.fsys.ops, options)) {
      if (image.at < session.checkFrom) continue;
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

/**
 * A folder for the crash images: in memory (`/dev/shm`) where there is one,
 * as hundreds of small states are written, opened and dropped and need no disk.
 */
function scratchDir(): string {
  return fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'dagbook-crash-'));
}

/** Every file under a folder, by path relative to it. */
export function realFiles(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      out.set(path.relative(root, file).split(path.sep).join('/'), fs.readFileSync(file));
    }
  }
  return out;
}

/** The names whose bytes differ between two file maps (or that only one has), sorted. */
export function sameFiles(a: Map<string, Buffer>, b: Map<string, Buffer>): string[] {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.filter((n) => !a.get(n)?.equals(b.get(n) ?? Buffer.alloc(0)) || a.has(n) !== b.has(n));
}
