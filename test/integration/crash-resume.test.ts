import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { seededRandom } from '../../src/random';
import { openDurableStore } from '../../src/store/durable-store';
import type { RunRecord, StageRecord } from '../../src/records';
import {
  assertStateParses,
  crashScript,
  killHard,
  runScript,
  sideEffects,
  startScript,
  tempDir,
  waitForMarker,
} from './fixtures/child';

/** The order the crash pipeline runs its stages in (maxParallel 1). */
const ORDER = ['load', 'square', 'cube', 'big', 'join', 'report'];
const RUN_ID = 'run-crash-1';

interface Finished {
  readonly run: RunRecord | undefined;
  readonly stages: Record<string, StageRecord>;
  readonly outputs: Record<string, unknown>;
}

/** Opens the state in this process and reads the run's records and outputs. */
async function readRun(stateDir: string, runId: string): Promise<Finished> {
  const store = await openDurableStore({ stateDir, pipeline: 'crashy' });
  try {
    const stages = await store.getStages(runId);
    const outputs: Record<string, unknown> = {};
    for (const [id, r] of Object.entries(stages)) if (r.outputHash) outputs[id] = await store.getOutput(r.outputHash);
    return { run: await store.getRun(runId), stages, outputs };
  } finally {
    await store.close();
  }
}

