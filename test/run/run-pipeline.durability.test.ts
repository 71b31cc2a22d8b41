import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NonRetryableError } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';
import type { CompiledPipeline } from '../../src/plan/plan';
import { runPipeline } from '../../src/run/run-pipeline';
import { openDurableStore, type DurableStore } from '../../src/store/durable-store';
import { parseLog } from '../../src/store/log-record';

/**
 * The durability contract of a run on the durable store: a returned run's
 * records are all synced; stage records share group commits; an all-cached
 * re-run makes one sync, at its end; small outputs travel inline in the log
 * and large ones as files, and both come back wherever outputs are read.
 */

const LARGE = 'x'.repeat(10_000);

/** a -> b -> c; `a` returns a small output, `b` a large one, `c` combines them. */
function pipeline(calls: string[] = [], failB = false): CompiledPipeline {
  return compilePipeline({
    name: 'durable',
    stages: [
      { id: 'a', run: () => (calls.push('a'), { rows: [1, 2, 3] }) },
      {
        id: 'b',
        deps: ['a'],
        run: (_ctx, inputs) => {
          calls.push('b');
          if (failB) throw new NonRetryableError('b is broken');
          return `${LARGE}${JSON.stringify(inputs.a)}`;
        },
      },
      { id: 'c', deps: ['a', 'b'], run: (_ctx, inputs) => (calls.push('c'), `${(inputs.a as { rows: number[] }).rows.length}:${String(inputs.b).length}`) },
    ],
  });
}

describe('runPipeline (durability on the durable store)', () => {
  let dir: string;
  let store: DurableStore | undefined;
  const open = async () => (store = await openDurableStore({ stateDir: dir, pipeline: 'durable' }));
  const artifacts = () => fs.readdirSync(path.join(dir, 'durable', 'artifacts'));
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-durability-'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('when a run returns', () => {
    it('has synced every record it wrote, its end included', async () => {
      const s = await open();
      const result = await runPipeline(pipeline(), { store: s, runId: 'run-1' });
      assert.equal(result.status, 'SUCCEEDED');
      const { appended, durable } = s.durability;
      assert.equal(durable, appended);
      const log = parseLog(fs.readFileSync(path.join(dir, 'durable', 'runs', 'run-1', 'events.jsonl'), 'utf8'), 'log').lines;
      const states = log.flatMap((l) => (l.kind === 'run' ? [`run ${l.run.status}`] : l.kind === 'checkpoint' ? [`${l.record.stageId} ${l.record.status}`] : []));
      assert.deepEqual(states, ['run RUNNING', 'a RUNNING', 'a SUCCEEDED', 'b RUNNING', 'b SUCCEEDED', 'c RUNNING', 'c SUCCEEDED', 'run SUCCEEDED']);
      assert.equal(appended, states.length);
    });

    it('keeps small outputs inline and large ones as files, each read back as the downstream stage saw it', async () => {
      const s = await open();
      const result = await runPipeline(pipeline(), { store: s, runId: 'run-1' });
      assert.deepEqual(artifacts(), [result.outputHashes.b]);
      assert.equal(await s.getOutput(result.outputHashes.c), '3:10016');
      assert.deepEqual(await s.getOutput(result.outputHashes.a), { rows: [1, 2, 3] });
    });
  });

  describe('when the unchanged pipeline runs again (all cached)', () => {
    it('makes one sync, at its end, not one per stage', async () => {
      const s = await open();
      await runPipeline(pipeline(), { store: s, runId: 'run-1' });
      const before = s.durability;
      const calls: string[] = [];
      const again = await runPipeline(pipeline(calls), { store: s, runId: 'run-2' });
      assert.deepEqual(calls, []);
      assert.deepEqual(Object.values(again.stages).map((r) => r.status), ['CACHED', 'CACHED', 'CACHED']);
      const after = s.durability;
      assert.deepEqual({ commits: after.commits - before.commits, records: after.appended - before.appended, unsynced: after.appended - after.durable }, { commits: 1, records: 5, unsynced: 0 });
    });

    it('restores inline and file outputs in a new process`s store, for a stage forced to run', async () => {
      await runPipeline(pipeline(), { store: await open(), runId: 'run-1' });
      await store?.close();
      const calls: string[] = [];
      const again = await runPipeline(pipeline(calls), { store: await open(), runId: 'run-2', force: ['c'] });
      assert.deepEqual(calls, ['c']);
      assert.equal(await (store as DurableStore).getOutput(again.outputHashes.c), '3:10016');
    });
  });

  describe('when a failed run is resumed', () => {
    it('keeps the stage it completed, with its inline output, and runs the rest', async () => {
      const first = await runPipeline(pipeline([], true), { store: await open(), runId: 'run-1' });
      assert.equal(first.status, 'FAILED');
      await store?.close();
      const calls: string[] = [];
      const resumed = await runPipeline(pipeline(calls), { store: await open(), resume: 'run-1' });
      assert.equal(resumed.status, 'SUCCEEDED');
      assert.deepEqual(calls, ['b', 'c']);
      assert.equal(await (store as DurableStore).getOutput(resumed.outputHashes.c), '3:10016');
    });
  });
});
