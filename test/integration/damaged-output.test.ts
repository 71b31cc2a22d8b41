import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PipelineDefinition } from '../../src/definition/types';
import { compilePipeline } from '../../src/plan/compile';
import { dryRun } from '../../src/query/dry-run';
import { runPipeline, type RunResult } from '../../src/run/run-pipeline';
import { openDurableStore } from '../../src/store/durable-store';
import { tempDir } from './fixtures/child';

/**
 * A stored output damaged on disk is never restored: the dry run says why
 * the stage will run, the run re-runs it (rewriting its output), and its
 * dependents read the output it produced again, not the damaged file.
 */

/** `source` -> `shout` (param `mark`) reading source's output. */
function pipeline(mark: string, seen: unknown[] = []): PipelineDefinition {
  return {
    name: 'damaged',
    stages: [
      { id: 'source', run: () => ({ rows: [1, 2, 3] }) },
      { id: 'shout', deps: ['source'], params: { mark }, run: (ctx, inputs) => (seen.push(inputs.source), `${JSON.stringify(inputs.source)}${String(ctx.params.mark)}`) },
    ],
  };
}

describe('a damaged stored output', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('dagbook-damaged-');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs `def` on the durable store under `dir` (opened for the run alone, every output a file), and the dry run before it. */
  async function dryThenRun(def: PipelineDefinition, runId: string): Promise<{ dry: string[][]; result: RunResult }> {
    const store = await openDurableStore({ stateDir: dir, pipeline: 'damaged', inlineOutputMaxBytes: 0 });
    try {
      const compiled = compilePipeline(def);
      const dry = (await dryRun(compiled, { store })).rows.map((r) => [r.stageId, r.action, r.reason]);
      const result = await runPipeline(compiled, { store, runId });
      return { dry, result };
    } finally {
      await store.close();
    }
  }

  const reasons = (result: RunResult) => Object.values(result.stages).map((r) => [r.stageId, r.status, r.reason]);

  describe('when a byte of it is flipped', () => {
    it('dry run and run both say "stored output corrupt"; the stage re-runs and its dependent gets the right input', async () => {
      const first = await dryThenRun(pipeline('!'), 'run-1');
      const file = path.join(dir, 'damaged', 'artifacts', first.result.outputHashes.source);
      const bytes = fs.readFileSync(file);
      bytes[3] ^= 0x20;
      fs.writeFileSync(file, bytes);

      const seen: unknown[] = [];
      const second = await dryThenRun(pipeline('?', seen), 'run-2');
      assert.deepEqual(second.dry, [
        ['source', 'run', 'stored output corrupt'],
        ['shout', 'run', 'param `mark` changed; upstream `source` will run'],
      ]);
      assert.deepEqual(reasons(second.result), [
        ['source', 'SUCCEEDED', 'stored output corrupt'],
        ['shout', 'SUCCEEDED', 'param `mark` changed'],
      ]);
      assert.deepEqual(seen, [{ rows: [1, 2, 3] }]);
      assert.equal(second.result.outputHashes.source, first.result.outputHashes.source);
      assert.equal(fs.readFileSync(file, 'utf8'), '{"rows":[1,2,3]}');
    });
  });

  describe('when it is deleted', () => {
    it('dry run and run both say "stored output missing"; what depends on an unchanged output stays restored', async () => {
      const first = await dryThenRun(pipeline('!'), 'run-1');
      fs.rmSync(path.join(dir, 'damaged', 'artifacts', first.result.outputHashes.source));
      const second = await dryThenRun(pipeline('!'), 'run-2');
      assert.deepEqual(second.dry, [
        ['source', 'run', 'stored output missing'],
        ['shout', 'run', 'upstream `source` will run'],
      ]);
      assert.deepEqual(reasons(second.result), [
        ['source', 'SUCCEEDED', 'stored output missing'],
        ['shout', 'CACHED', 'up to date'],
      ]);
    });
  });
});