/** Runs the crash pipeline once, uninterrupted, in a fresh folder. */
async function referenceRun(bigMb: number): Promise<Finished> {
  const dir = tempDir();
  try {
    const done = await runScript(crashScript, ['--state-dir', path.join(dir, 'state'), '--side-log', path.join(dir, 'side.log'), '--run-id', RUN_ID, '--big-mb', String(bigMb)]);
    assert.equal(done.code, 0, done.stderr);
    return await readRun(path.join(dir, 'state'), RUN_ID);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('crash and resume (child process killed with SIGKILL)', function () {
  this.timeout(120_000);
  let reference: Finished;
  let dir: string;
  let stateDir: string;
  let sideLog: string;
  let marker: string;
  const args = (extra: string[], bigMb = 0) => ['--state-dir', stateDir, '--side-log', sideLog, '--marker', marker, '--big-mb', String(bigMb), ...extra];

  before(async () => {
    reference = await referenceRun(0);
    assert.deepEqual(Object.keys(reference.outputs).sort(), [...ORDER].sort());
    assert.deepEqual(reference.run?.usage, { tokens: 60 });
  });
  beforeEach(() => {
    dir = tempDir();
    stateDir = path.join(dir, 'state');
    sideLog = path.join(dir, 'side.log');
    marker = path.join(dir, 'marker');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs until CRASH_AT, SIGKILLs, checks the state parses, resumes to the end. */
  async function crashThenResume(crashAt: string, bigMb = 0, delayMs = 0, mayFinish = false): Promise<Finished & { killed: boolean }> {
    const first = startScript(crashScript, args(['--run-id', RUN_ID], bigMb), { CRASH_AT: crashAt });
    await waitForMarker(first, marker);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const ended = await killHard(first);
    const killed = ended.signal === 'SIGKILL';
    if (!mayFinish) assert.ok(killed, `the child ended by itself (code ${ended.code}): ${ended.stderr}`);
    else if (!killed) assert.equal(ended.code, 0, ended.stderr);
    assertStateParses(path.join(stateDir, 'crashy'));

    const resumed = await runScript(crashScript, args(['--resume', RUN_ID], bigMb));
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(JSON.parse(resumed.stdout.trim().split('\n').pop() as string).status, 'SUCCEEDED');
    assertStateParses(path.join(stateDir, 'crashy'));
    return { ...(await readRun(stateDir, RUN_ID)), killed };
  }

  /** Execution counts per stage, from the side-effect log. */
  function executions(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of sideEffects(sideLog)) out[e.stageId] = (out[e.stageId] ?? 0) + 1;
    return out;
  }

  function keysOf(stageId: string): string[] {
    return sideEffects(sideLog)
      .filter((e) => e.stageId === stageId)
      .map((e) => e.key);
  }

  const once = (except: Record<string, number> = {}) => Object.fromEntries(ORDER.map((id) => [id, except[id] ?? 1]));

  for (const stageId of ['load', 'big', 'report']) {
    describe(`when killed inside stage \`${stageId}\``, () => {
      it('keeps the completed stages, runs only that stage again with the same idempotency key, and ends with the uninterrupted outputs', async () => {
        const finished = await crashThenResume(`inside:${stageId}`);
        assert.deepEqual(executions(), once({ [stageId]: 2 }));
        const keys = keysOf(stageId);
        assert.equal(keys[1], keys[0]);
        assert.equal(finished.stages[stageId].idempotencyKey, keys[0]);
        assert.deepEqual(finished.outputs, reference.outputs);
        for (const id of ORDER) assert.equal(finished.stages[id].status, 'SUCCEEDED', id);
      });

      it('re-runs the interrupted attempt 1 as attempt 1 (a crash is not a failed attempt) and says so', async () => {
        const finished = await crashThenResume(`inside:${stageId}`);
        assert.deepEqual(sideEffects(sideLog).filter((e) => e.stageId === stageId).map((e) => e.attempt), [1, 1]);
        assert.equal(finished.stages[stageId].attempts, 1);
        assert.equal(finished.stages[stageId].reason, 'resumed after interruption of attempt 1');
        assert.deepEqual(finished.stages[stageId].attemptLog.map((a) => [a.attempt, a.outcome]), [[1, 'succeeded']]);
      });

      it('counts the tokens of the stages completed before the kill in the run usage', async () => {
        const finished = await crashThenResume(`inside:${stageId}`);
        assert.deepEqual(finished.run?.usage, { tokens: 60 });
      });
    });
  }

  describe('when killed after stage `cube` returned but before its success was checkpointed', () => {
    it('runs `cube` again with the same idempotency key and nothing else twice', async () => {
      const finished = await crashThenResume('before-checkpoint:cube');
      assert.deepEqual(executions(), once({ cube: 2 }));
      const keys = keysOf('cube');
      assert.equal(keys[1], keys[0]);
      assert.deepEqual(finished.outputs, reference.outputs);
    });
  });

  for (const stageId of ['square', 'join']) {
    describe(`when killed just after stage \`${stageId}\` was checkpointed SUCCEEDED`, () => {
      it('runs no stage twice and ends with the uninterrupted outputs', async () => {
        const finished = await crashThenResume(`after:${stageId}`);
        assert.deepEqual(executions(), once());
        assert.deepEqual(finished.outputs, reference.outputs);
        for (const id of ORDER) assert.equal(finished.stages[id].status, 'SUCCEEDED', id);
      });
    });
  }

  describe('when killed at random moments while a 20 MB output and the checkpoints around it are written', () => {
    it('always leaves state that parses, and the resumed run ends with the uninterrupted outputs', async () => {
      const bigReference = await referenceRun(20);
      const random = seededRandom(7);
      const repeats = 8;
      let kills = 0;
      for (let i = 0; i < repeats; i++) {
        fs.rmSync(stateDir, { recursive: true, force: true });
        fs.rmSync(sideLog, { force: true });
        fs.rmSync(marker, { force: true });
        // Marker to exit takes ~300 ms here (serialise, hash, write and fsync 20 MB,
        // then the checkpoints and the last stages): spread the kills over it.
        const delayMs = i * 50 + Math.floor(random() * 50);
        const finished = await crashThenResume('during-write', 20, delayMs, true);
        if (finished.killed) kills++;
        assert.deepEqual(finished.outputs, bigReference.outputs, `kill after ${delayMs} ms`);
        const counts = executions();
        // Stages checkpointed before `big` started never run again; at most one
        // stage (the one in flight at the kill) runs twice, with the same key.
        for (const id of ['load', 'square', 'cube']) assert.equal(counts[id], 1, `${id} after a kill at ${delayMs} ms`);
        const twice = ORDER.filter((id) => counts[id] === 2);
        assert.ok(twice.length <= 1, `ran twice: ${twice.join(', ')}`);
        for (const id of twice) assert.equal(new Set(keysOf(id)).size, 1);
        assert.ok(ORDER.every((id) => counts[id] >= 1 && counts[id] <= 2));
      }
      assert.ok(kills >= repeats / 2, `only ${kills} of ${repeats} children were killed before they finished`);
    });
  });
});
